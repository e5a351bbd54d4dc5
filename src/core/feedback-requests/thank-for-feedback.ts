import { and, eq, isNull } from 'drizzle-orm';
import { feedbackEntries } from '../../db/schema/index.ts';
import { enqueueMessage } from '../../delivery/outbox.ts';
import { feedbackMessage, thankYouMessage } from '../../messages/feedback.ts';
import type { Message } from '../../messages/model.ts';
import { AppError } from '../errors.ts';
import type { CorePorts } from '../ports.ts';
import { feedbackView } from './views.ts';

/** Only the resident a piece of feedback is about may act on it. */
export async function feedbackForResident(ports: CorePorts, entryId: string, actorId: string) {
  const view = await feedbackView(ports.db, entryId);
  if (view.residentId !== actorId) throw new AppError('not_allowed', 'This feedback belongs to someone else.');
  return view;
}

/** The resident says thank you: the author is told once, and the resident's message shows it. */
export async function thankForFeedback(input: CorePorts & { entryId: string; actorId: string }): Promise<{ feedbackMessage: Message }> {
  const view = await feedbackForResident(input, input.entryId, input.actorId);
  await input.db.transaction(async (tx) => {
    const marked = await tx
      .update(feedbackEntries)
      .set({ thankedAt: input.clock.now() })
      .where(and(eq(feedbackEntries.id, input.entryId), isNull(feedbackEntries.thankedAt)))
      .returning({ id: feedbackEntries.id });
    if (marked.length === 0) return;
    await enqueueMessage(tx, {
      idempotencyKey: `feedback-thanks:${input.entryId}:${view.authorId}`,
      kind: 'feedback-thanks',
      recipientPersonId: view.authorId,
      message: thankYouMessage(view.residentName, view.about),
    });
  });
  return { feedbackMessage: feedbackMessage(await feedbackView(input.db, input.entryId)) };
}
