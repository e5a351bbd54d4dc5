import { sql } from 'drizzle-orm';
import { check, integer, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';

/** A versioned milestone set (a specialty's Milestones 2.0, or the harmonized subcompetencies). */
export const milestoneSets = pgTable(
  'milestone_sets',
  {
    id: uuid().primaryKey().defaultRandom(),
    code: text().notNull(),
    version: text().notNull(),
    name: text().notNull(),
    specialty: text().notNull(),
  },
  (t) => [unique().on(t.code, t.version)],
);

export const competencies = pgTable(
  'competencies',
  {
    id: uuid().primaryKey().defaultRandom(),
    milestoneSetId: uuid()
      .notNull()
      .references(() => milestoneSets.id, { onDelete: 'cascade' }),
    code: text().notNull(),
    name: text().notNull(),
    position: integer().notNull(),
  },
  (t) => [unique().on(t.milestoneSetId, t.code)],
);

export const subcompetencies = pgTable(
  'subcompetencies',
  {
    id: uuid().primaryKey().defaultRandom(),
    milestoneSetId: uuid()
      .notNull()
      .references(() => milestoneSets.id, { onDelete: 'cascade' }),
    competencyId: uuid()
      .notNull()
      .references(() => competencies.id, { onDelete: 'cascade' }),
    code: text().notNull(),
    name: text().notNull(),
    position: integer().notNull(),
  },
  (t) => [unique().on(t.milestoneSetId, t.code)],
);

/** What a resident at one level does, in the words of the set (ours for shipped sets). */
export const levelDescriptors = pgTable(
  'level_descriptors',
  {
    id: uuid().primaryKey().defaultRandom(),
    subcompetencyId: uuid()
      .notNull()
      .references(() => subcompetencies.id, { onDelete: 'cascade' }),
    level: integer().notNull(),
    description: text().notNull(),
  },
  (t) => [unique().on(t.subcompetencyId, t.level), check('level_descriptors_level', sql`${t.level} between 1 and 5`)],
);
