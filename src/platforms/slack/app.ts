/**
 * The Slack app: a Bolt App over HTTP (`POST /slack/events`, mounted by main.ts on its own server) or Socket Mode
 * (when an app token is configured), with the listeners of the feedback loop registered.
 */
import type { RequestListener } from 'node:http';
import { App, type Authorize, HTTPReceiver, LogLevel, SocketModeReceiver, webApi } from '@slack/bolt';
import type { WebClient, WebClientOptions } from '@slack/web-api';
import type { SlackConfig } from '../../config.ts';
import type { CorePorts } from '../../core/ports.ts';
import type { SlackDeps } from './listener-kit.ts';
import { ACTION_LISTENERS, COMMAND_LISTENERS, EVENT_LISTENERS, registerListeners, VIEW_LISTENERS } from './listeners/index.ts';
import type { SlackLog } from './replies.ts';

/** Where Slack posts commands and interactivity in HTTP mode (the manifest's request URLs end with it). */
export const SLACK_EVENTS_PATH = '/slack/events';

/** Slash commands, button action ids and modal callback ids the app listens to (the manifest test reads them). */
export const SLACK_COMMANDS = Object.keys(COMMAND_LISTENERS);
export const SLACK_ACTION_IDS = Object.keys(ACTION_LISTENERS);
export const SLACK_VIEW_CALLBACK_IDS = Object.keys(VIEW_LISTENERS);

/** Events API subscriptions (app_home_opened for the Home tab); the manifest must ask for exactly these. */
export const SLACK_BOT_EVENTS: readonly string[] = Object.keys(EVENT_LISTENERS);

/**
 * Every Web API method the code calls with the bot token, and the bot scopes it needs. The manifest test scans
 * src/platforms/slack for client calls, so a new call without an entry here fails, and the manifest's scopes must
 * equal the union below plus `commands`.
 */
export const SLACK_METHOD_SCOPES: Readonly<Record<string, readonly string[]>> = {
  'auth.test': [],
  // Messages go to a person's DM by passing their user id as the channel, which opens the DM if needed.
  'chat.postMessage': ['chat:write', 'im:write'],
  'chat.update': ['chat:write'],
  'views.open': [],
  // The App Home tab, drawn per person when they open it.
  'views.publish': [],
  // Identity linking reads the profile email the first time someone acts.
  'users.info': ['users:read', 'users:read.email'],
  // Faculty are prompted before their first contact: the delivery loop finds them by their roster email.
  'users.lookupByEmail': ['users:read.email'],
  // Charts (milestone trends) are uploaded as PNGs next to their message.
  'files.getUploadURLExternal': ['files:write'],
  'files.completeUploadExternal': ['files:write'],
  // A CCC digest is posted only after checking that its channel is private (public and private channel info).
  'conversations.info': ['channels:read', 'groups:read'],
  // A chart for someone's DM needs the DM's channel id.
  'conversations.open': ['im:write'],
};

/** The bot scopes the app needs: the methods' scopes, and `commands` for the slash command. */
export const SLACK_BOT_SCOPES: readonly string[] = [
  ...new Set([...Object.values(SLACK_METHOD_SCOPES).flat(), ...(SLACK_COMMANDS.length > 0 ? ['commands'] : [])]),
].sort();

/** How long delivery waits for one Web API answer before treating the call as failed (and retrying it later). */
export const SLACK_DELIVERY_TIMEOUT_MS = 10_000;

/**
 * A WebClient for our own calls (delivery). The outbox owns retries: a 429 must surface with its Retry-After, and
 * a 5xx must not be retried behind its back (the SDK default retries for half an hour and could send twice). A
 * call that hangs is given up after a timeout (the SDK waits forever by default), so one slow answer cannot hold
 * a delivery pass past its rows' lease.
 */
export function createSlackWebClient(config: SlackConfig, options: WebClientOptions = {}): WebClient {
  return new webApi.WebClient(config.botToken, { timeout: SLACK_DELIVERY_TIMEOUT_MS, ...slackClientOptions(config, options) });
}

function slackClientOptions(config: SlackConfig, options: WebClientOptions): WebClientOptions {
  return {
    ...options,
    ...(config.apiUrl ? { slackApiUrl: config.apiUrl } : {}),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
  };
}

/**
 * The bot's identity, asked with auth.test on the first request and then remembered. Bolt's own option either asks
 * at construction (an unhandled failure when Slack is unreachable at start-up) or on every request.
 */
function botAuthorization(client: WebClient, botToken: string): Authorize<boolean> {
  let identity: Promise<{ botId?: string; botUserId?: string }> | undefined;
  return async () => {
    identity ??= client.auth.test({ token: botToken }).then((result) => ({
      ...(result.bot_id ? { botId: result.bot_id } : {}),
      ...(result.user_id ? { botUserId: result.user_id } : {}),
    }));
    try {
      return { botToken, ...(await identity) };
    } catch (error) {
      identity = undefined; // try again on the next request
      throw error;
    }
  };
}

const LOG_LEVELS = { debug: LogLevel.DEBUG, info: LogLevel.INFO, warn: LogLevel.WARN, error: LogLevel.ERROR } as const;

/** Options for createSlackApp. */
export interface CreateSlackAppOptions {
  config: SlackConfig;
  ports: CorePorts;
  /** Told after each use case ran, so messages it enqueued go out without waiting for the next delivery tick. */
  nudge?: () => void;
  log?: SlackLog;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Extra WebClient options (e.g. a custom fetch); the retry policy and API URL always come from above. */
  clientOptions?: WebClientOptions;
  /** HTTP mode only: Bolt's processBeforeResponse (answer Slack only after listeners finish; for FaaS hosts). */
  processBeforeResponse?: boolean;
}

/** A created Slack app, ready to mount (HTTP) or to connect (Socket Mode). */
export interface SlackApp {
  app: App;
  mode: 'http' | 'socket';
  /** HTTP mode: handles `POST /slack/events` (signature check, parsing, ack); main.ts routes that path here. */
  requestListener: RequestListener | undefined;
  /** Socket Mode: opens the connection. HTTP mode: nothing to do, the server is main.ts's. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createSlackApp(options: CreateSlackAppOptions): SlackApp {
  const { config } = options;
  const log = options.log ?? ((line: string) => console.error(line));
  const logLevel = LOG_LEVELS[options.logLevel ?? 'info'];
  const clientOptions = slackClientOptions(config, options.clientOptions ?? {});
  const socketMode = config.appToken !== undefined;
  const receiver = socketMode
    ? new SocketModeReceiver({
        appToken: config.appToken!,
        logLevel,
        // The socket client has its own WebClient (apps.connections.open): same API URL and retry policy.
        installerOptions: { clientOptions },
      })
    : new HTTPReceiver({
        signingSecret: config.signingSecret,
        endpoints: SLACK_EVENTS_PATH,
        logLevel,
        processBeforeResponse: options.processBeforeResponse ?? false,
      });
  const app = new App({
    receiver,
    authorize: botAuthorization(new webApi.WebClient(undefined, clientOptions), config.botToken),
    logLevel,
    clientOptions,
  });
  const deps: SlackDeps = { ports: options.ports, log, nudge: options.nudge ?? (() => {}) };
  registerListeners(app, deps);
  app.error(async (error) => {
    // Listeners catch their own failures; this is what escaped them (e.g. auth.test failing). Rethrown so the
    // receiver still answers Slack (401 for authorization) instead of leaving the request hanging.
    log(`Slack app error: ${error.message}`);
    throw error;
  });
  return {
    app,
    mode: socketMode ? 'socket' : 'http',
    requestListener: receiver instanceof HTTPReceiver ? receiver.requestListener : undefined,
    start: async () => {
      if (socketMode) await app.start();
    },
    stop: async () => {
      if (socketMode) await app.stop();
    },
  };
}
