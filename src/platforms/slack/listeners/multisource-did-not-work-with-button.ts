import { declineMultisource } from '../../../core/multisource/multisource-response.ts';
import { MULTISOURCE_SUBJECTS } from '../../../messages/actions.ts';
import { type ActionListener, buttonListener, type SlackDeps } from '../listener-kit.ts';

/** I did not work with this resident (a rater's 360 DM) → recorded, never counted; the DM offers "Answer anyway". */
export function multisourceDidNotWorkWithButton(deps: SlackDeps): ActionListener {
  return buttonListener(deps, MULTISOURCE_SUBJECTS.request, async (click) => ({
    replace: (await declineMultisource({ ...deps.ports, requestId: click.payload.id, actorId: click.actor.personId })).raterMessage,
  }));
}
