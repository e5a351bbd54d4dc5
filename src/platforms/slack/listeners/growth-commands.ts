import { openCccRatingForm } from '../../../core/ccc-ratings/record-ccc-rating.ts';
import { openGoalForm } from '../../../core/learning-plans/goal-form.ts';
import { learningPlanView } from '../../../core/learning-plans/learning-plan-view.ts';
import { activeSelfAssessment, currentPeriodCodeOf, latestComparablePeriod } from '../../../core/self-assessment/active-period.ts';
import { resumeSelfAssessment } from '../../../core/self-assessment/self-assessment-page.ts';
import { selfVsCcc } from '../../../core/self-assessment/self-vs-ccc.ts';
import { FEEDBACK_COMMAND } from '../help.ts';
import {
  commandActor,
  commandOrigin,
  type FeedbackSubcommand,
  mentionedPerson,
  mentionedUser,
  openForm,
  replyTo,
  type SubcommandContext,
} from '../growth-kit.ts';
import type { SlackDeps } from '../listener-kit.ts';
import { notice } from '../replies.ts';

const PERIOD_CODE = /^\d{4}-(mid|end)$/i;

/** The words after a subcommand: an optional @mention and an optional period code, in either order. */
function readArgs(args: string): { userId: string | null; periodCode: string | null; rest: string[] } {
  let userId: string | null = null;
  let periodCode: string | null = null;
  const rest: string[] = [];
  for (const word of args.split(/\s+/).filter(Boolean)) {
    const mention = mentionedUser(word);
    if (mention && !userId) userId = mention;
    else if (PERIOD_CODE.test(word) && !periodCode) periodCode = word.toLowerCase();
    else rest.push(word);
  }
  return { userId, periodCode, rest };
}

/** `/feedback self [period]`: the self-assessment modal at the first page still to do (as the DM's Start button). */
export const selfSubcommand: FeedbackSubcommand = (deps: SlackDeps) => async (context: SubcommandContext) => {
  const actor = await commandActor(deps, context);
  if (!actor) return;
  const { periodCode } = readArgs(context.args);
  const active = periodCode ? null : await activeSelfAssessment({ ...deps.ports, residentId: actor.personId });
  const code = periodCode ?? active?.periodCode;
  if (!code) {
    return replyTo(deps, context, notice('No self-assessment is open for you right now. You will get a direct message when the next one opens.'));
  }
  const resumed = await resumeSelfAssessment({ ...deps.ports, actorId: actor.personId, residentId: actor.personId, periodCode: code });
  await openForm(context.client, context.command.triggerId, resumed.form, commandOrigin(context));
};

/**
 * `/feedback compare [@resident] [period]`: self vs CCC, largest gaps first — the resident's own by default (the
 * latest period with both), or a resident's for their program director or mentor; the core refuses anyone else.
 */
export const compareSubcommand: FeedbackSubcommand = (deps: SlackDeps) => async (context: SubcommandContext) => {
  const actor = await commandActor(deps, context);
  if (!actor) return;
  const args = readArgs(context.args);
  const residentId = args.userId ? (await mentionedPerson(deps, context, args.userId)).personId : actor.personId;
  const periodCode =
    args.periodCode ?? (await latestComparablePeriod(deps.ports.db, residentId))?.code ?? (await currentPeriodCodeOf(deps.ports.db, residentId, deps.ports.clock.now()));
  await replyTo(deps, context, await selfVsCcc({ db: deps.ports.db, residentId, periodCode, viewerId: actor.personId }));
};

/** `/feedback ccc @resident [period]`: the CCC rating modal (chair and members of the resident's program only). */
export const cccSubcommand: FeedbackSubcommand = (deps: SlackDeps) => async (context: SubcommandContext) => {
  const args = readArgs(context.args);
  if (!args.userId) {
    return replyTo(deps, context, notice(`Name the resident: ${FEEDBACK_COMMAND} ccc @resident (and a period such as 2026-mid if not the current one).`));
  }
  const actor = await commandActor(deps, context);
  if (!actor) return;
  const resident = await mentionedPerson(deps, context, args.userId);
  const periodCode = args.periodCode ?? (await currentPeriodCodeOf(deps.ports.db, resident.personId, deps.ports.clock.now()));
  const form = await openCccRatingForm({ ...deps.ports, chairId: actor.personId, residentId: resident.personId, periodCode });
  await openForm(context.client, context.command.triggerId, form, commandOrigin(context));
};

const SHOW_WORDS = new Set(['show', 'view', 'list']);

/**
 * `/feedback plan`: the goal form. `/feedback plan show [@resident]`: the learning plan — one's own, or a
 * resident's for their program director or mentor; the core refuses anyone else.
 */
export const planSubcommand: FeedbackSubcommand = (deps: SlackDeps) => async (context: SubcommandContext) => {
  const actor = await commandActor(deps, context);
  if (!actor) return;
  const args = readArgs(context.args);
  const show = args.userId !== null || args.rest.some((word) => SHOW_WORDS.has(word.toLowerCase()));
  if (!show) {
    const form = await openGoalForm({ ...deps.ports, residentId: actor.personId });
    return openForm(context.client, context.command.triggerId, form, commandOrigin(context));
  }
  const residentId = args.userId ? (await mentionedPerson(deps, context, args.userId)).personId : actor.personId;
  await replyTo(deps, context, await learningPlanView({ ...deps.ports, residentId, viewerId: actor.personId }));
};
