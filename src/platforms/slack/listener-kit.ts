/**
 * The steps every listener shares — ack, parse at the edge, identify the person, turn failures into friendly
 * replies, render the outcome — so each listener file is only "which use case, with which input".
 */
import type {
  Middleware,
  RespondFn,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewResponseAction,
  ViewSubmitAction,
} from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { AppError } from '../../core/errors.ts';
import { type Actor, identifyChatUser, UNKNOWN_USER_MESSAGE } from '../../core/people/identify-chat-user.ts';
import type { CorePorts } from '../../core/ports.ts';
import { FormValuesError } from '../../messages/form-values.ts';
import type { Form, Message } from '../../messages/model.ts';
import {
  type ButtonClick,
  encodeMessageRef,
  InboundError,
  type MessageRef,
  parseButtonClick,
  parseViewSubmission,
  type ViewSubmission,
} from './inbound.ts';
import { renderForm, renderMessage } from './render/block-kit.ts';
import { ephemeral, failureText, noticeView, type SlackLog, viewErrors } from './replies.ts';

/** What listeners are given: the core's ports, a log, and a way to have enqueued messages sent at once. */
export interface SlackDeps {
  ports: CorePorts;
  log: SlackLog;
  /** Called after a use case ran, so the delivery loop sends what it enqueued without waiting for its next tick. */
  nudge: () => void;
}

export type CommandListener = Middleware<SlackCommandMiddlewareArgs>;
export type ActionListener = Middleware<SlackActionMiddlewareArgs>;
export type ViewListener = Middleware<SlackViewMiddlewareArgs<ViewSubmitAction>>;

function slackErrorCode(error: unknown): string | undefined {
  return (error as { data?: { error?: string } } | undefined)?.data?.error;
}

/** The email Slack knows for a user, asked only the first time they act (identity linking by email). */
async function slackEmailOf(client: WebClient, userId: string): Promise<string | undefined> {
  try {
    const answer = await client.users.info({ user: userId });
    return answer.user?.profile?.email ?? undefined;
  } catch (error) {
    // A user Slack does not know is simply unknown to us too; any other failure is worth a reference id.
    if (slackErrorCode(error) === 'user_not_found') return undefined;
    throw error;
  }
}

/** The person behind a Slack user, linking them by email on first contact; null when the roster has no match. */
export function identify(deps: SlackDeps, client: WebClient, teamId: string, userId: string): Promise<Actor | null> {
  return identifyChatUser({
    db: deps.ports.db,
    platform: 'slack',
    workspaceId: teamId,
    userId,
    lookupEmail: () => slackEmailOf(client, userId),
  });
}

/** An ephemeral reply through the response_url; if that fails there is no one left to tell but the log. */
export async function tell(respond: RespondFn | undefined, content: Message | string, log: SlackLog): Promise<void> {
  if (!respond) {
    log(`No response_url to reply on: ${typeof content === 'string' ? content : content.text}`);
    return;
  }
  try {
    await respond(ephemeral(content));
  } catch (error) {
    log(`Could not reply on the response_url: ${(error as Error).message}`);
  }
}

/** Replaces a message we posted earlier (the DM a button sat in) with its current state. */
export async function replaceMessage(client: WebClient, ref: MessageRef, message: Message): Promise<void> {
  await client.chat.update({ channel: ref.channel, ts: ref.ts, ...renderMessage(message) });
}

/** What a button leads to: the message it sat in, redrawn; or a modal, which remembers that message. */
export type ButtonOutcome = { replace: Message } | { open: Form };

/**
 * A button listener: ack at once (Slack waits 3 s), read the click, identify the person, run the use case and
 * redraw the message or open the modal. Refusals and failures come back as an ephemeral reply.
 */
export function buttonListener(
  deps: SlackDeps,
  expectedKind: string,
  run: (click: ButtonClick & { actor: Actor }) => Promise<ButtonOutcome>,
): ActionListener {
  return async ({ ack, body, client, respond }) => {
    await ack();
    try {
      const click = parseButtonClick(body, expectedKind);
      const actor = await identify(deps, client, click.teamId, click.userId);
      if (!actor) return await tell(respond, UNKNOWN_USER_MESSAGE, deps.log);
      const outcome = await run({ ...click, actor });
      deps.nudge();
      if ('replace' in outcome) {
        await replaceMessage(client, click.source, outcome.replace);
      } else {
        await client.views.open({
          trigger_id: click.triggerId,
          view: renderForm(outcome.open, { privateMetadata: encodeMessageRef(click.source) }),
        });
      }
    } catch (error) {
      await tell(respond, failureText(error, deps.log), deps.log);
    }
  };
}

/** What a submitted modal leads to once stored: a message redrawn, and/or a confirmation for the submitter. */
export interface SubmissionDone {
  replace?: { ref: MessageRef; message: Message };
  confirm?: { responseUrl: string | undefined; message: Message };
}

/** Problems to show inside the still-open modal, keyed by field id. */
export interface SubmissionRefused {
  fieldErrors: Readonly<Record<string, string>>;
}

async function confirmToSubmitter(client: WebClient, userId: string, confirm: NonNullable<SubmissionDone['confirm']>, log: SlackLog) {
  if (confirm.responseUrl) {
    const response = await fetch(confirm.responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ephemeral(confirm.message)),
    }).catch((error: unknown) => error as Error);
    if (!(response instanceof Error) && response.ok) return;
    log(`Could not confirm on the response_url (${response instanceof Error ? response.message : response.status}); sending a DM instead.`);
  }
  // Posting to a user id lands in the app's DM with them.
  await client.chat.postMessage({ channel: userId, ...renderMessage(confirm.message) });
}

/** Answers a modal submission: with nothing (close it), with field errors, or with another view. */
export type ViewAnswer = (response?: ViewResponseAction) => Promise<void>;

/**
 * What every modal submission shares: parse (zod) and identify before anything else; problems in the values stay
 * in the open modal (response_action "errors"); refusals and failures before the ack replace it with a notice;
 * after the ack (the submission is stored) a refusal is only worth a line in the log. `handle` decides the ack.
 */
export function viewSubmissionListener<S extends ViewSubmission>(
  deps: SlackDeps,
  parse: (body: unknown) => S,
  handle: (submission: S, actor: Actor, client: WebClient, answer: ViewAnswer) => Promise<void>,
): ViewListener {
  return async ({ ack, body, client }) => {
    let acked = false;
    const answer: ViewAnswer = async (response) => {
      acked = true;
      await ack(response);
    };
    let inputs: string[] = [];
    try {
      const submission = parse(body);
      inputs = submission.inputBlockIds;
      const actor = await identify(deps, client, submission.teamId, submission.userId);
      if (!actor) return await answer({ response_action: 'update', view: noticeView(UNKNOWN_USER_MESSAGE) });
      await handle(submission, actor, client, answer);
    } catch (error) {
      if (!acked && error instanceof FormValuesError) {
        return await answer({ response_action: 'errors', errors: viewErrors(inputs, error.errors) });
      }
      const text = failureText(error, deps.log);
      if (!acked) await answer({ response_action: 'update', view: noticeView(text) });
      else if (error instanceof AppError || error instanceof InboundError) deps.log(`After a submission: ${text}`);
    }
  };
}

/**
 * A modal submission listener. The use case runs before the ack because its answer decides the ack: problems
 * stay in the open modal (response_action "errors"), refusals replace it with a notice, success closes it and
 * then redraws the message the modal was opened from.
 */
export function submissionListener(
  deps: SlackDeps,
  expectedKind: string,
  run: (submission: ViewSubmission & { actor: Actor; client: WebClient }) => Promise<SubmissionDone | SubmissionRefused>,
): ViewListener {
  return viewSubmissionListener(
    deps,
    (body) => parseViewSubmission(body, expectedKind),
    async (submission, actor, client, answer) => {
      const outcome = await run({ ...submission, actor, client });
      if ('fieldErrors' in outcome) {
        return await answer({ response_action: 'errors', errors: viewErrors(submission.inputBlockIds, outcome.fieldErrors) });
      }
      await answer();
      deps.nudge();
      if (outcome.replace) await replaceMessage(client, outcome.replace.ref, outcome.replace.message);
      if (outcome.confirm) await confirmToSubmitter(client, submission.userId, outcome.confirm, deps.log);
    },
  );
}
