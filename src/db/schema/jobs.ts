import { jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * A job's claim on one period of one program (e.g. rotation-prompts, program X, 2026-10-31). Inserted before the
 * job acts, so a repeated tick, a catch-up after downtime or a second instance does nothing.
 */
export const jobClaims = pgTable(
  'job_claims',
  {
    job: text().notNull(),
    /** Program id, or `*` for institution-wide jobs. */
    scope: text().notNull(),
    period: text().notNull(),
    claimedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    claimedBy: text().notNull(),
    finishedAt: timestamp({ withTimezone: true }),
    result: jsonb(),
  },
  (t) => [primaryKey({ columns: [t.job, t.scope, t.period] })],
);

/** node-cron's run coordinator: one row per (task, fire slot), so exactly one instance runs each fire. */
export const cronSlots = pgTable(
  'cron_slots',
  {
    task: text().notNull(),
    slot: text().notNull(),
    claimedBy: text().notNull(),
    claimedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.task, t.slot] })],
);
