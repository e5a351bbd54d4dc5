import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { raterRole } from './enums.ts';
import { programs } from './institutions.ts';
import { people } from './people.ts';
import { reportingPeriods } from './periods.ts';
import { rotations } from './rotations.ts';

/** A short 360 instrument for one rater group; a program's own replaces the shipped default. */
export const multisourceInstruments = pgTable(
  'multisource_instruments',
  {
    id: uuid().primaryKey().defaultRandom(),
    /** Null for the shipped default instrument. */
    programId: uuid().references(() => programs.id, { onDelete: 'cascade' }),
    raterRole: raterRole().notNull(),
    version: integer().notNull().default(1),
    title: text().notNull(),
  },
  (t) => [unique().on(t.programId, t.raterRole, t.version).nullsNotDistinct()],
);

export const multisourceItems = pgTable(
  'multisource_items',
  {
    id: uuid().primaryKey().defaultRandom(),
    instrumentId: uuid()
      .notNull()
      .references(() => multisourceInstruments.id, { onDelete: 'cascade' }),
    position: integer().notNull(),
    /** An ICS, PROF or SBP subcompetency code of the program's set. */
    subcompetencyCode: text().notNull(),
    prompt: text().notNull(),
    /** Behavioural anchors for points 1..5, in order. */
    anchors: jsonb().$type<string[]>().notNull(),
  },
  (t) => [unique().on(t.instrumentId, t.position)],
);

/** One 360 round: for a rotation's block, or for a reporting period. */
export const multisourceRounds = pgTable(
  'multisource_rounds',
  {
    id: uuid().primaryKey().defaultRandom(),
    programId: uuid()
      .notNull()
      .references(() => programs.id, { onDelete: 'cascade' }),
    rotationId: uuid().references(() => rotations.id, { onDelete: 'cascade' }),
    periodId: uuid().references(() => reportingPeriods.id, { onDelete: 'cascade' }),
    /** `rotation:<code>:<end date>` or `period:<code>`: the job opens each round once. */
    roundKey: text().notNull(),
    openedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique().on(t.programId, t.roundKey)],
);

export const multisourceRequestStatus = pgEnum('multisource_request_status', [
  'open',
  'answered',
  'did_not_work_with',
  'expired',
]);

/** One rater asked about one resident. The rater is stored for reminders only and never shown. */
export const multisourceRequests = pgTable(
  'multisource_requests',
  {
    id: uuid().primaryKey().defaultRandom(),
    roundId: uuid()
      .notNull()
      .references(() => multisourceRounds.id, { onDelete: 'cascade' }),
    residentId: uuid()
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    raterId: uuid()
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    raterRole: raterRole().notNull(),
    instrumentId: uuid()
      .notNull()
      .references(() => multisourceInstruments.id),
    status: multisourceRequestStatus().notNull().default('open'),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique().on(t.roundId, t.residentId, t.raterId),
    check('multisource_requests_not_self', sql`${t.residentId} <> ${t.raterId}`),
    // Summaries read all of a resident's 360 requests.
    index('multisource_requests_resident').on(t.residentId),
  ],
);

/** A rater's answer; answering again updates it (one row per request). */
export const multisourceResponses = pgTable('multisource_responses', {
  id: uuid().primaryKey().defaultRandom(),
  requestId: uuid()
    .notNull()
    .unique()
    .references(() => multisourceRequests.id, { onDelete: 'cascade' }),
  didNotWorkWith: boolean().notNull().default(false),
  comment: text(),
  submittedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/** One item's score, 1..5; no row means "not observed". */
export const multisourceAnswers = pgTable(
  'multisource_answers',
  {
    responseId: uuid()
      .notNull()
      .references(() => multisourceResponses.id, { onDelete: 'cascade' }),
    itemId: uuid()
      .notNull()
      .references(() => multisourceItems.id),
    score: integer().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.responseId, t.itemId] }),
    check('multisource_answers_score', sql`${t.score} between 1 and 5`),
  ],
);
