// The composition root mounts the Slack receiver on the same HTTP server as /healthz, and stops cleanly.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSteppingStones, type RunningSteppingStones } from '../../../src/main.ts';
import { type FakeSlack, startFakeSlack } from '../../helpers/fake-slack.ts';
import { slashCommand, TEST_SIGNING_SECRET } from '../../helpers/slack-requests.ts';
import { blockText } from '../../helpers/slack-world.ts';

describe('startSteppingStones with Slack over HTTP', () => {
  let fake: FakeSlack;
  let running: RunningSteppingStones;
  let origin: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'stepping-stones-main-'));
  const lines: string[] = [];
  beforeAll(async () => {
    fake = await startFakeSlack();
    running = await startSteppingStones(
      {
        database: { engine: 'pglite', dataDir },
        port: 0,
        logLevel: 'error',
        slack: { botToken: 'xoxb-test', signingSecret: TEST_SIGNING_SECRET, apiUrl: fake.url },
      },
      (line) => lines.push(line),
    );
    origin = `http://127.0.0.1:${(running.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await running?.stop();
    await fake?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves /healthz and says Slack is mounted on /slack/events', async () => {
    const response = await fetch(`${origin}/healthz`);
    expect(await response.json()).toEqual({ ok: true, database: 'pglite' });
    expect(lines).toContain('Stepping Stones listening on port 0 (database: pglite, Slack: HTTP on /slack/events).');
  });

  it('routes signed requests on /slack/events to the Slack app, and refuses unsigned ones', async () => {
    const target = { url: `${origin}/slack/events`, signingSecret: TEST_SIGNING_SECRET };
    const response = await slashCommand(target, { command: '/feedback', text: 'help', responseUrl: fake.responseUrl('main-help') });
    expect(response.status).toBe(200);
    const reply = await fake.waitFor('response_url', (c) => c.targetId === 'main-help');
    expect(blockText(reply.args.blocks as Record<string, unknown>[])).toContain('Ask for feedback with /feedback');
    // The bot's identity was asked once, lazily, from the configured API URL.
    expect(fake.callsTo('auth.test')).toHaveLength(1);

    const unsigned = await fetch(`${origin}/slack/events`, { method: 'POST', body: 'command=%2Ffeedback' });
    expect(unsigned.status).toBe(401);
  });

  it('answers other paths with a JSON 404', async () => {
    for (const [method, path] of [['GET', '/slack/events'], ['POST', '/elsewhere'], ['GET', '/']] as const) {
      const response = await fetch(`${origin}${path}`, { method });
      expect({ path, status: response.status, body: await response.json() }).toEqual({ path, status: 404, body: { ok: false, error: 'not_found' } });
    }
  });
});
