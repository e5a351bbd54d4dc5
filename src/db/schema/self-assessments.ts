import { sql } from 'drizzle-orm';
import { check, pgEnum, pgTable, primaryKey, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { milestoneRating } from './enums.ts';
import { subcompetencies } from './milestones.ts';
import { people } from './people.ts';
import { reportingPeriods } from './periods.ts';

export const selfAssessmentStatus = pgEnum('self_assessment_status', ['in_progress', 'submitted']);

/** A resident's twice-yearly self-rating; kept in progress so it can be finished later. */
export const selfAssessments = pgTable(
  'self_assessments',
  {
    id: uuid().primaryKey().defaultRandom(),
    residentId: uuid()
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    periodId: uuid()
      .notNull()
      .references(() => reportingPeriods.id, { onDelete: 'cascade' }),
    status: selfAssessmentStatus().notNull().default('in_progress'),
    startedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    submittedAt: timestamp({ withTimezone: true }),
  },
  (t) => [unique().on(t.residentId, t.periodId)],
);

export const selfAssessmentRatings = pgTable(
  'self_assessment_ratings',
  {
    selfAssessmentId: uuid()
      .notNull()
      .references(() => selfAssessments.id, { onDelete: 'cascade' }),
    subcompetencyId: uuid()
      .notNull()
      .references(() => subcompetencies.id),
    rating: milestoneRating().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.selfAssessmentId, t.subcompetencyId] }),
    check('self_assessment_ratings_observed', sql`${t.rating} <> 'not_observed'`),
  ],
);
