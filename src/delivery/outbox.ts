import { eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import { chatIdentities, outboxMessages, programMemberships, programs } from '../db/schema/index.ts';
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

type Platform = 'slack' | 'teams';

/**
 * The platform each person is messaged on: the one their chat account is on (someone on both gets the first found),
 * else their program's (programs file `platform`), so a Teams program's faculty are prompted in Teams before they
 * ever wrote to the bot. Slack when neither says.
 */
async function recipientPlatforms(tx: DbOrTx, personIds: readonly string[]): Promise<Map<string, Platform>> {
  const found = new Map<string, Platform>();
  if (personIds.length === 0) return found;
  const identities = await tx
    .select({ personId: chatIdentities.personId, platform: chatIdentities.platform })
    .from(chatIdentities)
    .where(inArray(chatIdentities.personId, [...personIds]));
  for (const identity of identities) if (!found.has(identity.personId)) found.set(identity.personId, identity.platform);
  const rest = personIds.filter((id) => !found.has(id));
  if (rest.length === 0) return found;
  const memberships = await tx
    .select({ personId: programMemberships.personId, platform: programs.chatPlatform })
    .from(programMemberships)
    .innerJoin(programs, eq(programs.id, programMemberships.programId))
    .where(inArray(programMemberships.personId, rest));
  for (const membership of memberships) if (!found.has(membership.personId)) found.set(membership.personId, membership.platform);
  return found;
}

// Rows are sent in the order they were enqueued (by created_at, then id), also within one transaction where now()
// is the same for all: clock_timestamp() moves on between rows. It moves in whole milliseconds on PGlite, so rows of
// one millisecond are ordered by their ids, which this process hands out in increasing order (below).
const enqueuedAt = () => sql`clock_timestamp()`;

let lastIdMs = 0;
let idCounter = 0;

/**
 * A UUID version 7 (milliseconds since the epoch, then a counter, then random bits) that grows with every call in
 * this process, so ids sort in enqueue order even when the database's clock shows the same instant for several rows.
 */
export function nextOutboxId(now = Date.now()): string {
  if (now > lastIdMs) {
    lastIdMs = now;
    idCounter = 0;
  } else if (++idCounter > 0xfff) {
    lastIdMs += 1;
    idCounter = 0;
  }
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let ms = lastIdMs;
  for (let i = 5; i >= 0; i -= 1) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = 0x70 | (idCounter >> 8);
  bytes[7] = idCounter & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
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
    platform = (await recipientPlatforms(tx, [outgoing.recipientPersonId])).get(outgoing.recipientPersonId);
  }
  const inserted = await tx
    .insert(outboxMessages)
    .values({
      id: nextOutboxId(),
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
  const platformOf = new Map<string, Platform>();
  for (let i = 0; i < unresolved.length; i += BATCH_ROWS) {
    for (const [personId, found] of await recipientPlatforms(tx, unresolved.slice(i, i + BATCH_ROWS))) platformOf.set(personId, found);
  }
  let inserted = 0;
  for (let i = 0; i < outgoing.length; i += BATCH_ROWS) {
    const rows = outgoing.slice(i, i + BATCH_ROWS).map((o) => ({
      id: nextOutboxId(),
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
      createdAt: enqueuedAt(),
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
