import { addNextStepToPlan } from '../../../core/learning-plans/add-next-step-to-plan.ts';
import { SUBJECTS } from '../../../messages/actions.ts';
import { type ActionListener, buttonListener, type SlackDeps } from '../listener-kit.ts';

/** Add to my plan (resident's feedback DM) → the next step becomes a learning goal; the DM shows its review date. */
export function addToPlanButton(deps: SlackDeps): ActionListener {
  return buttonListener(deps, SUBJECTS.feedbackEntry, async (click) => ({
    replace: (await addNextStepToPlan({ ...deps.ports, entryId: click.payload.id, actorId: click.actor.personId })).feedbackMessage,
  }));
}
