import { inArray } from 'drizzle-orm';
import { outboxMessages } from '../../db/schema/index.ts';
import { enqueueMessages } from '../../delivery/outbox.ts';
import type { CorePorts } from '../ports.ts';
import { rotationPromptKey, rotationPromptsEndingOn } from './prompt-state.ts';

const KEY_BATCH = 1000;

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
  const outgoing = prompts.map((prompt) => ({
    idempotencyKey: rotationPromptKey(prompt.facultyId, prompt.rotationId, input.date),
    kind: 'rotation-prompt',
    recipientPersonId: prompt.facultyId,
    programId: prompt.programId,
    message: prompt.message,
  }));
  // A run repeated for the same day (catch-up, by hand) skips the prompts already enqueued instead of sending
  // thousands of messages to the database only to have them ignored; the insert's own conflict check still guards
  // against another instance enqueueing them in between.
  const enqueued = new Set<string>();
  for (let i = 0; i < outgoing.length; i += KEY_BATCH) {
    const keys = outgoing.slice(i, i + KEY_BATCH).map((o) => o.idempotencyKey);
    const rows = await input.db
      .select({ key: outboxMessages.idempotencyKey })
      .from(outboxMessages)
      .where(inArray(outboxMessages.idempotencyKey, keys));
    for (const row of rows) enqueued.add(row.key);
  }
  const fresh = outgoing.filter((o) => !enqueued.has(o.idempotencyKey));
  const prompted = fresh.length === 0 ? 0 : await input.db.transaction((tx) => enqueueMessages(tx, fresh));
  return {
    date: input.date,
    prompted,
    alreadyPrompted: prompts.length - prompted,
    residents: new Set(prompts.flatMap((prompt) => prompt.assignmentIds)).size,
  };
}
