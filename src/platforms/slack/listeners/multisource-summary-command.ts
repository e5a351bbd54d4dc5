/**
 * `/feedback 360` (part of the /feedback listener): the caller's own 360 results, or with a mention the CCC's view
 * of that resident. Both are ephemeral — only the person who typed the command sees them — and both come from the
 * core's anonymity-safe summaries, whose types have no place for a rater's name or id.
 */
import type { WebClient } from '@slack/web-api';
import { AppError } from '../../../core/errors.ts';
import type { Actor } from '../../../core/people/identify-chat-user.ts';
import { MULTISOURCE_CCC_ROLES, multisourceSummaryForCcc, multisourceSummaryForResident } from '../../../core/multisource/multisource-summary.ts';
import { learnerProgramOf } from '../../../core/programs/program-context.ts';
import type { Message } from '../../../messages/model.ts';
import { FEEDBACK_COMMAND } from '../help.ts';
import { identify, type SlackDeps } from '../listener-kit.ts';

/** What `/feedback 360 …` shows: a summary, or a sentence saying why not. */
export async function multisourceSummaryReply(
  deps: SlackDeps,
  client: WebClient,
  input: { teamId: string; actor: Actor; residentUserId: string | undefined },
): Promise<Message | string> {
  const { actor } = input;
  if (input.residentUserId === undefined) {
    try {
      return (await multisourceSummaryForResident({ ...deps.ports, residentId: actor.personId, viewerId: actor.personId })).message;
    } catch (error) {
      // A CCC member or program director typing the resident's form most likely wants someone else's results.
      const reviewer = actor.memberships.some((m) => (MULTISOURCE_CCC_ROLES as readonly string[]).includes(m.role));
      if (error instanceof AppError && error.code === 'not_allowed' && reviewer) {
        return `${error.userMessage} To see a resident’s, mention them: ${FEEDBACK_COMMAND} 360 @name.`;
      }
      throw error;
    }
  }
  const resident = await identify(deps, client, input.teamId, input.residentUserId);
  if (!resident) return 'The person you mentioned is not in Stepping Stones.';
  // The resident's own program decides who may look: its CCC and program director (checked in the core, audited).
  const program = await learnerProgramOf(deps.ports.db, resident.personId);
  if (!program) return `${resident.name} is not a resident or fellow, so there is no 360 feedback about them.`;
  const { message } = await multisourceSummaryForCcc({
    ...deps.ports,
    programId: program.id,
    residentId: resident.personId,
    viewerId: actor.personId,
    channel: 'slack',
  });
  return message;
}
