import { pgEnum, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { programs } from './institutions.ts';
import { people } from './people.ts';

export const teamsConversationKind = pgEnum('teams_conversation_kind', ['personal', 'channel', 'group_chat']);

/**
 * Every Teams conversation the bot has been told of (installed, written in, or opened by the bot): the service URL
 * and tenant a proactive message or an update needs. A personal conversation names its person.
 */
export const teamsConversations = pgTable('teams_conversations', {
  /** The Bot Framework conversation id (`a:…` personal, `19:…@thread.tacv2` channel). */
  id: text().primaryKey(),
  kind: teamsConversationKind().notNull(),
  serviceUrl: text().notNull(),
  tenantId: text().notNull(),
  /** The person of a personal conversation. */
  personId: uuid().references(() => people.id, { onDelete: 'cascade' }),
  /** The Teams team of a channel conversation. */
  teamId: text(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/**
 * People a program's coordinator has been told cannot be messaged in Teams (they have not installed the app), so
 * each is named once, not on every delivery pass.
 */
export const teamsInstallNotices = pgTable(
  'teams_install_notices',
  {
    id: uuid().primaryKey().defaultRandom(),
    programId: uuid()
      .notNull()
      .references(() => programs.id, { onDelete: 'cascade' }),
    personId: uuid()
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    notifiedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique().on(t.programId, t.personId)],
);
