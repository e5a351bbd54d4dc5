import { sql } from 'drizzle-orm';
import { check, integer, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { platform } from './enums.ts';

/** A sponsoring institution; hosts many programs. */
export const institutions = pgTable('institutions', {
  id: uuid().primaryKey().defaultRandom(),
  slug: text().notNull().unique(),
  name: text().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/** A residency or fellowship program: its own time zone, milestone set, CCC channel and 360 threshold. */
export const programs = pgTable(
  'programs',
  {
    id: uuid().primaryKey().defaultRandom(),
    institutionId: uuid()
      .notNull()
      .references(() => institutions.id),
    slug: text().notNull(),
    name: text().notNull(),
    specialty: text().notNull(),
    timeZone: text().notNull().default('America/New_York'),
    milestoneSetCode: text(),
    milestoneSetVersion: text(),
    cccSlackChannelId: text(),
    cccTeamsConversationId: text(),
    /** Where the program's people are reached when they have no chat account linked yet (programs file `platform`). */
    chatPlatform: platform().notNull().default('slack'),
    /** Fewest 360 responses per rater group before anyone sees the group's aggregate; never below 3. */
    multisourceThreshold: integer().notNull().default(3),
    /** Days after which a resident's unanswered feedback request expires (the resident is told). */
    requestExpiryDays: integer().notNull().default(14),
    /** Days before each CCC meeting that the digest is posted to the CCC channel. */
    cccDigestLeadDays: integer().notNull().default(7),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique().on(t.institutionId, t.slug),
    check('programs_multisource_threshold_min', sql`${t.multisourceThreshold} >= 3`),
    check('programs_request_expiry_days', sql`${t.requestExpiryDays} between 1 and 90`),
    check('programs_ccc_digest_lead_days', sql`${t.cccDigestLeadDays} between 0 and 60`),
  ],
);
