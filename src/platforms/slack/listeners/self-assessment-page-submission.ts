import { saveSelfAssessmentPage } from '../../../core/self-assessment/save-self-assessment-page.ts';
import { selfAssessmentPage } from '../../../core/self-assessment/self-assessment-page.ts';
import { pageRatingsFromFormValues } from '../../../core/self-assessment/self-assessment-state.ts';
import { submitSelfAssessment } from '../../../core/self-assessment/submit-self-assessment.ts';
import { GROWTH_SUBJECTS } from '../../../messages/actions.ts';
import { readSelfAssessmentRef } from '../../../messages/self-assessment.ts';
import type { ViewSubmission } from '../inbound.ts';
import { formListener, isSelfAssessmentPageId } from '../growth-kit.ts';
import type { SlackDeps, ViewListener } from '../listener-kit.ts';
import { readFormValues } from '../render/block-kit.ts';

/**
 * The page's ratings as submitted. The page is rebuilt to read them, after the core checked that the person is
 * the resident named in the payload: someone else's payload is refused before anything is read or stored.
 */
async function readPage(deps: SlackDeps, submission: ViewSubmission & { actor: { personId: string } }) {
  // Checked at the edge (isSelfAssessmentPageId): resident, period and page are all there.
  const ref = readSelfAssessmentRef(submission.payload)!;
  const target = { ...deps.ports, actorId: submission.actor.personId, residentId: ref.residentId, periodCode: ref.periodCode, page: ref.page! };
  const form = await selfAssessmentPage({ ...target, toReadSubmission: true });
  return { target, ratings: pageRatingsFromFormValues(readFormValues(form, submission.values)) };
}

/**
 * "Save and continue" → the page is stored and the modal moves on to the next page (response_action "update"): the
 * whole set never fits one modal. Closing the modal halfway keeps every page saved so far.
 */
export function selfAssessmentPageSubmission(deps: SlackDeps): ViewListener {
  return formListener(deps, GROWTH_SUBJECTS.selfAssessmentPage, isSelfAssessmentPageId, async (submission) => {
    const { target, ratings } = await readPage(deps, submission);
    const saved = await saveSelfAssessmentPage({ ...target, ratings });
    if (!saved.ok) return saved;
    return saved.next ? { next: saved.next.form } : { done: {} };
  });
}

/**
 * "Submit" on the last page → saved, and submitted once every milestone is rated; otherwise the missing ones are
 * named inside the modal. The message the self-assessment was started from then shows it submitted.
 */
export function selfAssessmentSubmitSubmission(deps: SlackDeps): ViewListener {
  return formListener(deps, GROWTH_SUBJECTS.selfAssessmentPage, isSelfAssessmentPageId, async (submission) => {
    const { target, ratings } = await readPage(deps, submission);
    const result = await submitSelfAssessment({ ...target, ratings });
    if (!result.ok) return { fieldErrors: result.fieldErrors };
    return { done: { redraw: result.confirmation } };
  });
}
