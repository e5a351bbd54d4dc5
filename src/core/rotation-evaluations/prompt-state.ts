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
import { LEARNER_ROLES } from '../programs/program-context.ts';

/** The idempotency key a faculty member's prompt for a rotation block is sent under (reminders and redraws find it by it). */
export function rotationPromptKey(facultyId: string, rotationId: string, endsOn: string): string {
  return `rotation-prompt:${facultyId}:${rotationId}:${endsOn}`;
}

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

/** One faculty member's end-of-rotation prompt: who it goes to, about which block, and the message as it stands. */
export interface RotationPrompt {
  facultyId: string;
  rotationId: string;
  programId: string;
  endsOn: string;
  assignmentIds: string[];
  message: Message;
}

/**
 * The prompt messages of every faculty member for rotation blocks ending on `endsOn` (optionally narrowed to one
 * program, rotation or faculty member), rebuilt from the database so that each message shows each resident's
 * current state. A fixed handful of set-based queries whatever the number of prompts, so a fan-out to thousands of
 * faculty costs about as much as one prompt.
 */
export async function rotationPromptsEndingOn(
  db: DbOrTx,
  input: { endsOn: string; programId?: string; rotationId?: string; facultyId?: string },
): Promise<RotationPrompt[]> {
  const endingBlock = and(
    eq(rotationAssignments.endsOn, input.endsOn),
    input.rotationId ? eq(rotationAssignments.rotationId, input.rotationId) : undefined,
    input.programId ? eq(rotations.programId, input.programId) : undefined,
  );
  const rows = await db
    .select({
      assignmentId: rotationAssignments.id,
      startsOn: rotationAssignments.startsOn,
      residentId: rotationAssignments.residentId,
      name: people.name,
      facultyId: assignmentSupervisors.facultyId,
      rotationId: rotations.id,
      rotationName: rotations.name,
      programId: rotations.programId,
    })
    .from(rotationAssignments)
    .innerJoin(rotations, eq(rotations.id, rotationAssignments.rotationId))
    .innerJoin(assignmentSupervisors, eq(assignmentSupervisors.assignmentId, rotationAssignments.id))
    .innerJoin(people, eq(people.id, rotationAssignments.residentId))
    .where(and(endingBlock, input.facultyId ? eq(assignmentSupervisors.facultyId, input.facultyId) : undefined))
    .orderBy(people.name);
  if (rows.length === 0) return [];
  // The related rows are selected by the same condition as a subquery, rather than by lists of ids that would grow
  // with the fan-out (and hit the bound-parameter limit).
  const endingAssignments = db
    .select({ id: rotationAssignments.id })
    .from(rotationAssignments)
    .innerJoin(rotations, eq(rotations.id, rotationAssignments.rotationId))
    .where(endingBlock);
  const endingResidents = db
    .select({ id: rotationAssignments.residentId })
    .from(rotationAssignments)
    .innerJoin(rotations, eq(rotations.id, rotationAssignments.rotationId))
    .where(endingBlock);
  const evaluatedRows = await db
      .select({ assignmentId: feedbackEntries.rotationAssignmentId, facultyId: feedbackEntries.authorId })
      .from(feedbackEntries)
      .where(
        and(
          inArray(feedbackEntries.rotationAssignmentId, endingAssignments),
          input.facultyId ? eq(feedbackEntries.authorId, input.facultyId) : undefined,
        ),
      );
  const declinedRows = await db
      .select({ assignmentId: evaluationDeclines.rotationAssignmentId, facultyId: evaluationDeclines.facultyId })
      .from(evaluationDeclines)
      .where(
        and(
          inArray(evaluationDeclines.rotationAssignmentId, endingAssignments),
          input.facultyId ? eq(evaluationDeclines.facultyId, input.facultyId) : undefined,
        ),
      );
  const memberships = await db
      .select({ personId: programMemberships.personId, pgy: programMemberships.pgy })
      .from(programMemberships)
      .where(and(inArray(programMemberships.personId, endingResidents), inArray(programMemberships.role, [...LEARNER_ROLES])));
  const evaluated = new Set(evaluatedRows.map((r) => `${r.assignmentId} ${r.facultyId}`));
  const declined = new Set(declinedRows.map((r) => `${r.assignmentId} ${r.facultyId}`));
  const pgys = new Map(memberships.map((m) => [m.personId, m.pgy]));

  const groups = new Map<string, { first: (typeof rows)[number]; rows: (typeof rows)[number][] }>();
  for (const row of rows) {
    const key = `${row.facultyId} ${row.rotationId}`;
    const group = groups.get(key);
    if (group) group.rows.push(row);
    else groups.set(key, { first: row, rows: [row] });
  }
  return [...groups.values()].map(({ first, rows: groupRows }) => {
    const residents: PromptedResident[] = groupRows.map((r) => {
      const key = `${r.assignmentId} ${r.facultyId}`;
      return {
        assignmentId: r.assignmentId,
        name: r.name,
        pgy: pgys.get(r.residentId) ?? null,
        status: evaluated.has(key) ? 'evaluated' : declined.has(key) ? 'did_not_work_with' : 'waiting',
      };
    });
    const startsOn = groupRows.map((r) => r.startsOn).sort()[0] ?? input.endsOn;
    return {
      facultyId: first.facultyId,
      rotationId: first.rotationId,
      programId: first.programId,
      endsOn: input.endsOn,
      assignmentIds: groupRows.map((r) => r.assignmentId),
      message: rotationPromptMessage({ rotationName: first.rotationName, startsOn, endsOn: input.endsOn, residents }),
    };
  });
}

/**
 * The prompt message for one faculty member, rotation and end date, rebuilt from the database so that the
 * message always shows each resident's current state (waiting, evaluated, did not work together).
 */
export async function rotationPromptFor(db: DbOrTx, facultyId: string, rotationId: string, endsOn: string): Promise<Message> {
  const [prompt] = await rotationPromptsEndingOn(db, { endsOn, rotationId, facultyId });
  if (prompt) return prompt.message;
  // Nobody left on the block (assignments removed since): the prompt still names the rotation, with no residents.
  const [rotation] = await db.select({ name: rotations.name }).from(rotations).where(eq(rotations.id, rotationId));
  return rotationPromptMessage({ rotationName: rotation?.name ?? 'Your rotation', startsOn: endsOn, endsOn, residents: [] });
}
