// An offline stand-in for the Slack Web API (and for response URLs and file upload URLs), so the real Bolt app
// and its WebClient can be tested end to end on loopback. Point the app at it with
// `clientOptions: { slackApiUrl: fake.url }`.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { callWaiters, mulberry32 } from './call-waiters.ts';

/** One request the fake received: a Web API call, a response-URL post or a file upload. */
export interface RecordedCall {
  /** Web API method (`chat.postMessage`), or `response_url` / `file_upload` for the non-API endpoints. */
  method: string;
  /** Decoded arguments; `blocks`, `view`, `attachments`, `files`, `metadata` are JSON-parsed. Form values stay strings. */
  args: Record<string, unknown>;
  /** Milliseconds since the epoch when the request arrived. */
  at: number;
  /** Bearer token from the Authorization header (or the `token` form field), if any. */
  token?: string;
  /** For `response_url` calls: the `<id>` of `/response/<id>`. For `file_upload`: the file id. */
  targetId?: string;
  /** The injected failure this call was answered with, if any. */
  failure?: FakeSlackFailure;
}

/** What to do instead of (or before) answering normally. */
export type FakeSlackFailure =
  | { status: 429; retryAfter?: number }
  | { status: 500 | 502 | 503 }
  | { delayMs: number }
  | { slackError: string };

/** A channel the fake knows for conversations.info. */
export interface SeededChannel {
  id: string;
  name: string;
  isPrivate?: boolean;
  isArchived?: boolean;
}

/**
 * Random failures drawn from a seeded generator, so a failing run can be replayed. Each call to a listed method
 * (every Web API method when `methods` is omitted; `file_upload` and `response_url` only when listed) first rolls
 * for a 429, then a 5xx, then a slow answer. A slow answer is still processed after the delay, as Slack would
 * process a request whose client gave up waiting.
 */
export interface FaultInjection {
  seed: number;
  /** Share of calls answered 429 with a Retry-After header (0..1). */
  rate429?: number;
  retryAfterSeconds?: number;
  /** Share of calls answered 500 (0..1). */
  rate500?: number;
  /** Share of calls answered normally but only after `slowMs` (0..1). */
  slowRate?: number;
  slowMs?: number;
  methods?: readonly string[];
}

/** A user the fake knows for users.lookupByEmail / users.info. */
export interface SeededUser {
  id: string;
  email: string;
  name?: string;
  realName?: string;
  teamId?: string;
  tz?: string;
  isBot?: boolean;
  deleted?: boolean;
}

export interface FakeSlackOptions {
  /** Answered by auth.test; also the `user` of posted messages. */
  botUserId?: string;
  botId?: string;
  teamId?: string;
}

/** Handle on a running fake Slack; see {@link startFakeSlack}. */
export interface FakeSlack {
  /** The `slackApiUrl` for the WebClient, ending in `/api/`. */
  readonly url: string;
  /** Origin of the server, e.g. `http://127.0.0.1:43123`. */
  readonly origin: string;
  /** A response URL served by this fake (what Bolt's `respond()` posts to). */
  responseUrl(id: string): string;
  /** Every call recorded since start or the last {@link reset}, in arrival order. */
  readonly calls: readonly RecordedCall[];
  callsTo(method: string): RecordedCall[];
  /** Resolves with the first call (already recorded or future) to `method` matching `predicate`. */
  waitFor(
    method: string,
    predicate?: (call: RecordedCall) => boolean,
    timeoutMs?: number,
  ): Promise<RecordedCall>;
  /** Resolves once at least `count` matching calls were recorded; returns them. */
  waitForCount(
    method: string,
    count: number,
    predicate?: (call: RecordedCall) => boolean,
    timeoutMs?: number,
  ): Promise<RecordedCall[]>;
  /** Forgets recorded calls, pending failures and injected faults (seeded users and channels stay). */
  reset(): void;
  seedUser(user: SeededUser): void;
  /** A channel conversations.info answers for; unknown C/G ids answer `channel_not_found`. */
  seedChannel(channel: SeededChannel): void;
  /** Fails calls at random from now on (seeded); calls still queued with {@link failNext} go first. */
  injectFaults(faults: FaultInjection): void;
  /** Ends {@link injectFaults}. */
  stopFaults(): void;
  /** The DM channel id conversations.open answers for this user (deterministic). */
  dmChannelFor(userId: string): string;
  /** The next `times` calls to `method` (`response_url` and `file_upload` included) get `failure`. */
  failNext(method: string, failure: FakeSlackFailure, times?: number): void;
  /** A file uploaded through the external upload flow, by file id: its text (`content`) and raw `bytes`. */
  uploadedFile(fileId: string): { filename: string; content: string; bytes: Buffer; title?: string } | undefined;
  close(): Promise<void>;
}

// Keys the WebClient serializes as JSON strings inside the form.
const JSON_KEYS = new Set(['blocks', 'attachments', 'view', 'files', 'metadata', 'file_uploads']);

type Json = Record<string, unknown>;

/** Starts the fake on 127.0.0.1 with a random port. */
export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const botUserId = options.botUserId ?? 'U0BOT';
  const botId = options.botId ?? 'B0BOT';
  const defaultTeamId = options.teamId ?? 'T0TEAM';

  let calls: RecordedCall[] = [];
  let failures = new Map<string, FakeSlackFailure[]>();
  const users = new Map<string, SeededUser>();
  const uploads = new Map<string, { filename: string; content: string; bytes: Buffer; title?: string }>();
  const channels = new Map<string, SeededChannel>();
  let faults: { config: FaultInjection; random: () => number } | undefined;
  const homeViews = new Map<string, string>();
  // Message timestamps: fixed seconds plus a counter in the microseconds, so they increase and never collide.
  const tsSeconds = Math.floor(Date.now() / 1000);
  let counter = 0;
  const next = () => ++counter;
  const nextTs = () => `${tsSeconds}.${String(next()).padStart(6, '0')}`;

  let origin = '';

  const dmChannelFor = (userId: string) => `D${userId.replace(/^[UW]/, '')}`;

  const userJson = (u: SeededUser) => {
    const name = u.name ?? u.email.split('@')[0] ?? u.id;
    const realName = u.realName ?? name;
    return {
      id: u.id,
      team_id: u.teamId ?? defaultTeamId,
      name,
      real_name: realName,
      deleted: u.deleted ?? false,
      is_bot: u.isBot ?? false,
      tz: u.tz ?? 'America/New_York',
      profile: { email: u.email, real_name: realName, display_name: name },
    };
  };

  const viewJson = (id: string, view: unknown, extra: Json = {}) => {
    const v = (typeof view === 'object' && view !== null ? view : {}) as Json;
    return {
      id,
      team_id: defaultTeamId,
      type: v.type ?? 'modal',
      callback_id: v.callback_id ?? '',
      private_metadata: v.private_metadata ?? '',
      external_id: v.external_id ?? '',
      title: v.title ?? null,
      submit: v.submit ?? null,
      close: v.close ?? null,
      blocks: v.blocks ?? [],
      state: { values: {} },
      hash: `${tsSeconds}.${next()}`,
      root_view_id: id,
      previous_view_id: null,
      clear_on_close: v.clear_on_close ?? false,
      notify_on_close: v.notify_on_close ?? false,
      app_id: 'A0APP',
      bot_id: botId,
      ...extra,
    };
  };

  const messageJson = (args: Json, ts: string) => ({
    type: 'message',
    ts,
    user: botUserId,
    bot_id: botId,
    text: args.text ?? '',
    ...(args.blocks !== undefined ? { blocks: args.blocks } : {}),
    ...(args.thread_ts !== undefined ? { thread_ts: args.thread_ts } : {}),
  });

  const lookupUser = (id: unknown) => [...users.values()].find((u) => u.id === id);

  /** Normal answers of the Web API methods we use. Unknown methods fail loudly with `unknown_method`. */
  const answer = (method: string, args: Json): Json => {
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://fake.slack.test/',
          team: 'Fake Team',
          user: 'stepping-stones',
          team_id: defaultTeamId,
          user_id: botUserId,
          bot_id: botId,
          is_enterprise_install: false,
        };
      case 'chat.postMessage': {
        const channel = String(args.channel ?? '');
        if (!channel) return { ok: false, error: 'channel_not_found' };
        // Posting to a user id lands in the DM with that user, as on Slack.
        const resolved = /^[UW]/.test(channel) ? dmChannelFor(channel) : channel;
        const ts = nextTs();
        return { ok: true, channel: resolved, ts, message: messageJson(args, ts) };
      }
      case 'chat.postEphemeral':
        return { ok: true, message_ts: nextTs() };
      case 'chat.update':
        return {
          ok: true,
          channel: args.channel,
          ts: args.ts,
          text: args.text ?? '',
          message: messageJson(args, String(args.ts ?? '')),
        };
      case 'chat.delete':
        return { ok: true, channel: args.channel, ts: args.ts };
      case 'views.open':
      case 'views.push': {
        const id = `V${String(next()).padStart(8, '0')}`;
        return { ok: true, view: viewJson(id, args.view) };
      }
      case 'views.update': {
        const id = typeof args.view_id === 'string' ? args.view_id : `V${String(next()).padStart(8, '0')}`;
        return { ok: true, view: viewJson(id, args.view) };
      }
      case 'views.publish': {
        const userId = String(args.user_id ?? '');
        let id = homeViews.get(userId);
        if (id === undefined) {
          id = `V${String(next()).padStart(8, '0')}`;
          homeViews.set(userId, id);
        }
        return { ok: true, view: viewJson(id, args.view, { type: 'home' }) };
      }
      case 'conversations.open': {
        const userIds = String(args.users ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        if (userIds.length === 0) {
          if (typeof args.channel === 'string') return { ok: true, channel: { id: args.channel } };
          return { ok: false, error: 'users_list_not_supplied' };
        }
        const id = userIds.length === 1 ? dmChannelFor(userIds[0]!) : `G${userIds.map((u) => u.slice(1)).join('')}`;
        return { ok: true, no_op: false, already_open: false, channel: { id } };
      }
      case 'conversations.info': {
        const id = String(args.channel ?? '');
        if (/^D/.test(id)) return { ok: true, channel: { id, is_im: true, is_channel: false, is_group: false, is_private: true } };
        const seeded = channels.get(id);
        if (!seeded) return { ok: false, error: 'channel_not_found' };
        return {
          ok: true,
          channel: {
            id,
            name: seeded.name,
            is_channel: true,
            is_group: false,
            is_im: false,
            is_mpim: false,
            is_private: seeded.isPrivate ?? false,
            is_archived: seeded.isArchived ?? false,
            is_member: true,
            created: tsSeconds,
          },
        };
      }
      case 'users.lookupByEmail': {
        const email = String(args.email ?? '').toLowerCase();
        const user = users.get(email);
        return user ? { ok: true, user: userJson(user) } : { ok: false, error: 'users_not_found' };
      }
      case 'users.info': {
        const user = lookupUser(args.user);
        return user ? { ok: true, user: userJson(user) } : { ok: false, error: 'user_not_found' };
      }
      case 'files.getUploadURLExternal': {
        if (!args.filename || !args.length) return { ok: false, error: 'invalid_arguments' };
        const fileId = `F${String(next()).padStart(8, '0')}`;
        uploads.set(fileId, { filename: String(args.filename), content: '', bytes: Buffer.alloc(0) });
        return { ok: true, upload_url: `${origin}/upload/${fileId}`, file_id: fileId };
      }
      case 'files.completeUploadExternal': {
        const files = Array.isArray(args.files) ? (args.files as Json[]) : [];
        const unknown = files.find((f) => !uploads.has(String(f.id)));
        if (files.length === 0 || unknown) return { ok: false, error: 'invalid_arguments' };
        return {
          ok: true,
          files: files.map((f) => {
            const upload = uploads.get(String(f.id))!;
            if (typeof f.title === 'string') upload.title = f.title;
            return {
              id: f.id,
              name: upload.filename,
              title: upload.title ?? upload.filename,
              size: upload.bytes.length,
            };
          }),
        };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  };

  const takeFailure = (method: string): FakeSlackFailure | undefined => {
    const queue = failures.get(method);
    const failure = queue?.shift();
    if (queue && queue.length === 0) failures.delete(method);
    return failure ?? randomFailure(method);
  };

  const randomFailure = (method: string): FakeSlackFailure | undefined => {
    if (!faults) return undefined;
    const { config, random } = faults;
    const listed = config.methods ? config.methods.includes(method) : method !== 'file_upload' && method !== 'response_url';
    if (!listed) return undefined;
    // Three rolls per call whatever the outcome, so one call's result never shifts the next call's draws.
    const [a, b, c] = [random(), random(), random()];
    if (a < (config.rate429 ?? 0)) return { status: 429, retryAfter: config.retryAfterSeconds ?? 1 };
    if (b < (config.rate500 ?? 0)) return { status: 500 };
    if (c < (config.slowRate ?? 0)) return { delayMs: config.slowMs ?? 1000 };
    return undefined;
  };

  const record = (call: RecordedCall) => {
    calls.push(call);
    waiting.wake();
  };

  const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };

  /** Applies an injected failure. Returns true when the response was already sent. */
  const applyFailure = async (failure: FakeSlackFailure | undefined, res: ServerResponse): Promise<boolean> => {
    if (failure === undefined) return false;
    if ('delayMs' in failure) {
      await new Promise((resolve) => setTimeout(resolve, failure.delayMs));
      return false;
    }
    if ('slackError' in failure) {
      sendJson(res, 200, { ok: false, error: failure.slackError });
      return true;
    }
    if (failure.status === 429) {
      sendJson(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(failure.retryAfter ?? 1) });
      return true;
    }
    res.writeHead(failure.status, { 'content-type': 'text/plain' });
    res.end('fake slack: injected server error');
    return true;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const at = Date.now();
    const raw = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const contentType = String(req.headers['content-type'] ?? '');
    const auth = req.headers.authorization;
    const bearer = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : undefined;

    if (req.method !== 'POST') {
      sendJson(res, 405, { ok: false, error: 'method_not_allowed' });
      return;
    }

    if (path.startsWith('/api/')) {
      const method = decodeURIComponent(path.slice('/api/'.length));
      const args = await decodeArgs(raw, contentType);
      const token = bearer ?? (typeof args.token === 'string' ? args.token : undefined);
      delete args.token;
      const failure = takeFailure(method);
      record({ method, args, at, ...(token !== undefined ? { token } : {}), ...(failure ? { failure } : {}) });
      if (await applyFailure(failure, res)) return;
      if (token === undefined) {
        sendJson(res, 200, { ok: false, error: 'not_authed' });
        return;
      }
      sendJson(res, 200, answer(method, args));
      return;
    }

    if (path.startsWith('/response/')) {
      const targetId = decodeURIComponent(path.slice('/response/'.length));
      const args = await decodeArgs(raw, contentType);
      const failure = takeFailure('response_url');
      record({ method: 'response_url', args, at, targetId, ...(failure ? { failure } : {}) });
      if (await applyFailure(failure, res)) return;
      sendJson(res, 200, { ok: true });
      return;
    }

    if (path.startsWith('/upload/')) {
      const fileId = decodeURIComponent(path.slice('/upload/'.length));
      const upload = uploads.get(fileId);
      const { filename, bytes } = await decodeUpload(raw, contentType);
      const content = bytes.toString('utf8');
      const failure = takeFailure('file_upload');
      record({
        method: 'file_upload',
        args: { filename, content, bytes: bytes.length },
        at,
        targetId: fileId,
        ...(bearer !== undefined ? { token: bearer } : {}),
        ...(failure ? { failure } : {}),
      });
      if (await applyFailure(failure, res)) return;
      if (!upload) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('unknown upload url');
        return;
      }
      upload.content = content;
      upload.bytes = bytes;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`OK - ${bytes.length}`);
      return;
    }

    sendJson(res, 404, { ok: false, error: 'not_found' });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'fake_slack_crashed', detail: String(error) });
      else res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;

  const waiting = callWaiters<RecordedCall>('fake slack', (c) => c.method, () => calls);

  const matching = (method: string, predicate?: (call: RecordedCall) => boolean) =>
    calls.filter((c) => c.method === method && (predicate === undefined || predicate(c)));

  const waitForCount = (method: string, count: number, predicate?: (call: RecordedCall) => boolean, timeoutMs = 2000) =>
    waiting.waitForCount(() => matching(method, predicate), method, count, timeoutMs);

  return {
    url: `${origin}/api/`,
    origin,
    responseUrl: (id) => `${origin}/response/${encodeURIComponent(id)}`,
    get calls() {
      return calls;
    },
    callsTo: (method) => matching(method),
    waitFor: async (method, predicate, timeoutMs) => {
      const found = await waitForCount(method, 1, predicate, timeoutMs);
      return found[0]!;
    },
    waitForCount,
    reset() {
      calls = [];
      failures = new Map();
      faults = undefined;
    },
    seedUser(user) {
      users.set(user.email.toLowerCase(), user);
    },
    seedChannel(channel) {
      channels.set(channel.id, channel);
    },
    injectFaults(config) {
      faults = { config, random: mulberry32(config.seed) };
    },
    stopFaults() {
      faults = undefined;
    },
    dmChannelFor,
    failNext(method, failure, times = 1) {
      const queue = failures.get(method) ?? [];
      for (let i = 0; i < times; i += 1) queue.push(failure);
      failures.set(method, queue);
    },
    uploadedFile(fileId) {
      const upload = uploads.get(fileId);
      if (!upload) return undefined;
      return { filename: upload.filename, content: upload.content, bytes: upload.bytes, ...(upload.title !== undefined ? { title: upload.title } : {}) };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Decodes a Web API / response-URL body: form-encoded (the WebClient's default), JSON, or multipart. */
async function decodeArgs(raw: Buffer, contentType: string): Promise<Json> {
  const args: Json = {};
  if (contentType.startsWith('application/json')) {
    const text = raw.toString('utf8');
    if (text.trim() === '') return args;
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Json) : { value: parsed };
  }
  if (contentType.startsWith('multipart/form-data')) {
    const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': contentType } }).formData();
    for (const [key, value] of form.entries()) {
      args[key] = typeof value === 'string' ? parseJsonField(key, value) : await value.text();
    }
    return args;
  }
  for (const [key, value] of new URLSearchParams(raw.toString('utf8'))) {
    args[key] = parseJsonField(key, value);
  }
  return args;
}

function parseJsonField(key: string, value: string): unknown {
  if (!JSON_KEYS.has(key)) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** The WebClient uploads a file as multipart form data (one file part); accept a raw body too (a plain POST). */
async function decodeUpload(raw: Buffer, contentType: string): Promise<{ filename: string; bytes: Buffer }> {
  if (contentType.startsWith('multipart/form-data')) {
    const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': contentType } }).formData();
    for (const value of form.values()) {
      if (typeof value !== 'string') return { filename: value.name, bytes: Buffer.from(await value.arrayBuffer()) };
    }
  }
  return { filename: '', bytes: raw };
}

/** A small seeded PRNG (mulberry32): the same seed gives the same failures in every run. */
