import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { chatIdentities, outboxMessages, people } from '../db/schema/index.ts';
import type { Clock } from '../core/ports.ts';
import { type Message, parseMessage } from '../messages/model.ts';

/** Where a message goes on a platform: a person's DM (by their chat user id) or a channel. */
export interface Destination {
  userId?: string;
  channelId?: string;
}

/** What a platform adapter's sender reports back: the ids to update the message later. */
export interface Sent {
  channelId: string;
  messageId: string;
}

/** A failure the sender could classify: rate limited (wait this long) or worth retrying later. */
export class DeliveryError extends Error {
  readonly retryAfterSeconds: number | undefined;
  readonly permanent: boolean;
  constructor(message: string, options: { retryAfterSeconds?: number; permanent?: boolean } = {}) {
    super(message);
    this.name = 'DeliveryError';
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.permanent = options.permanent ?? false;
  }
}

/** One platform's way of sending a rendered neutral message. */
export type MessageSender = (destination: Destination, message: Message) => Promise<Sent>;

/** Finds a person's account on a platform by their roster email (Slack: users.lookupByEmail). */
export type AccountLookup = (email: string) => Promise<{ userId: string; workspaceId: string } | undefined>;

export const MAX_ATTEMPTS = 8;
// While a row is being sent it is leased: other workers skip it until the lease runs out (a crashed sender).
const LEASE_SECONDS = 60;

function backoffSeconds(attempt: number): number {
  const base = Math.min(2 ** attempt * 5, 3600);
  return base / 2 + Math.random() * (base / 2);
}

/**
 * Sends due outbox rows once each. Rows are claimed (leased) in a short transaction with SKIP LOCKED, so several
 * workers share the queue and no HTTP call is made while a transaction is open; the platform's message id is
 * recorded right after sending (a crash in between can repeat one message, never lose one).
 */
export async function deliverDueMessages(input: {
  db: Db;
  clock: Clock;
  senders: Partial<Record<'slack' | 'teams', MessageSender>>;
  /** Faculty are often messaged before they ever used the bot: their account is found by email and linked. */
  lookups?: Partial<Record<'slack' | 'teams', AccountLookup>>;
  limit?: number;
}): Promise<{ sent: number; failed: number }> {
  const { db, clock } = input;
  const now = clock.now();
  const platforms = Object.keys(input.senders) as ('slack' | 'teams')[];
  if (platforms.length === 0) return { sent: 0, failed: 0 };
  const claimed = await db.transaction(async (tx) => {
    const due = await tx
      .select()
      .from(outboxMessages)
      .where(and(eq(outboxMessages.status, 'pending'), lte(outboxMessages.nextAttemptAt, now), inArray(outboxMessages.platform, platforms)))
      .orderBy(asc(outboxMessages.createdAt))
      .limit(input.limit ?? 50)
      .for('update', { skipLocked: true });
    if (due.length) {
      await tx
        .update(outboxMessages)
        .set({ nextAttemptAt: new Date(now.getTime() + LEASE_SECONDS * 1000) })
        .where(inArray(outboxMessages.id, due.map((row) => row.id)));
    }
    return due;
  });

  let sent = 0;
  let failed = 0;
  for (const row of claimed) {
    const sender = input.senders[row.platform]!;
    let destination: Destination | undefined;
    if (row.recipientChannelId) destination = { channelId: row.recipientChannelId };
    try {
      if (!destination && row.recipientPersonId) {
        const userId = await recipientAccount(db, row.recipientPersonId, row.platform, input.lookups?.[row.platform]);
        if (userId) destination = { userId };
      }
      if (!destination) throw new DeliveryError(`the recipient has no ${row.platform} account linked yet`, { retryAfterSeconds: 3600 });
      const result = await sender(destination, parseMessage(row.message));
      await db
        .update(outboxMessages)
        .set({ status: 'sent', sentAt: clock.now(), platformMessageId: result.messageId, platformChannelId: result.channelId, lastError: null })
        .where(eq(outboxMessages.id, row.id));
      sent += 1;
    } catch (error) {
      failed += 1;
      const attempts = row.attempts + 1;
      const known = error instanceof DeliveryError ? error : undefined;
      const dead = known?.permanent === true || attempts >= MAX_ATTEMPTS;
      const wait = known?.retryAfterSeconds ?? backoffSeconds(attempts);
      await db
        .update(outboxMessages)
        .set({
          attempts,
          status: dead ? 'dead' : 'pending',
          nextAttemptAt: new Date(clock.now().getTime() + wait * 1000),
          lastError: (error as Error).message.slice(0, 500),
        })
        .where(eq(outboxMessages.id, row.id));
    }
  }
  return { sent, failed };
}

/** The person's linked account on the platform, linking it by roster email the first time when a lookup is given. */
async function recipientAccount(
  db: Db,
  personId: string,
  platform: 'slack' | 'teams',
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
