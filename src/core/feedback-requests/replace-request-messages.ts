import { inArray } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { type feedbackRequests, outboxMessages } from '../../db/schema/index.ts';
import { enqueueMessage } from '../../delivery/outbox.ts';
import { feedbackRequestMessage } from '../../messages/feedback.ts';
import { REMINDER_DAYS, requestReminderKey } from '../reminders/reminder-rules.ts';
import { feedbackRequestKey, requestView } from './views.ts';

type RequestRow = typeof feedbackRequests.$inferSelect;

/** How a request closed: each outcome replaces the faculty member's copies once, under its own keys. */
const OUTCOMES = {
  answered: { prefix: 'answered', kind: 'feedback-request-answered' },
  declined: { prefix: 'declined', kind: 'feedback-request-declined' },
  expired: { prefix: 'expired', kind: 'feedback-request-expired' },
} as const;

/**
 * Redraws every copy of a closed request in the faculty member's DMs — the request itself and any reminder about it —
 * with its outcome in place of the buttons, so no stale "Answer" is left in an old message whichever copy they used.
 * Only copies that were queued are replaced (the worker waits until each is sent); call inside the transaction that
 * closed the request.
 */
export async function replaceRequestMessages(
  tx: Tx,
  request: RequestRow,
  outcome: keyof typeof OUTCOMES,
): Promise<number> {
  const original = feedbackRequestKey(request.id, request.assessorId);
  const reminders = REMINDER_DAYS.map((stage) => requestReminderKey(request.id, request.assessorId, stage));
  const queued = await tx
    .select({ key: outboxMessages.idempotencyKey })
    .from(outboxMessages)
    .where(inArray(outboxMessages.idempotencyKey, [original, ...reminders]));
  if (queued.length === 0) return 0;
  const closed = feedbackRequestMessage(await requestView(tx, request));
  const { prefix, kind } = OUTCOMES[outcome];
  let replaced = 0;
  for (const { key } of queued) {
    const fresh = await enqueueMessage(tx, {
      idempotencyKey: `${prefix}:${key}`,
      kind,
      recipientPersonId: request.assessorId,
      programId: request.programId,
      replacesKey: key,
      message: closed,
    });
    if (fresh) replaced += 1;
  }
  return replaced;
}
