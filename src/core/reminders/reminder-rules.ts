import { daysBetween } from '../../domain/calendar.ts';

/** Days after the prompt or request on which the faculty member is reminded. */
export const REMINDER_DAYS = [3, 7] as const;
export type ReminderStage = (typeof REMINDER_DAYS)[number];

/** The idempotency key of a +3 or +7 reminder about a feedback request. */
export function requestReminderKey(requestId: string, assessorId: string, stage: ReminderStage): string {
  return `reminder:feedback-request:${requestId}:${assessorId}:${stage}`;
}

/** Days after a rotation ends on which the program coordinator hears who still owes feedback. */
export const ESCALATION_DAYS = 14;

/**
 * Which reminder a run for `runDate` owes about something that started on `startedOn`, if any.
 *
 * - The +3 reminder from day 3, the +7 from day 7, none from `horizon` on (escalated, or expired).
 * - Snoozed until a date: nothing before that date; the first run on or after it sends what is then due, so a
 *   snooze that outlives day 7 still ends in the +7 reminder (once: its key is the stage).
 * - A run for a past date (catch-up after downtime) does not send a reminder that today's state has overtaken: no
 *   +3 once day 7 has come, nothing once the horizon has passed, so a caught-up week never sends both at once.
 */
export function reminderStageDue(input: {
  startedOn: string;
  runDate: string;
  today: string;
  horizon: number;
  snoozedUntil?: string | undefined;
}): ReminderStage | undefined {
  const age = daysBetween(input.startedOn, input.runDate);
  const ageToday = Math.max(age, daysBetween(input.startedOn, input.today));
  if (age < REMINDER_DAYS[0] || age >= input.horizon || ageToday >= input.horizon) return undefined;
  if (input.snoozedUntil !== undefined && input.snoozedUntil > input.runDate) return undefined;
  if (age >= 7) return 7;
  return ageToday >= 7 && input.horizon > 7 ? undefined : 3;
}
