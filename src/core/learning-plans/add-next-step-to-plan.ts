import { eq } from 'drizzle-orm';
import { feedbackEntries, feedbackRatings, feedbackRequests, programs } from '../../db/schema/index.ts';
import { addDays, dateIn } from '../../domain/calendar.ts';
import { feedbackMessage } from '../../messages/feedback.ts';
import type { Message } from '../../messages/model.ts';
import { learningGoals } from '../../db/schema/index.ts';
import { AppError } from '../errors.ts';
import { feedbackForResident } from '../feedback-requests/thank-for-feedback.ts';
import { feedbackView } from '../feedback-requests/views.ts';
import type { CorePorts } from '../ports.ts';

/** A month is long enough to practise a next step on the following rotation and short enough to be followed up. */
export const GOAL_REVIEW_DAYS = 30;

/** "Add to my plan": the feedback's next step becomes a learning-plan goal, once, however often it is clicked. */
export async function addNextStepToPlan(input: CorePorts & { entryId: string; actorId: string }): Promise<{ feedbackMessage: Message; goalDueOn: string }> {
  const view = await feedbackForResident(input, input.entryId, input.actorId);
  if (!view.nextStep) throw new AppError('invalid_input', 'This feedback has no next step to add to your plan.');
  const [entry] = await input.db.select().from(feedbackEntries).where(eq(feedbackEntries.id, input.entryId));
  const [program] = await input.db.select().from(programs).where(eq(programs.id, entry!.programId));
  // The goal is filed under the subcompetency the feedback was about, when there was one.
  let subcompetencyId: string | null = null;
  if (entry!.feedbackRequestId) {
    const [request] = await input.db.select().from(feedbackRequests).where(eq(feedbackRequests.id, entry!.feedbackRequestId));
    subcompetencyId = request?.subcompetencyId ?? null;
  }
  if (!subcompetencyId) {
    const [rated] = await input.db.select().from(feedbackRatings).where(eq(feedbackRatings.feedbackEntryId, entry!.id)).limit(1);
    subcompetencyId = rated?.subcompetencyId ?? null;
  }
  const dueOn = addDays(dateIn(program!.timeZone, input.clock.now()), GOAL_REVIEW_DAYS);
  await input.db
    .insert(learningGoals)
    .values({
      programId: entry!.programId,
      residentId: entry!.residentId,
      subcompetencyId,
      action: view.nextStep,
      dueOn,
      source: 'feedback',
      feedbackEntryId: entry!.id,
    })
    .onConflictDoNothing({ target: [learningGoals.residentId, learningGoals.feedbackEntryId] });
  const updated = await feedbackView(input.db, input.entryId);
  return { feedbackMessage: feedbackMessage(updated), goalDueOn: updated.goalDueOn ?? dueOn };
}
