// The CCC digest end to end on Slack: postCccDigest enqueues it, the real outbox worker and Slack sender deliver it
// to the fake Web API — the header in the private CCC channel, one reply per resident in its thread (flagged residents
// first), each resident's trend chart drawn as a PNG and uploaded into the thread — and a public channel gets nothing
// while the coordinator is told why.
import { eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { buildCccDigest } from '../../../src/core/ccc-digest/build-ccc-digest.ts';
import { cccDigestHeaderKey, postCccDigest } from '../../../src/core/ccc-digest/post-ccc-digest.ts';
import { chatIdentities, outboxMessages, people, programs } from '../../../src/db/schema/index.ts';
import { deliverDueMessages, nextDueAt, pendingMessages, SLACK_PACE_MS } from '../../../src/delivery/worker.ts';
import { cccDigestMessages, trendAltText } from '../../../src/messages/ccc-digest.ts';
import { createSlackWebClient } from '../../../src/platforms/slack/app.ts';
import { createSlackSender } from '../../../src/platforms/slack/slack-sender.ts';
import { type CccDigestProgram, seedCccDigestProgram } from '../../helpers/ccc-digest-program.ts';
import { describeOnEachEngine } from '../../helpers/db.ts';
import { fixedClock } from '../../helpers/demo-program.ts';
import { type FakeSlack, startFakeSlack } from '../../helpers/fake-slack.ts';
import { TEST_TEAM_ID } from '../../helpers/slack-requests.ts';
import { slackIdOf } from '../../helpers/slack-world.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PRIVATE_CCC = 'C0CCCDEMO01';
const PUBLIC_CHANNEL = 'C0GENERAL1';

describeOnEachEngine('CCC digest on Slack', (ctx) => {
  let fake: FakeSlack;
  let seeded: CccDigestProgram;
  const clock = fixedClock('2027-01-08T15:00:00Z');
  const logs: string[] = [];

  beforeAll(async () => {
    seeded = await seedCccDigestProgram(ctx.db);
    fake = await startFakeSlack({ teamId: TEST_TEAM_ID });
    fake.seedChannel({ id: PRIVATE_CCC, name: 'im-ccc', isPrivate: true });
    fake.seedChannel({ id: PUBLIC_CHANNEL, name: 'general', isPrivate: false });
    const everyone = await ctx.db.select({ id: people.id, email: people.email }).from(people);
    await ctx.db.insert(chatIdentities).values(
      everyone.map((person) => ({ personId: person.id, platform: 'slack' as const, workspaceId: TEST_TEAM_ID, userId: slackIdOf(person.email.split('@')[0]!) })),
    );
  });
  afterAll(async () => fake?.close());
  beforeEach(() => fake.reset());

  // The real sender with its default chart renderer: the PNG is drawn from the chart block's data at send time.
  const sender = () => createSlackSender(createSlackWebClient({ botToken: 'xoxb-test', signingSecret: '', apiUrl: fake.url }, { timeout: 10_000 }));

  /** Runs worker passes, moving the clock to the next due row each time, until nothing is left to send. */
  async function drain(maxPasses = 400): Promise<void> {
    const send = sender();
    for (let pass = 1; pass <= maxPasses; pass += 1) {
      await deliverDueMessages({ db: ctx.db, clock, senders: { slack: send }, paceMs: SLACK_PACE_MS, concurrency: 1, log: (l) => logs.push(l), random: () => 0.5 });
      const due = await nextDueAt(ctx.db, ['slack']);
      if (!due) return;
      clock.set(new Date(Math.max(due.getTime(), clock.now().getTime())).toISOString());
    }
    throw new Error(`still pending: ${(await pendingMessages(ctx.db)).map((r) => r.idempotencyKey).join(', ')}`);
  }

  it('posts the header in the private CCC channel and one reply per resident in its thread, flagged first, each with its chart PNG', async () => {
    const digest = await buildCccDigest({ db: ctx.db, clock, programId: seeded.programId, periodCode: '2026-mid' });
    const messages = cccDigestMessages(digest);
    expect(await postCccDigest({ db: ctx.db, clock, programId: seeded.programId, periodCode: '2026-mid' })).toEqual({ residents: 12, flagged: 10, enqueued: 13 });
    await drain();

    const [head, ...replies] = fake.callsTo('chat.postMessage');
    expect(head!.args).toMatchObject({ channel: PRIVATE_CCC, text: messages.header.text });
    expect(head!.args.thread_ts).toBeUndefined();
    expect(JSON.stringify(head!.args.blocks)).toContain('10 flagged');
    const [headRow] = await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, cccDigestHeaderKey(seeded.programId, '2026-mid')));
    const ts = headRow!.platformMessageId;
    expect(ts).toBeTruthy();

    // One reply per resident, in the digest's order: the ten flagged first, Ben and Chloe last.
    expect(replies.map((c) => [c.args.channel, c.args.thread_ts])).toEqual(digest.residents.map(() => [PRIVATE_CCC, ts]));
    expect(replies.map((c) => c.args.text)).toEqual(messages.residents.map((r) => r.message.text));
    expect(replies[0]!.args.text).toMatch(/^Isaac Mensah \(PGY-3\)/);
    expect(replies.slice(-2).map((c) => String(c.args.text).split(' (')[0])).toEqual(['Ben Okafor', 'Chloe Nguyen']);
    // The text stands without the image: the flags and the chart's words are in the reply itself.
    const isaac = JSON.stringify(replies[0]!.args.blocks);
    expect(isaac).toContain('low 360 from nurses');
    expect(isaac).toContain('Milestone levels over');

    // Privacy was checked against Slack before posting.
    expect(fake.callsTo('conversations.info').length).toBeGreaterThanOrEqual(1);
    expect(fake.callsTo('conversations.info')[0]!.args).toMatchObject({ channel: PRIVATE_CCC });

    // Every resident's chart was drawn and uploaded into the thread as a PNG, with the trend in words as alt text.
    const completed = fake.callsTo('files.completeUploadExternal');
    expect(completed).toHaveLength(12);
    for (const call of completed) expect(call.args).toMatchObject({ channel_id: PRIVATE_CCC, thread_ts: ts });
    const uploads = fake.callsTo('files.getUploadURLExternal').map((c) => c.args.alt_txt);
    expect(uploads).toEqual(digest.residents.map((r) => trendAltText(r)));
    for (const call of completed) {
      const fileId = (call.args.files as { id: string }[])[0]!.id;
      const file = fake.uploadedFile(fileId);
      expect(file?.bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    }
    const rows = await ctx.db.select().from(outboxMessages).where(like(outboxMessages.idempotencyKey, `ccc-digest:${seeded.programId}:2026-mid:%`));
    expect(rows.every((r) => r.status === 'sent')).toBe(true);

    // Posting again (a repeated scheduler tick) sends nothing new.
    fake.reset();
    expect((await postCccDigest({ db: ctx.db, clock, programId: seeded.programId, periodCode: '2026-mid' })).enqueued).toBe(0);
    await drain();
    expect(fake.callsTo('chat.postMessage')).toEqual([]);
  });

  it('refuses a public CCC channel: nothing is posted there, and the coordinator is told why', async () => {
    await ctx.db.update(programs).set({ cccSlackChannelId: PUBLIC_CHANNEL }).where(eq(programs.id, seeded.programId));
    await postCccDigest({ db: ctx.db, clock, programId: seeded.programId, periodCode: '2026-end' });
    await drain();

    expect(fake.callsTo('chat.postMessage').filter((c) => c.args.channel === PUBLIC_CHANNEL)).toEqual([]);
    expect(fake.callsTo('files.completeUploadExternal')).toEqual([]);
    const [headRow] = await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, cccDigestHeaderKey(seeded.programId, '2026-end')));
    expect(headRow).toMatchObject({ status: 'dead' });
    expect(headRow!.lastError).toContain('The CCC channel #general is public.');
    const replies = await ctx.db.select().from(outboxMessages).where(like(outboxMessages.idempotencyKey, `ccc-digest:${seeded.programId}:2026-end:resident:%`));
    expect(replies).toHaveLength(12);
    expect(replies.every((r) => r.status !== 'sent' && r.platformMessageId === null)).toBe(true);

    // The coordinator (Grace Kim) hears once, in words she can act on.
    const notices = fake.callsTo('chat.postMessage').filter((c) => c.args.channel === slackIdOf('grace.kim'));
    expect(notices).toHaveLength(1);
    expect(JSON.stringify(notices[0]!.args.blocks)).toContain('make the channel private or pick a private one');
  });
});
