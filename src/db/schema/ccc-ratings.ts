import { sql } from 'drizzle-orm';
import { check, pgEnum, pgTable, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { milestoneRating } from './enums.ts';
import { subcompetencies } from './milestones.ts';
import { people } from './people.ts';
import { reportingPeriods } from './periods.ts';

export const cccRatingSource = pgEnum('ccc_rating_source', ['import', 'chat']);

/** The CCC's rating of one resident on one subcompetency for one reporting period (what goes to ACGME). */
export const cccRatings = pgTable(
  'ccc_ratings',
  {
    id: uuid().primaryKey().defaultRandom(),
    residentId: uuid()
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    periodId: uuid()
      .notNull()
      .references(() => reportingPeriods.id, { onDelete: 'cascade' }),
    subcompetencyId: uuid()
      .notNull()
      .references(() => subcompetencies.id),
    rating: milestoneRating().notNull(),
    ratedById: uuid().references(() => people.id),
    source: cccRatingSource().notNull(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique().on(t.residentId, t.periodId, t.subcompetencyId),
    check('ccc_ratings_observed', sql`${t.rating} <> 'not_observed'`),
  ],
);
