// The delivery worker's rules on a real database, with a recording sender: batched enqueueing, thread replies and
// replacements that wait for the message they need, follow-up parts, pacing per destination, backoff, and dead
// letters that tell the program's coordinator exactly once.
import { and, eq, like } from 'drizzle-orm';
import { beforeAll, beforeEach, expect, it } from 'vitest';
import { chatIdentities, outboxMessages, programs } from '../../src/db/schema/index.ts';
import { enqueueMessage, enqueueMessages, type OutgoingMessage } from '../../src/delivery/outbox.ts';
import {
  backoffSeconds,
  DELIVERY_FAILED_KIND,
  DeliveryError,
  type Destination,
  deliverDueMessages,
  MAX_ATTEMPTS,
  type MessageSender,
  nextDueAt,
  type Sent,
  type SentMessageRef,
} from '../../src/delivery/worker.ts';
import { chart, type Message, message, paragraph, parseMessage } from '../../src/messages/model.ts';
import { databaseFromPostgresUrl } from '../../src/db/client.ts';
import { describeOnEachEngine, describeOnPostgres } from '../helpers/db.ts';
import { demoPerson, fixedClock, seedDemoProgram } from '../helpers/demo-program.ts';

interface Call {
  op: 'send' | 'update';
  text: string;
  destination?: Destination;
  target?: SentMessageRef;
  kind: string;
}

/** A sender that records what it was asked and answers with made-up ids (or fails, when told to). */
function recordingSender(fail: (text: string, call: number) => Error | undefined = () => undefined, followUps?: (m: Message) => Message[]) {
  const calls: Call[] = [];
  let n = 0;
  const sender: MessageSender = {
    async send(destination, m, context) {
      calls.push({ op: 'send', text: m.text, destination, kind: context.kind });
      const error = fail(m.text, calls.length);
      if (error) throw error;
      n += 1;
      const sent: Sent = { channelId: destination.channelId ?? `D-${destination.userId}`, messageId: `ts-${n}` };
      const more = followUps?.(m);
      return more?.length ? { ...sent, followUps: more } : sent;
    },
    async update(target, m, context) {
      calls.push({ op: 'update', text: m.text, target, kind: context.kind });
      return target;
    },
  };
  return { calls, sender, texts: () => calls.map((c) => c.text) };
}

describeOnEachEngine('the delivery worker', (ctx) => {
  const clock = fixedClock('2026-11-02T15:00:00Z');
  let ana: string;
  let ben: string;
  let grace: string;
  let programId: string;
  const logs: string[] = [];
  const rowByKey = async (key: string) => (await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, key)))[0]!;
  const pass = (sender: MessageSender, extra: { paceMs?: number } = {}) =>
    deliverDueMessages({ db: ctx.db, clock, senders: { slack: sender }, random: () => 0.5, log: (line) => logs.push(line), ...extra });

  beforeAll(async () => {
    await seedDemoProgram(ctx.db);
    ana = await demoPerson(ctx.db, 'ana.ruiz');
    ben = await demoPerson(ctx.db, 'maya.lee');
    grace = await demoPerson(ctx.db, 'grace.kim');
    for (const [personId, userId] of [
      [ana, 'U_ANA'],
      [ben, 'U_LEE'],
      [grace, 'U_GRACE'],
    ] as const) {
      await ctx.db.insert(chatIdentities).values({ personId, platform: 'slack', workspaceId: 'T1', userId });
    }
    const [program] = await ctx.db.select({ id: programs.id }).from(programs).where(eq(programs.slug, 'internal-medicine'));
    programId = program!.id;
  });

  // Each test starts with an empty outbox, so earlier tests' rows cannot be claimed by later passes.
  beforeEach(async () => {
    await ctx.db.delete(outboxMessages);
    logs.length = 0;
    clock.set('2026-11-02T15:00:00Z');
  });

  it('enqueues a fan-out in batches, counting only new keys, and sends in the order enqueued', async () => {
    const many: OutgoingMessage[] = Array.from({ length: 2500 }, (_, i) => ({
      idempotencyKey: `fan:${i}`,
      kind: 'rotation-prompt',
      recipientChannelId: `C${i}`,
      message: message(`Prompt ${i}`),
    }));
    expect(await ctx.db.transaction((tx) => enqueueMessages(tx, many))).toBe(2500);
    // A rerun (and a duplicate inside one call) enqueues nothing new.
    expect(await enqueueMessages(ctx.db, [...many.slice(0, 10), many[0]!])).toBe(0);
    expect(await enqueueMessages(ctx.db, [many[0]!, { ...many[0]!, idempotencyKey: 'fan:new' }, { ...many[0]!, idempotencyKey: 'fan:new' }])).toBe(1);
    // Platform comes from the person's linked identity, as enqueueMessage does.
    await enqueueMessages(ctx.db, [{ idempotencyKey: 'fan:ana', kind: 'rotation-prompt', recipientPersonId: ana, message: message('For Ana') }]);
    expect(await rowByKey('fan:ana')).toMatchObject({ platform: 'slack', status: 'pending' });

    const { sender, texts } = recordingSender();
    await deliverDueMessages({ db: ctx.db, clock, senders: { slack: sender }, limit: 30, concurrency: 1 });
    expect(texts()).toEqual(Array.from({ length: 30 }, (_, i) => `Prompt ${i}`));
  });

  it('holds a thread reply, without spending a try, until its parent is sent, then sends it into that thread', async () => {
    await ctx.db.transaction(async (tx) => {
      await enqueueMessage(tx, { idempotencyKey: 'digest:head', kind: 'ccc-digest', recipientChannelId: 'C0CCC', programId, message: message('Digest') });
      for (const name of ['Ana', 'Ben']) {
        await enqueueMessage(tx, {
          idempotencyKey: `digest:${name}`,
          kind: 'ccc-digest-resident',
          recipientChannelId: 'C0CCC',
          threadParentKey: 'digest:head',
          programId,
          message: message(`Digest for ${name}`),
        });
      }
    });
    // The header fails once: the replies are not due while it waits.
    const flaky = recordingSender((_text, call) => (call === 1 ? new DeliveryError('Slack answered HTTP 503') : undefined));
    expect(await pass(flaky.sender)).toEqual({ sent: 0, failed: 1 });
    expect(flaky.texts()).toEqual(['Digest']);
    clock.set('2026-11-02T15:10:00Z');
    expect(await pass(flaky.sender)).toEqual({ sent: 1, failed: 0 });
    expect(await pass(flaky.sender)).toEqual({ sent: 2, failed: 0 });
    const head = await rowByKey('digest:head');
    const replies = flaky.calls.filter((c) => c.text.startsWith('Digest for'));
    expect(replies.map((c) => c.text)).toEqual(['Digest for Ana', 'Digest for Ben']);
    for (const reply of replies) expect(reply.destination).toEqual({ channelId: head.platformChannelId, threadId: head.platformMessageId });
    expect(await rowByKey('digest:Ana')).toMatchObject({ status: 'sent', attempts: 0 });
  });

  it('a thread reply whose parent was given up on is dead too, and only the parent is reported', async () => {
    await enqueueMessage(ctx.db, { idempotencyKey: 'd2:head', kind: 'ccc-digest', recipientChannelId: 'C0PUB', programId, message: message('Digest 2') });
    await enqueueMessage(ctx.db, {
      idempotencyKey: 'd2:ana',
      kind: 'ccc-digest-resident',
      recipientChannelId: 'C0PUB',
      threadParentKey: 'd2:head',
      programId,
      message: message('Digest 2 for Ana'),
    });
    const refusing = recordingSender((text) => (text === 'Digest 2' ? new DeliveryError('The CCC channel #general is public.', { permanent: true }) : undefined));
    await pass(refusing.sender);
    await pass(refusing.sender);
    expect(await rowByKey('d2:head')).toMatchObject({ status: 'dead', attempts: 1 });
    expect(await rowByKey('d2:ana')).toMatchObject({ status: 'dead', lastError: 'the message it replies to (d2:head) could not be delivered' });
    const notices = await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.kind, DELIVERY_FAILED_KIND));
    expect(notices).toHaveLength(1);
    expect(parseMessage(notices[0]!.message).blocks.map((b) => ('text' in b ? b.text : '')).join('\n')).toContain('The CCC channel #general is public.');
    expect(refusing.texts()).not.toContain('Digest 2 for Ana');
  });

  it('replaces a sent message in place once it is sent, through the sender’s update', async () => {
    await enqueueMessage(ctx.db, { idempotencyKey: 'ask:1', kind: 'feedback-request', recipientPersonId: ben, message: message('Can you watch my handoff?') });
    await enqueueMessage(ctx.db, { idempotencyKey: 'ask:1:answered', kind: 'feedback-request', recipientPersonId: ben, replacesKey: 'ask:1', message: message('Answered ✓') });
    const { sender, calls } = recordingSender();
    await pass(sender);
    expect(calls.map((c) => c.op)).toEqual(['send']);
    await pass(sender);
    const original = await rowByKey('ask:1');
    expect(calls[1]).toMatchObject({ op: 'update', text: 'Answered ✓', target: { channelId: original.platformChannelId, messageId: original.platformMessageId } });
    expect(await rowByKey('ask:1:answered')).toMatchObject({ status: 'sent', platformMessageId: original.platformMessageId });

    // A sender that cannot update (a bare function) gives up on a replacement at once.
    await enqueueMessage(ctx.db, { idempotencyKey: 'ask:1:again', kind: 'feedback-request', recipientPersonId: ben, replacesKey: 'ask:1', message: message('Closed') });
    const bare: MessageSender = async () => ({ channelId: 'X', messageId: 'Y' });
    await pass(bare);
    expect(await rowByKey('ask:1:again')).toMatchObject({ status: 'dead', lastError: 'slack messages cannot be updated by this sender' });
  });

  it('stores follow-up parts as rows of their own, for the same channel and thread, sent after the first', async () => {
    const trend = { periods: ['Dec 2025', 'Jun 2026'], lines: [{ code: 'PC1', name: 'History', levels: [2, 3] }] };
    const withChart = message('Your trend', paragraph('Your milestones over time'), chart({ trend, altText: 'PC1 rose from 2 to 3', title: 'PC1' }));
    await enqueueMessage(ctx.db, { idempotencyKey: 'trend:ana', kind: 'self-vs-ccc', recipientPersonId: ana, programId, message: withChart });
    const charts = (m: Message) => m.blocks.filter((b) => b.type === 'chart' && m.blocks.length > 1).map((b) => ({ text: 'chart', blocks: [b] }));
    const { sender, calls } = recordingSender(undefined, charts);
    expect(await pass(sender)).toEqual({ sent: 1, failed: 0 });
    const part = await rowByKey('trend:ana:part:2');
    expect(part).toMatchObject({ status: 'pending', recipientPersonId: ana, recipientChannelId: 'D-U_ANA', kind: 'self-vs-ccc', programId });
    expect(await pass(sender)).toEqual({ sent: 1, failed: 0 });
    expect(calls[1]).toMatchObject({ op: 'send', destination: { channelId: 'D-U_ANA' } });
    expect(await pass(sender)).toEqual({ sent: 0, failed: 0 });
  });

  it('paces one message per destination per pass: a channel burst goes out a pace apart, DMs to different people at once', async () => {
    for (let i = 0; i < 3; i += 1) {
      await enqueueMessage(ctx.db, { idempotencyKey: `burst:${i}`, kind: 'test', recipientChannelId: 'C0BURST', message: message(`Burst ${i}`) });
    }
    for (const [person, name] of [
      [ana, 'Ana'],
      [ben, 'Lee'],
      [grace, 'Grace'],
    ] as const) {
      await enqueueMessage(ctx.db, { idempotencyKey: `dm:${name}`, kind: 'test', recipientPersonId: person, message: message(`DM ${name}`) });
    }
    const { sender, texts } = recordingSender();
    expect(await pass(sender, { paceMs: 1000 })).toEqual({ sent: 4, failed: 0 });
    expect(texts().sort()).toEqual(['Burst 0', 'DM Ana', 'DM Grace', 'DM Lee']);
    // The rest of the burst waits a pace, even for another pass at the same instant.
    expect(await pass(sender, { paceMs: 1000 })).toEqual({ sent: 0, failed: 0 });
    expect((await nextDueAt(ctx.db, ['slack']))?.toISOString()).toBe('2026-11-02T15:00:01.000Z');
    clock.set('2026-11-02T15:00:01Z');
    expect(await pass(sender, { paceMs: 1000 })).toEqual({ sent: 1, failed: 0 });
    clock.set('2026-11-02T15:00:02Z');
    expect(await pass(sender, { paceMs: 1000 })).toEqual({ sent: 1, failed: 0 });
    expect(texts().filter((t) => t.startsWith('Burst'))).toEqual(['Burst 0', 'Burst 1', 'Burst 2']);
  });

  it('without pacing, one person’s messages of one pass still go out one after another, in order', async () => {
    for (const text of ['First', 'Second', 'Third']) {
      await enqueueMessage(ctx.db, { idempotencyKey: `order:${text}`, kind: 'test', recipientPersonId: ana, message: message(text) });
    }
    await enqueueMessage(ctx.db, { idempotencyKey: 'order:other', kind: 'test', recipientPersonId: grace, message: message('Other') });
    const order: string[] = [];
    const slowFirst: MessageSender = async (destination, m) => {
      // The first message is the slowest to send: sent side by side, it would arrive last.
      await new Promise((resolve) => setTimeout(resolve, m.text === 'First' ? 30 : 1));
      order.push(m.text);
      return { channelId: `D-${destination.userId}`, messageId: m.text };
    };
    expect(await pass(slowFirst)).toEqual({ sent: 4, failed: 0 });
    expect(order.filter((t) => t !== 'Other')).toEqual(['First', 'Second', 'Third']);
    // Another person's message did not wait behind Ana's.
    expect(order[0]).toBe('Other');
  });

  it('backs off exponentially with jitter after server errors and honours Retry-After for rate limits', async () => {
    expect([1, 2, 3].map((attempt) => backoffSeconds(attempt, () => 0))).toEqual([5, 10, 20]);
    expect([1, 2, 3].map((attempt) => backoffSeconds(attempt, () => 1))).toEqual([10, 20, 40]);
    await enqueueMessage(ctx.db, { idempotencyKey: 'b:1', kind: 'test', recipientPersonId: ana, message: message('Backoff') });
    const failing = recordingSender(() => new DeliveryError('Slack answered HTTP 500'));
    await pass(failing.sender);
    // random() = 0.5: 10 s × (0.5 + 0.5 × 0.5).
    expect((await rowByKey('b:1')).nextAttemptAt.toISOString()).toBe('2026-11-02T15:00:07.500Z');
    clock.set('2026-11-02T15:00:08Z');
    const limited = recordingSender(() => new DeliveryError('Slack rate limited the message', { retryAfterSeconds: 42, rateLimited: true }));
    await pass(limited.sender);
    expect(await rowByKey('b:1')).toMatchObject({ attempts: 2, nextAttemptAt: new Date('2026-11-02T15:00:50Z') });
  });

  it('after the last try the message is dead and each coordinator gets one notice, however often the worker runs', async () => {
    await enqueueMessage(ctx.db, { idempotencyKey: 'dead:1', kind: 'rotation-prompt', recipientPersonId: ben, programId, message: message('Please evaluate') });
    const failing = recordingSender((text) => (text === 'Please evaluate' ? new DeliveryError('Slack answered HTTP 500') : undefined));
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      expect(await pass(failing.sender)).toMatchObject({ failed: 1 });
      clock.set(new Date(clock.now().getTime() + 2 * 3600_000).toISOString());
    }
    expect(await rowByKey('dead:1')).toMatchObject({ status: 'dead', attempts: MAX_ATTEMPTS, lastError: 'Slack answered HTTP 500' });
    for (let i = 0; i < 3; i += 1) await pass(failing.sender);
    const notices = await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.kind, DELIVERY_FAILED_KIND));
    expect(notices).toHaveLength(1);
    const [notice] = notices;
    expect(notice).toMatchObject({ recipientPersonId: grace, status: 'sent', programId });
    expect(notice!.idempotencyKey).toBe(`${DELIVERY_FAILED_KIND}:${(await rowByKey('dead:1')).id}:${grace}`);
    const words = parseMessage(notice!.message).blocks.map((b) => ('text' in b ? b.text : '')).join('\n');
    expect(words).toContain('Maya Lee');
    expect(words).toContain('rotation prompt');
    expect(words).toContain('Slack answered HTTP 500');
    expect(words).toContain('What to do');
    expect(failing.texts().filter((t) => t === 'Please evaluate')).toHaveLength(MAX_ATTEMPTS);
  });

  it('a notice that cannot be delivered is not reported again, and a message with no program is only logged', async () => {
    await enqueueMessage(ctx.db, { idempotencyKey: 'orphan:1', kind: 'test', recipientPersonId: ana, message: message('No program') });
    await enqueueMessage(ctx.db, { idempotencyKey: 'note:1', kind: DELIVERY_FAILED_KIND, recipientPersonId: grace, programId, message: message('A notice') });
    const refusing = recordingSender(() => new DeliveryError('Slack refused the message: account_inactive', { permanent: true }));
    await pass(refusing.sender);
    expect(await rowByKey('orphan:1')).toMatchObject({ status: 'dead' });
    expect(await rowByKey('note:1')).toMatchObject({ status: 'dead' });
    expect(await ctx.db.select().from(outboxMessages).where(and(like(outboxMessages.idempotencyKey, `${DELIVERY_FAILED_KIND}:%`)))).toEqual([]);
    expect(logs.some((line) => line.includes('orphan:1') && line.includes('belongs to no program'))).toBe(true);
    expect(logs.some((line) => line.includes('note:1'))).toBe(true);
  });
});

describeOnPostgres('pacing across workers', (ctx) => {
  it('two workers claiming at the same instant send one message of a channel burst between them, and the rest later', async () => {
    const clock = fixedClock('2026-11-02T15:00:00Z');
    for (let i = 0; i < 6; i += 1) {
      await enqueueMessage(ctx.db, { idempotencyKey: `multi:${i}`, kind: 'test', recipientChannelId: 'C0BURST', message: message(`Burst ${i}`) });
      await enqueueMessage(ctx.db, { idempotencyKey: `multi:dm:${i}`, kind: 'test', recipientChannelId: `D0PERSON${i}`, message: message(`DM ${i}`) });
    }
    const other = databaseFromPostgresUrl(ctx.database.url!);
    const texts: string[] = [];
    const slow: MessageSender = async (destination, m) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      texts.push(m.text);
      return { channelId: destination.channelId!, messageId: m.text };
    };
    const run = (db: typeof ctx.db) => deliverDueMessages({ db, clock, senders: { slack: slow }, paceMs: 1000 });
    try {
      const results = await Promise.all([run(ctx.db), run(other.db), run(ctx.db), run(other.db)]);
      expect(results.reduce((sum, r) => sum + r.sent, 0)).toBe(7);
      expect(texts.filter((t) => t.startsWith('Burst'))).toEqual(['Burst 0']);
      expect(texts.filter((t) => t.startsWith('DM')).sort()).toEqual(['DM 0', 'DM 1', 'DM 2', 'DM 3', 'DM 4', 'DM 5']);
      clock.set('2026-11-02T15:00:01Z');
      await Promise.all([run(ctx.db), run(other.db)]);
      expect(texts.filter((t) => t.startsWith('Burst'))).toEqual(['Burst 0', 'Burst 1']);
    } finally {
      await other.close();
    }
  });
});
