import { answerFeedbackRequest, answerFromFormValues, openAnswerForm } from '../../../core/feedback-requests/answer-feedback-request.ts';
import { SUBJECTS } from '../../../messages/actions.ts';
import { readMessageRef } from '../inbound.ts';
import { type SlackDeps, submissionListener, type ViewListener } from '../listener-kit.ts';
import { readFormValues } from '../render/block-kit.ts';

/** The answer modal → one stored answer (a resubmission finds it), the resident's DM, and the faculty DM redrawn. */
export function answerFormSubmission(deps: SlackDeps): ViewListener {
  return submissionListener(deps, SUBJECTS.feedbackRequest, async (submission) => {
    const source = readMessageRef(submission.note);
    const who = { ...deps.ports, requestId: submission.payload.id, actorId: submission.actor.personId };
    const form = await openAnswerForm({ ...who, toReadSubmission: true });
    const result = await answerFeedbackRequest({ ...who, ...answerFromFormValues(readFormValues(form, submission.values)) });
    return result.ok ? { replace: { ref: source, message: result.requestMessage } } : result;
  });
}
