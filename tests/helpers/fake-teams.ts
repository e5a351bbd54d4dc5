// An offline stand-in for the Bot Framework Connector (the REST API behind a Teams activity's `serviceUrl`), so
// the real `@microsoft/teams.api` client and the Teams app can be tested end to end on loopback. Use `fake.serviceUrl`
// as the `serviceUrl` of test activities and of stored conversations.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { callWaiters, mulberry32 } from './call-waiters.ts';

/** What a call to the Connector did, from its method and path. */
export type TeamsOperation =
  | 'createConversation'
  | 'send'
  | 'reply'
  | 'update'
  | 'delete'
  | 'getMember'
  | 'getMembers'
  | 'unknown';

/** An activity the bot sent, as the fake parsed it. */
export interface RecordedActivity {
  type?: string;
  text?: string;
  replyToId?: string;
  attachments: Array<{ contentType?: string; content?: unknown }>;
  /** The whole JSON body. */
  raw: Record<string, unknown>;
}

/** One request the fake received. */
export interface TeamsCall {
  operation: TeamsOperation;
  /** HTTP method. */
  method: string;
  /** URL-decoded path, e.g. `/v3/conversations/19:abc@thread.tacv2;messageid=17/activities`. */
  path: string;
  /** The conversation id of the path, URL-decoded and as given (a thread reply keeps its `;messageid=…`). */
  conversationId?: string;
  /** The activity id of the path (reply, update, delete). */
  activityId?: string;
  /** The member id of the path (getMember). */
  userId?: string;
  /** The parsed JSON body (undefined for GET). */
  body?: Record<string, unknown>;
  /** The activity sent, for send, reply, update, and createConversation with an `activity`. */
  activity?: RecordedActivity;
  /** The raw Authorization header. */
  authorization?: string;
  /** The bearer token of the Authorization header. */
  token?: string;
  /** Milliseconds since the epoch when the request arrived. */
  at: number;
  /** The injected failure this call was answered with, if any. */
  failure?: FakeTeamsFailure;
  /** HTTP status answered (after any delay). */
  status?: number;
  /** What the fake answered: `{ id }` of a new activity, `{ id, activityId }` of a created conversation, … */
  response?: unknown;
}

/** What to do instead of (or before) answering normally. */
export type FakeTeamsFailure =
  | { status: 429; retryAfter?: number }
  | { status: 412 }
  | { status: 500 | 502 | 503 | 504 }
  | { status: 401 | 403 | 404; code?: string }
  | { delayMs: number };

/**
 * Which calls a failure applies to: an operation name (`send`), `"METHOD /path"` where `*` matches one path segment
 * part without `/` (`"POST /v3/conversations/*\/activities"`), or a RegExp tested on `"METHOD /decoded/path"`.
 */
export type CallMatcher = TeamsOperation | `${string} /${string}` | RegExp;

/**
 * Random failures drawn from a seeded generator, so a failing run can be replayed. Each call to a listed operation
 * (send, reply, update and createConversation when `operations` is omitted) rolls for a 429, a 412, a 5xx and a
 * slow answer, in that order. A slow answer is still processed after the delay.
 */
export interface FaultInjection {
  seed: number;
  /** Share of calls answered 429 with a Retry-After header (0..1). */
  rate429?: number;
  retryAfterSeconds?: number;
  /** Share of calls answered 412 Precondition Failed (0..1). */
  rate412?: number;
  /** Share of calls answered 500, 502, 503 or 504 (0..1; the status is drawn too). */
  rate5xx?: number;
  /** Share of calls answered normally but only after `slowMs` (0..1). */
  slowRate?: number;
  slowMs?: number;
  operations?: readonly TeamsOperation[];
}

/** A Teams user the fake knows for the members endpoints. */
export interface SeededTeamsUser {
  /** The Bot Framework user id (`29:…`). */
  id: string;
  aadObjectId: string;
  email?: string;
  name?: string;
  userPrincipalName?: string;
  tenantId?: string;
  givenName?: string;
  surname?: string;
}

export interface FakeTeamsOptions {
  /** Tenant of seeded users without one. */
  tenantId?: string;
  /** Answer 401 to calls without a bearer token (default true, as the Connector does). */
  requireAuth?: boolean;
}

/** Handle on a running fake Bot Connector; see {@link startFakeTeams}. */
export interface FakeTeams {
  /** The service URL to put in activities and stored conversations (`http://127.0.0.1:PORT/`). */
  readonly serviceUrl: string;
  /** Origin of the server, e.g. `http://127.0.0.1:43123`. */
  readonly origin: string;
  /** Every call recorded since start or the last {@link reset}, in arrival order. */
  readonly calls: readonly TeamsCall[];
  callsTo(operation: TeamsOperation, predicate?: (call: TeamsCall) => boolean): TeamsCall[];
  /**
   * Activities that were delivered (send or reply answered 2xx) to exactly this conversation id, in order. A
   * channel thread reply is addressed `<channel>;messageid=<root>`, so `activitiesTo(channel)` lists only top-level
   * posts (a channel post opened with `POST /v3/conversations` and an activity counts as one). `includeFailed` lists the calls answered with an error too.
   */
  activitiesTo(conversationId: string, options?: { includeFailed?: boolean }): TeamsCall[];
  /** Updates (PUT) answered 2xx, in order; optionally only those of one conversation. */
  updates(conversationId?: string): TeamsCall[];
  /** The Adaptive Card contents of a call's activity (or of an activity), in attachment order. */
  cardsIn(call: TeamsCall | RecordedActivity): Array<Record<string, unknown>>;
  /** The current version of an activity the fake answered (after updates), by conversation and activity id. */
  activity(conversationId: string, activityId: string): RecordedActivity | undefined;
  /** Conversations created through `POST /v3/conversations`, as the fake answered them. */
  createdConversations(): Array<{ id: string; activityId?: string; isGroup: boolean; body: Record<string, unknown> }>;
  /** The id `POST /v3/conversations` answers for a 1:1 with this member (deterministic, as Teams reuses it). */
  personalConversationFor(memberId: string): string;
  /** Resolves with the first call (already recorded or future) to `operation` matching `predicate`. */
  waitFor(operation: TeamsOperation, predicate?: (call: TeamsCall) => boolean, timeoutMs?: number): Promise<TeamsCall>;
  /** Resolves once at least `count` matching calls were recorded; returns them. */
  waitForCount(
    operation: TeamsOperation,
    count: number,
    predicate?: (call: TeamsCall) => boolean,
    timeoutMs?: number,
  ): Promise<TeamsCall[]>;
  /** Forgets recorded calls, activities, created conversations, pending failures and faults (seeded users stay). */
  reset(): void;
  /** A user the members endpoints answer for; `conversations` limits them to those conversations (default all). */
  seedUser(user: SeededTeamsUser, conversations?: readonly string[]): void;
  /** The next `times` calls matching `match` get `failure`. */
  failNext(match: CallMatcher, failure: FakeTeamsFailure, times?: number): void;
  /** Fails calls at random from now on (seeded); calls queued with {@link failNext} go first. */
  injectFaults(faults: FaultInjection): void;
  /** Ends {@link injectFaults}. */
  stopFaults(): void;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

const ADAPTIVE = 'application/vnd.microsoft.card.adaptive';
const DEFAULT_FAULT_OPERATIONS: readonly TeamsOperation[] = ['send', 'reply', 'update', 'createConversation'];

/** Starts the fake on 127.0.0.1 with a random port. */
export async function startFakeTeams(options: FakeTeamsOptions = {}): Promise<FakeTeams> {
  const defaultTenant = options.tenantId ?? 'tenant-fake';
  const requireAuth = options.requireAuth ?? true;

  let calls: TeamsCall[] = [];
  let pending: Array<{ match: CallMatcher; failure: FakeTeamsFailure; left: number }> = [];
  let faults: { config: FaultInjection; random: () => number } | undefined;
  let activities = new Map<string, RecordedActivity>();
  let created: Array<{ id: string; activityId?: string; isGroup: boolean; body: Json }> = [];
  const users: Array<{ user: SeededTeamsUser; conversations?: readonly string[] }> = [];
  // Activity ids look like Teams' (milliseconds), increasing and never colliding.
  const base = Date.now();
  let counter = 0;
  const nextActivityId = () => String(base + ++counter);

  const personalConversationFor = (memberId: string) => `a:1${Buffer.from(memberId).toString('base64url')}`;

  const activityKey = (conversationId: string, activityId: string) => `${conversationId}\u0000${activityId}`;

  const classify = (method: string, segments: string[]): Pick<TeamsCall, 'operation' | 'conversationId' | 'activityId' | 'userId'> => {
    // segments: ['v3', 'conversations', id?, 'activities' | 'members', id?]
    if (segments[0] !== 'v3' || segments[1] !== 'conversations') return { operation: 'unknown' };
    if (segments.length === 2) return { operation: method === 'POST' ? 'createConversation' : 'unknown' };
    const conversationId = segments[2]!;
    const kind = segments[3];
    const id = segments[4];
    if (kind === 'activities' && segments.length <= 5) {
      if (method === 'POST') return id === undefined ? { operation: 'send', conversationId } : { operation: 'reply', conversationId, activityId: id };
      if (method === 'PUT' && id !== undefined) return { operation: 'update', conversationId, activityId: id };
      if (method === 'DELETE' && id !== undefined) return { operation: 'delete', conversationId, activityId: id };
    }
    if (kind === 'members' && method === 'GET' && segments.length <= 5) {
      return id === undefined ? { operation: 'getMembers', conversationId } : { operation: 'getMember', conversationId, userId: id };
    }
    return { operation: 'unknown', conversationId };
  };

  const matches = (match: CallMatcher, operation: TeamsOperation, method: string, path: string) => {
    if (match instanceof RegExp) return match.test(`${method} ${path}`);
    if (!match.includes(' ')) return match === operation;
    const [wantMethod, wantPath] = match.split(' ', 2) as [string, string];
    if (wantMethod.toUpperCase() !== method) return false;
    const pattern = new RegExp(`^${wantPath.split('*').map(escapeRegExp).join('[^/]*')}$`);
    return pattern.test(path);
  };

  const takeFailure = (operation: TeamsOperation, method: string, path: string): FakeTeamsFailure | undefined => {
    const queued = pending.find((p) => matches(p.match, operation, method, path));
    if (queued) {
      queued.left -= 1;
      if (queued.left <= 0) pending = pending.filter((p) => p !== queued);
      return queued.failure;
    }
    if (!faults) return undefined;
    const { config, random } = faults;
    if (!(config.operations ?? DEFAULT_FAULT_OPERATIONS).includes(operation)) return undefined;
    // Five rolls per call whatever the outcome, so one call's result never shifts the next call's draws.
    const [a, b, c, d, e] = [random(), random(), random(), random(), random()];
    if (a < (config.rate429 ?? 0)) return { status: 429, retryAfter: config.retryAfterSeconds ?? 1 };
    if (b < (config.rate412 ?? 0)) return { status: 412 };
    if (c < (config.rate5xx ?? 0)) return { status: ([500, 502, 503, 504] as const)[Math.floor(d * 4)]! };
    if (e < (config.slowRate ?? 0)) return { delayMs: config.slowMs ?? 1000 };
    return undefined;
  };

  const parseActivity = (body: unknown): RecordedActivity | undefined => {
    if (typeof body !== 'object' || body === null) return undefined;
    const raw = body as Json;
    const attachments = Array.isArray(raw.attachments)
      ? (raw.attachments as Json[]).map((a) => ({
          ...(typeof a.contentType === 'string' ? { contentType: a.contentType } : {}),
          content: typeof a.content === 'string' && a.contentType === ADAPTIVE ? safeJson(a.content) : a.content,
        }))
      : [];
    return {
      ...(typeof raw.type === 'string' ? { type: raw.type } : {}),
      ...(typeof raw.text === 'string' ? { text: raw.text } : {}),
      ...(typeof raw.replyToId === 'string' ? { replyToId: raw.replyToId } : {}),
      attachments,
      raw,
    };
  };

  const memberJson = (u: SeededTeamsUser) => ({
    id: u.id,
    name: u.name ?? u.email ?? u.id,
    aadObjectId: u.aadObjectId,
    objectId: u.aadObjectId,
    ...(u.email !== undefined ? { email: u.email } : {}),
    userPrincipalName: u.userPrincipalName ?? u.email ?? `${u.aadObjectId}@${defaultTenant}`,
    ...(u.givenName !== undefined ? { givenName: u.givenName } : {}),
    ...(u.surname !== undefined ? { surname: u.surname } : {}),
    tenantId: u.tenantId ?? defaultTenant,
    userRole: 'user',
  });

  const membersOf = (conversationId: string) =>
    users
      .filter((entry) => entry.conversations === undefined || entry.conversations.includes(baseConversation(conversationId)))
      .map((entry) => entry.user);

  /** The normal answer of each operation: status and body. */
  const answer = (call: TeamsCall): { status: number; body: unknown } => {
    const body = call.body ?? {};
    switch (call.operation) {
      case 'createConversation': {
        const isGroup = body.isGroup === true;
        const channelData = (body.channelData ?? {}) as Json;
        const channel = (channelData.channel ?? {}) as Json;
        const members = Array.isArray(body.members) ? (body.members as Json[]) : [];
        if (isGroup || typeof channel.id === 'string') {
          if (typeof channel.id !== 'string') return badRequest('A group conversation needs channelData.channel.id.');
          const activityId = nextActivityId();
          const id = `${channel.id};messageid=${activityId}`;
          if (call.activity) activities.set(activityKey(channel.id, activityId), call.activity);
          created.push({ id, activityId, isGroup: true, body });
          return { status: 201, body: { id, activityId } };
        }
        const member = members[0];
        if (members.length !== 1 || typeof member?.id !== 'string') return badRequest('A 1:1 conversation needs exactly one member.');
        const tenant = (channelData.tenant ?? {}) as Json;
        if (typeof body.tenantId !== 'string' && typeof tenant.id !== 'string') return badRequest('Tenant id is required.');
        const id = personalConversationFor(member.id);
        const answerBody: Json = { id };
        if (call.activity) {
          const activityId = nextActivityId();
          activities.set(activityKey(id, activityId), call.activity);
          answerBody.activityId = activityId;
        }
        created.push({ id, ...(typeof answerBody.activityId === 'string' ? { activityId: answerBody.activityId } : {}), isGroup: false, body });
        return { status: 201, body: answerBody };
      }
      case 'send':
      case 'reply': {
        const id = nextActivityId();
        if (call.activity) activities.set(activityKey(call.conversationId!, id), call.activity);
        return { status: 201, body: { id } };
      }
      case 'update': {
        if (call.activity) activities.set(activityKey(call.conversationId!, call.activityId!), call.activity);
        return { status: 200, body: { id: call.activityId } };
      }
      case 'delete':
        activities.delete(activityKey(call.conversationId!, call.activityId!));
        return { status: 200, body: {} };
      case 'getMember': {
        const wanted = call.userId!;
        const user = membersOf(call.conversationId!).find((u) => u.id === wanted || u.aadObjectId === wanted);
        return user ? { status: 200, body: memberJson(user) } : notFound('MemberNotFoundInConversation', 'The member is not in the conversation.');
      }
      case 'getMembers':
        return { status: 200, body: membersOf(call.conversationId!).map(memberJson) };
      default:
        return notFound('NotFound', `The fake Bot Connector does not implement ${call.method} ${call.path}.`);
    }
  };

  const record = (call: TeamsCall) => {
    calls.push(call);
  };
  const wake = () => {
    waiting.wake();
  };

  const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const at = Date.now();
    const raw = await readBody(req);
    const method = (req.method ?? 'GET').toUpperCase();
    const rawPath = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const segments = rawPath.split('/').filter(Boolean).map(safeDecode);
    const path = `/${segments.join('/')}`;
    const where = classify(method, segments);
    const text = raw.toString('utf8');
    const body = method === 'GET' || text.trim() === '' ? undefined : safeJson(text);
    const auth = req.headers.authorization;
    const bearer = typeof auth === 'string' && /^bearer /i.test(auth) ? auth.slice(7) : undefined;
    const activity =
      where.operation === 'send' || where.operation === 'reply' || where.operation === 'update'
        ? parseActivity(body)
        : where.operation === 'createConversation' && isObject(body) && isObject(body.activity)
          ? parseActivity(body.activity)
          : undefined;

    const failure = takeFailure(where.operation, method, path);
    const call: TeamsCall = {
      ...where,
      method,
      path,
      ...(isObject(body) ? { body } : {}),
      ...(activity ? { activity } : {}),
      ...(typeof auth === 'string' ? { authorization: auth } : {}),
      ...(bearer !== undefined ? { token: bearer } : {}),
      at,
      ...(failure ? { failure } : {}),
    };
    record(call);

    const finish = (status: number, responseBody: unknown, headers: Record<string, string> = {}) => {
      call.status = status;
      call.response = responseBody;
      sendJson(res, status, responseBody, headers);
      wake();
    };

    if (failure !== undefined) {
      if ('delayMs' in failure) {
        await new Promise((resolve) => setTimeout(resolve, failure.delayMs));
      } else {
        const { status } = failure;
        const errorBody = (code: string, message: string) => ({ error: { code, message } });
        if (status === 429) {
          finish(429, errorBody('TooManyRequests', 'fake teams: injected throttling'), {
            ...(failure.retryAfter !== undefined ? { 'retry-after': String(failure.retryAfter) } : {}),
          });
        } else if (status === 412) {
          finish(412, errorBody('PreconditionFailed', 'fake teams: injected precondition failure'));
        } else if (status === 401 || status === 403 || status === 404) {
          const code = 'code' in failure && failure.code ? failure.code : status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'ConversationNotFound';
          finish(status, errorBody(code, `fake teams: injected ${status}`));
        } else {
          finish(status, errorBody('ServiceError', `fake teams: injected ${status}`));
        }
        return;
      }
    }

    if (requireAuth && bearer === undefined) {
      finish(401, { message: 'Authorization has been denied for this request.' });
      return;
    }
    if (body !== undefined && !isObject(body) && !Array.isArray(body)) {
      finish(400, { error: { code: 'BadArgument', message: 'The body is not a JSON object.' } });
      return;
    }
    const { status, body: responseBody } = answer(call);
    finish(status, responseBody);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { code: 'FakeTeamsCrashed', message: String(error) } });
      else res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  // A call counts once it is answered, so waiters see its status and response.
  const waiting = callWaiters<TeamsCall>('fake teams', (c) => `${c.operation}(${c.status ?? '…'})`, () => calls);

  const matching = (operation: TeamsOperation, predicate?: (call: TeamsCall) => boolean) =>
    calls.filter((c) => c.operation === operation && c.status !== undefined && (predicate === undefined || predicate(c)));

  const waitForCount = (operation: TeamsOperation, count: number, predicate?: (call: TeamsCall) => boolean, timeoutMs = 2000) =>
    waiting.waitForCount(() => matching(operation, predicate), operation, count, timeoutMs);

  const ok = (c: TeamsCall) => c.status !== undefined && c.status >= 200 && c.status < 300;

  const cardsIn = (source: TeamsCall | RecordedActivity): Array<Record<string, unknown>> => {
    const activity = 'operation' in source ? source.activity : source;
    return (activity?.attachments ?? [])
      .filter((a) => a.contentType === ADAPTIVE && isObject(a.content))
      .map((a) => a.content as Record<string, unknown>);
  };

  return {
    serviceUrl: `${origin}/`,
    origin,
    get calls() {
      return calls;
    },
    callsTo: (operation, predicate) => calls.filter((c) => c.operation === operation && (predicate === undefined || predicate(c))),
    activitiesTo: (conversationId, opts = {}) =>
      calls.filter(
        (c) =>
          (opts.includeFailed === true || ok(c)) &&
          (((c.operation === 'send' || c.operation === 'reply') && c.conversationId === conversationId) ||
            // A channel post opened with POST /v3/conversations lands at the top of that channel.
            (c.operation === 'createConversation' && c.activity !== undefined && channelOf(c.body) === conversationId)),
      ),
    updates: (conversationId) =>
      calls.filter((c) => c.operation === 'update' && ok(c) && (conversationId === undefined || c.conversationId === conversationId)),
    cardsIn,
    activity: (conversationId, activityId) => activities.get(activityKey(conversationId, activityId)),
    createdConversations: () => [...created],
    personalConversationFor,
    waitFor: async (operation, predicate, timeoutMs) => {
      const found = await waitForCount(operation, 1, predicate, timeoutMs);
      return found[0]!;
    },
    waitForCount,
    reset() {
      calls = [];
      pending = [];
      faults = undefined;
      activities = new Map();
      created = [];
    },
    seedUser(user, conversations) {
      const at = users.findIndex((u) => u.user.id === user.id);
      const entry = { user, ...(conversations !== undefined ? { conversations: conversations.map(baseConversation) } : {}) };
      if (at >= 0) users[at] = entry;
      else users.push(entry);
    },
    failNext(match, failure, times = 1) {
      pending.push({ match, failure, left: times });
    },
    injectFaults(config) {
      faults = { config, random: mulberry32(config.seed) };
    },
    stopFaults() {
      faults = undefined;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** `19:x@thread.tacv2;messageid=17` → `19:x@thread.tacv2`: a thread belongs to its channel's membership. */
function baseConversation(conversationId: string): string {
  return conversationId.split(';messageid=')[0]!;
}

function channelOf(body: Json | undefined): string | undefined {
  const channelData = isObject(body?.channelData) ? body.channelData : {};
  const channel = isObject(channelData.channel) ? channelData.channel : {};
  return typeof channel.id === 'string' ? channel.id : undefined;
}

function badRequest(message: string) {
  return { status: 400, body: { error: { code: 'BadArgument', message } } };
}

function notFound(code: string, message: string) {
  return { status: 404, body: { error: { code, message } } };
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A small seeded PRNG (mulberry32): the same seed gives the same failures in every run. */
