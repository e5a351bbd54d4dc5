import { enqueueMessages } from '../../delivery/outbox.ts';
import type { CorePorts } from '../ports.ts';
import { rotationPromptKey } from '../reminders/outstanding-prompts.ts';
import { rotationPromptsEndingOn } from './prompt-state.ts';

/** What one run did: prompts enqueued now, and those a previous run had already enqueued. */
export interface PromptRunResult {
  date: string;
  prompted: number;
  alreadyPrompted: number;
  residents: number;
}

/**
 * For assignments that ended on `date` (in one program, or in all), sends each supervising faculty member one DM
 * per rotation listing their residents, with Give feedback / Did not work with this resident. Safe to run twice:
 * each prompt has its own key. The prompts are read and enqueued in bulk, so thousands of faculty cost seconds.
 */
export async function promptAfterRotations(input: CorePorts & { date: string; programId?: string }): Promise<PromptRunResult> {
  const prompts = await rotationPromptsEndingOn(input.db, { endsOn: input.date, programId: input.programId });
  const prompted = await input.db.transaction((tx) =>
    enqueueMessages(
      tx,
      prompts.map((prompt) => ({
        idempotencyKey: rotationPromptKey(prompt.facultyId, prompt.rotationId, input.date),
        kind: 'rotation-prompt',
        recipientPersonId: prompt.facultyId,
        programId: prompt.programId,
        message: prompt.message,
      })),
    ),
  );
  return {
    date: input.date,
    prompted,
    alreadyPrompted: prompts.length - prompted,
    residents: new Set(prompts.flatMap((prompt) => prompt.assignmentIds)).size,
  };
}
