/**
 * The edge: every Slack payload a listener acts on is checked here with zod before anything reads it, so a
 * malformed or hand-crafted request becomes a friendly sentence instead of a TypeError deep in a use case.
 */
import { z } from 'zod';
import type { Payload } from '../../messages/model.ts';
import { isRecordId } from '../../messages/payload-ids.ts';
import { readButtonAction, readViewMetadata, type SlackViewStateValues } from './render/block-kit.ts';

/** A request that does not have the shape we expect; `userMessage` is what the person sees. */
export class InboundError extends Error {
  readonly userMessage: string;
  constructor(userMessage: string, cause?: unknown) {
    super(userMessage, cause === undefined ? undefined : { cause });
    this.name = 'InboundError';
    this.userMessage = userMessage;
  }
}

const STALE_BUTTON = 'That button could not be read. It may belong to an old message; ask for a new one or use /feedback.';
const STALE_FORM = 'That form could not be read. Please close it and open it again.';

// Slack ids (T…, U…, W…, C…, D…, V…) are short upper-case tokens; anything else did not come from Slack.
const slackId = z.string().regex(/^[A-Z0-9]{2,40}$/);
const messageTs = z.string().regex(/^\d{1,12}\.\d{1,8}$/);
// The submission key of a request: kept lenient on case, since nothing but equality is done with it.
const viewId = z.string().regex(/^[A-Za-z0-9]{2,64}$/);
const team = z.object({ id: slackId }).nullish();
const user = z.object({ id: slackId, team_id: slackId.optional() });

function teamOf(body: { team?: { id: string } | null | undefined; user: { team_id?: string | undefined } }): string {
  const id = body.team?.id ?? body.user.team_id;
  if (!id) throw new InboundError('This request does not say which Slack workspace it came from.');
  return id;
}

function parse<T>(schema: z.ZodType<T>, value: unknown, userMessage: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InboundError(userMessage, parsed.error);
  return parsed.data;
}

const slashCommandSchema = z.object({
  command: z.string().min(1),
  text: z.string().max(4000).default(''),
  team_id: slackId,
  user_id: slackId,
  trigger_id: z.string().min(1).max(255),
  response_url: z.url({ protocol: /^https?$/ }),
});

/** A slash command as the listeners use it. */
export interface SlashCommand {
  teamId: string;
  userId: string;
  text: string;
  triggerId: string;
  responseUrl: string;
}

export function parseSlashCommand(body: unknown): SlashCommand {
  const c = parse(slashCommandSchema, body, 'That command could not be read. Please try again.');
  return { teamId: c.team_id, userId: c.user_id, text: c.text.trim(), triggerId: c.trigger_id, responseUrl: c.response_url };
}

/** Where a message lives, so a listener can replace it with chat.update. */
export interface MessageRef {
  channel: string;
  ts: string;
}

const messageRefSchema = z.object({ channel: slackId, ts: messageTs });

/** A message reference travels in a modal's private_metadata: from the button that opened it to the submission. */
export function encodeMessageRef(ref: MessageRef): string {
  return JSON.stringify(messageRefSchema.parse(ref));
}

const buttonActionSchema = z.object({
  type: z.literal('block_actions'),
  team,
  user,
  trigger_id: z.string().min(1).max(255),
  actions: z.array(z.object({ type: z.literal('button'), action_id: z.string().min(1).max(255), value: z.string().max(2000).optional() })).min(1),
  container: z.object({ type: z.literal('message'), channel_id: slackId, message_ts: messageTs }),
});

/** A click on one of our buttons in a message, with its payload checked against the kind the listener expects. */
export interface ButtonClick {
  teamId: string;
  userId: string;
  triggerId: string;
  payload: Payload;
  source: MessageRef;
}

export function parseButtonClick(body: unknown, expectedKind: string): ButtonClick {
  const b = parse(buttonActionSchema, body, STALE_BUTTON);
  let payload: Payload;
  try {
    payload = readButtonAction(b.actions[0]!).payload;
  } catch (cause) {
    throw new InboundError(STALE_BUTTON, cause);
  }
  if (payload.kind !== expectedKind || !isRecordId(payload.id)) throw new InboundError(STALE_BUTTON);
  return {
    teamId: teamOf(b),
    userId: b.user.id,
    triggerId: b.trigger_id,
    payload,
    source: { channel: b.container.channel_id, ts: b.container.message_ts },
  };
}

// Only the parts of a state value that readFormValues reads, with the types it expects; the rest passes through.
const option = z.looseObject({ value: z.string().max(150) });
const stateValue = z.looseObject({
  type: z.string(),
  value: z.string().max(10_000).nullish(),
  selected_option: option.nullish(),
  selected_options: z.array(option).max(100).nullish(),
  selected_user: slackId.nullish(),
  selected_users: z.array(slackId).max(100).nullish(),
  selected_date: z.string().max(20).nullish(),
});

const viewSubmissionSchema = z.object({
  type: z.literal('view_submission'),
  team,
  user,
  view: z.object({
    id: viewId,
    callback_id: z.string(),
    private_metadata: z.string().max(3000),
    state: z.object({ values: z.record(z.string(), z.record(z.string(), stateValue)) }),
    blocks: z.array(z.looseObject({ type: z.string(), block_id: z.string().optional() })).max(100),
  }),
});

/** A submitted modal: who, which record (the form's payload), the adapter's note, and what was typed. */
export interface ViewSubmission {
  teamId: string;
  userId: string;
  viewId: string;
  payload: Payload;
  /** What the listener that opened the modal put in private_metadata besides the payload. */
  note: string | undefined;
  values: SlackViewStateValues;
  /** Input block ids: field errors must name one of them or Slack rejects the whole answer. */
  inputBlockIds: string[];
}

export { isRecordId };

/**
 * `isValidId` checks the payload's id: a uuid by default; composite ids (`resident:period:page`) pass their own
 * check, so a hand-made id never reaches a use case.
 */
export function parseViewSubmission(
  body: unknown,
  expectedKind: string | readonly string[],
  isValidId: (id: string) => boolean = isRecordId,
): ViewSubmission {
  const v = parse(viewSubmissionSchema, body, STALE_FORM);
  let metadata: ReturnType<typeof readViewMetadata>;
  try {
    metadata = readViewMetadata(v.view.private_metadata);
  } catch (cause) {
    throw new InboundError(STALE_FORM, cause);
  }
  // One form can serve two kinds of record (the goal form adds a goal for a resident or edits a goal).
  const kinds: readonly string[] = typeof expectedKind === 'string' ? [expectedKind] : expectedKind;
  if (!kinds.includes(metadata.payload.kind) || !isValidId(metadata.payload.id)) throw new InboundError(STALE_FORM);
  return {
    teamId: teamOf(v),
    userId: v.user.id,
    viewId: v.view.id,
    payload: metadata.payload,
    note: metadata.privateMetadata,
    // Checked above: every field readFormValues reads has the type it expects.
    values: v.view.state.values as unknown as SlackViewStateValues,
    inputBlockIds: v.view.blocks.filter((b) => b.type === 'input' && b.block_id).map((b) => b.block_id!),
  };
}

/** The message reference a modal carries (see encodeMessageRef). */
export function readMessageRef(note: string | undefined): MessageRef {
  let value: unknown;
  try {
    value = JSON.parse(note ?? '');
  } catch (cause) {
    throw new InboundError(STALE_FORM, cause);
  }
  return parse(messageRefSchema, value, STALE_FORM);
}

const responseUrlNoteSchema = z.object({ responseUrl: z.url({ protocol: /^https?$/ }) });

/** The request modal carries the slash command's response_url, so the confirmation appears where /feedback was typed. */
export function encodeResponseUrlNote(responseUrl: string): string {
  return JSON.stringify(responseUrlNoteSchema.parse({ responseUrl }));
}

export function readResponseUrlNote(note: string | undefined): string | undefined {
  try {
    return responseUrlNoteSchema.parse(JSON.parse(note ?? '')).responseUrl;
  } catch {
    // Without it the confirmation goes by DM instead; not worth refusing the request over.
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Clicks from anywhere the bot shows buttons: its DMs, replies only the clicker sees, and the App Home tab. The
// self-assessment, plan and Home listeners answer in the place the click came from.
// ---------------------------------------------------------------------------------------------------------------

/** Where a button was clicked (or a command typed), so its outcome can be shown in the same place. */
export type ClickOrigin =
  /** A message the bot posted (a DM): redrawn with chat.update; the response_url can add a reply below it. */
  | { kind: 'message'; channel: string; ts: string; responseUrl?: string | undefined }
  /** A reply only the clicker sees: it can only be replaced through its response_url. */
  | { kind: 'ephemeral'; responseUrl: string }
  /** The App Home tab: no message and no response_url; the Home is published again. */
  | { kind: 'home' }
  /** A slash command: replies go to its response_url. */
  | { kind: 'command'; responseUrl: string };

const responseUrl = z.url({ protocol: /^https?$/ }).max(1000);

const clickOriginSchema: z.ZodType<ClickOrigin> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('message'), channel: slackId, ts: messageTs, responseUrl: responseUrl.optional() }),
  z.object({ kind: z.literal('ephemeral'), responseUrl }),
  z.object({ kind: z.literal('home') }),
  z.object({ kind: z.literal('command'), responseUrl }),
]);

/** A click origin travels in a modal's private_metadata, so the submission can answer where the click was. */
export function encodeClickOrigin(origin: ClickOrigin): string {
  return JSON.stringify(clickOriginSchema.parse(origin));
}

export function readClickOrigin(note: string | undefined): ClickOrigin {
  let value: unknown;
  try {
    value = JSON.parse(note ?? '');
  } catch (cause) {
    throw new InboundError(STALE_FORM, cause);
  }
  return parse(clickOriginSchema, value, STALE_FORM);
}

const anyClickSchema = z.object({
  type: z.literal('block_actions'),
  team,
  user,
  trigger_id: z.string().min(1).max(255),
  actions: buttonActionSchema.shape.actions,
  container: z.discriminatedUnion('type', [
    z.object({ type: z.literal('message'), channel_id: slackId, message_ts: messageTs, is_ephemeral: z.boolean().optional() }),
    z.object({ type: z.literal('view'), view_id: viewId }),
  ]),
  view: z.looseObject({ type: z.string() }).optional(),
  response_url: responseUrl.optional(),
});

/** A click with where it came from; see ClickOrigin. */
export interface Click {
  teamId: string;
  userId: string;
  triggerId: string;
  payload: Payload;
  origin: ClickOrigin;
}

/**
 * A click on one of our buttons in a DM, in an ephemeral reply or on the App Home, its payload checked against the
 * kind the listener expects and its id against `isValidId`. Buttons inside modals are not ours and are refused.
 */
export function parseClick(body: unknown, expectedKind: string, isValidId: (id: string) => boolean = isRecordId): Click {
  const b = parse(anyClickSchema, body, STALE_BUTTON);
  let payload: Payload;
  try {
    payload = readButtonAction(b.actions[0]!).payload;
  } catch (cause) {
    throw new InboundError(STALE_BUTTON, cause);
  }
  if (payload.kind !== expectedKind || !isValidId(payload.id)) throw new InboundError(STALE_BUTTON);
  let origin: ClickOrigin;
  if (b.container.type === 'view') {
    if (b.view?.type !== 'home') throw new InboundError(STALE_BUTTON);
    origin = { kind: 'home' };
  } else if (b.container.is_ephemeral) {
    if (!b.response_url) throw new InboundError(STALE_BUTTON);
    origin = { kind: 'ephemeral', responseUrl: b.response_url };
  } else {
    origin = { kind: 'message', channel: b.container.channel_id, ts: b.container.message_ts, responseUrl: b.response_url };
  }
  return { teamId: teamOf(b), userId: b.user.id, triggerId: b.trigger_id, payload, origin };
}

const homeOpenedSchema = z.object({
  team_id: slackId,
  event: z.object({ type: z.literal('app_home_opened'), user: slackId, tab: z.string().optional() }),
});

/** An app_home_opened event: who opened which tab of the App Home. */
export interface HomeOpened {
  teamId: string;
  userId: string;
  tab: string | undefined;
}

export function parseHomeOpened(body: unknown): HomeOpened {
  const e = parse(homeOpenedSchema, body, 'That event could not be read.');
  return { teamId: e.team_id, userId: e.event.user, tab: e.event.tab };
}
