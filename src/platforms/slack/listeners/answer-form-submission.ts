import { z } from 'zod';
import { answerFeedbackRequest, openAnswerForm } from '../../../core/feedback-requests/answer-feedback-request.ts';
import { RATING_VALUES } from '../../../domain/rating.ts';
import { SUBJECTS } from '../../../messages/actions.ts';
import { readMessageRef } from '../inbound.ts';
import { type SlackDeps, submissionListener, type ViewListener } from '../listener-kit.ts';
import { readFormValues } from '../render/block-kit.ts';

const answerValues = z.object({
  level: z.enum(RATING_VALUES).nullish(),
  reinforcing: z.string().nullish(),
  corrective: z.string().nullish(),
  next_step: z.string().nullish(),
});

/** The answer modal → one stored answer (a resubmission finds it), the resident's DM, and the faculty DM redrawn. */
export function answerFormSubmission(deps: SlackDeps): ViewListener {
  return submissionListener(deps, SUBJECTS.feedbackRequest, async (submission) => {
    const source = readMessageRef(submission.note);
    const who = { ...deps.ports, requestId: submission.payload.id, actorId: submission.actor.personId };
    const form = await openAnswerForm({ ...who, toReadSubmission: true });
    const values = answerValues.parse(readFormValues(form, submission.values));
    const result = await answerFeedbackRequest({
      ...who,
      level: values.level,
      reinforcing: values.reinforcing,
      corrective: values.corrective,
      nextStep: values.next_step,
    });
    return result.ok ? { replace: { ref: source, message: result.requestMessage } } : result;
  });
}
