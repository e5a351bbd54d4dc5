import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { platform } from './enums.ts';
import { programs } from './institutions.ts';
import { people } from './people.ts';

export const outboxStatus = pgEnum('outbox_status', ['pending', 'sent', 'dead']);

/**
 * Outgoing chat messages, written in the same transaction as the change that caused them. The idempotency key
 * (kind, subject, recipient, period) means a repeated job or retried request enqueues one message.
 */
export const outboxMessages = pgTable(
  'outbox_messages',
  {
    id: uuid().primaryKey().defaultRandom(),
    idempotencyKey: text().notNull().unique(),
    kind: text().notNull(),
    platform: platform().notNull(),
    recipientPersonId: uuid().references(() => people.id, { onDelete: 'cascade' }),
    /** A channel (CCC digest) instead of a person's DM. */
    recipientChannelId: text(),
    /** The program the message is about: whose coordinator hears of it when it cannot be delivered. */
    programId: uuid().references(() => programs.id, { onDelete: 'cascade' }),
    /**
     * The idempotency key of the message this one replies to in a thread (a CCC digest's per-resident replies under
     * its header). The reply waits until that message is sent, then goes into its thread.
     */
    threadParentKey: text(),
    /**
     * The idempotency key of an earlier message this one replaces in place (buttons → "Answered ✓"), by the platform
     * message id recorded when that one was sent. Waits until that message is sent.
     */
    replacesKey: text(),
    /** The neutral message model, rendered by the platform adapter at send time. */
    message: jsonb().notNull(),
    status: outboxStatus().notNull().default('pending'),
    attempts: integer().notNull().default(0),
    nextAttemptAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    platformMessageId: text(),
    platformChannelId: text(),
    lastError: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    index('outbox_messages_due').on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index('outbox_messages_thread_parent').on(t.threadParentKey).where(sql`${t.threadParentKey} is not null`),
  ],
);
