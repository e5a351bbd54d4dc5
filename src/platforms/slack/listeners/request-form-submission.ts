import { openFeedbackRequestForm, requestFromFormValues, submitFeedbackRequestForm } from '../../../core/feedback-requests/feedback-request-form.ts';
import { SUBJECTS } from '../../../messages/actions.ts';
import { readResponseUrlNote } from '../inbound.ts';
import { identify, type SlackDeps, submissionListener, type ViewListener } from '../listener-kit.ts';
import { readFormValues } from '../render/block-kit.ts';

/** The /feedback modal → a stored request and the assessor's DM, or the coach's suggestion inside the modal. */
export function requestFormSubmission(deps: SlackDeps): ViewListener {
  return submissionListener(deps, SUBJECTS.resident, async (submission) => {
    const residentId = submission.actor.personId;
    const form = await openFeedbackRequestForm({ ...deps.ports, residentId });
    const { assessor: picked, values } = requestFromFormValues(readFormValues(form, submission.values));
    // The picker gives a Slack user; the core needs the person, linked by email the first time they are picked.
    const assessor = await identify(deps, submission.client, submission.teamId, picked);
    if (!assessor) {
      return { fieldErrors: { assessor: 'This person is not in Stepping Stones yet. Ask your coordinator to add them, or pick someone else.' } };
    }
    const result = await submitFeedbackRequestForm({
      ...deps.ports,
      residentId,
      assessorId: assessor.personId,
      values,
      // The view id: a retried submission of the same modal stores one request.
      submissionKey: `slack-view:${submission.viewId}`,
    });
    return result.ok ? { confirm: { responseUrl: readResponseUrlNote(submission.note), message: result.confirmation } } : result;
  });
}
