import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  date,
  index,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { milestoneRating } from './enums.ts';
import { programs } from './institutions.ts';
import { subcompetencies } from './milestones.ts';
import { people } from './people.ts';
import { rotationAssignments } from './rotations.ts';

export const feedbackRequestStatus = pgEnum('feedback_request_status', [
  'open',
  'answered',
  'declined',
  'expired',
]);

/** Where a piece of feedback came from. */
export const feedbackSource = pgEnum('feedback_source', ['request', 'rotation_evaluation', 'unsolicited']);

/** A resident's specific question to one faculty member or assessor. */
export const feedbackRequests = pgTable(
  'feedback_requests',
  {
    id: uuid().primaryKey().defaultRandom(),
    programId: uuid()
      .notNull()
      .references(() => programs.id, { onDelete: 'cascade' }),
    residentId: uuid()
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    assessorId: uuid()
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    subcompetencyId: uuid().references(() => subcompetencies.id),
    templateId: text(),
    question: text().notNull(),
    context: text(),
    encounterOn: date(),
    dueOn: date().notNull(),
    status: feedbackRequestStatus().notNull().default('open'),
    /** The chat submission this came from (e.g. Slack view id), so a retried submission stores one request. */
    submissionKey: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    closedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    unique().on(t.residentId, t.submissionKey),
    check('feedback_requests_not_self', sql`${t.residentId} <> ${t.assessorId}`),
  ],
);

/** Feedback given to a resident: an answer to a request, or an end-of-rotation evaluation. */
export const feedbackEntries = pgTable(
  'feedback_entries',
  {
    id: uuid().primaryKey().defaultRandom(),
    programId: uuid()
      .notNull()
      .references(() => programs.id, { onDelete: 'cascade' }),
    residentId: uuid()
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    authorId: uuid()
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    source: feedbackSource().notNull(),
    feedbackRequestId: uuid().references(() => feedbackRequests.id, { onDelete: 'cascade' }),
    rotationAssignmentId: uuid().references(() => rotationAssignments.id, { onDelete: 'cascade' }),
    reinforcing: text(),
    corrective: text(),
    nextStep: text(),
    directlyObserved: boolean().notNull().default(false),
    /** When the resident thanked the author; the author is told once. */
    thankedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // One answer per request and one evaluation per (assignment, faculty): a double click or a chat retry
    // lands on these keys instead of creating a second row.
    unique().on(t.feedbackRequestId),
    unique().on(t.rotationAssignmentId, t.authorId),
    // The CCC digest reads a program's feedback in one pass; without this it scans every program's entries.
    index('feedback_entries_program_resident').on(t.programId, t.residentId),
    check(
      'feedback_entries_source_link',
      sql`(${t.source} <> 'request' or ${t.feedbackRequestId} is not null) and (${t.source} <> 'rotation_evaluation' or ${t.rotationAssignmentId} is not null)`,
    ),
  ],
);

/** One subcompetency rating inside a feedback entry, on the ten-point scale or "not observed". */
export const feedbackRatings = pgTable(
  'feedback_ratings',
  {
    feedbackEntryId: uuid()
      .notNull()
      .references(() => feedbackEntries.id, { onDelete: 'cascade' }),
    subcompetencyId: uuid()
      .notNull()
      .references(() => subcompetencies.id),
    rating: milestoneRating().notNull(),
  },
  (t) => [primaryKey({ columns: [t.feedbackEntryId, t.subcompetencyId] })],
);

/** A supervising faculty member's answer that they did not work with a resident on a rotation. */
export const evaluationDeclines = pgTable(
  'evaluation_declines',
  {
    rotationAssignmentId: uuid()
      .notNull()
      .references(() => rotationAssignments.id, { onDelete: 'cascade' }),
    facultyId: uuid()
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    reason: text(),
    declinedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.rotationAssignmentId, t.facultyId] })],
);
