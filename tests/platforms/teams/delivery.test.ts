// The outbox through the real Teams sender and the real @microsoft/teams.api client against the fake Bot Connector:
// DMs in stored personal conversations, 1:1 chats opened and stored, people without the app held and their
// coordinator told once, 429/412/5xx retried with each message delivered once, updates in place, the CCC digest's
// header in the channel with each resident in its thread (the trend chart inside the card, under the size limit),
// and pacing per conversation and per tenant.
import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { cccDigestHeaderKey, postCccDigest } from '../../../src/core/ccc-digest/post-ccc-digest.ts';
import { systemClock } from '../../../src/core/ports.ts';
import { chatIdentities, outboxMessages, programs, teamsConversations, teamsInstallNotices } from '../../../src/db/schema/index.ts';
import { enqueueMessage, enqueueMessages } from '../../../src/delivery/outbox.ts';
import { deliverDueMessages, nextDueAt, pendingMessages, TEAMS_PACE_MS } from '../../../src/delivery/worker.ts';
import { cccDigestMessages } from '../../../src/messages/ccc-digest.ts';
import { chart, message, paragraph } from '../../../src/messages/model.ts';
import { storeTeamsConversation } from '../../../src/platforms/teams/conversations.ts';
import { startTeamsDelivery } from '../../../src/platforms/teams/delivery.ts';
import { holdTeamsMessagesWithoutApp, noticeCoordinatorsOfMissingApp, TEAMS_INSTALL_NOTICE_KIND, TEAMS_NOT_INSTALLED } from '../../../src/platforms/teams/install-notices.ts';
import { byteSize, createTeamsSender, staticTokenApiFactory, type TeamsChartRenderer } from '../../../src/platforms/teams/teams-sender.ts';
import { buildCccDigest } from '../../../src/core/ccc-digest/build-ccc-digest.ts';
import { seedCccDigestProgram } from '../../helpers/ccc-digest-program.ts';
import { describeOnEachEngine, type TestDatabaseContext } from '../../helpers/db.ts';
import { demoPerson, fixedClock, seedDemoProgram } from '../../helpers/demo-program.ts';
import { type FakeTeams, startFakeTeams, type TeamsCall } from '../../helpers/fake-teams.ts';

const TENANT = '6f1c2a4e-0b7d-4c55-9a51-2f0e8c3d1b7a';
const BOT_ID = '9a8b7c6d-1111-4222-8333-944455556666';
const CCC_CHANNEL = '19:cccdemo@thread.tacv2';
// A decodable three-part JWT: the outbound token tests supply instead of the client-credentials flow.
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const TOKEN = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ aud: 'https://api.botframework.com', tid: TENANT, exp: 4102444800 })}.sig`;
const TEAMS_MESSAGE_LIMIT = 28_000;

/** A deterministic Entra object id per demo handle. */
function aadOf(handle: string): string {
  const hex = Buffer.from(handle.padEnd(16, '.')).toString('hex').slice(0, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`.toLowerCase();
}

/** A stand-in chart renderer: a small real PNG, so no canvas is needed where the picture does not matter. */
const tinyChart: TeamsChartRenderer = async () =>
  Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

interface World {
  fake: FakeTeams;
  /** The bot's Teams settings, with the fake as the default service URL. */
  config: { clientId: string; tenantId: string; serviceUrl: string };
  start(): Promise<void>;
  close(): Promise<void>;
}

/** The fake Bot Connector for one describe block. */
function teamsWorld(): World {
  const world = {} as World;
  world.start = async () => {
    world.fake = await startFakeTeams({ tenantId: TENANT });
    world.config = { clientId: BOT_ID, tenantId: TENANT, serviceUrl: world.fake.serviceUrl };
  };
  world.close = async () => world.fake?.close();
  return world;
}

/** Links a person to Teams, with a stored personal conversation unless `conversation: false`. */
async function linkTeams(ctx: TestDatabaseContext, fake: FakeTeams, handle: string, options: { conversation?: boolean } = {}): Promise<{ personId: string; aad: string; conversationId?: string }> {
  const personId = await demoPerson(ctx.db, handle);
  const aad = aadOf(handle);
  const conversationId = options.conversation === false ? undefined : `a:1stored-${handle}`;
  await ctx.db.insert(chatIdentities).values({
    personId,
    platform: 'teams',
    workspaceId: TENANT,
    userId: aad,
    ...(conversationId ? { conversationId, serviceUrl: fake.serviceUrl } : {}),
  });
  if (conversationId) {
    await ctx.db.insert(teamsConversations).values({ id: conversationId, kind: 'personal', serviceUrl: fake.serviceUrl, tenantId: TENANT, personId });
  }
  return { personId, aad, ...(conversationId ? { conversationId } : {}) };
}

function cardText(call: TeamsCall | undefined, fake: FakeTeams): string {
  return call ? JSON.stringify(fake.cardsIn(call)) : '';
}

describeOnEachEngine('Teams delivery through the outbox', (ctx) => {
  const world = teamsWorld();
  const clock = fixedClock('2026-11-02T14:00:00Z');
  const logs: string[] = [];
  let programId: string;
  let maya: Awaited<ReturnType<typeof linkTeams>>;
  let grace: Awaited<ReturnType<typeof linkTeams>>;

  beforeAll(async () => {
    await seedDemoProgram(ctx.db);
    await world.start();
    [{ id: programId }] = (await ctx.db.select({ id: programs.id }).from(programs).where(eq(programs.slug, 'internal-medicine'))) as [{ id: string }];
    await ctx.db.update(programs).set({ chatPlatform: 'teams' }).where(eq(programs.id, programId));
    maya = await linkTeams(ctx, world.fake, 'maya.lee');
    grace = await linkTeams(ctx, world.fake, 'grace.kim');
  });
  afterAll(async () => world.close());
  beforeEach(() => world.fake.reset());

  const sender = () => createTeamsSender({ db: ctx.db, api: staticTokenApiFactory(TOKEN, { timeoutMs: 5000 }), config: world.config, renderChart: tinyChart, timeoutMs: 5000 });

  /** What the Teams loop does each pass (hold messages for people without the app, deliver, notice), until idle. */
  async function drain(send = sender(), maxPasses = 200): Promise<void> {
    for (let pass = 1; pass <= maxPasses; pass += 1) {
      await holdTeamsMessagesWithoutApp({ db: ctx.db, clock });
      await deliverDueMessages({ db: ctx.db, clock, senders: { teams: send }, paceMs: TEAMS_PACE_MS, concurrency: 1, log: (l) => logs.push(l), random: () => 0.5 });
      await noticeCoordinatorsOfMissingApp({ db: ctx.db, clock });
      const due = await nextDueAt(ctx.db, ['teams']);
      // Messages waiting for someone to install the app are due in an hour: they do not keep the test waiting.
      if (!due || due.getTime() - clock.now().getTime() >= 3_000_000) return;
      clock.set(new Date(Math.max(due.getTime(), clock.now().getTime())).toISOString());
    }
    throw new Error(`still pending: ${(await pendingMessages(ctx.db)).map((r) => r.idempotencyKey).join(', ')}`);
  }

  const rowOf = async (key: string) => (await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, key)))[0]!;
  const dm = (key: string, personId: string, text: string) =>
    enqueueMessage(ctx.db, { idempotencyKey: key, kind: 'test', recipientPersonId: personId, programId, message: message(text, paragraph(`*${text}*`)) });

  it('sends a DM in the stored personal conversation, with the bot token, and records the activity id', async () => {
    await dm('t:dm:1', maya.personId, 'Hello Maya');
    await drain();
    const [sent, ...others] = world.fake.activitiesTo(maya.conversationId!);
    expect(others).toEqual([]);
    expect(sent!.authorization).toBe(`Bearer ${TOKEN}`);
    expect(sent!.activity).toMatchObject({ type: 'message' });
    expect(sent!.activity!.raw.summary).toBe('Hello Maya');
    const [card] = world.fake.cardsIn(sent!);
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.5' });
    expect(JSON.stringify(card)).toContain('**Hello Maya**');
    expect(world.fake.callsTo('createConversation')).toEqual([]);
    const row = await rowOf('t:dm:1');
    expect(row).toMatchObject({ status: 'sent', platformChannelId: maya.conversationId, platformMessageId: (sent!.response as { id: string }).id });
  });

  it('opens a 1:1 chat for a linked person with no conversation stored, stores it, and uses it next time', async () => {
    const wendy = await linkTeams(ctx, world.fake, 'wendy.morgan', { conversation: false });
    await dm('t:open:1', wendy.personId, 'First for Wendy');
    await drain();
    const [create] = world.fake.callsTo('createConversation');
    expect(create!.body).toMatchObject({
      isGroup: false,
      bot: { id: BOT_ID },
      members: [{ id: wendy.aad }],
      tenantId: TENANT,
      channelData: { tenant: { id: TENANT } },
    });
    const opened = world.fake.personalConversationFor(wendy.aad);
    expect(world.fake.activitiesTo(opened)).toHaveLength(1);
    const [stored] = await ctx.db.select().from(teamsConversations).where(eq(teamsConversations.id, opened));
    expect(stored).toMatchObject({ kind: 'personal', personId: wendy.personId, tenantId: TENANT, serviceUrl: world.fake.serviceUrl });
    const [identity] = await ctx.db.select().from(chatIdentities).where(and(eq(chatIdentities.personId, wendy.personId), eq(chatIdentities.platform, 'teams')));
    expect(identity).toMatchObject({ conversationId: opened, serviceUrl: world.fake.serviceUrl });

    await dm('t:open:2', wendy.personId, 'Second for Wendy');
    await drain();
    expect(world.fake.callsTo('createConversation')).toHaveLength(1);
    expect(world.fake.activitiesTo(opened)).toHaveLength(2);
    expect(await rowOf('t:open:2')).toMatchObject({ status: 'sent', platformChannelId: opened });
  });

  it('holds messages for people without the app and tells the coordinator once, naming each person once', async () => {
    const ana = await demoPerson(ctx.db, 'ana.ruiz');
    const ben = await demoPerson(ctx.db, 'ben.okafor');
    // Linked, but Teams refuses to open a chat with her: the app is not installed for her.
    const omar = await linkTeams(ctx, world.fake, 'omar.haddad', { conversation: false });
    world.fake.failNext('createConversation', { status: 403, code: 'BotNotInConversationRoster' });
    await dm('t:wait:ana', ana, 'For Ana');
    await dm('t:wait:ben', ben, 'For Ben');
    await dm('t:wait:omar', omar.personId, 'For Omar');
    await drain();

    for (const key of ['t:wait:ana', 't:wait:ben', 't:wait:omar']) {
      const row = await rowOf(key);
      expect(row).toMatchObject({ status: 'pending', attempts: 0 });
      expect(row.lastError).toMatch(new RegExp(`^${TEAMS_NOT_INSTALLED}`));
      expect(row.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(clock.now().getTime() + 3_500_000);
    }
    // The coordinator, Grace, got one notice in her own conversation naming all three with their emails.
    const notices = world.fake.activitiesTo(grace.conversationId!);
    expect(notices).toHaveLength(1);
    const text = cardText(notices[0], world.fake);
    for (const who of ['Ana Ruiz (ana.ruiz@stelsewhere.example.org)', 'Ben Okafor (ben.okafor@stelsewhere.example.org)', 'Omar Haddad (omar.haddad@stelsewhere.example.org)']) {
      expect(text).toContain(who);
    }
    expect(await ctx.db.select().from(teamsInstallNotices).where(eq(teamsInstallNotices.programId, programId))).toHaveLength(3);

    // An hour later they are looked at again, still cannot be reached, and nobody is told twice.
    clock.set(new Date(clock.now().getTime() + 3_700_000).toISOString());
    world.fake.reset();
    world.fake.failNext('createConversation', { status: 403 });
    await dm('t:wait:ana:2', ana, 'Again for Ana');
    await drain();
    expect(world.fake.activitiesTo(grace.conversationId!)).toEqual([]);
    expect((await rowOf('t:wait:ana:2')).status).toBe('pending');

    // Someone new without the app: a new notice names only her.
    const chloe = await demoPerson(ctx.db, 'chloe.nguyen');
    await dm('t:wait:chloe', chloe, 'For Chloe');
    await drain();
    const second = world.fake.activitiesTo(grace.conversationId!);
    expect(second).toHaveLength(1);
    expect(cardText(second[0], world.fake)).toContain('Chloe Nguyen (chloe.nguyen@stelsewhere.example.org)');
    expect(cardText(second[0], world.fake)).not.toContain('Ana Ruiz');
    const noticeRows = await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.kind, TEAMS_INSTALL_NOTICE_KIND));
    expect(noticeRows.map((r) => [r.recipientPersonId, r.status])).toEqual([
      [grace.personId, 'sent'],
      [grace.personId, 'sent'],
    ]);

    // Ana installs the app: the app stores her conversation, and her waiting messages go out at once, in order.
    await ctx.db.insert(chatIdentities).values({ personId: ana, platform: 'teams', workspaceId: TENANT, userId: aadOf('ana.ruiz') });
    await storeTeamsConversation(ctx.db, { id: 'a:1ana-installed', kind: 'personal', serviceUrl: world.fake.serviceUrl, tenantId: TENANT, personId: ana }, clock.now());
    world.fake.reset();
    await drain();
    expect(world.fake.activitiesTo('a:1ana-installed').map((c) => c.activity?.raw.summary)).toEqual(['For Ana', 'Again for Ana']);
    expect(await rowOf('t:wait:ana')).toMatchObject({ status: 'sent', platformChannelId: 'a:1ana-installed' });
    expect(logs).toEqual([]);
  });

  it('honours Retry-After on a 429 (backoff without one), retries 412, 502 and 504, and delivers the message once', async () => {
    await dm('t:retry:1', maya.personId, 'Retry me');
    const toMaya = `POST /v3/conversations/${maya.conversationId}/activities` as const;
    world.fake.failNext(toMaya, { status: 429, retryAfter: 7 });
    const before = clock.now().getTime();
    await deliverDueMessages({ db: ctx.db, clock, senders: { teams: sender() }, random: () => 0.5 });
    const throttled = await rowOf('t:retry:1');
    expect(throttled).toMatchObject({ status: 'pending', attempts: 1, lastError: 'Teams rate limited a direct message' });
    expect(throttled.nextAttemptAt.getTime()).toBe(before + 7000);

    // Without a Retry-After header the worker's backoff applies: attempt 2 → 20 s base, half fixed, half jitter.
    clock.set(throttled.nextAttemptAt.toISOString());
    world.fake.failNext(toMaya, { status: 429 });
    await deliverDueMessages({ db: ctx.db, clock, senders: { teams: sender() }, random: () => 0.5 });
    const backedOff = await rowOf('t:retry:1');
    expect(backedOff.attempts).toBe(2);
    expect(backedOff.nextAttemptAt.getTime() - clock.now().getTime()).toBe(15_000);

    world.fake.failNext(toMaya, { status: 412 });
    world.fake.failNext(toMaya, { status: 502 });
    world.fake.failNext(toMaya, { status: 504 });
    clock.set(backedOff.nextAttemptAt.toISOString());
    await drain();
    const attempts = world.fake.activitiesTo(maya.conversationId!, { includeFailed: true });
    expect(attempts.map((c) => c.status)).toEqual([429, 429, 412, 502, 504, 201]);
    expect(world.fake.activitiesTo(maya.conversationId!)).toHaveLength(1);
    expect(await rowOf('t:retry:1')).toMatchObject({ status: 'sent', attempts: 5 });
  });

  it('a 404 on a stored personal conversation forgets it and opens a new chat at once', async () => {
    const isaac = await linkTeams(ctx, world.fake, 'isaac.mensah');
    world.fake.failNext(`POST /v3/conversations/${isaac.conversationId}/activities`, { status: 404, code: 'ConversationNotFound' });
    await dm('t:stale:1', isaac.personId, 'After a reinstall');
    await drain();
    const opened = world.fake.personalConversationFor(isaac.aad);
    expect(world.fake.activitiesTo(opened)).toHaveLength(1);
    expect(await ctx.db.select().from(teamsConversations).where(eq(teamsConversations.id, isaac.conversationId!))).toEqual([]);
    expect(await rowOf('t:stale:1')).toMatchObject({ status: 'sent', platformChannelId: opened, attempts: 0 });
  });

  it('updates a sent message in place by its recorded activity id (a replacesKey row)', async () => {
    await dm('t:upd:1', maya.personId, 'Please answer');
    await drain();
    const first = await rowOf('t:upd:1');
    await enqueueMessage(ctx.db, {
      idempotencyKey: 't:upd:1:answered',
      kind: 'test',
      recipientPersonId: maya.personId,
      replacesKey: 't:upd:1',
      message: message('Answered', paragraph('Answered ✓')),
    });
    await drain();
    const [update] = world.fake.updates();
    expect(update).toMatchObject({ method: 'PUT', conversationId: maya.conversationId, activityId: first.platformMessageId });
    expect(world.fake.activitiesTo(maya.conversationId!)).toHaveLength(1);
    expect(JSON.stringify(world.fake.activity(maya.conversationId!, first.platformMessageId!)?.attachments)).toContain('Answered ✓');
  });

  it('sends a message too large for one card as its first card, then the rest as parts retried on their own', async () => {
    const long = Array.from({ length: 12 }, (_, i) => paragraph(`Section ${i + 1}: ${'lorem ipsum dolor sit amet '.repeat(120)}`));
    await enqueueMessage(ctx.db, { idempotencyKey: 't:big:1', kind: 'test', recipientPersonId: maya.personId, message: message('A long message', ...long) });
    // The second part fails once: the first is not sent again.
    await deliverDueMessages({ db: ctx.db, clock, senders: { teams: sender() } });
    world.fake.failNext(`POST /v3/conversations/${maya.conversationId}/activities`, { status: 502 });
    await drain();
    const delivered = world.fake.activitiesTo(maya.conversationId!);
    expect(delivered.length).toBeGreaterThan(1);
    const summaries = delivered.map((c) => String(c.activity?.raw.summary));
    expect(summaries[0]).toBe('A long message');
    expect(summaries.slice(1)).toEqual(summaries.slice(1).map((_, i) => `A long message (part ${i + 2} of ${delivered.length})`));
    expect(new Set(delivered.map((c) => cardText(c, world.fake))).size).toBe(delivered.length);
    for (const call of delivered) expect(byteSize(call.body)).toBeLessThan(TEAMS_MESSAGE_LIMIT);
  });

  it('draws a chart into the card when it fits, and leaves the words only when it would not', async () => {
    const trend = { periods: ['2025-26 Mid', '2025-26 End'], lines: [{ code: 'PC1', name: 'History', levels: [2, 2.5] }] };
    await enqueueMessage(ctx.db, {
      idempotencyKey: 't:chart:small',
      kind: 'test',
      recipientPersonId: maya.personId,
      message: message('Trend', paragraph('Your trend'), chart({ trend, altText: 'PC1 rose from 2 to 2.5', title: 'Levels' })),
    });
    await drain();
    const [small] = world.fake.activitiesTo(maya.conversationId!);
    const body = (world.fake.cardsIn(small!)[0]!.body as Array<{ type: string; url?: string; text?: string }>).map((e) => e.type);
    expect(body).toEqual(['TextBlock', 'TextBlock', 'Image', 'TextBlock']);
    expect(JSON.stringify(world.fake.cardsIn(small!))).toContain('data:image/png;base64,iVBOR');

    // A 20 KB picture (27 KB in base64) does not fit next to 12 KB of words at any scale: the card keeps the words.
    const big: TeamsChartRenderer = async () => Buffer.alloc(20_000, 1);
    world.fake.reset();
    await enqueueMessage(ctx.db, {
      idempotencyKey: 't:chart:big',
      kind: 'test',
      recipientPersonId: maya.personId,
      message: message('Trend 3', paragraph('x'.repeat(2900)), paragraph('y'.repeat(2900)), paragraph('z'.repeat(2900)), paragraph('w'.repeat(2900)), chart({ trend, altText: 'PC1 rose' })),
    });
    await drain(createTeamsSender({ db: ctx.db, api: staticTokenApiFactory(TOKEN), config: world.config, renderChart: big }));
    const [words] = world.fake.activitiesTo(maya.conversationId!);
    expect(JSON.stringify(world.fake.cardsIn(words!))).not.toContain('data:image');
    expect(JSON.stringify(world.fake.cardsIn(words!))).toContain('PC1 rose');
  });
});

describeOnEachEngine('CCC digest on Teams', (ctx) => {
  const world = teamsWorld();
  const clock = fixedClock('2027-01-08T15:00:00Z');
  let programId: string;

  beforeAll(async () => {
    ({ programId } = await seedCccDigestProgram(ctx.db));
    await world.start();
    await ctx.db.update(programs).set({ chatPlatform: 'teams', cccTeamsConversationId: CCC_CHANNEL }).where(eq(programs.id, programId));
    await ctx.db.insert(teamsConversations).values({ id: CCC_CHANNEL, kind: 'channel', serviceUrl: world.fake.serviceUrl, tenantId: TENANT, teamId: '19:team@thread.tacv2' });
  });
  afterAll(async () => world.close());

  it('posts the header in the CCC channel and each resident as a reply in its thread, the trend chart inside each card', async () => {
    const digest = await buildCccDigest({ db: ctx.db, clock, programId, periodCode: '2026-mid' });
    const messages = cccDigestMessages(digest);
    expect(await postCccDigest({ db: ctx.db, clock, programId, periodCode: '2026-mid' })).toMatchObject({ enqueued: 13 });
    // The real sender with the real trend chart renderer.
    const send = createTeamsSender({ db: ctx.db, api: staticTokenApiFactory(TOKEN, { timeoutMs: 10_000 }), config: world.config, timeoutMs: 10_000 });
    for (let pass = 0; pass < 100 && (await pendingMessages(ctx.db)).length > 0; pass += 1) {
      await deliverDueMessages({ db: ctx.db, clock, senders: { teams: send }, paceMs: TEAMS_PACE_MS, concurrency: 1 });
      const due = await nextDueAt(ctx.db, ['teams']);
      if (due) clock.set(new Date(Math.max(due.getTime(), clock.now().getTime())).toISOString());
    }
    expect(await pendingMessages(ctx.db)).toEqual([]);

    const [header, ...topLevel] = world.fake.activitiesTo(CCC_CHANNEL);
    expect(topLevel).toEqual([]);
    expect(header!.activity!.raw.summary).toBe(messages.header.text);
    const headerRow = (await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, cccDigestHeaderKey(programId, '2026-mid'))))[0]!;
    const headerId = (header!.response as { id: string }).id;
    expect(headerRow).toMatchObject({ status: 'sent', platformChannelId: CCC_CHANNEL, platformMessageId: headerId });

    const thread = `${CCC_CHANNEL};messageid=${headerId}`;
    const replies = world.fake.activitiesTo(thread);
    expect(replies.map((c) => c.activity!.raw.summary)).toEqual(messages.residents.map((r) => r.message.text));
    for (const reply of replies) {
      // The whole activity stays under Teams' limit, the picture inside the card, the words with it.
      expect(byteSize(reply.body)).toBeLessThan(TEAMS_MESSAGE_LIMIT);
      const body = world.fake.cardsIn(reply)[0]!.body as Array<{ type: string; url?: string }>;
      const images = body.filter((e) => e.type === 'Image');
      expect(images).toHaveLength(1);
      expect(images[0]!.url).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
    }
    const isaac = cardText(replies[0], world.fake);
    expect(isaac).toContain('low 360 from nurses');
    expect(isaac).toContain('Milestone levels over');
    const rows = await ctx.db.select().from(outboxMessages).where(like(outboxMessages.idempotencyKey, `ccc-digest:${programId}:2026-mid:resident:%`));
    expect(rows.every((r) => r.status === 'sent' && r.platformChannelId === thread)).toBe(true);
  });
});

describeOnEachEngine('Teams pacing (real time)', (ctx) => {
  const world = teamsWorld();
  let maya: Awaited<ReturnType<typeof linkTeams>>;

  beforeAll(async () => {
    await seedDemoProgram(ctx.db);
    await world.start();
    maya = await linkTeams(ctx, world.fake, 'maya.lee');
  });
  afterAll(async () => world.close());

  /** The most calls in any window of `windowMs` (starting at a call). */
  function busiest(times: readonly number[], windowMs: number): number {
    const sorted = [...times].sort((a, b) => a - b);
    let most = 0;
    for (let i = 0, j = 0; i < sorted.length; i += 1) {
      while (j < sorted.length && sorted[j]! < sorted[i]! + windowMs) j += 1;
      most = Math.max(most, j - i);
    }
    return most;
  }

  it('keeps Teams per-conversation limits at its pace: a burst to one conversation goes out one pace apart', async () => {
    // At the production pace no second holds more than 2 and no 30 seconds more than 55 of one conversation's messages.
    expect(Math.floor(1000 / TEAMS_PACE_MS) + 1).toBeLessThanOrEqual(7);
    expect(Math.floor(30_000 / TEAMS_PACE_MS) + 1).toBeLessThanOrEqual(60);

    // The same loop at a tenth of the pace, in real time: windows scaled by the same tenth.
    const scale = 0.1;
    const paceMs = TEAMS_PACE_MS * scale;
    await enqueueMessages(
      ctx.db,
      Array.from({ length: 20 }, (_, i) => ({ idempotencyKey: `t:pace:${i}`, kind: 'test', recipientPersonId: maya.personId, message: message(`Burst ${i}`, paragraph(`Burst ${i}`)) })),
    );
    const delivery = startTeamsDelivery({
      db: ctx.db,
      clock: systemClock,
      api: staticTokenApiFactory(TOKEN, { timeoutMs: 5000 }),
      config: world.config,
      log: () => {},
      paceMs,
      intervalMs: 1000,
    });
    const calls = await world.fake.waitForCount('send', 20, undefined, 15_000);
    await delivery.stop();
    const times = calls.map((c) => c.at);
    expect(calls.map((c) => c.activity?.raw.summary)).toEqual(Array.from({ length: 20 }, (_, i) => `Burst ${i}`));
    expect(busiest(times, 1000 * scale)).toBeLessThanOrEqual(7);
    expect(busiest(times, 30_000 * scale)).toBeLessThanOrEqual(60);
    // Paced, not sent at once: 19 paces at least, less a little for the network's jitter.
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(19 * paceMs - 30);
    expect(world.fake.calls.every((c) => c.status === 201)).toBe(true);
  });

  it('keeps a tenant within 50 requests a second across conversations', async () => {
    world.fake.reset();
    const channels = Array.from({ length: 110 }, (_, i) => `19:tenant-${i}@thread.tacv2`);
    await ctx.db.insert(teamsConversations).values(channels.map((id) => ({ id, kind: 'channel' as const, serviceUrl: world.fake.serviceUrl, tenantId: TENANT })));
    await enqueueMessages(
      ctx.db,
      channels.map((channel, i) => ({ idempotencyKey: `t:tenant:${i}`, kind: 'test', platform: 'teams' as const, recipientChannelId: channel, message: message(`To ${i}`, paragraph(`To ${i}`)) })),
    );
    const send = createTeamsSender({ db: ctx.db, api: staticTokenApiFactory(TOKEN, { timeoutMs: 5000 }), config: world.config });
    const result = await deliverDueMessages({ db: ctx.db, clock: systemClock, senders: { teams: send }, limit: 200, concurrency: 25, paceMs: TEAMS_PACE_MS });
    expect(result).toEqual({ sent: 110, failed: 0 });
    const times = world.fake.callsTo('send').map((c) => c.at);
    expect(times).toHaveLength(110);
    expect(busiest(times, 1000)).toBeLessThanOrEqual(50);
    // 110 requests in windows of 50: at least two full windows apart from first to last.
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(2000);
  });
});
