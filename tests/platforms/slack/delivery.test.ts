// The delivery loop main.ts runs: a nudge sends what a use case enqueued at once, Slack's 429 is left to the outbox
// (one attempt, no SDK retry), and stop() waits for the pass in progress so the database can close after it.
// Then the outbox through the real WebClient and Slack sender against the fake Slack: random 429s, 500s and slow
// answers, thread replies, chart uploads, replacements, CCC digests refused in public channels, and pacing.
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { identifyChatUser } from '../../../src/core/people/identify-chat-user.ts';
import { systemClock } from '../../../src/core/ports.ts';
import { promptAfterRotations } from '../../../src/core/rotation-evaluations/prompt-after-rotations.ts';
import { chatIdentities, outboxMessages, people, programs } from '../../../src/db/schema/index.ts';
import { enqueueMessage } from '../../../src/delivery/outbox.ts';
import { DELIVERY_FAILED_KIND, deliverDueMessages, nextDueAt, pendingMessages, SLACK_PACE_MS } from '../../../src/delivery/worker.ts';
import { chart, message, paragraph } from '../../../src/messages/model.ts';
import { createSlackWebClient } from '../../../src/platforms/slack/app.ts';
import { startSlackDelivery } from '../../../src/platforms/slack/delivery.ts';
import { createSlackSender } from '../../../src/platforms/slack/slack-sender.ts';
import { describeOnEachEngine } from '../../helpers/db.ts';
import { demoPerson, fixedClock, seedDemoProgram } from '../../helpers/demo-program.ts';
import { type FakeSlack, type RecordedCall, startFakeSlack } from '../../helpers/fake-slack.ts';
import { TEST_TEAM_ID } from '../../helpers/slack-requests.ts';
import { demoHandles, slackIdOf, TEST_NOW } from '../../helpers/slack-world.ts';

describeOnEachEngine('Slack delivery loop', (ctx) => {
  let fake: FakeSlack;
  const logs: string[] = [];
  beforeAll(async () => {
    await seedDemoProgram(ctx.db);
    fake = await startFakeSlack();
    for (const handle of ['maya.lee', 'wendy.morgan']) {
      await identifyChatUser({
        db: ctx.db,
        platform: 'slack',
        workspaceId: TEST_TEAM_ID,
        userId: slackIdOf(handle),
        lookupEmail: async () => `${handle}@stelsewhere.example.org`,
      });
    }
  });
  afterAll(async () => fake?.close());

  // A long interval: only the start-up pass and nudges run during the test.
  const start = () =>
    startSlackDelivery({
      db: ctx.db,
      clock: systemClock,
      client: createSlackWebClient({ botToken: 'xoxb-test', signingSecret: '', apiUrl: fake.url }),
      log: (line) => logs.push(line),
      intervalMs: 60 * 60 * 1000,
    });

  it('a rate-limited send is tried once and left pending for the outbox to retry after Retry-After', async () => {
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 30 }, 100);
    const delivery = start();
    await promptAfterRotations({ db: ctx.db, clock: fixedClock(TEST_NOW), date: '2026-10-31' });
    delivery.nudge();
    // Maya and Wendy each supervised two rotations that ended: four prompts can reach Slack.
    // Two prompts each for two people: paced, the second of each goes a second after the first.
    const attempts = await fake.waitForCount('chat.postMessage', 4, undefined, 5000);
    // Each row's failure is recorded after its call arrived, so it waits at least Retry-After from then.
    const failedAt = Math.min(...attempts.map((call) => call.at));
    await delivery.stop();
    // One HTTP call per message: the WebClient did not retry behind the outbox's back.
    expect(fake.callsTo('chat.postMessage')).toHaveLength(4);
    const rows = await ctx.db.select().from(outboxMessages).where(inArray(outboxMessages.recipientPersonId, await linked()));
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      expect(row).toMatchObject({ status: 'pending', attempts: 1, lastError: 'Slack rate limited the message' });
      expect(row.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(failedAt + 29_000);
    }
  });

  it('a nudge sends what is due without waiting for the next tick', async () => {
    fake.reset();
    // Make the rate-limited rows due again, as time passing would.
    await ctx.db.update(outboxMessages).set({ nextAttemptAt: new Date(Date.now() - 1000) }).where(inArray(outboxMessages.recipientPersonId, await linked()));
    const delivery = start();
    delivery.nudge();
    const calls = await fake.waitForCount('chat.postMessage', 4);
    await delivery.stop();
    expect(calls.map((c) => c.args.channel).sort()).toEqual(['UMAYALEE', 'UMAYALEE', 'UWENDYMORGAN', 'UWENDYMORGAN']);
    const rows = await ctx.db.select().from(outboxMessages).where(inArray(outboxMessages.recipientPersonId, await linked()));
    expect(rows.map((r) => [r.status, r.platformChannelId]).sort()).toEqual([
      ['sent', fake.dmChannelFor('UMAYALEE')],
      ['sent', fake.dmChannelFor('UMAYALEE')],
      ['sent', fake.dmChannelFor('UWENDYMORGAN')],
      ['sent', fake.dmChannelFor('UWENDYMORGAN')],
    ]);
    expect(logs).toEqual([]);
  });

  /** Person ids of the people linked to Slack above. */
  async function linked(): Promise<string[]> {
    return (await ctx.db.select({ personId: chatIdentities.personId }).from(chatIdentities)).map((r) => r.personId);
  }
});

/** A real 1×1 PNG: what the injected chart renderer draws, so the upload's bytes can be checked. */
export const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

describeOnEachEngine('Slack delivery through the outbox', (ctx) => {
  let fake: FakeSlack;
  const clock = fixedClock(TEST_NOW);
  const logs: string[] = [];
  let programId: string;
  const charts: string[] = [];

  beforeAll(async () => {
    await seedDemoProgram(ctx.db);
    fake = await startFakeSlack({ teamId: TEST_TEAM_ID });
    fake.seedChannel({ id: 'C0CCC', name: 'im-ccc', isPrivate: true });
    fake.seedChannel({ id: 'C0PUB', name: 'general', isPrivate: false });
    const everyone = await ctx.db.select({ id: people.id, email: people.email }).from(people);
    await ctx.db.insert(chatIdentities).values(
      everyone.map((person) => ({ personId: person.id, platform: 'slack' as const, workspaceId: TEST_TEAM_ID, userId: slackIdOf(person.email.split('@')[0]!) })),
    );
    programId = (await ctx.db.select({ id: programs.id }).from(programs).where(eq(programs.slug, 'internal-medicine')))[0]!.id;
  });
  afterAll(async () => fake?.close());
  beforeEach(async () => {
    fake.reset();
    await ctx.db.delete(outboxMessages);
    clock.set(TEST_NOW);
  });

  const sender = (timeout = 2000) =>
    createSlackSender(createSlackWebClient({ botToken: 'xoxb-test', signingSecret: '', apiUrl: fake.url }, { timeout }), {
      renderChart: async (c) => {
        charts.push(c.altText);
        return TINY_PNG;
      },
    });

  /** Runs passes, moving the test clock to the next due row each time, until nothing is left to send. */
  async function drain(send: ReturnType<typeof sender>, maxPasses = 400): Promise<number> {
    for (let passes = 1; passes <= maxPasses; passes += 1) {
      await deliverDueMessages({ db: ctx.db, clock, senders: { slack: send }, paceMs: SLACK_PACE_MS, concurrency: 1, log: (l) => logs.push(l), random: () => 0.5 });
      const due = await nextDueAt(ctx.db, ['slack']);
      if (!due) return passes;
      clock.set(new Date(Math.max(due.getTime(), clock.now().getTime())).toISOString());
    }
    throw new Error(`still pending after ${maxPasses} passes: ${(await pendingMessages(ctx.db)).map((r) => r.idempotencyKey).join(', ')}`);
  }

  const processed = (call: RecordedCall) => !call.failure || 'delayMs' in call.failure;

  it('with 30% 429s, 10% 500s and slow answers, every message arrives; only a timed-out call can cause a duplicate', async () => {
    const handles = demoHandles();
    let i = 0;
    for (const handle of handles) {
      const personId = await demoPerson(ctx.db, handle);
      await enqueueMessage(ctx.db, { idempotencyKey: `fault:${i}`, kind: 'test', recipientPersonId: personId, message: message(`Fault check ${i}`) });
      i += 1;
    }
    for (let k = 0; k < 6; k += 1, i += 1) {
      await enqueueMessage(ctx.db, { idempotencyKey: `fault:${i}`, kind: 'test', recipientChannelId: 'C0TEAM', message: message(`Fault check ${i}`) });
    }
    const total = i;
    fake.injectFaults({ seed: 20261102, rate429: 0.3, retryAfterSeconds: 7, rate500: 0.1, slowRate: 0.08, slowMs: 400, methods: ['chat.postMessage'] });
    // The client gives up after 150 ms; the fake still acts on the slow call 400 ms after it arrived, as Slack would.
    await drain(sender(150));
    fake.stopFaults();

    const posts = fake.callsTo('chat.postMessage');
    const failures = posts.map((c) => c.failure).filter((f) => f !== undefined);
    // The faults really happened, or this test proves nothing.
    expect(failures.filter((f) => 'status' in f && f.status === 429).length).toBeGreaterThan(5);
    expect(failures.filter((f) => 'status' in f && f.status === 500).length).toBeGreaterThan(1);
    const slowTexts = new Set(posts.filter((c) => c.failure && 'delayMs' in c.failure).map((c) => String(c.args.text)));
    expect(slowTexts.size).toBeGreaterThan(0);
    for (let n = 0; n < total; n += 1) {
      const text = `Fault check ${n}`;
      const arrived = posts.filter((c) => c.args.text === text && processed(c)).length;
      // A 429 or a 500 is never acted on, so a retry after one cannot duplicate. A call that timed out may have been
      // acted on by Slack anyway: its retry is the one duplicate the outbox allows (the README says so).
      if (slowTexts.has(text)) expect(arrived).toBeGreaterThanOrEqual(1);
      else expect(arrived, text).toBe(1);
    }
    const rows = await ctx.db.select().from(outboxMessages);
    expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
    expect(rows).toHaveLength(total);
    // The 429s were waited out: a row that got one had to wait the full Retry-After before the next try.
    expect(rows.some((r) => r.attempts > 0)).toBe(true);
    expect(fake.callsTo('chat.postMessage').filter((c) => c.failure && 'status' in c.failure)).toHaveLength(
      failures.filter((f) => 'status' in f).length,
    );
  });

  it('with 30% 429s, 10% 500s and slow answers inside the client timeout, every message arrives exactly once by key', async () => {
    let i = 0;
    for (const handle of demoHandles()) {
      const personId = await demoPerson(ctx.db, handle);
      await enqueueMessage(ctx.db, { idempotencyKey: `exact:${i}`, kind: 'test', recipientPersonId: personId, message: message(`Exactly once ${i}`) });
      i += 1;
    }
    for (let k = 0; k < 6; k += 1, i += 1) {
      await enqueueMessage(ctx.db, { idempotencyKey: `exact:${i}`, kind: 'test', recipientChannelId: 'C0TEAM', message: message(`Exactly once ${i}`) });
    }
    const total = i;
    // Slow, but answered before the client gives up (2 s): Slack's usual bad day, with no ambiguity about what it did.
    fake.injectFaults({ seed: 424242, rate429: 0.3, retryAfterSeconds: 5, rate500: 0.1, slowRate: 0.15, slowMs: 250, methods: ['chat.postMessage'] });
    await drain(sender(2000));
    fake.stopFaults();

    const posts = fake.callsTo('chat.postMessage');
    const failures = posts.map((c) => c.failure).filter((f) => f !== undefined);
    expect(failures.filter((f) => 'status' in f && f.status === 429).length).toBeGreaterThan(5);
    expect(failures.filter((f) => 'status' in f && f.status === 500).length).toBeGreaterThan(1);
    expect(failures.filter((f) => 'delayMs' in f).length).toBeGreaterThan(0);
    const arrivedByText = new Map<string, number>();
    for (const call of posts.filter(processed)) arrivedByText.set(String(call.args.text), (arrivedByText.get(String(call.args.text)) ?? 0) + 1);
    expect([...arrivedByText.entries()].sort()).toEqual(Array.from({ length: total }, (_, n) => [`Exactly once ${n}`, 1] as [string, number]).sort());
    const rows = await ctx.db.select().from(outboxMessages);
    expect(rows.map((r) => r.status)).toEqual(Array.from({ length: total }, () => 'sent'));
    // Each row points at the one post Slack acted on.
    const acted = new Set(posts.filter(processed).map((c) => String(c.args.text)));
    expect(acted.size).toBe(total);
  });

  it('a CCC digest goes to a private channel, its replies into the header’s thread, and a chart as a PNG in that thread', async () => {
    const trend = { periods: ['Dec 2025', 'Jun 2026', 'Dec 2026'], lines: [{ code: 'PC1', name: 'History', levels: [1.5, 2, 2.5] }] };
    await ctx.db.transaction(async (tx) => {
      await enqueueMessage(tx, { idempotencyKey: 'ccc:head', kind: 'ccc-digest', recipientChannelId: 'C0CCC', programId, message: message('CCC digest: December 2026') });
      await enqueueMessage(tx, {
        idempotencyKey: 'ccc:ana',
        kind: 'ccc-digest-resident',
        recipientChannelId: 'C0CCC',
        threadParentKey: 'ccc:head',
        programId,
        message: message('Ana Ruiz', paragraph('Ana is on track.'), chart({ trend, title: 'Ana Ruiz, PC1', altText: 'PC1 rose from 1.5 to 2.5' })),
      });
      await enqueueMessage(tx, {
        idempotencyKey: 'ccc:ben',
        kind: 'ccc-digest-resident',
        recipientChannelId: 'C0CCC',
        threadParentKey: 'ccc:head',
        programId,
        message: message('Ben Okafor', paragraph('Ben is on track.')),
      });
    });
    // The first upload of the PNG fails: only the upload is tried again, never Ana's text.
    fake.failNext('file_upload', { status: 500 });
    await drain(sender());

    const [head, ...replies] = fake.callsTo('chat.postMessage');
    expect(head!.args).toMatchObject({ channel: 'C0CCC', text: 'CCC digest: December 2026' });
    expect(head!.args.thread_ts).toBeUndefined();
    const [headRow] = await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, 'ccc:head'));
    expect(replies.map((c) => [c.args.text, c.args.channel, c.args.thread_ts])).toEqual([
      ['Ana Ruiz', 'C0CCC', headRow!.platformMessageId],
      ['Ben Okafor', 'C0CCC', headRow!.platformMessageId],
    ]);
    // Every post to the channel checked first that it is private.
    expect(fake.callsTo('conversations.info').length).toBeGreaterThanOrEqual(1);
    expect(fake.callsTo('file_upload')).toHaveLength(2);
    const [completed] = fake.callsTo('files.completeUploadExternal');
    expect(completed!.args).toMatchObject({ channel_id: 'C0CCC', thread_ts: headRow!.platformMessageId });
    const fileId = (completed!.args.files as { id: string }[])[0]!.id;
    expect(fake.uploadedFile(fileId)?.bytes.equals(TINY_PNG)).toBe(true);
    expect(fake.callsTo('files.getUploadURLExternal')[0]!.args).toMatchObject({ filename: 'ana-ruiz-pc1.png', alt_txt: 'PC1 rose from 1.5 to 2.5' });
    expect(charts).toContain('PC1 rose from 1.5 to 2.5');
    const rows = await ctx.db.select().from(outboxMessages);
    expect(rows.map((r) => [r.idempotencyKey, r.status]).sort()).toEqual([
      ['ccc:ana', 'sent'],
      ['ccc:ana:part:2', 'sent'],
      ['ccc:ben', 'sent'],
      ['ccc:head', 'sent'],
    ]);
  });

  it('a chart in a DM is uploaded into that DM after the text; a message of only a chart is one upload with a caption', async () => {
    const ana = await demoPerson(ctx.db, 'ana.ruiz');
    const trend = { periods: ['Jun 2026', 'Dec 2026'], lines: [{ code: 'ICS1', name: 'Communication', levels: [2, 3] }] };
    await enqueueMessage(ctx.db, {
      idempotencyKey: 'dm-chart',
      kind: 'self-vs-ccc',
      recipientPersonId: ana,
      message: message('Your milestones', paragraph('Your self-assessment next to the CCC’s.'), chart({ trend, altText: 'ICS1 rose from 2 to 3' })),
    });
    await drain(sender());
    const dm = fake.dmChannelFor(slackIdOf('ana.ruiz'));
    expect(fake.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'files.getUploadURLExternal', 'file_upload', 'files.completeUploadExternal']);
    // The text says what the chart shows, for where the image is not shown.
    expect(JSON.stringify(fake.callsTo('chat.postMessage')[0]!.args.blocks)).toContain('ICS1 rose from 2 to 3');
    expect(fake.callsTo('files.completeUploadExternal')[0]!.args).toMatchObject({ channel_id: dm, initial_comment: 'ICS1 rose from 2 to 3' });
    expect(fake.callsTo('files.completeUploadExternal')[0]!.args.thread_ts).toBeUndefined();

    fake.reset();
    await enqueueMessage(ctx.db, { idempotencyKey: 'only-chart', kind: 'self-vs-ccc', recipientPersonId: ana, message: message('Your trend', chart({ trend, altText: 'ICS1 rose' })) });
    await drain(sender());
    expect(fake.calls.map((c) => c.method)).toEqual(['conversations.open', 'files.getUploadURLExternal', 'file_upload', 'files.completeUploadExternal']);
    expect(fake.callsTo('files.completeUploadExternal')[0]!.args).toMatchObject({ channel_id: dm, initial_comment: 'Your trend' });
  });

  it('a message too long for one post goes as parts; a failed later part is retried alone, and its chart follows it once', async () => {
    const ana = await demoPerson(ctx.db, 'ana.ruiz');
    const trend = { periods: ['Jun 2026', 'Dec 2026'], lines: [{ code: 'PC2', name: 'Plan', levels: [2, 3] }] };
    const blocks = Array.from({ length: 60 }, (_, n) => paragraph(`Line ${n + 1}`));
    const long = message('A long summary', ...blocks.slice(0, 55), chart({ trend, altText: 'PC2 rose from 2 to 3' }), ...blocks.slice(55));
    await enqueueMessage(ctx.db, { idempotencyKey: 'long', kind: 'summary', recipientPersonId: ana, message: long });
    // The second part's first try fails with a server error.
    let posts = 0;
    const flaky = sender();
    const wrapped = {
      ...flaky,
      send: async (...args: Parameters<typeof flaky.send>) => {
        posts += 1;
        if (posts === 2) fake.failNext('chat.postMessage', { status: 500 });
        return flaky.send(...args);
      },
    };
    await drain(wrapped);
    const texts = fake
      .callsTo('chat.postMessage')
      .filter((c) => !c.failure)
      .map((c) => [c.args.text, (c.args.blocks as unknown[]).length]);
    expect(texts).toEqual([
      ['A long summary', 50],
      ['A long summary (part 2 of 2)', 11],
    ]);
    expect(fake.callsTo('chat.postMessage').filter((c) => c.failure)).toHaveLength(1);
    expect(fake.callsTo('files.completeUploadExternal')).toHaveLength(1);
    expect((await pendingMessages(ctx.db)).length).toBe(0);
  });

  it('replaces the buttons of a sent message in place with chat.update', async () => {
    const maya = await demoPerson(ctx.db, 'maya.lee');
    await enqueueMessage(ctx.db, { idempotencyKey: 'req:1', kind: 'feedback-request', recipientPersonId: maya, message: message('Ana asks about her handoffs') });
    await enqueueMessage(ctx.db, { idempotencyKey: 'req:1:done', kind: 'feedback-request', recipientPersonId: maya, replacesKey: 'req:1', message: message('Answered ✓') });
    await drain(sender());
    const [posted] = fake.callsTo('chat.postMessage');
    const [updated] = fake.callsTo('chat.update');
    const [row] = await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, 'req:1'));
    expect(updated!.args).toMatchObject({ channel: row!.platformChannelId, ts: row!.platformMessageId, text: 'Answered ✓' });
    expect(posted!.at).toBeLessThanOrEqual(updated!.at);
  });

  it('refuses to post a CCC digest to a public channel, and the coordinator is told why in plain words, once', async () => {
    await enqueueMessage(ctx.db, { idempotencyKey: 'ccc:pub', kind: 'ccc-digest', recipientChannelId: 'C0PUB', programId, message: message('CCC digest: December 2026') });
    await drain(sender());
    await drain(sender());
    expect(fake.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0PUB')).toEqual([]);
    const [row] = await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, 'ccc:pub'));
    expect(row).toMatchObject({
      status: 'dead',
      attempts: 1,
      lastError:
        "The CCC channel #general is public. CCC digests hold learners' assessments, so Stepping Stones posts them only to private channels: make the channel private or pick a private one.",
    });
    const notices = fake.callsTo('chat.postMessage').filter((c) => c.args.channel === slackIdOf('grace.kim'));
    expect(notices).toHaveLength(1);
    expect(JSON.stringify(notices[0]!.args.blocks)).toContain('The CCC channel #general is public.');
    expect((await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.kind, DELIVERY_FAILED_KIND))).map((r) => r.status)).toEqual(['sent']);
  });

  it('paces a burst to one channel about a second apart while DMs to different people go out at once', async () => {
    for (let k = 0; k < 3; k += 1) {
      await enqueueMessage(ctx.db, { idempotencyKey: `pace:c${k}`, kind: 'test', recipientChannelId: 'C0CCC', message: message(`Channel ${k}`) });
    }
    for (const handle of ['ana.ruiz', 'ben.okafor', 'chloe.nguyen']) {
      await enqueueMessage(ctx.db, { idempotencyKey: `pace:${handle}`, kind: 'test', recipientPersonId: await demoPerson(ctx.db, handle), message: message(`DM ${handle}`) });
    }
    const delivery = startSlackDelivery({
      db: ctx.db,
      clock: systemClock,
      client: createSlackWebClient({ botToken: 'xoxb-test', signingSecret: '', apiUrl: fake.url }),
      log: (line) => logs.push(line),
      intervalMs: 60 * 60 * 1000,
    });
    const calls = await fake.waitForCount('chat.postMessage', 6, undefined, 5000);
    await delivery.stop();
    const channel = calls.filter((c) => c.args.channel === 'C0CCC').map((c) => c.at);
    const dms = calls.filter((c) => c.args.channel !== 'C0CCC').map((c) => c.at);
    expect(channel).toHaveLength(3);
    // Behaviour, not speed: the channel's messages are at least ~a pace apart; no DM waited for another.
    expect(channel[1]! - channel[0]!).toBeGreaterThanOrEqual(900);
    expect(channel[2]! - channel[1]!).toBeGreaterThanOrEqual(900);
    expect(Math.max(...dms) - channel[0]!).toBeLessThan(900);
  });
});
