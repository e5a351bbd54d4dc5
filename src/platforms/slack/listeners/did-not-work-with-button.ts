import { declineRotationEvaluation } from '../../../core/rotation-evaluations/rotation-evaluation.ts';
import { SUBJECTS } from '../../../messages/actions.ts';
import { type ActionListener, buttonListener, type SlackDeps } from '../listener-kit.ts';

/** Did not work with this resident (rotation prompt) → recorded once; the prompt shows it in that resident's row. */
export function didNotWorkWithButton(deps: SlackDeps): ActionListener {
  return buttonListener(deps, SUBJECTS.assignment, async (click) => ({
    replace: (await declineRotationEvaluation({ ...deps.ports, assignmentId: click.payload.id, actorId: click.actor.personId })).promptMessage,
  }));
}
