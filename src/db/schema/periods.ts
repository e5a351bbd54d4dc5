import { sql } from 'drizzle-orm';
import { check, date, integer, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { periodKind } from './enums.ts';
import { programs } from './institutions.ts';

/** A semiannual reporting period (mid-year or end-of-year of an academic year starting July 1). */
export const reportingPeriods = pgTable(
  'reporting_periods',
  {
    id: uuid().primaryKey().defaultRandom(),
    programId: uuid()
      .notNull()
      .references(() => programs.id, { onDelete: 'cascade' }),
    /** The calendar year in which the academic year starts (2026 for 2026–27). */
    academicYear: integer().notNull(),
    kind: periodKind().notNull(),
    /** Human key used in commands: `2026-mid`, `2026-end`. */
    code: text().notNull(),
    startsOn: date().notNull(),
    endsOn: date().notNull(),
    selfAssessmentOpensOn: date(),
  },
  (t) => [
    unique().on(t.programId, t.academicYear, t.kind),
    unique().on(t.programId, t.code),
    check('reporting_periods_dates', sql`${t.endsOn} >= ${t.startsOn}`),
  ],
);

/** The dates the CCC meets; digests and self-assessment windows are timed from them. */
export const cccMeetings = pgTable(
  'ccc_meetings',
  {
    id: uuid().primaryKey().defaultRandom(),
    programId: uuid()
      .notNull()
      .references(() => programs.id, { onDelete: 'cascade' }),
    meetsOn: date().notNull(),
    periodId: uuid().references(() => reportingPeriods.id, { onDelete: 'set null' }),
  },
  (t) => [unique().on(t.programId, t.meetsOn)],
);
