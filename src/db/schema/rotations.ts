import { sql } from 'drizzle-orm';
import { check, date, pgTable, primaryKey, text, unique, uuid } from 'drizzle-orm/pg-core';
import { programs } from './institutions.ts';
import { subcompetencies } from './milestones.ts';
import { people } from './people.ts';

/** A rotation of a program (wards, clinic, ICU…) at a site, with the subcompetencies it assesses. */
export const rotations = pgTable(
  'rotations',
  {
    id: uuid().primaryKey().defaultRandom(),
    programId: uuid()
      .notNull()
      .references(() => programs.id, { onDelete: 'cascade' }),
    code: text().notNull(),
    name: text().notNull(),
    site: text(),
  },
  (t) => [unique().on(t.programId, t.code)],
);

export const rotationSubcompetencies = pgTable(
  'rotation_subcompetencies',
  {
    rotationId: uuid()
      .notNull()
      .references(() => rotations.id, { onDelete: 'cascade' }),
    subcompetencyId: uuid()
      .notNull()
      .references(() => subcompetencies.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.rotationId, t.subcompetencyId] })],
);

/** The 360 raters (nurses, pharmacists…) who work on a rotation and are asked about its residents. */
export const rotationRaters = pgTable(
  'rotation_raters',
  {
    rotationId: uuid()
      .notNull()
      .references(() => rotations.id, { onDelete: 'cascade' }),
    raterId: uuid()
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.rotationId, t.raterId] })],
);

/** One resident on one rotation for one block; keyed by (rotation, resident, start) so schedules re-import. */
export const rotationAssignments = pgTable(
  'rotation_assignments',
  {
    id: uuid().primaryKey().defaultRandom(),
    rotationId: uuid()
      .notNull()
      .references(() => rotations.id, { onDelete: 'cascade' }),
    residentId: uuid()
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    startsOn: date().notNull(),
    endsOn: date().notNull(),
  },
  (t) => [
    unique().on(t.rotationId, t.residentId, t.startsOn),
    check('rotation_assignments_dates', sql`${t.endsOn} >= ${t.startsOn}`),
  ],
);

/** Faculty who supervised an assignment; each is prompted for an evaluation when it ends. */
export const assignmentSupervisors = pgTable(
  'assignment_supervisors',
  {
    assignmentId: uuid()
      .notNull()
      .references(() => rotationAssignments.id, { onDelete: 'cascade' }),
    facultyId: uuid()
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.assignmentId, t.facultyId] })],
);
