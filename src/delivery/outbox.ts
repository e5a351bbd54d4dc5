import { eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import { chatIdentities, outboxMessages } from '../db/schema/index.ts';
import type { Message } from '../messages/model.ts';

/** One message to deliver to a person's DM (or a channel), once per idempotency key. */
export interface OutgoingMessage {
  /** (notification kind, subject, recipient, period): a repeated job or a retried request enqueues nothing new. */
  idempotencyKey: string;
  kind: string;
  recipientPersonId?: string;
  recipientChannelId?: string;
  platform?: 'slack' | 'teams';
  message: Message;
  /** Hold the message until then (a reminder); by default it is due at once. */
  notBefore?: Date;
  /** The program it is about: its coordinator is told if the message cannot be delivered. */
  programId?: string;
  /** Send as a thread reply to the message enqueued under this key, once that one is sent (CCC digest). */
  threadParentKey?: string;
  /** Replace the message sent under this key in place (chat.update / activity update) instead of posting anew. */
  replacesKey?: string;
}

// Rows are sent in the order they were enqueued, also within one transaction (where now() is the same for all):
// clock_timestamp() moves on between statements, and a batch adds its row number in microseconds.
const enqueuedAt = (index = 0) => sql`clock_timestamp() + ${index} * interval '1 microsecond'`;

// "Due at once" is stored as the epoch rather than the database's now(), so the worker's clock (moved by tests,
// or skewed from the database server's) can never make a fresh message look like it belongs to the future.
const DUE_AT_ONCE = new Date(0);

/**
 * Writes an outgoing message inside the caller's transaction, so it is sent if and only if the change that caused it
 * is stored. Returns false when that key was already enqueued.
 */
export async function enqueueMessage(tx: DbOrTx, outgoing: OutgoingMessage): Promise<boolean> {
  let platform = outgoing.platform;
  if (!platform && outgoing.recipientPersonId) {
    const [identity] = await tx
      .select({ platform: chatIdentities.platform })
      .from(chatIdentities)
      .where(eq(chatIdentities.personId, outgoing.recipientPersonId))
      .limit(1);
    platform = identity?.platform ?? 'slack';
  }
  const inserted = await tx
    .insert(outboxMessages)
    .values({
      idempotencyKey: outgoing.idempotencyKey,
      kind: outgoing.kind,
      platform: platform ?? 'slack',
      recipientPersonId: outgoing.recipientPersonId ?? null,
      recipientChannelId: outgoing.recipientChannelId ?? null,
      message: outgoing.message,
      programId: outgoing.programId ?? null,
      threadParentKey: outgoing.threadParentKey ?? null,
      replacesKey: outgoing.replacesKey ?? null,
      nextAttemptAt: outgoing.notBefore ?? DUE_AT_ONCE,
      createdAt: enqueuedAt(),
    })
    .onConflictDoNothing({ target: outboxMessages.idempotencyKey })
    .returning({ id: outboxMessages.id });
  return inserted.length > 0;
}

// ~12 parameters a row: 1,000 rows stay far below PostgreSQL's 65,535 bound parameters per statement.
const BATCH_ROWS = 1000;

/**
 * Writes many outgoing messages inside the caller's transaction with one insert per 1,000 rows (a fan-out of
 * thousands of prompts), skipping keys already enqueued. Returns how many were new.
 */
export async function enqueueMessages(tx: DbOrTx, outgoing: readonly OutgoingMessage[]): Promise<number> {
  if (outgoing.length === 0) return 0;
  const unresolved = [...new Set(outgoing.filter((o) => !o.platform && o.recipientPersonId).map((o) => o.recipientPersonId!))];
  const platformOf = new Map<string, 'slack' | 'teams'>();
  for (let i = 0; i < unresolved.length; i += BATCH_ROWS) {
    const identities = await tx
      .select({ personId: chatIdentities.personId, platform: chatIdentities.platform })
      .from(chatIdentities)
      .where(inArray(chatIdentities.personId, unresolved.slice(i, i + BATCH_ROWS)));
    // Same rule as enqueueMessage: any linked platform; someone on both gets the first found.
    for (const identity of identities) if (!platformOf.has(identity.personId)) platformOf.set(identity.personId, identity.platform);
  }
  let inserted = 0;
  for (let i = 0; i < outgoing.length; i += BATCH_ROWS) {
    const rows = outgoing.slice(i, i + BATCH_ROWS).map((o, index) => ({
      idempotencyKey: o.idempotencyKey,
      kind: o.kind,
      platform: o.platform ?? (o.recipientPersonId ? platformOf.get(o.recipientPersonId) : undefined) ?? ('slack' as const),
      recipientPersonId: o.recipientPersonId ?? null,
      recipientChannelId: o.recipientChannelId ?? null,
      message: o.message,
      programId: o.programId ?? null,
      threadParentKey: o.threadParentKey ?? null,
      replacesKey: o.replacesKey ?? null,
      nextAttemptAt: o.notBefore ?? DUE_AT_ONCE,
      createdAt: enqueuedAt(index),
    }));
    const result = await tx
      .insert(outboxMessages)
      .values(rows)
      .onConflictDoNothing({ target: outboxMessages.idempotencyKey })
      .returning({ id: outboxMessages.id });
    inserted += result.length;
  }
  return inserted;
}
