/**
 * The listener steps of the self-assessment, CCC, learning-plan and Home surfaces. Unlike the feedback loop's
 * buttons, which only ever sit in DMs, these buttons also appear in replies only the clicker sees and on the App
 * Home, so each outcome is shown where the click came from (ClickOrigin), and the Home is redrawn after a change
 * made from it.
 */
import type { Middleware, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { AppError } from '../../core/errors.ts';
import { homeView } from '../../core/home/home-view.ts';
import { type Actor, UNKNOWN_USER_MESSAGE } from '../../core/people/identify-chat-user.ts';
import { type Form, type Message, notice } from '../../messages/model.ts';
import {
  type Click,
  type ClickOrigin,
  encodeClickOrigin,
  parseClick,
  parseViewSubmission,
  readClickOrigin,
  type SlashCommand,
  type ViewSubmission,
} from './inbound.ts';
import { type ActionListener, identify, type SlackDeps, type ViewListener, viewSubmissionListener } from './listener-kit.ts';
import { renderForm, renderHome, renderMessage } from './render/block-kit.ts';
import { ephemeral, failureText, noticeView, type SlackLog, viewErrors } from './replies.ts';

// Payload ids of these surfaces (see GROWTH_SUBJECTS) are checked at the edge like the feedback loop's uuids.
export { isGoalClosingId, isResidentPeriodId, isSelfAssessmentPageId } from '../../messages/payload-ids.ts';

// ---------------------------------------------------------------------------------------------------------------
// Answering where the click came from
// ---------------------------------------------------------------------------------------------------------------

/** How a platform links to a program's CCC channel: an app_redirect URL opens it in the workspace. */
function cccChannelUrl(teamId: string) {
  return (program: { cccSlackChannelId: string | null }) =>
    program.cccSlackChannelId ? `https://slack.com/app_redirect?channel=${program.cccSlackChannelId}&team=${teamId}` : null;
}

/** Publishes the person's App Home (views.publish); an unknown user gets a Home saying so. */
export async function publishHome(deps: SlackDeps, client: WebClient, teamId: string, userId: string, actor: Actor | null): Promise<void> {
  const home = actor
    ? await homeView({ ...deps.ports, personId: actor.personId, cccChannelUrl: cccChannelUrl(teamId) })
    : { text: UNKNOWN_USER_MESSAGE, blocks: [{ type: 'paragraph' as const, text: UNKNOWN_USER_MESSAGE }] };
  await client.views.publish({ user_id: userId, view: renderHome(home) });
}

/** Posts to a response_url (an ephemeral reply, or its replacement); false when Slack would not take it. */
async function postToResponseUrl(url: string, body: unknown, log: SlackLog): Promise<boolean> {
  try {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (response.ok) return true;
    log(`The response_url answered ${response.status}.`);
  } catch (error) {
    log(`Could not post to the response_url: ${(error as Error).message}`);
  }
  return false;
}

/** A message only the person sees where they clicked or typed; by DM when there is no such place (the Home). */
async function showTo(client: WebClient, userId: string, origin: ClickOrigin, content: Message, log: SlackLog): Promise<void> {
  const url = origin.kind === 'home' ? undefined : origin.responseUrl;
  if (url && (await postToResponseUrl(url, ephemeral(content), log))) return;
  // A response_url lasts 30 minutes; a self-assessment page can take longer. Posting to a user id lands in the DM.
  await client.chat.postMessage({ channel: userId, ...renderMessage(content) });
}

/** Replaces what was clicked with its new state: the DM, the ephemeral reply, or the Home. */
async function redraw(deps: SlackDeps, client: WebClient, click: { teamId: string; userId: string; actor: Actor }, origin: ClickOrigin, content: Message) {
  switch (origin.kind) {
    case 'message':
      await client.chat.update({ channel: origin.channel, ts: origin.ts, ...renderMessage(content) });
      return;
    case 'ephemeral':
      if (!(await postToResponseUrl(origin.responseUrl, { replace_original: true, ...renderMessage(content) }, deps.log))) {
        await showTo(client, click.userId, { kind: 'home' }, content, deps.log);
      }
      return;
    case 'home':
      await publishHome(deps, client, click.teamId, click.userId, click.actor);
      return;
    case 'command':
      await showTo(client, click.userId, origin, content, deps.log);
  }
}

/** Tells the person what went wrong where they are; on the Home (no response_url) in a small modal. */
async function tellAt(client: WebClient, userId: string, origin: ClickOrigin, triggerId: string, text: string, log: SlackLog): Promise<void> {
  try {
    if (origin.kind === 'home') await client.views.open({ trigger_id: triggerId, view: noticeView(text) });
    else await showTo(client, userId, origin, notice(text), log);
  } catch (error) {
    log(`Could not tell ${userId} "${text}": ${(error as Error).message}`);
  }
}

/** Opens a form as a modal that remembers where it was opened from. */
export async function openForm(client: WebClient, triggerId: string, form: Form, origin: ClickOrigin): Promise<void> {
  await client.views.open({ trigger_id: triggerId, view: renderForm(form, { privateMetadata: encodeClickOrigin(origin) }) });
}

// ---------------------------------------------------------------------------------------------------------------
// Buttons
// ---------------------------------------------------------------------------------------------------------------

/** What a click leads to: a modal, the clicked surface redrawn, or a message shown beside it. */
export type ClickOutcome = { open: Form } | { redraw: Message } | { show: Message };

/**
 * A button listener for these surfaces: ack at once, read the click with its origin, identify the person, run the
 * use case and answer in the place of the click. A change made from the Home redraws the Home.
 */
export function clickListener(
  deps: SlackDeps,
  expectedKind: string,
  isValidId: (id: string) => boolean,
  run: (click: Click & { actor: Actor; client: WebClient }) => Promise<ClickOutcome>,
): ActionListener {
  return async ({ ack, body, client }) => {
    await ack();
    let click: Click | undefined;
    try {
      click = parseClick(body, expectedKind, isValidId);
      const actor = await identify(deps, client, click.teamId, click.userId);
      if (!actor) return await tellAt(client, click.userId, click.origin, click.triggerId, UNKNOWN_USER_MESSAGE, deps.log);
      const outcome = await run({ ...click, actor, client });
      deps.nudge();
      const who = { teamId: click.teamId, userId: click.userId, actor };
      if ('open' in outcome) await openForm(client, click.triggerId, outcome.open, click.origin);
      else if ('redraw' in outcome) await redraw(deps, client, who, click.origin, outcome.redraw);
      else {
        await showTo(client, click.userId, click.origin, outcome.show, deps.log);
        if (click.origin.kind === 'home') await publishHome(deps, client, click.teamId, click.userId, actor);
      }
    } catch (error) {
      const text = failureText(error, deps.log);
      if (click) await tellAt(client, click.userId, click.origin, click.triggerId, text, deps.log);
      else {
        // Unreadable: no origin to answer at; a message click still has its response_url.
        const url = (body as { response_url?: unknown }).response_url;
        if (typeof url === 'string' && /^https?:\/\//.test(url)) await postToResponseUrl(url, ephemeral(text), deps.log);
        else deps.log(`Unreadable click: ${text}`);
      }
    }
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Modal submissions
// ---------------------------------------------------------------------------------------------------------------

/** What a submitted form leads to. */
export type FormOutcome =
  /** Problems shown beside the inputs of the still-open modal. */
  | { fieldErrors: Readonly<Record<string, string>> }
  /** The modal moves on to another form (the next self-assessment page), keeping where it was opened from. */
  | { next: Form }
  /** The modal closes; the surface it came from is redrawn and/or the person gets a confirmation there. */
  | { done: { redraw?: Message; confirm?: Message } };

/**
 * A submission listener for these surfaces. The use case runs before the ack because its answer decides the ack:
 * field errors stay in the modal, a next form replaces it (response_action "update"), success closes it and then
 * answers where the modal was opened from. Refusals replace the modal with a notice and change nothing.
 */
export function formListener(
  deps: SlackDeps,
  expectedKind: string | readonly string[],
  isValidId: (id: string) => boolean,
  run: (submission: ViewSubmission & { actor: Actor; client: WebClient; origin: ClickOrigin }) => Promise<FormOutcome>,
): ViewListener {
  return viewSubmissionListener(
    deps,
    (body) => parseViewSubmission(body, expectedKind, isValidId),
    async (submission, actor, client, answer) => {
      const origin = readClickOrigin(submission.note);
      const outcome = await run({ ...submission, actor, client, origin });
      if ('fieldErrors' in outcome) {
        return await answer({ response_action: 'errors', errors: viewErrors(submission.inputBlockIds, outcome.fieldErrors) });
      }
      if ('next' in outcome) {
        await answer({ response_action: 'update', view: renderForm(outcome.next, { privateMetadata: encodeClickOrigin(origin) }) });
        deps.nudge();
        return;
      }
      await answer();
      deps.nudge();
      const who = { teamId: submission.teamId, userId: submission.userId, actor };
      if (origin.kind === 'home') await publishHome(deps, client, submission.teamId, submission.userId, actor);
      else {
        if (outcome.done.redraw) await redraw(deps, client, who, origin, outcome.done.redraw);
        if (outcome.done.confirm) await showTo(client, submission.userId, origin, outcome.done.confirm, deps.log);
      }
    },
  );
}

// ---------------------------------------------------------------------------------------------------------------
// /feedback subcommands
// ---------------------------------------------------------------------------------------------------------------

/** What a `/feedback <word> …` subcommand is given: the command, the text after the word, and where to answer. */
export interface SubcommandContext {
  command: SlashCommand;
  /** The text after the subcommand's word, trimmed. */
  args: string;
  client: WebClient;
}

/** A subcommand of /feedback (`self`, `plan`, …); failures are answered by the /feedback listener. */
export type FeedbackSubcommand = (deps: SlackDeps) => (context: SubcommandContext) => Promise<void>;

/** The person typing the command, or a reply saying they are not on the roster (then null). */
export async function commandActor(deps: SlackDeps, context: SubcommandContext): Promise<Actor | null> {
  const actor = await identify(deps, context.client, context.command.teamId, context.command.userId);
  if (!actor) await showTo(context.client, context.command.userId, commandOrigin(context), notice(UNKNOWN_USER_MESSAGE), deps.log);
  return actor;
}

export function commandOrigin(context: SubcommandContext): ClickOrigin {
  return { kind: 'command', responseUrl: context.command.responseUrl };
}

/** An ephemeral reply to the command. */
export async function replyTo(deps: SlackDeps, context: SubcommandContext, content: Message): Promise<void> {
  await showTo(context.client, context.command.userId, commandOrigin(context), content, deps.log);
}

const MENTION = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/;

/** The Slack user of a mention as the command escapes it (`<@U123|name>`); null when the text is not one. */
export function mentionedUser(text: string): string | null {
  return MENTION.exec(text.trim())?.[1] ?? null;
}

/** The person a mention names, or an AppError the person can act on. */
export async function mentionedPerson(deps: SlackDeps, context: SubcommandContext, userId: string): Promise<Actor> {
  const person = await identify(deps, context.client, context.command.teamId, userId);
  if (!person) throw new AppError('not_found', 'The person you mentioned is not in Stepping Stones yet.');
  return person;
}

/** An Events API listener (app_home_opened); Bolt acks events itself. */
export type EventListener = Middleware<SlackEventMiddlewareArgs>;
