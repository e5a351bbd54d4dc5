import { bigint, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { people } from './people.ts';

/** Who read or changed whose assessment data, and imports; append-only. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp({ withTimezone: true }).notNull().defaultNow(),
    actorId: uuid().references(() => people.id, { onDelete: 'set null' }),
    /** `cli`, `scheduler`, `slack`, `teams`: where the action came from when no person did it. */
    channel: text().notNull(),
    action: text().notNull(),
    subjectType: text(),
    subjectId: text(),
    details: jsonb(),
  },
  (t) => [index('audit_log_subject').on(t.subjectType, t.subjectId)],
);
