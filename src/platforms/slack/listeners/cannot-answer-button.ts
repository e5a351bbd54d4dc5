import { declineFeedbackRequest } from '../../../core/feedback-requests/answer-feedback-request.ts';
import { SUBJECTS } from '../../../messages/actions.ts';
import { type ActionListener, buttonListener, type SlackDeps } from '../listener-kit.ts';

/** Can't answer (faculty DM) → the request closes, the resident is told, the DM shows the outcome. */
export function cannotAnswerButton(deps: SlackDeps): ActionListener {
  return buttonListener(deps, SUBJECTS.feedbackRequest, async (click) => ({
    replace: (await declineFeedbackRequest({ ...deps.ports, requestId: click.payload.id, actorId: click.actor.personId })).requestMessage,
  }));
}
