// The Bot Framework token check in front of /api/messages, through the real app: activities as Teams posts them,
// with a valid JWT (signed by the local token service whose keys the SDK fetches over loopback) and with each kind of
// bad one. A rejected activity gets 401 and reaches no handler: no call at the fake Bot Connector, nothing stored.
import { count, eq } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { Db } from '../../../src/db/client.ts';
import { auditLog, chatIdentities, feedbackRequests, outboxMessages, teamsConversations } from '../../../src/db/schema/index.ts';
import { ACTIONS, SUBJECTS } from '../../../src/messages/actions.ts';
import { describeOnEachEngine } from '../../helpers/db.ts';
import { seedDemoProgram } from '../../helpers/demo-program.ts';
import { aadIdOf, personalConversationOf, startTeamsWorld, type TeamsWorld } from '../../helpers/teams-world.ts';

async function rows(db: Db, table: PgTable) {
  const [row] = await db.select({ n: count() }).from(table);
  return row!.n;
}

// Someone who never wrote to the bot with a valid token: a bad one must not link them or remember their chat.
const STRANGER = 'ben.okafor';
// A request that would store a row and enqueue a DM if any handler ran.
const REQUEST_TEXT = 'feedback @Maya Lee How can I make my sign-out to the night team more concise?';
// A Bot Connector the activity does not come from (loopback, nothing listens there).
const OTHER_SERVICE_URL = 'http://127.0.0.1:9/other-connector/';

describeOnEachEngine('Teams: the JWT checks reject each kind of bad token; valid ones pass', (ctx) => {
  let world: TeamsWorld;
  // The SDK logs every rejected token at error level through its console logger; those expected lines are kept out of
  // the test output (anything else still reaches the console).
  const consoleError = console.error.bind(console);
  beforeAll(async () => {
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      if (!args.some((arg) => typeof arg === 'string' && arg.includes('stepping-stones/teams'))) consoleError(...args);
    });
    await seedDemoProgram(ctx.db);
    world = await startTeamsWorld(ctx.db);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await world?.stop();
  });

  /** Everything a handler that ran would leave behind. */
  async function traces() {
    return {
      calls: world.fake.calls.length,
      identities: await rows(ctx.db, chatIdentities),
      conversations: await rows(ctx.db, teamsConversations),
      requests: await rows(ctx.db, feedbackRequests),
      outbox: await rows(ctx.db, outboxMessages),
      audit: await rows(ctx.db, auditLog),
    };
  }

  async function expectUntouched(before: Awaited<ReturnType<typeof traces>>) {
    expect(await traces()).toEqual(before);
    expect(await ctx.db.select().from(chatIdentities).where(eq(chatIdentities.userId, aadIdOf(STRANGER)))).toEqual([]);
    expect(await ctx.db.select().from(teamsConversations).where(eq(teamsConversations.id, personalConversationOf(STRANGER)))).toEqual([]);
    expect(world.fake.activitiesTo(personalConversationOf(STRANGER), { includeFailed: true })).toEqual([]);
  }

  /** The Action.Execute invoke Teams posts when `handle` presses a button. */
  function invokeActivity(handle: string, verb: string, data: Record<string, unknown>) {
    const { text: _text, ...base } = world.messageActivity(handle, '');
    return { ...base, type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' } };
  }

  it('a valid token passes: 200, and the bot answers in the personal chat', async () => {
    const response = await world.post(world.messageActivity('ana.ruiz', 'help'));
    expect(response.status).toBe(200);
    const [reply] = world.fake.activitiesTo(personalConversationOf('ana.ruiz'));
    expect(reply?.operation).toBe('send');
    expect(reply?.status).toBe(201);
    expect(world.fake.cardsIn(reply!)).toHaveLength(1);
    // The bot's own call carries its outbound token, not the inbound one.
    expect(reply?.token).toBe(world.config.botToken);
    // First contact linked Ana by her member profile's email.
    const [identity] = await ctx.db.select().from(chatIdentities).where(eq(chatIdentities.userId, aadIdOf('ana.ruiz')));
    expect(identity?.personId).toBe(await world.personId('ana.ruiz'));
  });

  const badTokens: Array<[string, () => string | null]> = [
    ['no Authorization header', () => null],
    ['a token that is not a JWT', () => 'not-a-jwt'],
    // The SDK allows five minutes of clock skew: an hour past expiry is expired for any clock.
    ['an expired token', () => world.auth.token({ serviceUrl: world.fake.serviceUrl, expiresIn: -3600 })],
    ['a token for another bot (wrong audience)', () => world.auth.token({ serviceUrl: world.fake.serviceUrl, audience: '00000000-0000-4000-8000-000000000000' })],
    ['a token from another issuer', () => world.auth.token({ serviceUrl: world.fake.serviceUrl, issuer: 'https://issuer.example.invalid' })],
    ['a token signed by a key not in the published keys (forged)', () => world.auth.token({ serviceUrl: world.fake.serviceUrl, forged: true })],
    ['a token issued for another service URL than the activity names', () => world.auth.token({ serviceUrl: OTHER_SERVICE_URL })],
  ];

  for (const [what, token] of badTokens) {
    it(`${what}: 401, the bot stays silent and stores nothing`, async () => {
      const before = await traces();
      const response = await world.post(world.messageActivity(STRANGER, REQUEST_TEXT), { token: token() });
      expect(response.status).toBe(401);
      // The SDK's own answer, naming the check that refused it.
      expect(response.body).toEqual({ error: token() === null ? 'Missing authorization header' : 'JWT validation failed' });
      await expectUntouched(before);
    });
  }

  it('the same activity with a valid token does reach the bot (the rejections above were the token, not the activity)', async () => {
    const before = await traces();
    const response = await world.post(world.messageActivity(STRANGER, 'help'));
    expect(response.status).toBe(200);
    expect(world.fake.activitiesTo(personalConversationOf(STRANGER))).toHaveLength(1);
    expect((await traces()).identities).toBe(before.identities + 1);
  });

  it('a card action (invoke) with a bad token: 401, and the request it names stays open', async () => {
    expect((await world.say('ana.ruiz', REQUEST_TEXT)).status).toBe(200);
    const [request] = await ctx.db.select().from(feedbackRequests);
    expect(request?.status).toBe('open');
    const data = { kind: SUBJECTS.feedbackRequest, id: request!.id, version: 1 };
    const before = await traces();
    for (const token of [null, world.auth.token({ serviceUrl: world.fake.serviceUrl, forged: true }), world.auth.token({ serviceUrl: world.fake.serviceUrl, expiresIn: -3600 })]) {
      const response = await world.post(invokeActivity('maya.lee', ACTIONS.cannotAnswer, data), { token });
      expect(response.status).toBe(401);
      // Not an invoke response: Teams would show the card's own error, never a card from us.
      expect(response.body).not.toHaveProperty('statusCode');
    }
    expect(await traces()).toEqual(before);
    const [after] = await ctx.db.select({ status: feedbackRequests.status }).from(feedbackRequests).where(eq(feedbackRequests.id, request!.id));
    expect(after?.status).toBe('open');

    // With a valid token the same press declines it: the check, not the payload, stopped it above.
    const valid = await world.post(invokeActivity('maya.lee', ACTIONS.cannotAnswer, data));
    expect(valid.status).toBe(200);
    expect(valid.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    const [declined] = await ctx.db.select({ status: feedbackRequests.status }).from(feedbackRequests).where(eq(feedbackRequests.id, request!.id));
    expect(declined?.status).toBe('declined');
  });

  it('the signing keys were fetched over HTTP (and cached), so every check above ran against the published keys', () => {
    expect(world.auth.keyFetches()).toBeGreaterThanOrEqual(1);
  });
});
