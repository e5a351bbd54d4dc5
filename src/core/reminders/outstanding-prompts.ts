import { and, between, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import {
  assignmentSupervisors,
  evaluationDeclines,
  feedbackEntries,
  outboxMessages,
  people,
  programMemberships,
  rotationAssignments,
  rotations,
} from '../../db/schema/index.ts';
import type { WaitingResident } from '../../messages/reminders.ts';
import { LEARNER_ROLES } from '../programs/program-context.ts';
import { rotationPromptKey } from '../rotation-evaluations/prompt-state.ts';

/** One faculty member's end-of-rotation prompt with residents they have neither evaluated nor declined. */
export interface OutstandingPrompt {
  facultyId: string;
  rotationId: string;
  rotationName: string;
  endsOn: string;
  waiting: WaitingResident[];
}

/**
 * Prompts of a program for rotation blocks ending between two dates (inclusive) that still wait on someone, read
 * fresh from the evaluations and declines. A prompt that was never sent (a schedule imported after the fact, a
 * program that started using the bot later) is no one's to be reminded of, so it is left out.
 */
export async function outstandingPrompts(
  db: DbOrTx,
  input: { programId: string; endsFrom: string; endsTo: string; facultyId?: string; rotationId?: string },
): Promise<OutstandingPrompt[]> {
  const rows = await db
    .select({
      assignmentId: rotationAssignments.id,
      residentId: rotationAssignments.residentId,
      residentName: people.name,
      endsOn: rotationAssignments.endsOn,
      rotationId: rotations.id,
      rotationName: rotations.name,
      facultyId: assignmentSupervisors.facultyId,
    })
    .from(rotationAssignments)
    .innerJoin(rotations, eq(rotations.id, rotationAssignments.rotationId))
    .innerJoin(assignmentSupervisors, eq(assignmentSupervisors.assignmentId, rotationAssignments.id))
    .innerJoin(people, eq(people.id, rotationAssignments.residentId))
    .where(
      and(
        eq(rotations.programId, input.programId),
        between(rotationAssignments.endsOn, input.endsFrom, input.endsTo),
        input.facultyId ? eq(assignmentSupervisors.facultyId, input.facultyId) : undefined,
        input.rotationId ? eq(rotations.id, input.rotationId) : undefined,
      ),
    )
    .orderBy(people.name);
  if (rows.length === 0) return [];
  const ids = [...new Set(rows.map((r) => r.assignmentId))];
  const done = new Set([
    ...(
      await db
        .select({ assignmentId: feedbackEntries.rotationAssignmentId, facultyId: feedbackEntries.authorId })
        .from(feedbackEntries)
        .where(inArray(feedbackEntries.rotationAssignmentId, ids))
    ).map((r) => `${r.assignmentId} ${r.facultyId}`),
    ...(
      await db
        .select({ assignmentId: evaluationDeclines.rotationAssignmentId, facultyId: evaluationDeclines.facultyId })
        .from(evaluationDeclines)
        .where(inArray(evaluationDeclines.rotationAssignmentId, ids))
    ).map((r) => `${r.assignmentId} ${r.facultyId}`),
  ]);
  const prompts = new Map<string, OutstandingPrompt>();
  const residentIds = new Set<string>();
  const residentOf = new Map<string, string>();
  for (const row of rows) {
    if (done.has(`${row.assignmentId} ${row.facultyId}`)) continue;
    const key = rotationPromptKey(row.facultyId, row.rotationId, row.endsOn);
    const prompt = prompts.get(key) ?? { facultyId: row.facultyId, rotationId: row.rotationId, rotationName: row.rotationName, endsOn: row.endsOn, waiting: [] };
    prompt.waiting.push({ assignmentId: row.assignmentId, name: row.residentName, pgy: null });
    prompts.set(key, prompt);
    residentIds.add(row.residentId);
    residentOf.set(row.assignmentId, row.residentId);
  }
  if (prompts.size === 0) return [];
  const sent = new Set(
    (
      await db
        .select({ key: outboxMessages.idempotencyKey })
        .from(outboxMessages)
        .where(inArray(outboxMessages.idempotencyKey, [...prompts.keys()]))
    ).map((r) => r.key),
  );
  const pgys = new Map(
    (
      await db
        .select({ personId: programMemberships.personId, pgy: programMemberships.pgy })
        .from(programMemberships)
        .where(
          and(
            eq(programMemberships.programId, input.programId),
            inArray(programMemberships.personId, [...residentIds]),
            inArray(programMemberships.role, [...LEARNER_ROLES]),
          ),
        )
    ).map((m) => [m.personId, m.pgy]),
  );
  return [...prompts.entries()]
    .filter(([key]) => sent.has(key))
    .map(([, prompt]) => ({
      ...prompt,
      waiting: prompt.waiting.map((r) => ({ ...r, pgy: pgys.get(residentOf.get(r.assignmentId)!) ?? null })),
    }));
}
