import { openMultisourceForm } from '../../../core/multisource/multisource-response.ts';
import { MULTISOURCE_SUBJECTS } from '../../../messages/actions.ts';
import { type ActionListener, buttonListener, type SlackDeps } from '../listener-kit.ts';

/**
 * Answer / Change my answer / Answer anyway (a rater's 360 DM) → the 360 modal, filled in when answered before.
 * It remembers the DM, so the one submit can redraw it.
 */
export function multisourceAnswerButton(deps: SlackDeps): ActionListener {
  return buttonListener(deps, MULTISOURCE_SUBJECTS.request, async (click) => ({
    open: await openMultisourceForm({ ...deps.ports, requestId: click.payload.id, actorId: click.actor.personId }),
  }));
}
