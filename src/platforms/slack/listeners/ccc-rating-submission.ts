import { z } from 'zod';
import { openCccRatingForm, recordCccRating } from '../../../core/ccc-ratings/record-ccc-rating.ts';
import { GROWTH_SUBJECTS } from '../../../messages/actions.ts';
import { readSelfAssessmentRef } from '../../../messages/self-assessment.ts';
import { formListener, isResidentPeriodId } from '../growth-kit.ts';
import type { SlackDeps, ViewListener } from '../listener-kit.ts';
import { readFormValues } from '../render/block-kit.ts';

const ratingValues = z.object({ subcompetency: z.string(), rating: z.string() });

/** The CCC rating modal → one rating recorded (chair or member only, audited); the confirmation where /feedback ccc was typed. */
export function cccRatingSubmission(deps: SlackDeps): ViewListener {
  return formListener(deps, GROWTH_SUBJECTS.cccRatings, isResidentPeriodId, async (submission) => {
    const ref = readSelfAssessmentRef(submission.payload)!;
    const who = { ...deps.ports, chairId: submission.actor.personId, residentId: ref.residentId, periodCode: ref.periodCode };
    // Rebuilding the form checks again that the person sits on the resident's CCC.
    const values = ratingValues.parse(readFormValues(await openCccRatingForm(who), submission.values));
    const result = await recordCccRating({ ...who, subcompetencyCode: values.subcompetency, rating: values.rating });
    return result.ok ? { done: { confirm: result.confirmation } } : result;
  });
}
