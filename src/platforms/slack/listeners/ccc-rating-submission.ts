import { cccRatingFromFormValues, openCccRatingForm, recordCccRating } from '../../../core/ccc-ratings/record-ccc-rating.ts';
import { GROWTH_SUBJECTS } from '../../../messages/actions.ts';
import { readSelfAssessmentRef } from '../../../messages/self-assessment.ts';
import { formListener, isResidentPeriodId } from '../growth-kit.ts';
import type { SlackDeps, ViewListener } from '../listener-kit.ts';
import { readFormValues } from '../render/block-kit.ts';

/** The CCC rating modal → one rating recorded (chair or member only, audited); the confirmation where /feedback ccc was typed. */
export function cccRatingSubmission(deps: SlackDeps): ViewListener {
  return formListener(deps, GROWTH_SUBJECTS.cccRatings, isResidentPeriodId, async (submission) => {
    const ref = readSelfAssessmentRef(submission.payload)!;
    const who = { ...deps.ports, chairId: submission.actor.personId, residentId: ref.residentId, periodCode: ref.periodCode };
    // Rebuilding the form checks again that the person sits on the resident's CCC.
    const result = await recordCccRating({ ...who, ...cccRatingFromFormValues(readFormValues(await openCccRatingForm(who), submission.values)) });
    return result.ok ? { done: { confirm: result.confirmation } } : result;
  });
}
