// The Teams adapter under test, end to end: the real app from createTeamsApp behind a real HTTP server on 127.0.0.1,
// activities posted to /api/messages with valid Bot Framework JWTs signed by a local key (whose OpenID metadata and
// keys are served on loopback), and every reply, update and proactive send going to the fake Bot Connector. Every
// demo person is a member the fake knows by their roster email, so identity linking by email works as in Teams.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import type { TeamsConfig } from '../../src/config.ts';
import type { Clock } from '../../src/core/ports.ts';
import type { Db } from '../../src/db/client.ts';
import { people } from '../../src/db/schema/index.ts';
import { createTeamsApp, type TeamsApp } from '../../src/platforms/teams/app.ts';
import { TEAMS_MESSAGES_PATH } from '../../src/platforms/teams/commands.ts';
import { type BotFrameworkAuth, outboundTestToken, startBotFrameworkAuth, TEST_CLIENT_ID, TEST_TENANT_ID, TEST_TOKEN_ISSUER } from './bot-framework-auth.ts';
import { fixedClock } from './demo-program.ts';
import { type FakeTeams, startFakeTeams } from './fake-teams.ts';
import { demoHandles, TEST_NOW } from './slack-world.ts';

const EMAIL_DOMAIN = '@stelsewhere.example.org';
export const BOT_ID = `28:${TEST_CLIENT_ID}`;

/** A demo person's Entra object id: a GUID derived from their handle, stable across runs. */
export function aadIdOf(handle: string): string {
  const hex = createHash('sha256').update(handle).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A demo person's Bot Framework user id. */
export function teamsUserIdOf(handle: string): string {
  return `29:${handle}`;
}

/** The personal conversation of a demo person with the bot. */
export function personalConversationOf(handle: string): string {
  return `a:personal-${handle}`;
}

/** The answer of the app to one posted activity. */
export interface TeamsResponse {
  status: number;
  body: unknown;
}

/** What to vary about an activity's token (the auth tests make bad ones). */
export interface PostOptions {
  token?: string | null;
  serviceUrl?: string;
}

export interface TeamsWorld {
  fake: FakeTeams;
  auth: BotFrameworkAuth;
  teams: TeamsApp;
  clock: ReturnType<typeof fixedClock>;
  /** The URL of `/api/messages` on the app's server. */
  url: string;
  config: TeamsConfig;
  logs: string[];
  /** Posts any activity JSON with a valid token for its service URL (or the one in options). */
  post(activity: Record<string, unknown>, options?: PostOptions): Promise<TeamsResponse>;
  /** `handle` writes `text` to the bot in their personal chat. */
  say(handle: string, text: string, extra?: Record<string, unknown>): Promise<TeamsResponse>;
  /** `handle` presses an Action.Execute with `verb` and `data` on the card of activity `messageId`. */
  execute(handle: string, verb: string, data: Record<string, unknown>, messageId?: string, conversationId?: string): Promise<TeamsResponse>;
  /** `handle` installs the app for themselves (Teams posts an installationUpdate in their personal chat). */
  install(handle: string): Promise<TeamsResponse>;
  /** The activity `handle` would send for a message (to vary it). */
  messageActivity(handle: string, text: string): Record<string, unknown>;
  personId(handle: string): Promise<string>;
  stop(): Promise<void>;
}

let sequence = 0;
const nextActivityId = () => {
  sequence += 1;
  return `activity-${sequence}`;
};

/** Starts the world on `db` (which must hold the demo program). */
export async function startTeamsWorld(db: Db, options: { clock?: ReturnType<typeof fixedClock> } = {}): Promise<TeamsWorld> {
  const clock = options.clock ?? fixedClock(TEST_NOW);
  const fake = await startFakeTeams({ tenantId: TEST_TENANT_ID });
  const auth = await startBotFrameworkAuth();
  for (const handle of demoHandles()) {
    fake.seedUser({ id: teamsUserIdOf(handle), aadObjectId: aadIdOf(handle), email: `${handle}${EMAIL_DOMAIN}`, name: handle, tenantId: TEST_TENANT_ID });
  }
  const config: TeamsConfig = {
    clientId: TEST_CLIENT_ID,
    clientSecret: 'test-secret',
    tenantId: TEST_TENANT_ID,
    serviceUrl: fake.serviceUrl,
    openIdMetadataUrl: auth.openIdMetadataUrl,
    tokenIssuer: TEST_TOKEN_ISSUER,
    botToken: outboundTestToken(),
  };
  const logs: string[] = [];
  const teams = createTeamsApp({ config, ports: { db, clock }, log: (line) => logs.push(line) });
  await teams.start();
  const server: Server = createServer((request, response) => teams.requestListener(request, response));
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${TEAMS_MESSAGES_PATH}`;

  const base = (handle: string, conversationId = personalConversationOf(handle)) => ({
    id: nextActivityId(),
    channelId: 'msteams',
    serviceUrl: fake.serviceUrl,
    timestamp: new Date().toISOString(),
    from: { id: teamsUserIdOf(handle), name: handle, aadObjectId: aadIdOf(handle) },
    recipient: { id: BOT_ID, name: 'Stepping Stones' },
    conversation: { id: conversationId, conversationType: conversationId.startsWith('a:') ? 'personal' : 'channel', tenantId: TEST_TENANT_ID },
    channelData: { tenant: { id: TEST_TENANT_ID } },
  });

  const world: TeamsWorld = {
    fake,
    auth,
    teams,
    clock,
    url,
    config,
    logs,
    async post(activity, postOptions = {}) {
      const serviceUrl = postOptions.serviceUrl ?? String(activity.serviceUrl);
      const token = postOptions.token === undefined ? auth.token({ serviceUrl }) : postOptions.token;
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(activity),
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : '';
      } catch {
        // Left as text.
      }
      return { status: response.status, body };
    },
    messageActivity(handle, text) {
      return { ...base(handle), type: 'message', text };
    },
    install(handle) {
      return world.post({ ...base(handle), type: 'installationUpdate', action: 'add' });
    },
    say(handle, text, extra = {}) {
      return world.post({ ...world.messageActivity(handle, text), ...extra });
    },
    execute(handle, verb, data, messageId, conversationId) {
      return world.post({
        ...base(handle, conversationId),
        type: 'invoke',
        name: 'adaptiveCard/action',
        ...(messageId ? { replyToId: messageId } : {}),
        value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
      });
    },
    async personId(handle) {
      const [person] = await db.select({ id: people.id }).from(people).where(eq(people.email, `${handle}${EMAIL_DOMAIN}`));
      if (!person) throw new Error(`no demo person ${handle}`);
      return person.id;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await teams.stop();
      await auth.close();
      await fake.close();
    },
  };
  return world;
}

/** Wall-clock time for delivery passes (rows written under the fixed test clock are due by wall-clock time). */
export const wallClock: Clock = { now: () => new Date() };
