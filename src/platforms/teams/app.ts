/**
 * The Teams app: a Teams SDK v2 App whose messaging endpoint is mounted at `/api/messages` on main.ts's one HTTP
 * server (beside Slack's `/slack/events`), with the SDK's own Bot Framework token check in front of every handler.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { type AdaptiveCardActionResponse, PUBLIC, withOverrides } from '@microsoft/teams.api';
import { App, type HttpMethod, type HttpRouteHandler, type IHttpServerAdapter } from '@microsoft/teams.apps';
import { ConsoleLogger } from '@microsoft/teams.common';
import type { TeamsConfig } from '../../config.ts';
import { UNKNOWN_USER_MESSAGE } from '../../core/people/identify-chat-user.ts';
import type { CorePorts } from '../../core/ports.ts';
import { type Form, type Message, notice } from '../../messages/model.ts';
import { type CardOutcome, CARD_ACTIONS } from './card-actions.ts';
import { dashboard, runTeamsCommand } from './commands-handler.ts';
import { TEAMS_MESSAGES_PATH } from './commands.ts';
import { parseTeamsCardAction, parseTeamsInstall, parseTeamsMessage, STALE_CARD, type TeamsTurn } from './inbound.ts';
import { teamsForm } from './people-choices.ts';
import { renderFormCard, renderMessageCard } from './render/adaptive-card.ts';
import {
  cardActivity,
  failureText,
  messageActivity,
  identifyTeamsUser,
  type MemberLookup,
  rememberConversation,
  type TeamsDeps,
  type TeamsLog,
} from './turn-kit.ts';

/** The verbs the bot's cards send (the manifest-free counterpart of Slack's action ids; a test reads them). */
export const TEAMS_CARD_VERBS = Object.keys(CARD_ACTIONS);

// Teams posts activities of a few KB; a card submission with long narratives stays far below this.
const MAX_BODY_BYTES = 1_000_000;

/**
 * The SDK's transport seam, served by our own HTTP server: the SDK registers its messaging route here (and keeps
 * token validation and activity processing), main.ts routes `POST /api/messages` to `requestListener`.
 */
class SharedServerAdapter implements IHttpServerAdapter {
  private handler: HttpRouteHandler | undefined;

  registerRoute(method: HttpMethod, path: string, handler: HttpRouteHandler): void {
    if (method === 'POST' && path === TEAMS_MESSAGES_PATH) this.handler = handler;
  }

  readonly requestListener: RequestListener = (request, response) => {
    void this.handle(request, response);
  };

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const reply = (status: number, body?: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(body === undefined ? '' : JSON.stringify(body));
    };
    if (!this.handler) return reply(503, { error: 'Teams is starting' });
    let body: unknown;
    try {
      body = JSON.parse(await readBody(request));
    } catch {
      return reply(400, { error: 'the body is not JSON' });
    }
    try {
      const answer = await this.handler({ body, headers: request.headers as Record<string, string | string[]> });
      reply(answer.status, answer.body);
    } catch {
      reply(500, { error: 'Internal server error' });
    }
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('too large'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** Options for createTeamsApp. */
export interface CreateTeamsAppOptions {
  config: TeamsConfig;
  ports: CorePorts;
  /** Told after each use case ran, so messages it enqueued go out without waiting for the next delivery tick. */
  nudge?: () => void;
  log?: TeamsLog;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/** A created Teams app, mounted by main.ts. */
export interface TeamsApp {
  app: App;
  /** Handles `POST /api/messages` (token check, activity processing, the invoke response). */
  requestListener: RequestListener;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The Bot Framework endpoints of the configured cloud: public by default, overridden for other clouds and tests. */
export function teamsCloud(config: TeamsConfig) {
  return withOverrides(PUBLIC, {
    ...(config.openIdMetadataUrl ? { openIdMetadataUrl: config.openIdMetadataUrl } : {}),
    ...(config.tokenIssuer ? { tokenIssuer: config.tokenIssuer } : {}),
  });
}

// Teams re-sends an activity whose handling took more than 15 s; a typed command seen again must not be answered
// twice. The use cases are idempotent by their own keys; this only spares the person a second reply.
const RECENT_ACTIVITIES = 5000;

/**
 * The SDK App as the bot runs it — credentials, cloud endpoints, its messaging route on our shared server — with no
 * handlers yet. The benchmark's bare baseline is built by this too, so the two differ only in their handlers.
 */
export function createTeamsSdkApp(config: TeamsConfig, logLevel: 'debug' | 'info' | 'warn' | 'error', name = 'stepping-stones/teams') {
  const adapter = new SharedServerAdapter();
  const app = new App({
    clientId: config.clientId,
    tenantId: config.tenantId,
    // The SDK prefers a client secret over a token provider: the offline-test token (NODE_ENV=test only, see config)
    // must come without it.
    ...(config.botToken ? { token: async () => config.botToken! } : { clientSecret: config.clientSecret }),
    ...(config.serviceUrl ? { serviceUrl: config.serviceUrl } : {}),
    cloud: teamsCloud(config),
    httpServerAdapter: adapter,
    messagingEndpoint: TEAMS_MESSAGES_PATH,
    logger: new ConsoleLogger(name, { level: logLevel }),
    activity: { mentions: { stripText: false } },
  });
  return { app, adapter };
}

export function createTeamsApp(options: CreateTeamsAppOptions): TeamsApp {
  const { config } = options;
  const log = options.log ?? ((line: string) => console.error(line));
  const deps: TeamsDeps = { ports: options.ports, log, nudge: options.nudge ?? (() => {}) };
  const { app, adapter } = createTeamsSdkApp(config, options.logLevel ?? 'error');
  const recent = new Set<string>();
  const firstTime = (turn: TeamsTurn) => {
    if (!turn.activityId) return true;
    const key = `${turn.conversationId}|${turn.activityId}`;
    if (recent.has(key)) return false;
    recent.add(key);
    if (recent.size > RECENT_ACTIVITIES) recent.delete(recent.values().next().value!);
    return true;
  };

  const membersOf = (api: App['api']): MemberLookup => async (conversationId, userId) => {
    try {
      return await api.conversations.members(conversationId).getById(userId);
    } catch (error) {
      const status = (error as { status?: number; response?: { status?: number } }).response?.status ?? (error as { status?: number }).status;
      if (status === 404 || status === 403) return undefined;
      throw error;
    }
  };

  app.on('message', async (ctx) => {
    const send = (content: Message) => ctx.send(messageActivity(content));
    try {
      const message = parseTeamsMessage(ctx.activity);
      if (!firstTime(message)) return;
      const members = membersOf(ctx.api);
      const actor = await identifyTeamsUser(deps, members, message);
      if (!actor) return void (await send(notice(UNKNOWN_USER_MESSAGE)));
      const reply = await runTeamsCommand(deps, members, message, actor);
      deps.nudge();
      if ('form' in reply) await ctx.send(cardActivity(renderFormCard(await teamsForm(deps, actor, reply.form))));
      else if (reply.home) await ctx.send(cardActivity(dashboardCard(reply.reply)));
      else await send(reply.reply);
    } catch (error) {
      await send(notice(failureText(error, log))).catch((e: Error) => log(`Could not answer in Teams: ${e.message}`));
    }
  });

  app.on('card.action', async (ctx): Promise<AdaptiveCardActionResponse> => {
    try {
      const action = parseTeamsCardAction(ctx.activity);
      const handler = CARD_ACTIONS[action.verb];
      if (!handler?.kinds.includes(action.payload.kind) || !handler.isValidId(action.payload.id)) return say(STALE_CARD);
      const actor = await identifyTeamsUser(deps, membersOf(ctx.api), action);
      if (!actor) return say(UNKNOWN_USER_MESSAGE);
      const outcome = await handler.run(deps, { actor, payload: action.payload, inputs: action.inputs, messageId: action.messageId });
      deps.nudge();
      // A change made from the dashboard (or from a form opened on it) redraws the dashboard, as Slack's App Home.
      const home = action.inputs[ORIGIN_KEY] === HOME_ORIGIN ? () => dashboard(deps, actor, action.tenantId) : undefined;
      return await respond(deps, outcome, actor, (content) => ctx.send(messageActivity(content)), home);
    } catch (error) {
      return say(failureText(error, log));
    }
  });

  // Installing the app in a personal scope posts an installationUpdate and a conversationUpdate (the bot joined):
  // only the first answers with the dashboard, or the person would get it twice. Joining a team only remembers its
  // channel, so the CCC digest can be posted there.
  app.on('install.add', async (ctx) => {
    try {
      const install = parseTeamsInstall(ctx.activity);
      if (install.turn.conversationType !== 'personal') return await rememberConversation(deps, install.turn, undefined);
      const actor = await identifyTeamsUser(deps, membersOf(ctx.api), install.turn, { installed: true });
      await ctx.send(actor ? cardActivity(dashboardCard(await dashboard(deps, actor, install.turn.tenantId))) : messageActivity(notice(UNKNOWN_USER_MESSAGE)));
      deps.nudge();
    } catch (error) {
      log(`Teams installation not handled: ${failureText(error, log)}`);
    }
  });
  app.on('conversationUpdate', async (ctx) => {
    try {
      const joined = parseTeamsInstall(ctx.activity);
      if (joined.botJoined && joined.turn.conversationType !== 'personal') await rememberConversation(deps, joined.turn, undefined);
    } catch (error) {
      log(`Teams conversation update not handled: ${failureText(error, log)}`);
    }
  });

  let initialized: Promise<void> | undefined;
  return {
    app,
    requestListener: (request, response) => {
      // The SDK registers its route when initialized; the first request waits for that.
      initialized ??= app.initialize();
      initialized.then(() => adapter.requestListener(request, response)).catch(() => {
        response.writeHead(503);
        response.end();
      });
    },
    start: async () => {
      initialized ??= app.initialize();
      await initialized;
    },
    stop: async () => {},
  };
}

// The dashboard's buttons say so in their data, and so does the submit of a form opened from it: Teams gives an
// invoke no other way to tell which card it came from.
const ORIGIN_KEY = 'origin';
const HOME_ORIGIN = 'home';

/** The dashboard as a card whose every action says it came from the dashboard. */
function dashboardCard(content: Message) {
  return fromHome(renderMessageCard(content));
}

/** A card whose every action is marked as coming from the dashboard. */
function fromHome<C extends object>(card: C): C {
  const mark = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(mark);
    if (!value || typeof value !== 'object') return value;
    const record = value as Record<string, unknown>;
    const copy: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(record)) copy[key] = mark(child);
    if (record.type === 'Action.Execute') copy.data = { ...(record.data as object), [ORIGIN_KEY]: HOME_ORIGIN };
    return copy;
  };
  return mark(card) as C;
}

function say(text: string): AdaptiveCardActionResponse {
  return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: text };
}

/** The invoke response for an outcome: the card replaced (by a message or a form), or a message beside it. */
async function respond(
  deps: TeamsDeps,
  outcome: CardOutcome,
  actor: Parameters<typeof teamsForm>[1],
  send: (content: Message) => Promise<unknown>,
  home: (() => Promise<Message>) | undefined,
): Promise<AdaptiveCardActionResponse> {
  const replace = (value: AdaptiveCardActionResponse['value']): AdaptiveCardActionResponse =>
    ({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value }) as AdaptiveCardActionResponse;
  if ('form' in outcome) {
    const form: Form = await teamsForm(deps, actor, outcome.form);
    const card = renderFormCard(form, { ...(outcome.errors ? { errors: outcome.errors } : {}), ...(outcome.values ? { values: outcome.values } : {}) });
    return replace(home ? fromHome(card) : card);
  }
  if ('show' in outcome) await send(outcome.show);
  if (home) return replace(dashboardCard(await home()));
  if ('card' in outcome) return replace(renderMessageCard(outcome.card));
  return say(outcome.show.text);
}
