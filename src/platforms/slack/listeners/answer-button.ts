import { openAnswerForm } from '../../../core/feedback-requests/answer-feedback-request.ts';
import { SUBJECTS } from '../../../messages/actions.ts';
import { type ActionListener, buttonListener, type SlackDeps } from '../listener-kit.ts';

/** Answer (faculty DM) → the answer modal; it remembers the DM so the submission can mark it "Answered ✓". */
export function answerButton(deps: SlackDeps): ActionListener {
  return buttonListener(deps, SUBJECTS.feedbackRequest, async (click) => ({
    open: await openAnswerForm({ ...deps.ports, requestId: click.payload.id, actorId: click.actor.personId }),
  }));
}
