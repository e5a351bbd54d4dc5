import { pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { people } from './people.ts';

/**
 * A person asked the bot to hold its reminders about one thing (a rotation prompt, a feedback request) until a
 * time. Keyed by what is being reminded about, so snoozing twice moves the same row.
 */
export const reminderSnoozes = pgTable(
  'reminder_snoozes',
  {
    /** What the reminder is about: `rotation-prompt`, `feedback-request`, … */
    subjectKind: text().notNull(),
    /** The id of that thing (a feedback request id; for a rotation prompt, `rotationId:endsOn`). */
    subjectId: text().notNull(),
    personId: uuid()
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    snoozedUntil: timestamp({ withTimezone: true }).notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.subjectKind, t.subjectId, t.personId] })],
);
