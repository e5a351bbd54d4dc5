// Builds real-shaped Slack requests (slash commands, block_actions, view_submission, view_closed), signs them the
// way Slack does and posts them to a running Bolt HTTP receiver. Also starts a Bolt app for tests.
import { createHmac, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { App, type AppOptions, LogLevel } from '@slack/bolt';

/** Where to send signed requests: the receiver's `/slack/events` URL and the app's signing secret. */
export interface SlackTarget {
  url: string;
  signingSecret: string;
  /** When set, builders default `response_url` to this (e.g. `fake.responseUrl`), so `respond()` stays offline. */
  responseUrl?: (id: string) => string;
}

/** The HTTP answer of the receiver: `body` is parsed JSON when possible, else text ('' for an empty body). */
export interface SignedResponse {
  status: number;
  body: unknown;
  text: string;
  headers: Headers;
}

export interface PostSignedOptions {
  signingSecret: string;
  /** Seconds since the epoch for `X-Slack-Request-Timestamp`; defaults to now. */
  timestamp?: number;
  /** Overrides the computed `X-Slack-Signature` (to forge bad ones). */
  signature?: string;
  /** Defaults to exactly `application/x-www-form-urlencoded`: Bolt compares the header verbatim. */
  contentType?: string;
  headers?: Record<string, string>;
}

/** Test defaults: one workspace, one app, one bot. */
export const TEST_TEAM_ID = 'T0TEAM';
export const TEST_TEAM_DOMAIN = 'stepping-stones-test';
export const TEST_APP_ID = 'A0APP';
export const TEST_BOT_ID = 'B0BOT';
export const TEST_BOT_USER_ID = 'U0BOT';
export const TEST_USER_ID = 'U0USER';
export const TEST_CHANNEL_ID = 'C0CHANNEL';
export const TEST_SIGNING_SECRET = 'test-signing-secret';
/** The legacy verification token Slack still sends in payloads (Bolt ignores it). */
export const TEST_VERIFICATION_TOKEN = 'verification-token';
// Port 9 (discard) on loopback: refuses at once, so a forgotten response_url never reaches the internet.
const NOWHERE_RESPONSE_URL = 'http://127.0.0.1:9/response/unset';

/** `v0=` + hex HMAC-SHA256(secret, `v0:{ts}:{body}`), as Slack signs requests. */
export function slackSignature(signingSecret: string, timestamp: number, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** POSTs `body` with Slack's signature headers. A record body is form-encoded unless contentType says JSON. */
export async function postSigned(
  url: string,
  body: string | Record<string, string>,
  options: PostSignedOptions,
): Promise<SignedResponse> {
  const contentType = options.contentType ?? 'application/x-www-form-urlencoded';
  const raw =
    typeof body === 'string'
      ? body
      : contentType.startsWith('application/json')
        ? JSON.stringify(body)
        : new URLSearchParams(body).toString();
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': options.signature ?? slackSignature(options.signingSecret, timestamp, raw),
      ...options.headers,
    },
    body: raw,
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? '' : JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return { status: response.status, body: parsed, text, headers: response.headers };
}

/** Extra knobs for the senders, to forge or age a request. */
export type SendOptions = Omit<PostSignedOptions, 'signingSecret' | 'contentType'>;

let sequence = 0;
const uniqueId = (prefix: string) => {
  sequence += 1;
  return `${prefix}${Date.now().toString(36)}${sequence}`;
};
const triggerId = () => `${Date.now()}.${Math.floor(Math.random() * 1e10)}.${randomBytes(16).toString('hex')}`;
const actionTs = () => (Date.now() / 1000).toFixed(6);
const defaultResponseUrl = (target: SlackTarget | undefined, kind: string) =>
  target?.responseUrl?.(uniqueId(kind)) ?? NOWHERE_RESPONSE_URL;

// ---------------------------------------------------------------------------------------------------------------
// Slash commands
// ---------------------------------------------------------------------------------------------------------------

export interface SlashCommandParams {
  command: string;
  text?: string;
  userId?: string;
  userName?: string;
  teamId?: string;
  channelId?: string;
  channelName?: string;
  triggerId?: string;
  responseUrl?: string;
}

/** The form fields Slack sends for a slash command. */
export function buildSlashCommand(params: SlashCommandParams, target?: SlackTarget): Record<string, string> {
  const teamId = params.teamId ?? TEST_TEAM_ID;
  return {
    token: TEST_VERIFICATION_TOKEN,
    team_id: teamId,
    team_domain: TEST_TEAM_DOMAIN,
    channel_id: params.channelId ?? TEST_CHANNEL_ID,
    channel_name: params.channelName ?? 'general',
    user_id: params.userId ?? TEST_USER_ID,
    user_name: params.userName ?? 'test.user',
    command: params.command,
    text: params.text ?? '',
    api_app_id: TEST_APP_ID,
    is_enterprise_install: 'false',
    response_url: params.responseUrl ?? defaultResponseUrl(target, 'command-'),
    trigger_id: params.triggerId ?? triggerId(),
  };
}

/** Sends a signed slash command to the receiver. */
export function slashCommand(target: SlackTarget, params: SlashCommandParams, options: SendOptions = {}) {
  return postSigned(target.url, buildSlashCommand(params, target), { ...options, signingSecret: target.signingSecret });
}

// ---------------------------------------------------------------------------------------------------------------
// View state values (what users typed or picked), in Slack's `state.values[blockId][actionId]` shape
// ---------------------------------------------------------------------------------------------------------------

/** One entry of `state.values[blockId][actionId]`. */
export type ViewStateValue = Record<string, unknown> & { type: string };
/** `state.values`: block id → action id → value. */
export type ViewStateValues = Record<string, Record<string, ViewStateValue>>;

const option = (value: string, text = value) => ({ text: { type: 'plain_text', text, emoji: true }, value });

/** Builders for `state.values` entries. */
export const stateValue = {
  plainText: (value: string | null): ViewStateValue => ({ type: 'plain_text_input', value }),
  staticSelect: (value: string | null, text?: string): ViewStateValue => ({
    type: 'static_select',
    selected_option: value === null ? null : option(value, text),
  }),
  multiStaticSelect: (values: string[]): ViewStateValue => ({
    type: 'multi_static_select',
    selected_options: values.map((v) => option(v)),
  }),
  radioButtons: (value: string | null, text?: string): ViewStateValue => ({
    type: 'radio_buttons',
    selected_option: value === null ? null : option(value, text),
  }),
  checkboxes: (values: string[]): ViewStateValue => ({
    type: 'checkboxes',
    selected_options: values.map((v) => option(v)),
  }),
  usersSelect: (userId: string | null): ViewStateValue => ({ type: 'users_select', selected_user: userId }),
  multiUsersSelect: (userIds: string[]): ViewStateValue => ({ type: 'multi_users_select', selected_users: userIds }),
  datepicker: (date: string | null): ViewStateValue => ({ type: 'datepicker', selected_date: date }),
};

// ---------------------------------------------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------------------------------------------

export interface ViewParams {
  viewId?: string;
  callbackId?: string;
  privateMetadata?: string;
  stateValues?: ViewStateValues;
  hash?: string;
  blocks?: unknown[];
  title?: string;
  teamId?: string;
  type?: 'modal' | 'home';
  rootViewId?: string;
  previousViewId?: string | null;
}

/** A view object as it appears inside interaction payloads. */
export function buildView(params: ViewParams = {}) {
  const id = params.viewId ?? uniqueId('V');
  const type = params.type ?? 'modal';
  const plain = (text: string) => ({ type: 'plain_text', text, emoji: true });
  return {
    id,
    team_id: params.teamId ?? TEST_TEAM_ID,
    type,
    blocks: params.blocks ?? [],
    private_metadata: params.privateMetadata ?? '',
    callback_id: params.callbackId ?? '',
    state: { values: params.stateValues ?? {} },
    hash: params.hash ?? `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString('hex')}`,
    title: plain(params.title ?? 'Stepping Stones'),
    clear_on_close: false,
    notify_on_close: false,
    close: type === 'modal' ? plain('Cancel') : null,
    submit: type === 'modal' ? plain('Submit') : null,
    previous_view_id: params.previousViewId ?? null,
    root_view_id: params.rootViewId ?? id,
    app_id: TEST_APP_ID,
    external_id: '',
    app_installed_team_id: params.teamId ?? TEST_TEAM_ID,
    bot_id: TEST_BOT_ID,
  };
}

const teamJson = (teamId: string) => ({ id: teamId, domain: TEST_TEAM_DOMAIN });
const userJson = (userId: string, teamId: string, userName?: string) => ({
  id: userId,
  username: userName ?? 'test.user',
  name: userName ?? 'test.user',
  team_id: teamId,
});

// ---------------------------------------------------------------------------------------------------------------
// block_actions
// ---------------------------------------------------------------------------------------------------------------

export interface BlockActionParams {
  actionId: string;
  /** The button value, or the selected option's value for select/radio/overflow elements. */
  value?: string;
  blockId?: string;
  /** Element type; `value` maps to `selected_option` for the select-like ones. */
  actionType?: 'button' | 'static_select' | 'overflow' | 'radio_buttons' | 'users_select';
  /** Merged last into the action object, for element types not covered above. */
  action?: Record<string, unknown>;
  userId?: string;
  userName?: string;
  teamId?: string;
  /** Message actions: the message's ts and channel. */
  messageTs?: string;
  channelId?: string;
  messageText?: string;
  messageBlocks?: unknown[];
  isEphemeral?: boolean;
  /** Modal / Home tab actions: the view the element lives in (then there is no channel or message). */
  viewId?: string;
  view?: ViewParams;
  stateValues?: ViewStateValues;
  triggerId?: string;
  /** Message actions carry a response_url; view actions don't unless given. */
  responseUrl?: string;
}

/** The JSON payload Slack sends when a user clicks/picks a Block Kit element. */
export function buildBlockAction(params: BlockActionParams, target?: SlackTarget) {
  const teamId = params.teamId ?? TEST_TEAM_ID;
  const userId = params.userId ?? TEST_USER_ID;
  const blockId = params.blockId ?? uniqueId('block-');
  const actionType = params.actionType ?? 'button';
  const base = { action_id: params.actionId, block_id: blockId, action_ts: actionTs() };
  let element: Record<string, unknown>;
  switch (actionType) {
    case 'button':
      element = {
        type: 'button',
        ...base,
        text: { type: 'plain_text', text: 'Button', emoji: true },
        ...(params.value !== undefined ? { value: params.value } : {}),
      };
      break;
    case 'users_select':
      element = { type: 'users_select', ...base, selected_user: params.value ?? null };
      break;
    default:
      element = { type: actionType, ...base, selected_option: params.value === undefined ? null : option(params.value) };
  }
  const action = { ...element, ...params.action };
  const common = {
    type: 'block_actions' as const,
    user: userJson(userId, teamId, params.userName),
    api_app_id: TEST_APP_ID,
    token: TEST_VERIFICATION_TOKEN,
    trigger_id: params.triggerId ?? triggerId(),
    team: teamJson(teamId),
    enterprise: null,
    is_enterprise_install: false,
    actions: [action],
  };
  if (params.viewId !== undefined || params.view !== undefined) {
    const view = buildView({
      ...params.view,
      viewId: params.viewId ?? params.view?.viewId,
      teamId,
      stateValues: params.stateValues ?? params.view?.stateValues,
    });
    return {
      ...common,
      container: { type: 'view', view_id: view.id },
      view,
      state: { values: params.stateValues ?? {} },
      ...(params.responseUrl !== undefined ? { response_url: params.responseUrl } : {}),
    };
  }
  const channelId = params.channelId ?? TEST_CHANNEL_ID;
  const messageTs = params.messageTs ?? actionTs();
  return {
    ...common,
    container: {
      type: 'message',
      message_ts: messageTs,
      channel_id: channelId,
      is_ephemeral: params.isEphemeral ?? false,
    },
    channel: { id: channelId, name: channelId.startsWith('D') ? 'directmessage' : 'general' },
    message: {
      type: 'message',
      user: TEST_BOT_USER_ID,
      bot_id: TEST_BOT_ID,
      app_id: TEST_APP_ID,
      team: teamId,
      ts: messageTs,
      text: params.messageText ?? '',
      blocks: params.messageBlocks ?? [],
    },
    state: { values: params.stateValues ?? {} },
    response_url: params.responseUrl ?? defaultResponseUrl(target, 'action-'),
  };
}

/** Sends a signed block_actions interaction. */
export function blockAction(target: SlackTarget, params: BlockActionParams, options: SendOptions = {}) {
  return postInteraction(target, buildBlockAction(params, target), options);
}

// ---------------------------------------------------------------------------------------------------------------
// view_submission / view_closed
// ---------------------------------------------------------------------------------------------------------------

export interface ViewSubmissionParams extends ViewParams {
  callbackId: string;
  userId?: string;
  userName?: string;
  triggerId?: string;
  /** Present when the modal has `response_url_enabled` inputs. */
  responseUrls?: Array<{ block_id: string; action_id: string; channel_id: string; response_url: string }>;
}

/** The JSON payload Slack sends when a user submits a modal. */
export function buildViewSubmission(params: ViewSubmissionParams) {
  const teamId = params.teamId ?? TEST_TEAM_ID;
  return {
    type: 'view_submission' as const,
    team: teamJson(teamId),
    user: userJson(params.userId ?? TEST_USER_ID, teamId, params.userName),
    api_app_id: TEST_APP_ID,
    token: TEST_VERIFICATION_TOKEN,
    trigger_id: params.triggerId ?? triggerId(),
    view: buildView({ ...params, teamId }),
    response_urls: params.responseUrls ?? [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** Sends a signed view_submission; the response body is whatever the listener passed to ack(). */
export function viewSubmission(target: SlackTarget, params: ViewSubmissionParams, options: SendOptions = {}) {
  return postInteraction(target, buildViewSubmission(params), options);
}

export interface ViewClosedParams extends ViewParams {
  callbackId: string;
  userId?: string;
  userName?: string;
  isCleared?: boolean;
}

/** The JSON payload Slack sends when a user closes a modal built with `notify_on_close: true`. */
export function buildViewClosed(params: ViewClosedParams) {
  const teamId = params.teamId ?? TEST_TEAM_ID;
  return {
    type: 'view_closed' as const,
    team: teamJson(teamId),
    user: userJson(params.userId ?? TEST_USER_ID, teamId, params.userName),
    api_app_id: TEST_APP_ID,
    token: TEST_VERIFICATION_TOKEN,
    view: { ...buildView({ ...params, teamId }), notify_on_close: true },
    is_cleared: params.isCleared ?? false,
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** Sends a signed view_closed. */
export function viewClosed(target: SlackTarget, params: ViewClosedParams, options: SendOptions = {}) {
  return postInteraction(target, buildViewClosed(params), options);
}

/** Interactivity requests are one form field `payload` holding the JSON. */
export function postInteraction(target: SlackTarget, payload: unknown, options: SendOptions = {}) {
  return postSigned(target.url, { payload: JSON.stringify(payload) }, { ...options, signingSecret: target.signingSecret });
}

// ---------------------------------------------------------------------------------------------------------------
// A real Bolt app on loopback
// ---------------------------------------------------------------------------------------------------------------

export interface StartBoltOptions {
  /** The fake Web API's URL (`fake.url`). */
  slackApiUrl: string;
  /** Default for builders' response_url (pass `fake.responseUrl`). */
  responseUrl?: (id: string) => string;
  signingSecret?: string;
  /** Default true: surface 429s as errors instead of the WebClient sleeping and retrying. */
  rejectRateLimitedCalls?: boolean;
  logLevel?: LogLevel;
  /** Anything else for `new App(...)` (clientOptions are merged over the test defaults). */
  appOptions?: Partial<AppOptions>;
}

/** A running Bolt app; it is itself a {@link SlackTarget} for the senders above. */
export interface BoltForTest extends SlackTarget {
  app: App;
  /** Errors that reached Bolt's global error handler (unless `register` installed its own with app.error). */
  errors: Error[];
  stop(): Promise<void>;
}

/**
 * Starts a real Bolt App with its default HTTPReceiver on 127.0.0.1 (random port), WebClient pointed at the fake,
 * no auth.test (botId/botUserId given) and no WebClient retries.
 */
export async function startBoltForTest(register: (app: App) => void, opts: StartBoltOptions): Promise<BoltForTest> {
  const signingSecret = opts.signingSecret ?? TEST_SIGNING_SECRET;
  const app = new App({
    signingSecret,
    token: 'xoxb-test',
    botId: TEST_BOT_ID,
    botUserId: TEST_BOT_USER_ID,
    logLevel: opts.logLevel ?? LogLevel.ERROR,
    ...opts.appOptions,
    clientOptions: {
      slackApiUrl: opts.slackApiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: opts.rejectRateLimitedCalls ?? true,
      ...opts.appOptions?.clientOptions,
    },
  });
  const errors: Error[] = [];
  app.error(async (error) => {
    errors.push(error);
  });
  register(app);
  const server = await app.start({ port: 0, host: '127.0.0.1' });
  const { port } = server.address() as AddressInfo;
  let stopped = false;
  return {
    app,
    url: `http://127.0.0.1:${port}/slack/events`,
    signingSecret,
    ...(opts.responseUrl !== undefined ? { responseUrl: opts.responseUrl } : {}),
    errors,
    async stop() {
      if (stopped) return;
      stopped = true;
      server.closeAllConnections();
      await app.stop();
    },
  };
}
