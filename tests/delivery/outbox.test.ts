import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { databaseFromPostgresUrl } from '../../src/db/client.ts';
import { chatIdentities, outboxMessages } from '../../src/db/schema/index.ts';
import { enqueueMessage, enqueueMessages, nextOutboxId } from '../../src/delivery/outbox.ts';
import { DeliveryError, deliverDueMessages, type MessageSender } from '../../src/delivery/worker.ts';
import { message, paragraph } from '../../src/messages/model.ts';
import { describeOnEachEngine, describeOnPostgres } from '../helpers/db.ts';
import { demoPerson, fixedClock, seedDemoProgram } from '../helpers/demo-program.ts';

function recordingSender(behaviour: (call: number) => void = () => {}) {
  const calls: { userId?: string; text: string }[] = [];
  const send: MessageSender = async (destination, m) => {
    calls.push({ ...(destination.userId ? { userId: destination.userId } : {}), text: m.text });
    behaviour(calls.length);
    return { channelId: `D-${destination.userId}`, messageId: `ts-${calls.length}` };
  };
  return { calls, send };
}

describe('outbox ids', () => {
  it('grow with every call, within one millisecond and past 4,096 in one millisecond, as UUID version 7', () => {
    const ids = Array.from({ length: 5000 }, () => nextOutboxId(1_800_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 3)) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // A clock that steps back (NTP) does not make a later id sort first.
    expect(nextOutboxId(1_700_000_000_000) > ids.at(-1)!).toBe(true);
  });
});

describeOnEachEngine('the outbox', (ctx) => {
  const clock = fixedClock('2026-11-02T15:00:00Z');
  let ana: string;
  beforeAll(async () => {
    await seedDemoProgram(ctx.db);
    ana = await demoPerson(ctx.db, 'ana.ruiz');
    await ctx.db.insert(chatIdentities).values({ personId: ana, platform: 'slack', workspaceId: 'T1', userId: 'U_ANA' });
  });

  it('sends one person’s messages in the order they were enqueued, even when the database clock shows one instant for them all', async () => {
    // PGlite's clock moves in whole milliseconds, so dozens of rows share a created_at; their ids keep the order.
    await enqueueMessages(
      ctx.db,
      Array.from({ length: 30 }, (_, i) => ({ idempotencyKey: `order:batch:${i}`, kind: 'test', recipientPersonId: ana, message: message(`Batch ${i}`, paragraph(`Batch ${i}`)) })),
    );
    for (let i = 0; i < 30; i += 1) {
      await enqueueMessage(ctx.db, { idempotencyKey: `order:single:${i}`, kind: 'test', recipientPersonId: ana, message: message(`Single ${i}`, paragraph(`Single ${i}`)) });
    }
    const sender = recordingSender();
    await deliverDueMessages({ db: ctx.db, clock, senders: { slack: sender.send }, limit: 100, concurrency: 1 });
    const expected = [...Array.from({ length: 30 }, (_, i) => `Batch ${i}`), ...Array.from({ length: 30 }, (_, i) => `Single ${i}`)];
    expect(sender.calls.map((c) => c.text)).toEqual(expected);
  });

  it('enqueues one message per idempotency key and sends it once, recording the platform message id', async () => {
    const note = message('Hello Ana', paragraph('Hello *Ana*'));
    expect(await enqueueMessage(ctx.db, { idempotencyKey: 'test:1', kind: 'test', recipientPersonId: ana, message: note })).toBe(true);
    expect(await enqueueMessage(ctx.db, { idempotencyKey: 'test:1', kind: 'test', recipientPersonId: ana, message: note })).toBe(false);
    const sender = recordingSender();
    expect(await deliverDueMessages({ db: ctx.db, clock, senders: { slack: sender.send } })).toEqual({ sent: 1, failed: 0 });
    expect(await deliverDueMessages({ db: ctx.db, clock, senders: { slack: sender.send } })).toEqual({ sent: 0, failed: 0 });
    expect(sender.calls).toEqual([{ userId: 'U_ANA', text: 'Hello Ana' }]);
    const [row] = await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, 'test:1'));
    expect(row).toMatchObject({ status: 'sent', platformMessageId: 'ts-1', platformChannelId: 'D-U_ANA', attempts: 0 });
  });

  it('waits out a rate limit, retries a failure later, and gives up on a permanent error', async () => {
    await enqueueMessage(ctx.db, { idempotencyKey: 'test:2', kind: 'test', recipientPersonId: ana, message: message('Second') });
    const limited = recordingSender(() => {
      throw new DeliveryError('rate limited', { retryAfterSeconds: 30 });
    });
    expect(await deliverDueMessages({ db: ctx.db, clock, senders: { slack: limited.send } })).toEqual({ sent: 0, failed: 1 });
    const [waiting] = await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, 'test:2'));
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1, lastError: 'rate limited' });
    expect(waiting!.nextAttemptAt.getTime() - clock.now().getTime()).toBe(30_000);
    // Not due yet: nothing is sent before Retry-After has passed.
    const ok = recordingSender();
    expect(await deliverDueMessages({ db: ctx.db, clock, senders: { slack: ok.send } })).toEqual({ sent: 0, failed: 0 });
    clock.set('2026-11-02T15:00:31Z');
    expect(await deliverDueMessages({ db: ctx.db, clock, senders: { slack: ok.send } })).toEqual({ sent: 1, failed: 0 });

    await enqueueMessage(ctx.db, { idempotencyKey: 'test:3', kind: 'test', recipientPersonId: ana, message: message('Third') });
    const refused = recordingSender(() => {
      throw new DeliveryError('channel_not_found', { permanent: true });
    });
    await deliverDueMessages({ db: ctx.db, clock, senders: { slack: refused.send } });
    const [dead] = await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, 'test:3'));
    expect(dead).toMatchObject({ status: 'dead', attempts: 1, lastError: 'channel_not_found' });
  });

  it('holds a message for someone with no chat account linked, rather than losing it', async () => {
    const lee = await demoPerson(ctx.db, 'maya.lee');
    await enqueueMessage(ctx.db, { idempotencyKey: 'test:4', kind: 'test', recipientPersonId: lee, message: message('For Dr. Lee') });
    const sender = recordingSender();
    await deliverDueMessages({ db: ctx.db, clock, senders: { slack: sender.send } });
    expect(sender.calls).toEqual([]);
    const [held] = await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, 'test:4'));
    expect(held).toMatchObject({ status: 'pending', attempts: 1, lastError: 'the recipient has no slack account linked yet' });
  });

  it('finds a recipient who never used the bot by their roster email, links them, and sends', async () => {
    const chen = await demoPerson(ctx.db, 'victor.chen');
    await enqueueMessage(ctx.db, { idempotencyKey: 'test:5', kind: 'test', recipientPersonId: chen, message: message('For Dr. Chen') });
    const asked: string[] = [];
    const lookup = async (email: string) => {
      asked.push(email);
      return email === 'victor.chen@stelsewhere.example.org' ? { userId: 'U_CHEN', workspaceId: 'T1' } : undefined;
    };
    const sender = recordingSender();
    clock.set('2026-11-03T15:00:00Z');
    await deliverDueMessages({ db: ctx.db, clock, senders: { slack: sender.send }, lookups: { slack: lookup } });
    expect(sender.calls).toContainEqual({ userId: 'U_CHEN', text: 'For Dr. Chen' });
    const [identity] = await ctx.db.select().from(chatIdentities).where(eq(chatIdentities.personId, chen));
    expect(identity).toMatchObject({ platform: 'slack', userId: 'U_CHEN', workspaceId: 'T1' });
    // Dr. Lee is not in the workspace: her message still waits, and she is looked up again on the next try.
    expect(asked).toContain('maya.lee@stelsewhere.example.org');
    const [held] = await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, 'test:4'));
    expect(held).toMatchObject({ status: 'pending', attempts: 2 });
  });
});

describeOnPostgres('outbox workers in parallel', (ctx) => {
  it('two workers on separate connections send each message exactly once (FOR UPDATE SKIP LOCKED)', async () => {
    const clock = fixedClock('2026-11-02T15:00:00Z');
    await seedDemoProgram(ctx.db);
    const ana = await demoPerson(ctx.db, 'ana.ruiz');
    await ctx.db.insert(chatIdentities).values({ personId: ana, platform: 'slack', workspaceId: 'T1', userId: 'U_ANA' });
    // Sixty channels: pacing (one message per destination per pass) does not hold any of them back.
    for (let i = 0; i < 60; i += 1) {
      await enqueueMessage(ctx.db, { idempotencyKey: `burst:${i}`, kind: 'test', recipientChannelId: `C${i}`, message: message(`Message ${i}`) });
    }
    // A second pool: the two workers really run concurrently against the server.
    const other = databaseFromPostgresUrl(ctx.database.url!);
    const texts: string[] = [];
    const slowSender: MessageSender = async (destination, m) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      texts.push(m.text);
      return { channelId: destination.channelId!, messageId: m.text };
    };
    const workerDb = other.db;
    const results = await Promise.all([
      deliverDueMessages({ db: ctx.db, clock, senders: { slack: slowSender }, limit: 20 }),
      deliverDueMessages({ db: workerDb, clock, senders: { slack: slowSender }, limit: 20 }),
      deliverDueMessages({ db: ctx.db, clock, senders: { slack: slowSender }, limit: 20 }),
      deliverDueMessages({ db: workerDb, clock, senders: { slack: slowSender }, limit: 20 }),
    ]);
    await other.close();
    const sent = results.reduce((sum, r) => sum + r.sent, 0);
    expect(sent).toBe(60);
    expect(new Set(texts).size).toBe(60);
    expect(texts).toHaveLength(60);
  });
});
