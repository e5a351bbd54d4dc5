import { multisourceAnswersFromForm, openMultisourceForm, submitMultisourceResponse } from '../../../core/multisource/multisource-response.ts';
import { MULTISOURCE_SUBJECTS } from '../../../messages/actions.ts';
import { readMessageRef } from '../inbound.ts';
import { type SlackDeps, submissionListener, type ViewListener } from '../listener-kit.ts';
import { readRawFormValues } from '../render/block-kit.ts';

/**
 * The 360 modal → one response per request (answering again replaces it) and the rater's DM redrawn.
 * The form is rebuilt only to know its fields, and only for the rater it was sent to (anyone else is refused before
 * anything is read). Its values go to the use case unchecked: it checks every score against the 1–5 scale itself
 * and says so in words ("“6” is not on the scale…"), where the generic form check could only say "not an option".
 */
export function multisourceFormSubmission(deps: SlackDeps): ViewListener {
  return submissionListener(deps, MULTISOURCE_SUBJECTS.request, async (submission) => {
    const source = readMessageRef(submission.note);
    const who = { ...deps.ports, requestId: submission.payload.id, actorId: submission.actor.personId };
    const form = await openMultisourceForm(who);
    const result = await submitMultisourceResponse({ ...who, ...multisourceAnswersFromForm(readRawFormValues(form, submission.values)) });
    return result.ok ? { replace: { ref: source, message: result.raterMessage } } : result;
  });
}
