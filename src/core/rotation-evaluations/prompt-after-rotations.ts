import { eq } from 'drizzle-orm';
import { assignmentSupervisors, rotationAssignments } from '../../db/schema/index.ts';
import { enqueueMessage } from '../../delivery/outbox.ts';
import type { CorePorts } from '../ports.ts';
import { rotationPromptFor } from './prompt-state.ts';

/** What one run did: prompts enqueued now, and those a previous run had already enqueued. */
export interface PromptRunResult {
  date: string;
  prompted: number;
  alreadyPrompted: number;
  residents: number;
}

/**
 * For assignments that ended on `date`, sends each supervising faculty member one DM per rotation listing their
 * residents, with Give feedback / Did not work with this resident. Safe to run twice: each prompt has its own key.
 */
export async function promptAfterRotations(input: CorePorts & { date: string }): Promise<PromptRunResult> {
  const ended = await input.db
    .select({
      assignmentId: rotationAssignments.id,
      rotationId: rotationAssignments.rotationId,
      facultyId: assignmentSupervisors.facultyId,
    })
    .from(rotationAssignments)
    .innerJoin(assignmentSupervisors, eq(assignmentSupervisors.assignmentId, rotationAssignments.id))
    .where(eq(rotationAssignments.endsOn, input.date));
  const groups = new Map<string, { facultyId: string; rotationId: string; residents: number }>();
  for (const row of ended) {
    const key = `${row.facultyId} ${row.rotationId}`;
    const group = groups.get(key) ?? { facultyId: row.facultyId, rotationId: row.rotationId, residents: 0 };
    group.residents += 1;
    groups.set(key, group);
  }
  let prompted = 0;
  for (const group of groups.values()) {
    const fresh = await input.db.transaction(async (tx) =>
      enqueueMessage(tx, {
        idempotencyKey: `rotation-prompt:${group.facultyId}:${group.rotationId}:${input.date}`,
        kind: 'rotation-prompt',
        recipientPersonId: group.facultyId,
        message: await rotationPromptFor(tx, group.facultyId, group.rotationId, input.date),
      }),
    );
    if (fresh) prompted += 1;
  }
  return { date: input.date, prompted, alreadyPrompted: groups.size - prompted, residents: new Set(ended.map((e) => e.assignmentId)).size };
}
