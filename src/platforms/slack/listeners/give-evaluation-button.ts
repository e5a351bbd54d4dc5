import { openRotationEvaluation } from '../../../core/rotation-evaluations/rotation-evaluation.ts';
import { SUBJECTS } from '../../../messages/actions.ts';
import { type ActionListener, buttonListener, type SlackDeps } from '../listener-kit.ts';

/** Give feedback (rotation prompt) → the evaluation modal; it remembers the prompt to mark the resident done. */
export function giveEvaluationButton(deps: SlackDeps): ActionListener {
  return buttonListener(deps, SUBJECTS.assignment, async (click) => ({
    open: await openRotationEvaluation({ ...deps.ports, assignmentId: click.payload.id, actorId: click.actor.personId }),
  }));
}
