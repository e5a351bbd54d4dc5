import { AppError } from '../../../core/errors.ts';
import { closeGoal } from '../../../core/learning-plans/close-goal.ts';
import { createGoal } from '../../../core/learning-plans/create-goal.ts';
import { goalFromFormValues, openCloseGoalForm, openGoalForm, outcomeFromFormValues } from '../../../core/learning-plans/goal-form.ts';
import { learningPlanView } from '../../../core/learning-plans/learning-plan-view.ts';
import { updateGoal } from '../../../core/learning-plans/update-goal.ts';
import { GROWTH_SUBJECTS, SUBJECTS } from '../../../messages/actions.ts';
import { readGoalClosingRef } from '../../../messages/learning-plans.ts';
import type { Message } from '../../../messages/model.ts';
import { type FormOutcome, formListener, isGoalClosingId } from '../growth-kit.ts';
import { type ClickOrigin, isRecordId } from '../inbound.ts';
import type { SlackDeps, ViewListener } from '../listener-kit.ts';
import { readFormValues } from '../render/block-kit.ts';

/**
 * After a goal changed: the plan it was clicked in is redrawn (an ephemeral reply of /feedback plan show); a DM
 * that is not the plan (the twice-yearly ask) keeps its text and gets the confirmation below it instead.
 */
async function planChanged(deps: SlackDeps, origin: ClickOrigin, residentId: string, confirmation: Message): Promise<FormOutcome> {
  if (origin.kind !== 'ephemeral') return { done: { confirm: confirmation } };
  return { done: { redraw: await learningPlanView({ ...deps.ports, residentId, viewerId: residentId }) } };
}

/** The goal form → a new goal (payload: the resident) or an edited one (payload: the goal); a past due date stays in the modal. */
export function goalFormSubmission(deps: SlackDeps): ViewListener {
  return formListener(deps, [SUBJECTS.resident, GROWTH_SUBJECTS.learningGoal], isRecordId, async (submission) => {
    const residentId = submission.actor.personId;
    const editing = submission.payload.kind === GROWTH_SUBJECTS.learningGoal;
    // Nobody writes goals into someone else's plan: a resident payload must name the person submitting.
    if (!editing && submission.payload.id !== residentId) throw new AppError('not_allowed', 'Only the resident can add goals to their plan.');
    const form = await openGoalForm({ ...deps.ports, residentId, ...(editing ? { goalId: submission.payload.id } : {}) });
    const goal = goalFromFormValues(readFormValues(form, submission.values));
    const result = editing
      ? await updateGoal({ ...deps.ports, actorId: residentId, goalId: submission.payload.id, ...goal })
      : await createGoal({ ...deps.ports, residentId, ...goal });
    if (!result.ok) return result;
    return planChanged(deps, submission.origin, residentId, result.confirmation);
  });
}

/**
 * The outcome form behind Done / Drop → the goal closed with what came of it. The due-date DM it was clicked in
 * gives way to "Marked done ✓" / "Dropped"; the plan, when clicked there, is redrawn.
 */
export function closeGoalFormSubmission(deps: SlackDeps): ViewListener {
  return formListener(deps, GROWTH_SUBJECTS.goalClosing, isGoalClosingId, async (submission) => {
    const ref = readGoalClosingRef(submission.payload)!;
    const who = { ...deps.ports, actorId: submission.actor.personId, goalId: ref.goalId, status: ref.status };
    const result = await closeGoal({ ...who, outcome: outcomeFromFormValues(readFormValues(await openCloseGoalForm(who), submission.values)) });
    if (!result.ok) return result;
    if (submission.origin.kind === 'ephemeral') return planChanged(deps, submission.origin, submission.actor.personId, result.goalMessage);
    return { done: { redraw: result.goalMessage } };
  });
}
