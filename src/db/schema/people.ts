import { sql } from 'drizzle-orm';
import { check, date, integer, pgTable, text, timestamp, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { platform, programRole, raterRole } from './enums.ts';
import { institutions, programs } from './institutions.ts';

/** Anyone the bot knows: residents, faculty, raters, coordinators, PDs, CCC members. Keyed by email. */
export const people = pgTable(
  'people',
  {
    id: uuid().primaryKey().defaultRandom(),
    institutionId: uuid()
      .notNull()
      .references(() => institutions.id),
    /** Stored lower-case: the natural key every import and chat identity lookup uses. */
    email: text().notNull(),
    name: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique().on(t.institutionId, t.email), check('people_email_lower', sql`${t.email} = lower(${t.email})`)],
);

/** One role of one person in one program. Residents and fellows carry their PGY; raters their rater role. */
export const programMemberships = pgTable(
  'program_memberships',
  {
    id: uuid().primaryKey().defaultRandom(),
    programId: uuid()
      .notNull()
      .references(() => programs.id, { onDelete: 'cascade' }),
    personId: uuid()
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    role: programRole().notNull(),
    pgy: integer(),
    raterRole: raterRole(),
    startsOn: date(),
    endsOn: date(),
    /** A resident's mentor: one of the few people who may read the resident's learning plan. */
    mentorId: uuid().references(() => people.id),
  },
  (t) => [
    unique().on(t.programId, t.personId, t.role),
    check(
      'program_memberships_pgy',
      sql`(${t.role} in ('resident', 'fellow')) = (${t.pgy} is not null) and (${t.pgy} is null or ${t.pgy} between 1 and 7)`,
    ),
    check('program_memberships_rater_role', sql`${t.role} <> 'rater' or ${t.raterRole} is not null`),
  ],
);

/** A person's account on one chat platform, resolved by email at import and confirmed at first contact. */
export const chatIdentities = pgTable(
  'chat_identities',
  {
    id: uuid().primaryKey().defaultRandom(),
    personId: uuid()
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    platform: platform().notNull(),
    /** Slack team id or Teams tenant id. */
    workspaceId: text().notNull(),
    /** Slack user id or Teams AAD object id. */
    userId: text().notNull(),
    /** Teams needs the personal conversation and its service URL to message proactively. */
    conversationId: text(),
    serviceUrl: text(),
    confirmedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    unique().on(t.platform, t.workspaceId, t.userId),
    uniqueIndex('chat_identities_person_platform').on(t.personId, t.platform, t.workspaceId),
  ],
);
