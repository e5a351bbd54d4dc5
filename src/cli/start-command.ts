import { type Config, hasChatPlatform } from '../config.ts';
import { startSteppingStones } from '../main.ts';

/** `stepping-stones start`: refuses to start a bot nobody can reach, and says what to set. */
export async function startCommand(input: { config: Config; out: (line: string) => void; err: (line: string) => void }): Promise<number> {
  if (!hasChatPlatform(input.config)) {
    input.err('No chat platform is configured, so there is nothing to start.');
    input.err('Set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (HTTP on /slack/events), or SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode).');
    input.err('To look around without credentials, run `npm run demo`.');
    return 1;
  }
  const running = await startSteppingStones(input.config, input.out);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  input.out('Shutting down…');
  await running.stop();
  return 0;
}
