import { and, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import {
  assignmentSupervisors,
  evaluationDeclines,
  feedbackEntries,
  people,
  programMemberships,
  rotationAssignments,
  rotations,
} from '../../db/schema/index.ts';
import { type PromptedResident, rotationPromptMessage } from '../../messages/rotation-evaluations.ts';
import type { Message } from '../../messages/model.ts';
import { AppError } from '../errors.ts';

/** The assignment a faculty member acts on, after checking they supervised it. */
export async function assignmentForSupervisor(db: DbOrTx, assignmentId: string, facultyId: string) {
  const [row] = await db
    .select({ assignment: rotationAssignments, rotation: rotations })
    .from(rotationAssignments)
    .innerJoin(rotations, eq(rotations.id, rotationAssignments.rotationId))
    .where(eq(rotationAssignments.id, assignmentId));
  if (!row) throw new AppError('not_found', 'That rotation assignment no longer exists.');
  const [supervised] = await db
    .select()
    .from(assignmentSupervisors)
    .where(and(eq(assignmentSupervisors.assignmentId, assignmentId), eq(assignmentSupervisors.facultyId, facultyId)));
  if (!supervised) {
    throw new AppError(
      'not_allowed',
      row.assignment.residentId === facultyId
        ? 'You cannot evaluate your own rotation.'
        : 'Only the faculty who supervised this rotation can evaluate it.',
    );
  }
  return row;
}

/**
 * The prompt message for one faculty member, rotation and end date, rebuilt from the database so that the
 * message always shows each resident's current state (waiting, evaluated, did not work together).
 */
export async function rotationPromptFor(db: DbOrTx, facultyId: string, rotationId: string, endsOn: string): Promise<Message> {
  const [rotation] = await db.select().from(rotations).where(eq(rotations.id, rotationId));
  const rows = await db
    .select({
      assignmentId: rotationAssignments.id,
      startsOn: rotationAssignments.startsOn,
      residentId: rotationAssignments.residentId,
      name: people.name,
    })
    .from(rotationAssignments)
    .innerJoin(assignmentSupervisors, eq(assignmentSupervisors.assignmentId, rotationAssignments.id))
    .innerJoin(people, eq(people.id, rotationAssignments.residentId))
    .where(
      and(
        eq(rotationAssignments.rotationId, rotationId),
        eq(rotationAssignments.endsOn, endsOn),
        eq(assignmentSupervisors.facultyId, facultyId),
      ),
    )
    .orderBy(people.name);
  const ids = rows.map((r) => r.assignmentId);
  const evaluated = new Set(
    ids.length
      ? (
          await db
            .select({ id: feedbackEntries.rotationAssignmentId })
            .from(feedbackEntries)
            .where(and(inArray(feedbackEntries.rotationAssignmentId, ids), eq(feedbackEntries.authorId, facultyId)))
        ).map((r) => r.id)
      : [],
  );
  const declined = new Set(
    ids.length
      ? (
          await db
            .select({ id: evaluationDeclines.rotationAssignmentId })
            .from(evaluationDeclines)
            .where(and(inArray(evaluationDeclines.rotationAssignmentId, ids), eq(evaluationDeclines.facultyId, facultyId)))
        ).map((r) => r.id)
      : [],
  );
  const pgys = new Map(
    rows.length
      ? (
          await db
            .select({ personId: programMemberships.personId, pgy: programMemberships.pgy })
            .from(programMemberships)
            .where(and(inArray(programMemberships.personId, rows.map((r) => r.residentId)), inArray(programMemberships.role, ['resident', 'fellow'])))
        ).map((m) => [m.personId, m.pgy])
      : [],
  );
  const residents: PromptedResident[] = rows.map((r) => ({
    assignmentId: r.assignmentId,
    name: r.name,
    pgy: pgys.get(r.residentId) ?? null,
    status: evaluated.has(r.assignmentId) ? 'evaluated' : declined.has(r.assignmentId) ? 'did_not_work_with' : 'waiting',
  }));
  const startsOn = rows.map((r) => r.startsOn).sort()[0] ?? endsOn;
  return rotationPromptMessage({ rotationName: rotation?.name ?? 'Your rotation', startsOn, endsOn, residents });
}
