import { and, eq, lt } from 'drizzle-orm';
import { feedbackRequests } from '../../db/schema/index.ts';
import { enqueueMessage } from '../../delivery/outbox.ts';
import { addDays, zonedInstant } from '../../domain/calendar.ts';
import { requestExpiredMessage } from '../../messages/reminders.ts';
import { replaceRequestMessages } from '../feedback-requests/replace-request-messages.ts';
import { nameOf } from '../feedback-requests/views.ts';
import type { CorePorts } from '../ports.ts';
import { programDay } from './program-day.ts';

/** What one run did. */
export interface ExpiryRunResult {
  expired: number;
}

/**
 * Closes requests still open `programs.requestExpiryDays` days after they were asked (in the program's days): the
 * resident is told to ask someone else, and the faculty member's DM (and any reminder) loses its buttons, replaced
 * in place once those messages are known to have been sent. The status change is conditional (open → expired), so
 * a request answered a moment before, or a second run, changes and sends nothing.
 */
export async function expireFeedbackRequests(input: CorePorts & { programId: string; date: string }): Promise<ExpiryRunResult> {
  const { program } = await programDay(input.db, input.clock, input.programId);
  // Asked on or before date − expiryDays: before the start of the following local day.
  const before = zonedInstant(program.timeZone, addDays(input.date, -program.requestExpiryDays + 1));
  const due = await input.db
    .select({ id: feedbackRequests.id })
    .from(feedbackRequests)
    .where(and(eq(feedbackRequests.programId, program.id), eq(feedbackRequests.status, 'open'), lt(feedbackRequests.createdAt, before)));
  let expired = 0;
  for (const { id } of due) {
    const done = await input.db.transaction(async (tx) => {
      const [request] = await tx
        .update(feedbackRequests)
        .set({ status: 'expired', closedAt: input.clock.now() })
        .where(and(eq(feedbackRequests.id, id), eq(feedbackRequests.status, 'open')))
        .returning();
      if (!request) return false;
      await enqueueMessage(tx, {
        idempotencyKey: `feedback-expired:${request.id}:${request.residentId}`,
        kind: 'feedback-expired',
        recipientPersonId: request.residentId,
        programId: program.id,
        message: requestExpiredMessage({
          assessorName: await nameOf(tx, request.assessorId),
          question: request.question,
          expiryDays: program.requestExpiryDays,
        }),
      });
      await replaceRequestMessages(tx, request, 'expired');
      return true;
    });
    if (done) expired += 1;
  }
  return { expired };
}
