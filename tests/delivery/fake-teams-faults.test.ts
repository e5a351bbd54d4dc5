// The fake Bot Connector's tools for delivery tests, driven through the real `@microsoft/teams.api` client: what it
// answers, what it records (the bearer token, a thread reply's conversation id), and failures that really happen.
import { Client } from '@microsoft/teams.api';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { type FakeTeams, startFakeTeams, type TeamsCall } from '../helpers/fake-teams.ts';

// A decodable three-part JWT: the client reads its claims, nobody checks its signature here.
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const TOKEN = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ aud: 'https://api.botframework.com', exp: 4102444800 })}.sig`;

let fake: FakeTeams;
beforeAll(async () => {
  fake = await startFakeTeams({ tenantId: 'tenant-1' });
});
afterAll(async () => fake?.close());
beforeEach(() => fake.reset());

const client = () => new Client(fake.serviceUrl, { token: () => TOKEN });
const card = (text: string) => ({
  type: 'message' as const,
  text,
  attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text }] } }],
});
const status = (error: unknown) => (error as { response?: { status?: number } }).response?.status;

it('opens a 1:1, sends, replies in a channel thread and updates in place, recording the token and ids', async () => {
  const api = client();
  const personal = await api.conversations.create({
    isGroup: false,
    bot: { id: '28:bot' },
    members: [{ id: 'aad-ana', role: 'user', name: 'Ana' }],
    tenantId: 'tenant-1',
    channelData: { tenant: { id: 'tenant-1' } },
  });
  expect(personal.id).toBe(fake.personalConversationFor('aad-ana'));
  const sent = await api.conversations.activities(personal.id).create(card('hello'));
  expect(sent.id).toMatch(/^\d+$/);

  const channel = '19:ccc@thread.tacv2';
  const root = await api.conversations.activities(channel).create(card('header'));
  const thread = `${channel};messageid=${root.id}`;
  await api.conversations.activities(thread).create(card('resident 1'));
  await api.conversations.activities(personal.id).update(sent.id, card('hello, edited'));

  expect(fake.activitiesTo(channel).map((c) => c.activity?.text)).toEqual(['header']);
  expect(fake.activitiesTo(thread).map((c) => c.activity?.text)).toEqual(['resident 1']);
  expect(fake.updates().map((c) => [c.conversationId, c.activityId])).toEqual([[personal.id, sent.id]]);
  expect(fake.cardsIn(fake.updates()[0]!)).toEqual([{ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: 'hello, edited' }] }]);
  expect(fake.activity(personal.id, sent.id)?.text).toBe('hello, edited');
  expect(fake.calls.every((c) => c.authorization === `Bearer ${TOKEN}`)).toBe(true);
});

it('opens a channel thread with POST /v3/conversations, answering the thread id and the root activity id', async () => {
  const answer = await client().conversations.create({
    isGroup: true,
    channelData: { channel: { id: '19:ccc@thread.tacv2' } },
    activity: card('header'),
  });
  expect(answer.id).toBe(`19:ccc@thread.tacv2;messageid=${answer.activityId}`);
  expect(fake.activitiesTo('19:ccc@thread.tacv2').map((c) => c.activity?.text)).toEqual(['header']);
});

it('answers members of seeded users and 404 MemberNotFoundInConversation otherwise', async () => {
  fake.seedUser({ id: '29:ana', aadObjectId: 'aad-ana', email: 'ana@example.edu', name: 'Ana Ruiz' });
  const api = client();
  const byAad = await api.conversations.members('a:1x').getById('aad-ana');
  expect(byAad).toMatchObject({ id: '29:ana', aadObjectId: 'aad-ana', email: 'ana@example.edu', name: 'Ana Ruiz', tenantId: 'tenant-1' });
  expect((await api.conversations.members('a:1x').get()).map((m) => m.id)).toEqual(['29:ana']);
  const missing = await api.conversations
    .members('a:1x')
    .getById('29:nobody')
    .catch((e: unknown) => e);
  expect(status(missing)).toBe(404);
  expect((missing as { response: { data: unknown } }).response.data).toMatchObject({ error: { code: 'MemberNotFoundInConversation' } });
});

it('answers 401 without a bearer token', async () => {
  const error = await new Client(fake.serviceUrl).conversations
    .activities('a:1x')
    .create(card('x'))
    .catch((e: unknown) => e);
  expect(status(error)).toBe(401);
});

it('fails the next matching calls on purpose: 429 with Retry-After, 412, 5xx, slow', async () => {
  const api = client();
  fake.failNext('send', { status: 429, retryAfter: 3 });
  fake.failNext('POST /v3/conversations/*/activities', { status: 412 });
  fake.failNext(/^PUT /, { status: 504 }, 2);
  fake.failNext('send', { delayMs: 120 });

  const throttled = await api.conversations.activities('a:1x').create(card('1')).catch((e: unknown) => e);
  expect(status(throttled)).toBe(429);
  expect((throttled as { response: { headers: Record<string, string> } }).response.headers['retry-after']).toBe('3');
  expect(status(await api.conversations.activities('a:1x').create(card('2')).catch((e: unknown) => e))).toBe(412);
  for (let i = 0; i < 2; i += 1) {
    expect(status(await api.conversations.activities('a:1x').update('1', card('u')).catch((e: unknown) => e))).toBe(504);
  }
  const started = Date.now();
  await api.conversations.activities('a:1x').create(card('3'));
  expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  await api.conversations.activities('a:1x').update('1', card('u'));
  expect(fake.calls.map((c) => c.status)).toEqual([429, 412, 504, 504, 201, 200]);
  expect(fake.activitiesTo('a:1x').map((c) => c.activity?.text)).toEqual(['3']);
  expect(fake.activitiesTo('a:1x', { includeFailed: true })).toHaveLength(3);
});

it('injects seeded faults: the same seed fails the same calls, and each failure is recorded on its call', async () => {
  const outcomes = async (seed: number) => {
    fake.reset();
    fake.injectFaults({ seed, rate429: 0.25, retryAfterSeconds: 2, rate412: 0.1, rate5xx: 0.15, slowRate: 0.1, slowMs: 5, operations: ['send'] });
    for (let i = 0; i < 50; i += 1) {
      await client()
        .conversations.activities('a:1x')
        .create(card(`m${i}`))
        .catch(() => undefined);
    }
    // Operations not listed are never failed.
    await client().conversations.activities('a:1x').update('1', card('u'));
    fake.stopFaults();
    await client().conversations.activities('a:1x').create(card('after'));
    return fake.calls.map((c: TeamsCall) => (c.failure ? JSON.stringify(c.failure) : 'ok'));
  };
  const first = await outcomes(7);
  expect(await outcomes(7)).toEqual(first);
  expect(await outcomes(8)).not.toEqual(first);
  expect(first).toContain(JSON.stringify({ status: 429, retryAfter: 2 }));
  expect(first).toContain(JSON.stringify({ status: 412 }));
  expect(first.some((o) => /"status":50[0234]/.test(o))).toBe(true);
  expect(first).toContain(JSON.stringify({ delayMs: 5 }));
  expect(first.slice(-2)).toEqual(['ok', 'ok']);
});
