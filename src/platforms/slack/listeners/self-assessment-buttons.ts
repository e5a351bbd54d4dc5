import { goalsFromGaps } from '../../../core/learning-plans/goals-from-gaps.ts';
import { resumeSelfAssessment } from '../../../core/self-assessment/self-assessment-page.ts';
import { selfVsCcc } from '../../../core/self-assessment/self-vs-ccc.ts';
import { GROWTH_SUBJECTS } from '../../../messages/actions.ts';
import { readSelfAssessmentRef } from '../../../messages/self-assessment.ts';
import { clickListener, isResidentPeriodId } from '../growth-kit.ts';
import type { ActionListener, SlackDeps } from '../listener-kit.ts';

// The payload ids were checked at the edge (isResidentPeriodId), so the reference always reads.
const refOf = (payload: { kind: string; id: string; version: number }) => readSelfAssessmentRef(payload)!;

/** Start (or continue) self-assessment → the first page with a milestone still unrated, earlier answers filled in. */
export function startSelfAssessmentButton(deps: SlackDeps): ActionListener {
  return clickListener(deps, GROWTH_SUBJECTS.selfAssessment, isResidentPeriodId, async (click) => {
    const ref = refOf(click.payload);
    const resumed = await resumeSelfAssessment({ ...deps.ports, actorId: click.actor.personId, residentId: ref.residentId, periodCode: ref.periodCode });
    return { open: resumed.form };
  });
}

/** Compare with the CCC → self vs CCC, largest gaps first, shown to the person who clicked (access checked in the core). */
export function compareWithCccButton(deps: SlackDeps): ActionListener {
  return clickListener(deps, GROWTH_SUBJECTS.selfAssessment, isResidentPeriodId, async (click) => {
    const ref = refOf(click.payload);
    return { show: await selfVsCcc({ db: deps.ports.db, residentId: ref.residentId, periodCode: ref.periodCode, viewerId: click.actor.personId }) };
  });
}

/** Add the largest gaps to my plan → up to three goals from the gaps, once however often it is clicked. */
export function goalsFromGapsButton(deps: SlackDeps): ActionListener {
  return clickListener(deps, GROWTH_SUBJECTS.selfAssessment, isResidentPeriodId, async (click) => {
    const ref = refOf(click.payload);
    const result = await goalsFromGaps({ ...deps.ports, actorId: click.actor.personId, residentId: ref.residentId, periodCode: ref.periodCode });
    return { show: result.message };
  });
}
