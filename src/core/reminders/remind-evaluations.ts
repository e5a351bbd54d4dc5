import { enqueueMessage } from '../../delivery/outbox.ts';
import { addDays, daysBetween } from '../../domain/calendar.ts';
import { evaluationReminderMessage } from '../../messages/reminders.ts';
import type { CorePorts } from '../ports.ts';
import { outstandingPrompts } from './outstanding-prompts.ts';
import { programDay } from './program-day.ts';
import { ESCALATION_DAYS, REMINDER_DAYS, reminderStageDue } from './reminder-rules.ts';
import { rotationPromptSubjectId, snoozedUntilDates } from './snoozes.ts';

/** What one run did. */
export interface ReminderRunResult {
  reminded: number;
  alreadyReminded: number;
  snoozed: number;
}

/**
 * Reminds each faculty member whose end-of-rotation prompt still has residents they neither evaluated nor declined,
 * 3 and 7 days after the rotation ended (the prompt's day), with the prompt's buttons for those residents and a
 * snooze. Keyed `reminder:rotation-prompt:{rotation}:{endsOn}:{faculty}:{3|7}`: a re-run sends nothing twice.
 */
export async function remindOutstandingEvaluations(input: CorePorts & { programId: string; date: string }): Promise<ReminderRunResult> {
  const { program, today } = await programDay(input.db, input.clock, input.programId);
  const prompts = await outstandingPrompts(input.db, {
    programId: program.id,
    endsFrom: addDays(input.date, -(ESCALATION_DAYS - 1)),
    endsTo: addDays(input.date, -REMINDER_DAYS[0]),
  });
  const snoozes = await snoozedUntilDates(
    input.db,
    'rotation-prompt',
    prompts.map((p) => rotationPromptSubjectId(p.rotationId, p.endsOn)),
    program.timeZone,
  );
  const result: ReminderRunResult = { reminded: 0, alreadyReminded: 0, snoozed: 0 };
  for (const prompt of prompts) {
    const subjectId = rotationPromptSubjectId(prompt.rotationId, prompt.endsOn);
    const snoozedUntil = snoozes.get(`${subjectId} ${prompt.facultyId}`);
    const stage = reminderStageDue({ startedOn: prompt.endsOn, runDate: input.date, today, horizon: ESCALATION_DAYS, snoozedUntil });
    if (stage === undefined) {
      if (snoozedUntil !== undefined && snoozedUntil > input.date) result.snoozed += 1;
      continue;
    }
    const fresh = await input.db.transaction((tx) =>
      enqueueMessage(tx, {
        idempotencyKey: `reminder:rotation-prompt:${subjectId}:${prompt.facultyId}:${stage}`,
        kind: 'evaluation-reminder',
        recipientPersonId: prompt.facultyId,
        programId: program.id,
        message: evaluationReminderMessage({
          rotationName: prompt.rotationName,
          endsOn: prompt.endsOn,
          daysSince: daysBetween(prompt.endsOn, input.date),
          waiting: prompt.waiting,
        }),
      }),
    );
    if (fresh) result.reminded += 1;
    else result.alreadyReminded += 1;
  }
  return result;
}
