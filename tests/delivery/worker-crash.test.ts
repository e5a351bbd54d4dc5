// A worker killed with SIGKILL in the middle of a batch (between sending a message and recording it): once its
// leases run out, another worker sends everything that was left, and at most the one message in flight arrives
// twice. Needs real processes and PostgreSQL (PGlite lives inside one process).
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { outboxMessages } from '../../src/db/schema/index.ts';
import { enqueueMessage } from '../../src/delivery/outbox.ts';
import { deliverDueMessages, LEASE_SECONDS, nextDueAt } from '../../src/delivery/worker.ts';
import { message } from '../../src/messages/model.ts';
import { createSlackWebClient } from '../../src/platforms/slack/app.ts';
import { createSlackSender } from '../../src/platforms/slack/slack-sender.ts';
import { describeOnPostgres } from '../helpers/db.ts';
import { fixedClock } from '../helpers/demo-program.ts';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack.ts';

const RUN_TS = fileURLToPath(new URL('../../bin/run-ts.js', import.meta.url));
const CRASH_WORKER = fileURLToPath(new URL('./fixtures/crash-worker.ts', import.meta.url));
const MESSAGES = 12;

describeOnPostgres('a delivery worker killed mid-batch', (ctx) => {
  let fake: FakeSlack | undefined;
  let child: ChildProcess | undefined;
  afterAll(async () => {
    child?.kill('SIGKILL');
    await fake?.close();
  });

  it('leaves no message lost and at most one duplicate: the one in flight when it died', async () => {
    fake = await startFakeSlack();
    for (let i = 0; i < MESSAGES; i += 1) {
      await enqueueMessage(ctx.db, { idempotencyKey: `crash:${i}`, kind: 'test', recipientChannelId: `C0CRASH${i}`, message: message(`Crash check ${i}`) });
    }
    // Every answer takes 300 ms, so the worker is surely waiting on Slack when it is killed.
    fake.injectFaults({ seed: 1, slowRate: 1, slowMs: 300, methods: ['chat.postMessage'] });
    const startedAt = Date.now();
    child = spawn(process.execPath, [RUN_TS, CRASH_WORKER], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: ctx.database.url!, SLACK_API_URL: fake.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += String(chunk)));
    child.stderr!.on('data', (chunk) => (output += String(chunk)));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child!.once('exit', (_code, signal) => resolve(signal)));

    // The fourth post has arrived and is not answered yet: kill -9 now.
    await fake.waitForCount('chat.postMessage', 4, undefined, 30_000).catch((error: Error) => {
      throw new Error(`${error.message}\nworker output:\n${output}`);
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    fake.stopFaults();

    const rows = await ctx.db.select().from(outboxMessages);
    const recorded = rows.filter((r) => r.status === 'sent').length;
    expect(recorded).toBeLessThan(MESSAGES);
    // Nothing is lost: the killed worker's rows are leased, and a worker whose clock is past the lease sends them.
    const clock = fixedClock(new Date(startedAt + (LEASE_SECONDS + 30) * 1000).toISOString());
    const sender = createSlackSender(createSlackWebClient({ botToken: 'xoxb-test', signingSecret: '', apiUrl: fake.url }));
    for (let pass = 0; pass < 10 && (await nextDueAt(ctx.db, ['slack'])); pass += 1) {
      await deliverDueMessages({ db: ctx.db, clock, senders: { slack: sender } });
    }
    const after = await ctx.db.select().from(outboxMessages);
    expect(after.filter((r) => r.status !== 'sent').map((r) => r.idempotencyKey)).toEqual([]);

    const arrivals = new Map<string, number>();
    for (const call of fake.callsTo('chat.postMessage')) arrivals.set(String(call.args.text), (arrivals.get(String(call.args.text)) ?? 0) + 1);
    for (let i = 0; i < MESSAGES; i += 1) expect(arrivals.get(`Crash check ${i}`), `Crash check ${i}`).toBeGreaterThanOrEqual(1);
    // The worker sends one row at a time and records each before the next: three were recorded, the fourth was
    // in flight. Slack acted on it but the worker died before recording it, so it is the one duplicate.
    expect(recorded).toBe(3);
    expect([...arrivals].filter(([, count]) => count > 1)).toEqual([['Crash check 3', 2]]);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(MESSAGES + 1);
  }, 60_000);
});
