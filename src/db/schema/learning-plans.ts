import { sql } from 'drizzle-orm';
import { date, index, pgEnum, pgTable, text, timestamp, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { feedbackEntries } from './feedback.ts';
import { programs } from './institutions.ts';
import { subcompetencies } from './milestones.ts';
import { people } from './people.ts';
import { reportingPeriods } from './periods.ts';

export const learningGoalStatus = pgEnum('learning_goal_status', ['open', 'done', 'dropped']);
export const learningGoalSource = pgEnum('learning_goal_source', ['feedback', 'self_assessment_gap', 'resident']);

/** A goal of a resident's individualized learning plan. */
export const learningGoals = pgTable(
  'learning_goals',
  {
    id: uuid().primaryKey().defaultRandom(),
    programId: uuid()
      .notNull()
      .references(() => programs.id, { onDelete: 'cascade' }),
    residentId: uuid()
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    subcompetencyId: uuid().references(() => subcompetencies.id),
    action: text().notNull(),
    dueOn: date().notNull(),
    status: learningGoalStatus().notNull().default('open'),
    source: learningGoalSource().notNull(),
    /** "Add to my plan" on a piece of feedback adds one goal however often it is clicked. */
    feedbackEntryId: uuid().references(() => feedbackEntries.id, { onDelete: 'set null' }),
    periodId: uuid().references(() => reportingPeriods.id, { onDelete: 'set null' }),
    outcome: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    closedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    unique().on(t.residentId, t.feedbackEntryId),
    // One goal per gap per period, however often goals are suggested from the same self-assessment.
    uniqueIndex('learning_goals_one_per_gap')
      .on(t.residentId, t.periodId, t.subcompetencyId)
      .where(sql`${t.source} = 'self_assessment_gap'`),
    // The daily due-date nudge reads open goals by due date.
    index('learning_goals_open_due').on(t.dueOn).where(sql`${t.status} = 'open'`),
  ],
);
