import { and, eq, gte } from 'drizzle-orm';
import { feedbackRequests, people } from '../../db/schema/index.ts';
import { enqueueMessage } from '../../delivery/outbox.ts';
import { addDays, dateIn, daysBetween, zonedInstant } from '../../domain/calendar.ts';
import { type RequestReminderView, requestReminderMessage } from '../../messages/reminders.ts';
import type { CorePorts } from '../ports.ts';
import { programDay } from './program-day.ts';
import type { ReminderRunResult } from './remind-evaluations.ts';
import { reminderStageDue, requestReminderKey } from './reminder-rules.ts';
import { snoozedUntilDates } from './snoozes.ts';

/** The reminder view of a request row, for a run on `date` in the program's time zone. */
export function requestReminderView(
  request: typeof feedbackRequests.$inferSelect,
  residentName: string,
  timeZone: string,
  expiryDays: number,
  date: string,
): RequestReminderView {
  const askedOn = dateIn(timeZone, request.createdAt);
  return {
    id: request.id,
    residentName,
    question: request.question,
    askedOn,
    dueOn: request.dueOn,
    daysSince: daysBetween(askedOn, date),
    expiresOn: addDays(askedOn, expiryDays),
  };
}

/**
 * Reminds the faculty member a resident asked, 3 and 7 days after the request (in the program's days), while it is
 * still open and before it expires (programs.requestExpiryDays). Answering, "Can't answer" and expiry all close the
 * request, which is what stops the reminders. Keyed `reminder:feedback-request:{request}:{assessor}:{3|7}`.
 */
export async function remindOpenFeedbackRequests(input: CorePorts & { programId: string; date: string }): Promise<ReminderRunResult> {
  const { program, today } = await programDay(input.db, input.clock, input.programId);
  const since = zonedInstant(program.timeZone, addDays(input.date, -program.requestExpiryDays));
  const open = await input.db
    .select({ request: feedbackRequests, residentName: people.name })
    .from(feedbackRequests)
    .innerJoin(people, eq(people.id, feedbackRequests.residentId))
    .where(and(eq(feedbackRequests.programId, program.id), eq(feedbackRequests.status, 'open'), gte(feedbackRequests.createdAt, since)));
  const snoozes = await snoozedUntilDates(
    input.db,
    'feedback-request',
    open.map((o) => o.request.id),
    program.timeZone,
  );
  const result: ReminderRunResult = { reminded: 0, alreadyReminded: 0, snoozed: 0 };
  for (const { request, residentName } of open) {
    const view = requestReminderView(request, residentName, program.timeZone, program.requestExpiryDays, input.date);
    const snoozedUntil = snoozes.get(`${request.id} ${request.assessorId}`);
    const stage = reminderStageDue({ startedOn: view.askedOn, runDate: input.date, today, horizon: program.requestExpiryDays, snoozedUntil });
    if (stage === undefined) {
      if (snoozedUntil !== undefined && snoozedUntil > input.date) result.snoozed += 1;
      continue;
    }
    const fresh = await input.db.transaction((tx) =>
      enqueueMessage(tx, {
        idempotencyKey: requestReminderKey(request.id, request.assessorId, stage),
        kind: 'feedback-request-reminder',
        recipientPersonId: request.assessorId,
        programId: program.id,
        message: requestReminderMessage(view),
      }),
    );
    if (fresh) result.reminded += 1;
    else result.alreadyReminded += 1;
  }
  return result;
}
