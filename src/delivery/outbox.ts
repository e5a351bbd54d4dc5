import { eq } from 'drizzle-orm';
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
    })
    .onConflictDoNothing({ target: outboxMessages.idempotencyKey })
    .returning({ id: outboxMessages.id });
  return inserted.length > 0;
}
