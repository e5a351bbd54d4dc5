import { inArray } from 'drizzle-orm';
import { people } from '../../db/schema/index.ts';
import { enqueueMessage } from '../../delivery/outbox.ts';
import { addDays, daysBetween } from '../../domain/calendar.ts';
import { evaluationEscalationMessage } from '../../messages/reminders.ts';
import type { CorePorts } from '../ports.ts';
import { coordinatorsOf } from '../programs/program-context.ts';
import { type OutstandingPrompt, outstandingPrompts } from './outstanding-prompts.ts';
import { programDay } from './program-day.ts';
import { ESCALATION_DAYS } from './reminder-rules.ts';

// A run for a date escalates blocks that reached day 14 up to a week before, so a scheduler down on day 14 still
// escalates on its first day back; the key keeps it to one message per block and coordinator.
const GRACE_DAYS = 7;

/** What one run did. */
export interface EscalationRunResult {
  escalated: number;
  alreadyEscalated: number;
  rotations: number;
}

/**
 * 14 days after a rotation block ended, tells the program coordinator(s) in one message per block which faculty
 * still owe feedback, and for whom. Snoozes do not delay it: a snooze spares the faculty member, not the program's
 * deadline. Keyed `escalation:rotation-prompt:{rotation}:{endsOn}:{coordinator}`.
 */
export async function escalateOverdueEvaluations(input: CorePorts & { programId: string; date: string }): Promise<EscalationRunResult> {
  const { program } = await programDay(input.db, input.clock, input.programId);
  const prompts = await outstandingPrompts(input.db, {
    programId: program.id,
    endsFrom: addDays(input.date, -(ESCALATION_DAYS + GRACE_DAYS - 1)),
    endsTo: addDays(input.date, -ESCALATION_DAYS),
  });
  const blocks = new Map<string, OutstandingPrompt[]>();
  for (const prompt of prompts) {
    const key = `${prompt.rotationId}:${prompt.endsOn}`;
    blocks.set(key, [...(blocks.get(key) ?? []), prompt]);
  }
  const result: EscalationRunResult = { escalated: 0, alreadyEscalated: 0, rotations: blocks.size };
  if (blocks.size === 0) return result;
  const coordinators = await coordinatorsOf(input.db, program.id);
  const names = new Map(
    (await input.db.select({ id: people.id, name: people.name }).from(people).where(inArray(people.id, [...new Set(prompts.map((p) => p.facultyId))]))).map(
      (p) => [p.id, p.name],
    ),
  );
  for (const [block, owing] of blocks) {
    const first = owing[0]!;
    const message = evaluationEscalationMessage({
      rotationName: first.rotationName,
      endsOn: first.endsOn,
      daysSince: daysBetween(first.endsOn, input.date),
      outstanding: owing
        .map((p) => ({ name: names.get(p.facultyId) ?? 'Someone', residents: p.waiting.map((r) => r.name) }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    });
    for (const coordinator of coordinators) {
      const fresh = await input.db.transaction((tx) =>
        enqueueMessage(tx, {
          idempotencyKey: `escalation:rotation-prompt:${block}:${coordinator.id}`,
          kind: 'evaluation-escalation',
          recipientPersonId: coordinator.id,
          programId: program.id,
          message,
        }),
      );
      if (fresh) result.escalated += 1;
      else result.alreadyEscalated += 1;
    }
  }
  return result;
}
