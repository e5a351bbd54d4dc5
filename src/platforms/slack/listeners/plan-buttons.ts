import { AppError } from '../../../core/errors.ts';
import { openCloseGoalForm, openGoalForm } from '../../../core/learning-plans/goal-form.ts';
import { keepWorkingOnGoal } from '../../../core/learning-plans/keep-working-on-goal.ts';
import { learningPlanView } from '../../../core/learning-plans/learning-plan-view.ts';
import { openFeedbackRequestForm } from '../../../core/feedback-requests/feedback-request-form.ts';
import { GROWTH_SUBJECTS, SUBJECTS } from '../../../messages/actions.ts';
import { clickListener } from '../growth-kit.ts';
import { isRecordId } from '../inbound.ts';
import type { ActionListener, SlackDeps } from '../listener-kit.ts';

/** Buttons that carry a resident (their plan, their request form) may only be used by that resident. */
function ownResident(payloadId: string, actorId: string, what: string): string {
  if (payloadId !== actorId) throw new AppError('not_allowed', `Only the resident can ${what}.`);
  return actorId;
}

/** View my plan / Review my plan → the learning plan, to the resident, their program director or mentor only. */
export function viewPlanButton(deps: SlackDeps): ActionListener {
  return clickListener(deps, SUBJECTS.resident, isRecordId, async (click) => ({
    show: await learningPlanView({ ...deps.ports, residentId: click.payload.id, viewerId: click.actor.personId }),
  }));
}

/** Add a goal → the goal form (createGoal on submit). */
export function addGoalButton(deps: SlackDeps): ActionListener {
  return clickListener(deps, SUBJECTS.resident, isRecordId, async (click) => ({
    open: await openGoalForm({ ...deps.ports, residentId: ownResident(click.payload.id, click.actor.personId, 'add goals to their plan') }),
  }));
}

/** Edit (on the plan) → the goal form filled in (updateGoal on submit); the core checks the goal is the clicker's. */
export function editGoalButton(deps: SlackDeps): ActionListener {
  return clickListener(deps, GROWTH_SUBJECTS.learningGoal, isRecordId, async (click) => ({
    open: await openGoalForm({ ...deps.ports, residentId: click.actor.personId, goalId: click.payload.id }),
  }));
}

/** Done → a small form for what came of it (optional); closeGoal on submit. */
export function goalDoneButton(deps: SlackDeps): ActionListener {
  return clickListener(deps, GROWTH_SUBJECTS.learningGoal, isRecordId, async (click) => ({
    open: await openCloseGoalForm({ ...deps.ports, actorId: click.actor.personId, goalId: click.payload.id, status: 'done' }),
  }));
}

/** Drop → a small form for why (optional); closeGoal on submit. */
export function dropGoalButton(deps: SlackDeps): ActionListener {
  return clickListener(deps, GROWTH_SUBJECTS.learningGoal, isRecordId, async (click) => ({
    open: await openCloseGoalForm({ ...deps.ports, actorId: click.actor.personId, goalId: click.payload.id, status: 'dropped' }),
  }));
}

/**
 * Still working on it (the due-date DM) → the goal moves two weeks on and the DM says when it will ask again. Clicked
 * in the plan (an ephemeral reply), the plan is redrawn instead.
 */
export function stillWorkingButton(deps: SlackDeps): ActionListener {
  return clickListener(deps, GROWTH_SUBJECTS.learningGoal, isRecordId, async (click) => {
    const result = await keepWorkingOnGoal({ ...deps.ports, actorId: click.actor.personId, goalId: click.payload.id });
    if (click.origin.kind !== 'ephemeral') return { redraw: result.goalMessage };
    return { redraw: await learningPlanView({ ...deps.ports, residentId: click.actor.personId, viewerId: click.actor.personId }) };
  });
}

/** Ask for feedback (App Home) → the request modal, as /feedback alone opens it. */
export function askForFeedbackButton(deps: SlackDeps): ActionListener {
  return clickListener(deps, SUBJECTS.resident, isRecordId, async (click) => ({
    open: await openFeedbackRequestForm({ ...deps.ports, residentId: ownResident(click.payload.id, click.actor.personId, 'ask for feedback for themselves') }),
  }));
}
