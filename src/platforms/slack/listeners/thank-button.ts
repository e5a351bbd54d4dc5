import { thankForFeedback } from '../../../core/feedback-requests/thank-for-feedback.ts';
import { SUBJECTS } from '../../../messages/actions.ts';
import { type ActionListener, buttonListener, type SlackDeps } from '../listener-kit.ts';

/** Thank (resident's feedback DM) → the author is told once; the DM shows "You thanked …". */
export function thankButton(deps: SlackDeps): ActionListener {
  return buttonListener(deps, SUBJECTS.feedbackEntry, async (click) => ({
    replace: (await thankForFeedback({ ...deps.ports, entryId: click.payload.id, actorId: click.actor.personId })).feedbackMessage,
  }));
}
