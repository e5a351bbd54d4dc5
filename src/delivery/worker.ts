import { and, asc, eq, inArray, lt, lte, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client.ts';
import { chatIdentities, outboxMessages, people, programMemberships } from '../db/schema/index.ts';
import type { Clock } from '../core/ports.ts';
import { type Message, message as messageOf, paragraph, parseMessage } from '../messages/model.ts';
import { enqueueMessages, type OutgoingMessage } from './outbox.ts';

type Platform = 'slack' | 'teams';
type OutboxRow = typeof outboxMessages.$inferSelect;

/**
 * Where a message goes on a platform: a person's DM (by their chat user id) or a channel, and within it the thread
 * of the message with id `threadId` (a CCC digest's per-resident replies under its header).
 */
export interface Destination {
  userId?: string;
  channelId?: string;
  threadId?: string;
}

/** A message already on the platform, by the ids its sender reported: what an update replaces. */
export interface SentMessageRef {
  channelId: string;
  messageId: string;
}

/** What a platform adapter's sender reports back: the ids to update the message later. */
export interface Sent extends SentMessageRef {
  /**
   * Parts the sender did not deliver with this call (a chart to upload after the text, the rest of a message too
   * long for one post). The worker stores each as its own outbox row in the transaction that records this one as
   * sent, so a failure on a later part retries that part only and never posts the earlier text again.
   */
  followUps?: Message[];
}

/** What a sender may want to know about the row beyond the message: its kind (a CCC digest is checked) and key. */
export interface SendContext {
  kind: string;
  idempotencyKey: string;
}

/** Posts a rendered neutral message. */
export type SendMessage = (destination: Destination, message: Message, context: SendContext) => Promise<Sent>;

/** Replaces a message sent earlier in place (buttons → "Answered ✓"). */
export type UpdateMessage = (target: SentMessageRef, message: Message, context: SendContext) => Promise<SentMessageRef>;

/**
 * One platform's way of delivering rendered neutral messages. A bare function is a sender that cannot update
 * (kept for senders written before updates existed); rows that replace a message then fail permanently.
 */
export type MessageSender = SendMessage | { send: SendMessage; update?: UpdateMessage };

/**
 * A failure the sender could classify: try again after `retryAfterSeconds` (a platform's Retry-After when
 * `rateLimited`), worth retrying later with backoff (neither set), or `permanent` (the message is dead-lettered).
 * `waiting` means the recipient cannot be reached yet (a Teams user who has not installed the app): the row waits
 * `retryAfterSeconds` without spending a try and is never given up on, since nothing is wrong with it.
 */
export class DeliveryError extends Error {
  readonly retryAfterSeconds: number | undefined;
  readonly permanent: boolean;
  readonly rateLimited: boolean;
  readonly waiting: boolean;
  constructor(
    message: string,
    options: { retryAfterSeconds?: number; permanent?: boolean; rateLimited?: boolean; waiting?: boolean } = {},
  ) {
    super(message);
    this.name = 'DeliveryError';
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.permanent = options.permanent ?? false;
    this.rateLimited = options.rateLimited ?? false;
    this.waiting = options.waiting ?? false;
  }
}

/** Finds a person's account on a platform by their roster email (Slack: users.lookupByEmail). */
export type AccountLookup = (email: string) => Promise<{ userId: string; workspaceId: string } | undefined>;

/** Tries before a message is given up on (dead-lettered) after server errors, timeouts or an unknown recipient. */
export const MAX_ATTEMPTS = 8;
/** A rate limit says nothing is wrong with the message, so it may be waited out longer before giving up. */
export const MAX_RATE_LIMITED_ATTEMPTS = 24;
/** The kind of the notice a coordinator gets about a message that could not be delivered. */
export const DELIVERY_FAILED_KIND = 'delivery-failed';
/** Slack allows about one message per second per channel: the Slack delivery loop passes this as `paceMs`. */
export const SLACK_PACE_MS = 1000;
/**
 * Teams allows 7 messages a second and 60 in 30 seconds per conversation: one every 550 ms keeps any 30-second
 * window at 55 and any second at 2, with room for the network's jitter (exactly 500 ms could fit 61 in a closed
 * 30-second window). The Teams delivery loop passes this as `paceMs`.
 */
export const TEAMS_PACE_MS = 550;
// While a row is being sent it is leased: other workers skip it until the lease runs out (a crashed sender).
export const LEASE_SECONDS = 60;
// Claims are serialized across workers (a transaction-scoped advisory lock), so the one-per-destination pacing
// below holds for several workers, not just within one. The number is arbitrary but fixed: "outbox" in ASCII.
const CLAIM_LOCK = 0x6f7574626f78;

/**
 * The destination a row is paced by: the person (all their DMs), else the channel, else the thread it replies in.
 * Rows of one destination are sent one at a time, in order of enqueueing.
 */
const paceKey = sql<string>`coalesce(${outboxMessages.recipientPersonId}::text, ${outboxMessages.recipientChannelId}, ${outboxMessages.threadParentKey}, ${outboxMessages.idempotencyKey})`;

// A thread reply or a replacement waits, without spending a try, until the message it needs is settled.
const dependencySettled = sql`not exists (select 1 from ${outboxMessages} as parent where parent.idempotency_key in (${outboxMessages.threadParentKey}, ${outboxMessages.replacesKey}) and parent.status = 'pending')`;

/** Exponential backoff with jitter (half fixed, half random), so retries of many rows spread out. */
export function backoffSeconds(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(2 ** attempt * 5, 3600);
  return base / 2 + random() * (base / 2);
}

/** Inputs of a delivery pass. */
export interface DeliveryPassInput {
  db: Db;
  clock: Clock;
  senders: Partial<Record<Platform, MessageSender>>;
  /** Faculty are often messaged before they ever used the bot: their account is found by email and linked. */
  lookups?: Partial<Record<Platform, AccountLookup>>;
  /** Rows claimed per pass (default 50). */
  limit?: number;
  /**
   * Minimum spacing between two messages to one destination (a person's DMs, a channel). Each platform's loop sets
   * its own (Slack: SLACK_PACE_MS); the default 0 sends everything due at once (one-shot runs, tests).
   */
  paceMs?: number;
  /** Rows sent at the same time (to different destinations); default 4. */
  concurrency?: number;
  /** Jitter source for backoff (tests pass a fixed one). */
  random?: () => number;
  /** Where the worker says what it could not do (a dead letter with no program to tell). */
  log?: (line: string) => void;
}

/**
 * Sends due outbox rows once each. Rows are claimed (leased) in a short transaction with SKIP LOCKED, so several
 * workers share the queue and no HTTP call is made while a transaction is open; the platform's message id is
 * recorded right after sending (a crash in between can repeat one message, never lose one). With `paceMs`, each
 * pass sends at most one row per destination and moves that destination's other rows a pace later. A row that fails
 * for good is marked dead and, in the same transaction, its program's coordinators are each sent one notice.
 */
export async function deliverDueMessages(input: DeliveryPassInput): Promise<{ sent: number; failed: number }> {
  const platforms = Object.keys(input.senders) as Platform[];
  if (platforms.length === 0) return { sent: 0, failed: 0 };
  const claimed = await claimDueRows(input, platforms);
  // Rows for one destination go one after another, in order (without pacing a pass may hold several); different
  // destinations go side by side, a few at a time.
  const byDestination = new Map<string, { row: OutboxRow; leaseUntil: Date }[]>();
  for (const item of claimed) {
    const key = paceKeyOf(item.row);
    byDestination.set(key, [...(byDestination.get(key) ?? []), item]);
  }
  const queues = [...byDestination.values()];
  let sent = 0;
  let failed = 0;
  let next = 0;
  const concurrency = Math.max(1, input.concurrency ?? 4);
  const lane = async () => {
    while (next < queues.length) {
      for (const { row, leaseUntil } of queues[next++]!) {
        const outcome = await deliverRow(input, row, leaseUntil);
        if (outcome === 'sent') sent += 1;
        else if (outcome === 'failed') failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queues.length) }, lane));
  return { sent, failed };
}

/** When the next row becomes due (for a loop deciding how long to sleep), or undefined when nothing waits. */
export async function nextDueAt(db: Db, platforms: readonly Platform[]): Promise<Date | undefined> {
  if (platforms.length === 0) return undefined;
  const [row] = await db
    .select({ at: sql<Date | string>`min(${outboxMessages.nextAttemptAt})` })
    .from(outboxMessages)
    .where(and(eq(outboxMessages.status, 'pending'), inArray(outboxMessages.platform, [...platforms]), dependencySettled));
  return row?.at ? new Date(row.at) : undefined;
}

async function claimDueRows(input: DeliveryPassInput, platforms: Platform[]): Promise<{ row: OutboxRow; leaseUntil: Date }[]> {
  const { db, clock } = input;
  const now = clock.now();
  const limit = input.limit ?? 50;
  const paceMs = input.paceMs ?? 0;
  const leaseUntil = new Date(now.getTime() + LEASE_SECONDS * 1000);
  return db.transaction(async (tx) => {
    if (paceMs > 0) await tx.execute(sql`select pg_advisory_xact_lock(${CLAIM_LOCK})`);
    const due = await tx
      .select()
      .from(outboxMessages)
      .where(
        and(
          eq(outboxMessages.status, 'pending'),
          lte(outboxMessages.nextAttemptAt, now),
          inArray(outboxMessages.platform, platforms),
          dependencySettled,
        ),
      )
      .orderBy(asc(outboxMessages.createdAt), asc(outboxMessages.id))
      // Read past rows of busy destinations, so a burst to one channel does not starve everyone else's DMs.
      .limit(paceMs > 0 ? limit * 4 : limit)
      .for('update', { skipLocked: true });
    const chosen: OutboxRow[] = [];
    const destinations = new Set<string>();
    for (const row of due) {
      if (chosen.length >= limit) break;
      const key = paceKeyOf(row);
      if (paceMs > 0 && destinations.has(key)) continue;
      destinations.add(key);
      chosen.push(row);
    }
    if (chosen.length === 0) return [];
    const ids = chosen.map((row) => row.id);
    await tx.update(outboxMessages).set({ nextAttemptAt: leaseUntil }).where(inArray(outboxMessages.id, ids));
    if (paceMs > 0) {
      // Everything else for these destinations waits a pace: the next pass (of any worker) sends the next one.
      const paced = new Date(now.getTime() + paceMs);
      await tx
        .update(outboxMessages)
        .set({ nextAttemptAt: sql`greatest(${outboxMessages.nextAttemptAt}, ${paced.toISOString()}::timestamptz)` })
        .where(
          and(
            eq(outboxMessages.status, 'pending'),
            // Rows already due later need no change; the bound keeps this on the index of pending rows by due time.
            lt(outboxMessages.nextAttemptAt, paced),
            sql`${paceKey} in (${sql.join([...destinations].map((key) => sql`${key}`), sql`, `)})`,
            sql`${outboxMessages.id} not in (${sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `)})`,
          ),
        );
    }
    return chosen.map((row) => ({ row, leaseUntil }));
  });
}

function paceKeyOf(row: OutboxRow): string {
  return row.recipientPersonId ?? row.recipientChannelId ?? row.threadParentKey ?? row.idempotencyKey;
}

/** Thrown for a row that cannot go out because the message it belongs to never will: no separate notice. */
class Orphaned extends Error {}

async function deliverRow(input: DeliveryPassInput, row: OutboxRow, leaseUntil: Date): Promise<'sent' | 'failed' | 'skipped'> {
  const { db, clock } = input;
  // Take the lease afresh just before sending: a row whose lease ran out while earlier rows were slow may have
  // been claimed by another worker, and must not go out twice.
  const renewed = new Date(clock.now().getTime() + LEASE_SECONDS * 1000);
  const mine = await db
    .update(outboxMessages)
    .set({ nextAttemptAt: renewed })
    .where(and(eq(outboxMessages.id, row.id), eq(outboxMessages.status, 'pending'), eq(outboxMessages.nextAttemptAt, leaseUntil)))
    .returning({ id: outboxMessages.id });
  if (mine.length === 0) return 'skipped';

  const sender = input.senders[row.platform]!;
  const send = typeof sender === 'function' ? sender : sender.send;
  const update = typeof sender === 'function' ? undefined : sender.update;
  const context: SendContext = { kind: row.kind, idempotencyKey: row.idempotencyKey };
  try {
    const message = parseMessage(row.message);
    let result: Sent;
    if (row.replacesKey) {
      const target = await settledRow(db, row.replacesKey, 'the message it replaces');
      if (!update) throw new DeliveryError(`${row.platform} messages cannot be updated by this sender`, { permanent: true });
      result = await update({ channelId: target.platformChannelId!, messageId: target.platformMessageId! }, message, context);
    } else {
      const destination = await destinationOf(input, row);
      result = await send(destination, message, context);
    }
    await db.transaction(async (tx) => {
      await tx
        .update(outboxMessages)
        .set({ status: 'sent', sentAt: clock.now(), platformMessageId: result.messageId, platformChannelId: result.channelId, lastError: null })
        .where(eq(outboxMessages.id, row.id));
      if (result.followUps?.length) await enqueueMessages(tx, followUpRows(row, result));
    });
    return 'sent';
  } catch (error) {
    await recordFailure(input, row, error);
    return 'failed';
  }
}

/** The row another row depends on, once sent; throws when it never will be. */
async function settledRow(db: Db, key: string, what: string): Promise<OutboxRow> {
  const [target] = await db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, key));
  if (!target) throw new DeliveryError(`${what} (${key}) was never queued`, { permanent: true });
  if (target.status === 'dead' || !target.platformMessageId || !target.platformChannelId) {
    throw new Orphaned(`${what} (${key}) could not be delivered`);
  }
  return target;
}

async function destinationOf(input: DeliveryPassInput, row: OutboxRow): Promise<Destination> {
  if (row.threadParentKey) {
    const parent = await settledRow(input.db, row.threadParentKey, 'the message it replies to');
    return { channelId: parent.platformChannelId!, threadId: parent.platformMessageId! };
  }
  if (row.recipientChannelId) return { channelId: row.recipientChannelId };
  const userId = row.recipientPersonId
    ? await recipientAccount(input.db, row.recipientPersonId, row.platform, input.lookups?.[row.platform])
    : undefined;
  if (!userId) throw new DeliveryError(`the recipient has no ${row.platform} account linked yet`, { retryAfterSeconds: 3600 });
  return { userId };
}

/** Follow-up parts go where the first part went: the same channel (a DM's channel id) and the same thread. */
function followUpRows(row: OutboxRow, result: Sent): OutgoingMessage[] {
  return (result.followUps ?? []).map((part, index) => ({
    idempotencyKey: `${row.idempotencyKey}:part:${index + 2}`,
    kind: row.kind,
    platform: row.platform,
    ...(row.recipientPersonId ? { recipientPersonId: row.recipientPersonId } : {}),
    recipientChannelId: result.channelId,
    ...(row.programId ? { programId: row.programId } : {}),
    ...(row.threadParentKey ? { threadParentKey: row.threadParentKey } : {}),
    message: part,
  }));
}

async function recordFailure(input: DeliveryPassInput, row: OutboxRow, error: unknown): Promise<void> {
  const { db, clock } = input;
  const known = error instanceof DeliveryError ? error : undefined;
  const waiting = known?.waiting === true;
  const attempts = waiting ? row.attempts : row.attempts + 1;
  const orphaned = error instanceof Orphaned;
  const rateLimited = known?.rateLimited === true;
  const dead =
    !waiting &&
    (orphaned || known?.permanent === true || attempts >= (rateLimited ? MAX_RATE_LIMITED_ATTEMPTS : MAX_ATTEMPTS));
  const wait = known?.retryAfterSeconds ?? backoffSeconds(attempts, input.random);
  const reason = (error as Error).message.slice(0, 500);
  await db.transaction(async (tx) => {
    const marked = await tx
      .update(outboxMessages)
      .set({
        attempts,
        status: dead ? 'dead' : 'pending',
        nextAttemptAt: new Date(clock.now().getTime() + wait * 1000),
        lastError: reason,
      })
      .where(and(eq(outboxMessages.id, row.id), eq(outboxMessages.status, 'pending')))
      .returning({ id: outboxMessages.id });
    // The notice is written with the dead mark or not at all, so a coordinator hears of each dead row exactly once.
    if (dead && !orphaned && marked.length > 0) await noticeCoordinators(tx, input, row, reason);
  });
}

/**
 * Tells each coordinator of the row's program that a message could not be delivered: to whom, what, why, and what
 * they can do. A notice that itself fails is not reported again (that could go on forever).
 */
async function noticeCoordinators(tx: DbOrTx, input: DeliveryPassInput, row: OutboxRow, reason: string): Promise<void> {
  const log = input.log ?? (() => {});
  if (row.kind === DELIVERY_FAILED_KIND) {
    log(`A delivery-failed notice (${row.idempotencyKey}) could not be delivered either: ${reason}`);
    return;
  }
  if (!row.programId) {
    log(`Message ${row.idempotencyKey} (${row.kind}) could not be delivered and belongs to no program, so no coordinator was told: ${reason}`);
    return;
  }
  const coordinators = await tx
    .select({ personId: programMemberships.personId })
    .from(programMemberships)
    .where(and(eq(programMemberships.programId, row.programId), eq(programMemberships.role, 'coordinator')));
  if (coordinators.length === 0) {
    log(`Message ${row.idempotencyKey} (${row.kind}) could not be delivered and its program has no coordinator to tell: ${reason}`);
    return;
  }
  const [recipient] = row.recipientPersonId
    ? await tx.select({ name: people.name, email: people.email }).from(people).where(eq(people.id, row.recipientPersonId))
    : [];
  const who = recipient ? `${recipient.name} (${recipient.email})` : row.recipientChannelId ? `the channel ${row.recipientChannelId}` : 'its recipient';
  const what = row.kind.replace(/[-_:.]+/g, ' ');
  const advice = recipient
    ? `Check that ${recipient.name} is in the workspace under their roster email, or reach them another way.`
    : 'Check the channel (it exists, the app is in it) and post there by hand if it is urgent.';
  const notice = messageOf(
    `A ${what} message for ${who} could not be delivered`,
    paragraph(`*A message could not be delivered.* Stepping Stones tried ${row.attempts + 1} time(s) and has stopped trying.`),
    paragraph(`- *For:* ${who}\n- *What:* ${what}\n- *Why:* ${reason}`),
    paragraph(`*What to do:* ${advice}`),
  );
  await enqueueMessages(
    tx,
    coordinators
      .filter((c) => c.personId !== row.recipientPersonId)
      .map((c) => ({
        idempotencyKey: `${DELIVERY_FAILED_KIND}:${row.id}:${c.personId}`,
        kind: DELIVERY_FAILED_KIND,
        recipientPersonId: c.personId,
        programId: row.programId!,
        message: notice,
      })),
  );
}

/** The person's linked account on the platform, linking it by roster email the first time when a lookup is given. */
async function recipientAccount(
  db: Db,
  personId: string,
  platform: Platform,
  lookup: AccountLookup | undefined,
): Promise<string | undefined> {
  const [identity] = await db
    .select({ userId: chatIdentities.userId })
    .from(chatIdentities)
    .where(and(eq(chatIdentities.personId, personId), eq(chatIdentities.platform, platform)));
  if (identity) return identity.userId;
  if (!lookup) return undefined;
  const [person] = await db.select({ email: people.email }).from(people).where(eq(people.id, personId));
  const account = person ? await lookup(person.email) : undefined;
  if (!account) return undefined;
  await db
    .insert(chatIdentities)
    .values({ personId, platform, workspaceId: account.workspaceId, userId: account.userId })
    .onConflictDoNothing();
  return account.userId;
}

/** Outbox rows waiting, for the demo and for tests. */
export async function pendingMessages(db: Db) {
  return db.select().from(outboxMessages).where(eq(outboxMessages.status, 'pending')).orderBy(asc(outboxMessages.createdAt), sql`id`);
}

/** Rows given up on, for operators (and tests): what failed and why. */
export async function deadMessages(db: Db) {
  return db.select().from(outboxMessages).where(eq(outboxMessages.status, 'dead')).orderBy(asc(outboxMessages.createdAt), sql`id`);
}
