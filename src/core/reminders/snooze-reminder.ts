import { eq } from 'drizzle-orm';
import { people, reminderSnoozes } from '../../db/schema/index.ts';
import { addDays, daysBetween, zonedInstant } from '../../domain/calendar.ts';
import type { Message } from '../../messages/model.ts';
import { evaluationReminderMessage, requestReminderMessage } from '../../messages/reminders.ts';
import { AppError } from '../errors.ts';
import { requestForAssessor } from '../feedback-requests/request-feedback.ts';
import type { CorePorts } from '../ports.ts';
import { assignmentForSupervisor } from '../rotation-evaluations/prompt-state.ts';
import { outstandingPrompts } from './outstanding-prompts.ts';
import { programDay } from './program-day.ts';
import { requestReminderView } from './remind-feedback-requests.ts';
import { type ReminderSubject, rotationPromptSubjectId } from './snoozes.ts';

/** How long a reminder can be snoozed from its buttons. */
export type SnoozeDays = 1 | 3;

/** What a snooze did: the program-local date reminders resume on, and the reminder redrawn without its buttons. */
export interface SnoozeResult {
  snoozedUntil: string;
  reminder: Message;
}

/**
 * "Snooze 1 day / 3 days" on a reminder: holds the reminders about that request or rotation prompt, for the person
 * who clicked, until the start of that program-local day. Only the person reminded can snooze, and only while the
 * thing is outstanding. Snoozing again moves the same row (the last click wins).
 */
export async function snoozeReminder(
  input: CorePorts & { subject: ReminderSubject; id: string; actorId: string; days: SnoozeDays },
): Promise<SnoozeResult> {
  if (input.subject === 'feedback-request') {
    const request = await requestForAssessor(input, input.id, input.actorId);
    if (request.status !== 'open') {
      throw new AppError('already_closed', request.status === 'answered' ? 'You already answered this request ✓' : 'This request is closed; there is nothing to snooze.');
    }
    const { program, today } = await programDay(input.db, input.clock, request.programId);
    const snoozedUntil = await store(input, program.timeZone, today, request.id);
    const [resident] = await input.db.select({ name: people.name }).from(people).where(eq(people.id, request.residentId));
    const view = requestReminderView(request, resident?.name ?? 'Your resident', program.timeZone, program.requestExpiryDays, today);
    return { snoozedUntil, reminder: requestReminderMessage({ ...view, snoozedUntil }) };
  }

  const { assignment, rotation } = await assignmentForSupervisor(input.db, input.id, input.actorId);
  const { program, today } = await programDay(input.db, input.clock, rotation.programId);
  const [prompt] = await outstandingPrompts(input.db, {
    programId: program.id,
    endsFrom: assignment.endsOn,
    endsTo: assignment.endsOn,
    facultyId: input.actorId,
    rotationId: rotation.id,
  });
  if (!prompt) throw new AppError('already_closed', `Every resident of ${rotation.name} has your answer already — nothing to snooze. Thank you!`);
  const snoozedUntil = await store(input, program.timeZone, today, rotationPromptSubjectId(rotation.id, assignment.endsOn));
  return {
    snoozedUntil,
    reminder: evaluationReminderMessage({
      rotationName: prompt.rotationName,
      endsOn: prompt.endsOn,
      daysSince: daysBetween(prompt.endsOn, today),
      waiting: prompt.waiting,
      snoozedUntil,
    }),
  };

  async function store(ports: CorePorts, timeZone: string, fromDate: string, subjectId: string): Promise<string> {
    const until = addDays(fromDate, input.days);
    const snoozedUntil = zonedInstant(timeZone, until);
    await ports.db
      .insert(reminderSnoozes)
      .values({ subjectKind: input.subject, subjectId, personId: input.actorId, snoozedUntil })
      .onConflictDoUpdate({ target: [reminderSnoozes.subjectKind, reminderSnoozes.subjectId, reminderSnoozes.personId], set: { snoozedUntil } });
    return until;
  }
}
