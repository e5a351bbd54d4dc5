/**
 * The Teams sender: delivers the outbox's neutral messages as Adaptive Cards through the Bot Connector REST API
 * (`@microsoft/teams.api`), at each conversation's own service URL, and replaces them in place. It owns no retries:
 * every failure becomes a DeliveryError for the outbox worker (429 with its Retry-After, 412/5xx/timeouts retried
 * with backoff), so nothing is sent twice behind the worker's back.
 */
import { type ActivityParams, Client } from '@microsoft/teams.api';
import { and, desc, eq } from 'drizzle-orm';
import type { TeamsConfig } from '../../config.ts';
import type { Db } from '../../db/client.ts';
import { chatIdentities, teamsConversations } from '../../db/schema/index.ts';
import { DeliveryError, type Destination, type SendContext, type Sent, type SentMessageRef } from '../../delivery/worker.ts';
import type { ChartBlock, Message } from '../../messages/model.ts';
import { messageSchema } from '../../messages/model.ts';
import { baseConversationId } from './conversations.ts';
import { TEAMS_INSTALL_WAIT_SECONDS, TEAMS_NOT_INSTALLED } from './install-notices.ts';
import { type AdaptiveCard, type CardElement, renderCardElements, renderMessageCard, renderMessageCards } from './render/adaptive-card.ts';

/** A Bot Connector client for one service URL (each conversation is served from its own region's URL). */
export type TeamsApiFactory = (serviceUrl: string) => Client;

/** Draws a chart block as a PNG at a scale of the 800×450 layout (the trend chart renderer by default). */
export type TeamsChartRenderer = (chart: ChartBlock, options: { scale: number }) => Promise<Uint8Array>;

/**
 * Teams refuses activities over about 28 KB. Cards are kept to 26 KB by the renderer; an inline chart image is
 * added only while the whole activity stays within this budget, leaving room for what the Connector adds.
 */
export const TEAMS_ACTIVITY_BYTES = 27_000;

/** Teams allows an app 50 requests a second per tenant, all operations together. */
export const TEAMS_TENANT_REQUESTS_PER_SECOND = 50;

/** Options of the Teams sender. */
export interface TeamsSenderOptions {
  db: Db;
  /** Clients per service URL: `apiFactoryFromClient(app.api)` in the app, `staticTokenApiFactory` in tests. */
  api: TeamsApiFactory;
  /** The bot's id (a 1:1 chat is opened as it), the home tenant and the default service URL. */
  config: Pick<TeamsConfig, 'clientId' | 'tenantId' | 'serviceUrl'>;
  /** Defaults to the trend chart renderer, loaded on first use (it brings a canvas library along). */
  renderChart?: TeamsChartRenderer;
  /** How long one Bot Connector call may take before it counts as failed and is retried (default 30 s). */
  timeoutMs?: number;
  /** Requests per second per tenant (default 50, Teams' limit). */
  tenantRequestsPerSecond?: number;
  /** Size budget of one activity (default {@link TEAMS_ACTIVITY_BYTES}). */
  maxActivityBytes?: number;
}

/** The Teams sender: posts (DMs, channel posts, thread replies) and in-place updates. */
export interface TeamsSender {
  send(destination: Destination, message: Message, context: SendContext): Promise<Sent>;
  update(target: SentMessageRef, message: Message, context: SendContext): Promise<SentMessageRef>;
}

/** Where an activity goes: a conversation, the service URL serving it, and its tenant (for the rate limit). */
interface Target {
  conversationId: string;
  serviceUrl: string;
  tenantId: string;
}

const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';
// Largest first: the chart is drawn as large as the activity's size budget allows.
const CHART_SCALES = [0.75, 0.6, 0.5] as const;

const defaultRenderChart: TeamsChartRenderer = async (chart, options) => {
  const { renderTrendChartPng } = await import('../../charts/trend-chart.ts');
  return renderTrendChartPng(chart, options);
};

/** A client per service URL that sends a fixed bearer token (offline tests: TEAMS_BOT_TOKEN, never production). */
export function staticTokenApiFactory(token: string, options: { timeoutMs?: number } = {}): TeamsApiFactory {
  return cachedPerServiceUrl((serviceUrl) => new Client(serviceUrl, { token: () => token, timeout: options.timeoutMs ?? 30_000 }));
}

/** Clients per service URL cloned from the app's client (`app.api`), which fetches and renews the bot's token. */
export function apiFactoryFromClient(api: Client): TeamsApiFactory {
  return cachedPerServiceUrl((serviceUrl) => api.clone({ serviceUrl }));
}

function cachedPerServiceUrl(make: (serviceUrl: string) => Client): TeamsApiFactory {
  const clients = new Map<string, Client>();
  return (serviceUrl) => {
    let client = clients.get(serviceUrl);
    if (!client) {
      client = make(serviceUrl);
      clients.set(serviceUrl, client);
    }
    return client;
  };
}

/**
 * Sends neutral messages to Teams as Adaptive Cards.
 *
 * - A person (`destination.userId`, their Entra object id) gets their personal conversation with the bot, as stored
 *   when they installed the app or wrote to it; when none is stored, a 1:1 chat is opened (and stored). If Teams
 *   refuses to open one (the app is not installed for them), the message waits an hour without spending a try and
 *   is marked {@link TEAMS_NOT_INSTALLED}, so their coordinator is told once (see install-notices.ts).
 * - A channel (`destination.channelId`) gets a top-level post; `threadId` (the header's activity id) makes it a reply
 *   in that post's thread, sent to the conversation `<channel>;messageid=<threadId>`.
 * - A message larger than one card is sent as its first card; the rest come back as follow-up parts the worker
 *   stores as rows of their own, so a retry never repeats the first. A chart is drawn into the card as an inline
 *   PNG only when the activity stays under Teams' size limit; the card's words stand without it.
 */
export function createTeamsSender(options: TeamsSenderOptions): TeamsSender {
  const { db, config } = options;
  const renderChart = options.renderChart ?? defaultRenderChart;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxActivityBytes = options.maxActivityBytes ?? TEAMS_ACTIVITY_BYTES;
  const limiter = createTenantLimiter(options.tenantRequestsPerSecond ?? TEAMS_TENANT_REQUESTS_PER_SECOND);

  /** One Bot Connector call: waits its turn in the tenant's budget, and gives up after the timeout. */
  async function call<T>(target: Pick<Target, 'tenantId'>, what: string, run: () => Promise<T>): Promise<T> {
    const answered = await limiter.take(target.tenantId);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DeliveryError(`Teams did not answer in time (${what})`)), timeoutMs);
    });
    try {
      return await Promise.race([run(), timeout]);
    } finally {
      clearTimeout(timer);
      answered();
    }
  }

  async function conversationTarget(conversationId: string): Promise<Target> {
    const base = baseConversationId(conversationId);
    const [known] = await db
      .select({ serviceUrl: teamsConversations.serviceUrl, tenantId: teamsConversations.tenantId })
      .from(teamsConversations)
      .where(eq(teamsConversations.id, base));
    if (known) return { conversationId, ...known };
    const [identity] = await db
      .select({ serviceUrl: chatIdentities.serviceUrl, tenantId: chatIdentities.workspaceId })
      .from(chatIdentities)
      .where(and(eq(chatIdentities.platform, 'teams'), eq(chatIdentities.conversationId, base)));
    if (identity?.serviceUrl) return { conversationId, serviceUrl: identity.serviceUrl, tenantId: identity.tenantId };
    if (config.serviceUrl) return { conversationId, serviceUrl: config.serviceUrl, tenantId: config.tenantId };
    throw new DeliveryError(
      `Stepping Stones does not know the Teams conversation ${base}: add the app to its team (or set TEAMS_SERVICE_URL) so it is told where to post.`,
      { permanent: true },
    );
  }

  /** The person's Teams identity, by their Entra object id. */
  async function identityOf(aadObjectId: string) {
    const [identity] = await db
      .select()
      .from(chatIdentities)
      .where(and(eq(chatIdentities.platform, 'teams'), eq(chatIdentities.userId, aadObjectId)));
    if (!identity) throw notInstalled(`no Teams account is linked for ${aadObjectId}`);
    return identity;
  }

  async function storedPersonalTarget(identity: Awaited<ReturnType<typeof identityOf>>): Promise<Target | undefined> {
    if (identity.conversationId && identity.serviceUrl) {
      return { conversationId: identity.conversationId, serviceUrl: identity.serviceUrl, tenantId: identity.workspaceId };
    }
    const [stored] = await db
      .select()
      .from(teamsConversations)
      .where(and(eq(teamsConversations.kind, 'personal'), eq(teamsConversations.personId, identity.personId)))
      .orderBy(desc(teamsConversations.updatedAt))
      .limit(1);
    return stored ? { conversationId: stored.id, serviceUrl: stored.serviceUrl, tenantId: stored.tenantId } : undefined;
  }

  /** Opens a 1:1 chat with the person and stores it; Teams refusing means the app is not installed for them. */
  async function openPersonal(identity: Awaited<ReturnType<typeof identityOf>>): Promise<Target> {
    const tenantId = identity.workspaceId || config.tenantId;
    // A conversation in the same tenant tells which regional service URL serves it.
    const [sameTenant] = identity.serviceUrl
      ? []
      : await db
          .select({ serviceUrl: teamsConversations.serviceUrl })
          .from(teamsConversations)
          .where(eq(teamsConversations.tenantId, tenantId))
          .orderBy(desc(teamsConversations.updatedAt))
          .limit(1);
    const serviceUrl = identity.serviceUrl ?? sameTenant?.serviceUrl ?? config.serviceUrl;
    if (!serviceUrl) throw notInstalled('no service URL is known for their organization yet');
    let created: { id: string };
    try {
      created = await call({ tenantId }, 'opening a 1:1 chat', () =>
        options.api(serviceUrl).conversations.create({
          isGroup: false,
          bot: { id: config.clientId },
          members: [{ id: identity.userId, role: 'user' }],
          tenantId,
          channelData: { tenant: { id: tenantId } },
        }),
      );
    } catch (error) {
      const status = httpStatus(error);
      // Teams will not open a chat with someone who does not have the app (or is not in the tenant).
      if (status === 403 || status === 404 || status === 400) throw notInstalled(`Teams refused to open a chat (HTTP ${status})`);
      throw toDeliveryError(error, 'opening a 1:1 chat');
    }
    if (!created?.id) throw new DeliveryError('Teams opened no conversation');
    await rememberPersonal(identity, { conversationId: created.id, serviceUrl, tenantId });
    return { conversationId: created.id, serviceUrl, tenantId };
  }

  // Stored without making the person's waiting messages due (storeTeamsConversation does that for installs): the
  // row being sent now is one of them, and must not be claimed again by another worker while it is in flight.
  async function rememberPersonal(identity: Awaited<ReturnType<typeof identityOf>>, target: Target): Promise<void> {
    await db
      .insert(teamsConversations)
      .values({ id: target.conversationId, kind: 'personal', serviceUrl: target.serviceUrl, tenantId: target.tenantId, personId: identity.personId })
      .onConflictDoUpdate({
        target: teamsConversations.id,
        set: { serviceUrl: target.serviceUrl, tenantId: target.tenantId, personId: identity.personId, updatedAt: new Date() },
      });
    await db
      .update(chatIdentities)
      .set({ conversationId: target.conversationId, serviceUrl: target.serviceUrl })
      .where(eq(chatIdentities.id, identity.id));
  }

  /** A stored personal conversation Teams no longer knows (the app was removed): forget it, so a new one is opened. */
  async function forgetPersonal(identity: Awaited<ReturnType<typeof identityOf>>, conversationId: string): Promise<void> {
    await db
      .update(chatIdentities)
      .set({ conversationId: null, serviceUrl: null })
      .where(and(eq(chatIdentities.id, identity.id), eq(chatIdentities.conversationId, conversationId)));
    await db.delete(teamsConversations).where(and(eq(teamsConversations.id, conversationId), eq(teamsConversations.kind, 'personal')));
  }

  async function post(target: Target, activity: TeamsActivity): Promise<string> {
    const sent = await call(target, 'sending a message', () =>
      options.api(target.serviceUrl).conversations.activities(target.conversationId).create(activity as unknown as ActivityParams),
    );
    if (!sent?.id) throw new DeliveryError('Teams answered without an activity id');
    return sent.id;
  }

  async function postAll(target: Target, activities: readonly TeamsActivity[]): Promise<string> {
    let first: string | undefined;
    for (const activity of activities) {
      const id = await post(target, activity);
      first ??= id;
    }
    if (!first) throw new DeliveryError('nothing to send', { permanent: true });
    return first;
  }

  /** The cards of one neutral part, the first with its charts drawn in when they fit. */
  async function activitiesOf(part: Message): Promise<TeamsActivity[]> {
    const cards = renderMessageCards(part);
    if (cards.length === 1) cards[0] = await withCharts(part, cards[0]!);
    return cards.map((card) => activityOf(part.text, card));
  }

  /** Draws each chart of the message into the card as large as the size budget allows, or leaves its words only. */
  async function withCharts(message: Message, card: AdaptiveCard): Promise<AdaptiveCard> {
    let current = card;
    // Each block's elements in the card, in order (a divider has none), to find where a chart's words are.
    let offset = 0;
    let inserted = 0;
    for (const block of message.blocks) {
      const count = renderCardElements([block]).length;
      if (block.type === 'chart' && count > 0) {
        // The picture goes just above the chart's alt text (below its title).
        const at = offset + inserted + count - 1;
        for (const scale of CHART_SCALES) {
          let png: Uint8Array;
          try {
            png = await renderChart(block, { scale });
          } catch {
            // The card's words say what the chart shows: a chart that cannot be drawn is left out.
            break;
          }
          const candidate = insertImage(current, at, imageElement(block, png));
          if (byteSize(activityOf(message.text, candidate)) <= maxActivityBytes) {
            current = candidate;
            inserted += 1;
            break;
          }
        }
      }
      offset += count;
    }
    return current;
  }

  function failure(error: unknown, what: string, options: { notFoundIsPermanent: boolean }): Error {
    const status = httpStatus(error);
    if ((status === 403 || status === 404) && options.notFoundIsPermanent) {
      return new DeliveryError(`Teams refused ${what} (HTTP ${status}): the app may have been removed from the conversation`, { permanent: true });
    }
    return toDeliveryError(error, what);
  }

  return {
    async send(destination, message) {
      messageSchema.parse(message);
      const [first, ...rest] = neutralParts(message);
      const activities = await activitiesOf(first!);
      const followUps = rest.length > 0 ? { followUps: rest } : {};

      if (destination.channelId) {
        const channel = baseConversationId(destination.channelId);
        const conversationId = destination.threadId ? threadConversationId(channel, destination.threadId) : destination.channelId;
        const target = await conversationTarget(conversationId);
        try {
          const messageId = await postAll(target, activities);
          return { channelId: conversationId, messageId, ...followUps };
        } catch (error) {
          throw failure(error, destination.threadId ? 'a reply in the thread' : 'a post in the conversation', { notFoundIsPermanent: true });
        }
      }

      if (!destination.userId) throw new DeliveryError('no Teams conversation or person to send to', { permanent: true });
      const identity = await identityOf(destination.userId);
      const stored = await storedPersonalTarget(identity);
      if (stored) {
        try {
          const messageId = await postAll(stored, activities);
          return { channelId: stored.conversationId, messageId, ...followUps };
        } catch (error) {
          const status = httpStatus(error);
          if (status !== 403 && status !== 404) throw failure(error, 'a direct message', { notFoundIsPermanent: false });
          // The stored chat is gone (the app was removed, or the chat moved): open a new one at once.
          await forgetPersonal(identity, stored.conversationId);
        }
      }
      const opened = await openPersonal(identity);
      try {
        const messageId = await postAll(opened, activities);
        return { channelId: opened.conversationId, messageId, ...followUps };
      } catch (error) {
        const status = httpStatus(error);
        if (status === 403 || status === 404) {
          await forgetPersonal(identity, opened.conversationId);
          throw notInstalled(`Teams refused the message in a new chat (HTTP ${status})`);
        }
        throw toDeliveryError(error, 'a direct message');
      }
    },

    async update(target, message) {
      // One card replaces one card: a message too large for it is shortened (and then carries no picture).
      const card = renderMessageCards(message).length === 1 ? await withCharts(message, renderMessageCard(message)) : renderMessageCard(message);
      const where = await conversationTarget(target.channelId);
      try {
        await call(where, 'updating a message', () =>
          options
            .api(where.serviceUrl)
            .conversations.activities(target.channelId)
            .update(target.messageId, activityOf(message.text, card) as unknown as ActivityParams),
        );
      } catch (error) {
        throw failure(error, 'the update of a message', { notFoundIsPermanent: true });
      }
      return { channelId: target.channelId, messageId: target.messageId };
    },
  };
}

/** An outgoing message activity: one Adaptive Card, with the message's text as the notification summary. */
export interface TeamsActivity {
  type: 'message';
  /** What Teams shows in notifications and the chat list for a card (the card itself shows the words). */
  summary: string;
  attachments: Array<{ contentType: typeof ADAPTIVE_CARD; content: AdaptiveCard }>;
}

function activityOf(text: string, card: AdaptiveCard): TeamsActivity {
  return { type: 'message', summary: text, attachments: [{ contentType: ADAPTIVE_CARD, content: card }] };
}

/** The size Teams measures a message by: its JSON. */
export function byteSize(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

function imageElement(chart: ChartBlock, png: Uint8Array): CardElement {
  return {
    type: 'Image',
    url: `data:image/png;base64,${Buffer.from(png).toString('base64')}`,
    altText: chart.altText.slice(0, 1000),
    size: 'Stretch',
    // Teams opens the picture larger when it is clicked.
    msteams: { allowExpand: true },
  } as CardElement;
}

function insertImage(card: AdaptiveCard, at: number, image: CardElement): AdaptiveCard {
  const body = [...(card.body ?? [])];
  const displaced = body[at] as (CardElement & { separator?: boolean; spacing?: string }) | undefined;
  // A separator drawn above the chart's words now belongs above the picture.
  if (displaced?.separator) {
    body[at] = { ...displaced, separator: false } as CardElement;
    image = { ...image, separator: true, spacing: displaced.spacing ?? 'Medium' } as CardElement;
  }
  body.splice(at, 0, image);
  return { ...card, body };
}

/**
 * Splits a message into parts that each fit one card, at block boundaries of the neutral model, so the parts
 * after the first can be delivered (and retried) on their own. Later parts say "(part 2 of 3)".
 */
function neutralParts(message: Message): Message[] {
  if (renderMessageCards(message).length <= 1) return [message];
  const groups: Message['blocks'][] = [];
  let current: Message['blocks'] = [];
  for (const block of message.blocks) {
    const candidate = [...current, block];
    if (current.length > 0 && renderMessageCards({ text: message.text, blocks: candidate }).length > 1) {
      groups.push(current);
      current = [block];
    } else {
      current = candidate;
    }
  }
  if (current.length > 0) groups.push(current);
  if (groups.length === 1) return [message];
  return groups.map((blocks, index) => ({
    text: index === 0 ? message.text : `${message.text} (part ${index + 1} of ${groups.length})`,
    blocks,
  }));
}

/** The conversation id of a channel post's thread: replies sent to it appear under the post. */
export function threadConversationId(channelConversationId: string, rootActivityId: string): string {
  return `${baseConversationId(channelConversationId)};messageid=${rootActivityId}`;
}

function notInstalled(detail: string): DeliveryError {
  return new DeliveryError(`${TEAMS_NOT_INSTALLED}: ${detail}`, { retryAfterSeconds: TEAMS_INSTALL_WAIT_SECONDS, waiting: true });
}

/** The HTTP status of a failed Bot Connector call (axios error), if it got an answer. */
function httpStatus(error: unknown): number | undefined {
  const status = (error as { response?: { status?: unknown } } | undefined)?.response?.status;
  return typeof status === 'number' ? status : undefined;
}

/** Retry-After in seconds (a number or an HTTP date), if the answer had a usable one. */
function retryAfterSeconds(error: unknown, now = Date.now()): number | undefined {
  const headers = (error as { response?: { headers?: Record<string, unknown> & { get?: (name: string) => unknown } } }).response?.headers;
  const raw = headers?.['retry-after'] ?? headers?.get?.('retry-after');
  if (raw === undefined || raw === null || raw === '') return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.max(1, seconds);
  const date = Date.parse(String(raw));
  return Number.isFinite(date) ? Math.max(1, Math.ceil((date - now) / 1000)) : undefined;
}

/**
 * A Bot Connector failure as the outbox sees it. Teams asks bots to retry 429, 412, 502 and 504 (with backoff);
 * 500, 503, timeouts and unreachable hosts are retried too (the Connector may have acted on a request it did not
 * answer: a retry can post a message a second time, never lose one). 401 is retried (a token being renewed), and
 * so, a few times, is any other answer; the rest of 4xx (a card Teams rejects, a message too large) are permanent.
 */
export function toDeliveryError(error: unknown, what: string): Error {
  if (error instanceof DeliveryError) return error;
  const status = httpStatus(error);
  if (status === undefined) {
    const code = (error as { code?: string }).code;
    const timedOut = code === 'ECONNABORTED' || code === 'ETIMEDOUT';
    return new DeliveryError(
      timedOut ? `Teams did not answer in time (${what})` : `Teams could not be reached (${what}): ${(error as Error).message ?? 'network error'}`,
    );
  }
  if (status === 429) {
    const wait = retryAfterSeconds(error);
    return new DeliveryError(`Teams rate limited ${what}`, { rateLimited: true, ...(wait !== undefined ? { retryAfterSeconds: wait } : {}) });
  }
  if (status === 412 || status === 408 || status === 401 || status >= 500) {
    return new DeliveryError(`Teams answered HTTP ${status} to ${what}`);
  }
  const code = (error as { response?: { data?: { error?: { code?: string } } } }).response?.data?.error?.code;
  return new DeliveryError(`Teams refused ${what} (HTTP ${status}${code ? ` ${code}` : ''})`, { permanent: true });
}

/**
 * At most `perSecond` requests per tenant in any window of `windowMs`, as the Connector counts them (on arrival):
 * a request may start only a window after the one `perSecond` places before it has been answered, and a request
 * arrives before its answer, so no jitter on the way can crowd more into a window. `take` waits for the turn and
 * returns the function to call once the request is answered (or given up on).
 */
export function createTenantLimiter(perSecond: number, windowMs = 1000): { take(tenantId: string): Promise<() => void> } {
  const started = new Map<string, Promise<number>[]>();
  return {
    async take(tenantId) {
      const recent = started.get(tenantId) ?? [];
      const blocker = recent.length >= perSecond ? recent[recent.length - perSecond] : undefined;
      let release!: () => void;
      recent.push(new Promise<number>((resolve) => (release = () => resolve(Date.now()))));
      started.set(tenantId, recent.slice(-perSecond));
      if (blocker) {
        const answeredAt = await blocker;
        const wait = answeredAt + windowMs - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      return release;
    },
  };
}
