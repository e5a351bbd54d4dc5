// Bad input through the real Teams adapter: a card submission with missing or out-of-range inputs, an action on
// someone else's card, a replayed invoke, a stale or hand-made payload, a vague typed question. Each gets a clear card
// or message as the invoke response, and the database (requests, entries, outbox) is checked to be unchanged.
import { count, eq } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '../../../src/db/client.ts';
import { feedbackEntries, feedbackRatings, feedbackRequests, outboxMessages } from '../../../src/db/schema/index.ts';
import { ACTIONS, FORMS, SUBJECTS } from '../../../src/messages/actions.ts';
import type { Message } from '../../../src/messages/model.ts';
import { STALE_CARD } from '../../../src/platforms/teams/inbound.ts';
import { renderMessageCard } from '../../../src/platforms/teams/render/adaptive-card.ts';
import { describeOnEachEngine } from '../../helpers/db.ts';
import { seedDemoProgram } from '../../helpers/demo-program.ts';
import { personalConversationOf, startTeamsWorld, type TeamsResponse, type TeamsWorld } from '../../helpers/teams-world.ts';

type Json = Record<string, unknown>;

async function rows(db: Db, table: PgTable) {
  const [row] = await db.select({ n: count() }).from(table);
  return row!.n;
}

const CARD = 'application/vnd.microsoft.card.adaptive';
const TEXT = 'application/vnd.microsoft.activity.message';

/** The card an invoke response replaces the pressed card with (fails if the response is not a card). */
function replacedCard(response: TeamsResponse): Json {
  expect(response.status).toBe(200);
  expect(response.body).toMatchObject({ statusCode: 200, type: CARD });
  return (response.body as { value: Json }).value;
}

/** The message an invoke response shows beside the card, which stays as it is (fails if it is not a message). */
function shownText(response: TeamsResponse): string {
  expect(response.status).toBe(200);
  expect(response.body).toMatchObject({ statusCode: 200, type: TEXT });
  return (response.body as { value: string }).value;
}

/** Every Action.Execute of a card, wherever it sits (card actions, action sets). */
function executes(node: unknown): Array<{ verb: string; data: Json; title?: string }> {
  if (Array.isArray(node)) return node.flatMap(executes);
  if (!node || typeof node !== 'object') return [];
  const own = (node as Json).type === 'Action.Execute' ? [node as { verb: string; data: Json; title?: string }] : [];
  return [...own, ...Object.values(node).flatMap(executes)];
}

function executeOf(card: Json, verb: string) {
  const found = executes(card).find((action) => action.verb === verb);
  if (!found) throw new Error(`no Action.Execute ${verb} in ${JSON.stringify(card).slice(0, 500)}`);
  return found;
}

/** All text of a card's TextBlocks. */
function cardText(card: Json): string {
  const texts: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    if ((node as Json).type === 'TextBlock') texts.push(String((node as Json).text));
    Object.values(node).forEach(walk);
  };
  walk(card);
  return texts.join('\n');
}

function inputOf(card: Json, id: string): Json {
  const input = (card.body as Json[]).find((element) => element.id === id);
  if (!input) throw new Error(`no input ${id}`);
  return input;
}

/** The problem shown under an input of a form card (the attention-coloured text right after it), if any. */
function errorUnder(card: Json, id: string): string | undefined {
  const body = card.body as Json[];
  const next = body[body.findIndex((element) => element.id === id) + 1];
  return next?.type === 'TextBlock' && next.color === 'Attention' ? String(next.text) : undefined;
}

const SPECIFIC_QUESTION = 'How can I make my sign-out to the night team more concise?';
const KEEP = 'You named the active problems first.';
const CHANGE = 'Trim the normal labs from the handoff.';
const NEXT = 'Tonight, give each handoff in under 60 seconds.';

describeOnEachEngine('Teams: bad input gets a clear card or message and changes nothing', (ctx) => {
  let world: TeamsWorld;
  let requestId: string;
  /** Maya's request card as the delivery worker would render it, and the activity id it would have. */
  let requestCard: Json;
  const requestCardId = 'maya-request-card';
  let answerForm: Json;

  beforeAll(async () => {
    await seedDemoProgram(ctx.db);
    world = await startTeamsWorld(ctx.db);
    // Ana asks Maya about PC3 through the request form card (so the answer form has a level picker).
    expect((await world.say('ana.ruiz', 'feedback')).status).toBe(200);
    const formCall = world.fake.activitiesTo(personalConversationOf('ana.ruiz')).at(-1)!;
    const submit = executeOf(world.fake.cardsIn(formCall)[0]!, FORMS.requestFeedback);
    const sent = replacedCard(
      await world.execute(
        'ana.ruiz',
        FORMS.requestFeedback,
        {
          ...submit.data,
          assessor: await world.personId('maya.lee'),
          subcompetency: 'PC3',
          question: SPECIFIC_QUESTION,
          context: 'Night float handoff, Tuesday',
          encounter: '2026-11-01',
          due: '2026-11-05',
        },
        (formCall.response as { id: string }).id,
      ),
    );
    expect(cardText(sent)).toContain('Maya Lee');
    const [request] = await ctx.db.select().from(feedbackRequests);
    expect(request).toMatchObject({ status: 'open', question: SPECIFIC_QUESTION });
    expect(request!.subcompetencyId).not.toBeNull();
    requestId = request!.id;
    const [dm] = await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.kind, 'feedback-request'));
    requestCard = renderMessageCard(dm!.message as Message) as unknown as Json;
  });
  afterAll(async () => world?.stop());

  /** Rows that any accepted action would add or change, and the calls the bot made at the fake Bot Connector. */
  async function state() {
    const [request] = await ctx.db.select({ status: feedbackRequests.status }).from(feedbackRequests).where(eq(feedbackRequests.id, requestId));
    return {
      requests: await rows(ctx.db, feedbackRequests),
      entries: await rows(ctx.db, feedbackEntries),
      ratings: await rows(ctx.db, feedbackRatings),
      outbox: await rows(ctx.db, outboxMessages),
      status: request?.status,
      calls: world.fake.calls.filter((call) => call.operation !== 'getMember').length,
    };
  }

  /** Maya's answer-form submission with these inputs (what Teams merges into the submit's data). */
  function answer(inputs: Json, handle = 'maya.lee') {
    const submit = executeOf(answerForm, FORMS.answerRequest);
    return world.execute(handle, FORMS.answerRequest, { ...submit.data, ...inputs }, requestCardId);
  }

  it('Answer on the request card replaces it with the answer form, levels offered for the subcompetency', async () => {
    const before = await state();
    const press = executeOf(requestCard, ACTIONS.answerRequest);
    answerForm = replacedCard(await world.execute('maya.lee', press.verb, press.data, requestCardId));
    expect(cardText(answerForm)).toContain('Answer feedback request');
    expect(inputOf(answerForm, 'level')).toMatchObject({ type: 'Input.ChoiceSet' });
    expect((inputOf(answerForm, 'level').choices as Json[]).map((c) => c.value)).toContain('2.5');
    expect(executeOf(answerForm, FORMS.answerRequest).data).toEqual({ kind: SUBJECTS.feedbackRequest, id: requestId, version: 1 });
    expect(await state()).toEqual(before);
  });

  it('a submission without the next step: the same form back, the problem under the input, what was typed kept; nothing stored', async () => {
    const before = await state();
    const form = replacedCard(await answer({ level: '2.5', reinforcing: KEEP, corrective: '', next_step: '' }));
    expect(cardText(form)).toContain('Answer feedback request');
    expect(errorUnder(form, 'next_step')).toMatch(/next step/);
    expect(errorUnder(form, 'reinforcing')).toBeUndefined();
    expect(inputOf(form, 'level').value).toBe('2.5');
    expect(inputOf(form, 'reinforcing').value).toBe(KEEP);
    expect(inputOf(form, 'next_step').value).toBeUndefined();
    // The form still submits to the same request.
    expect(executeOf(form, FORMS.answerRequest).data).toEqual({ kind: SUBJECTS.feedbackRequest, id: requestId, version: 1 });
    expect(await state()).toEqual(before);
  });

  it('a submission with no comment at all is refused the same way, naming what is missing', async () => {
    const before = await state();
    const form = replacedCard(await answer({ level: '', reinforcing: '  ', corrective: '', next_step: NEXT }));
    expect(errorUnder(form, 'reinforcing')).toMatch(/at least one comment/);
    expect(inputOf(form, 'next_step').value).toBe(NEXT);
    expect(await state()).toEqual(before);
  });

  it('a level out of range ("7") is refused under the level input; nothing stored', async () => {
    const before = await state();
    const form = replacedCard(await answer({ level: '7', reinforcing: KEEP, corrective: CHANGE, next_step: NEXT }));
    expect(errorUnder(form, 'level')).toBe('That is not a level on the milestone scale.');
    expect(inputOf(form, 'reinforcing').value).toBe(KEEP);
    expect(inputOf(form, 'next_step').value).toBe(NEXT);
    expect(await state()).toEqual(before);
  });

  it('a comment over the limit is refused under its input; nothing stored', async () => {
    const before = await state();
    const form = replacedCard(await answer({ level: '2.5', reinforcing: KEEP, corrective: CHANGE, next_step: 'x'.repeat(501) }));
    expect(errorUnder(form, 'next_step')).toBe('Please keep this under 500 characters (it has 501).');
    expect(await state()).toEqual(before);
  });

  it("another faculty member pressing Answer or Can't answer on Maya's card gets a clear message; the card and the request stay", async () => {
    const before = await state();
    const answerPress = executeOf(requestCard, ACTIONS.answerRequest);
    expect(shownText(await world.execute('omar.haddad', answerPress.verb, answerPress.data, requestCardId))).toBe(
      'Only the person this request was sent to can answer it.',
    );
    const decline = executeOf(requestCard, ACTIONS.cannotAnswer);
    expect(shownText(await world.execute('omar.haddad', decline.verb, decline.data, requestCardId))).toBe(
      'Only the person this request was sent to can answer it.',
    );
    expect(await state()).toEqual(before);
  });

  it("another faculty member or the resident submitting Maya's answer form gets a clear message; nothing stored", async () => {
    const before = await state();
    const full = { level: '2.5', reinforcing: KEEP, corrective: CHANGE, next_step: NEXT };
    expect(shownText(await answer(full, 'priya.raman'))).toBe('Only the person this request was sent to can answer it.');
    expect(shownText(await answer(full, 'ana.ruiz'))).toBe('You cannot answer your own request.');
    expect(shownText(await answer(full, 'ben.okafor'))).toBe('Only the person this request was sent to can answer it.');
    expect(await state()).toEqual(before);
  });

  it('the same submission posted twice (a replay): one answer stored; the second shows the answered card and sends nothing', async () => {
    const submit = executeOf(answerForm, FORMS.answerRequest);
    const activity = {
      ...world.messageActivity('maya.lee', ''),
      text: undefined,
      type: 'invoke',
      name: 'adaptiveCard/action',
      replyToId: requestCardId,
      value: { action: { type: 'Action.Execute', verb: FORMS.answerRequest, data: { ...submit.data, level: '2.5', reinforcing: KEEP, corrective: CHANGE, next_step: NEXT } }, trigger: 'manual' },
    };
    const before = await state();
    const first = replacedCard(await world.post(activity));
    expect(cardText(first)).toContain('Answered ✓');
    expect(executes(first)).toEqual([]);
    const afterFirst = await state();
    expect(afterFirst).toMatchObject({ entries: before.entries + 1, ratings: before.ratings + 1, status: 'answered', requests: before.requests });
    // The answer to Ana, and the redraw of Maya's request DM without its buttons.
    expect(afterFirst.outbox).toBe(before.outbox + 2);
    const [entry] = await ctx.db.select().from(feedbackEntries);
    expect(entry).toMatchObject({ feedbackRequestId: requestId, reinforcing: KEEP, corrective: CHANGE, nextStep: NEXT });

    const second = replacedCard(await world.post(activity));
    expect(second).toEqual(first);
    expect(await state()).toEqual(afterFirst);
  });

  it('Answer pressed again on an old copy of the card, once answered, says so; nothing changes', async () => {
    const before = await state();
    const press = executeOf(requestCard, ACTIONS.answerRequest);
    expect(shownText(await world.execute('maya.lee', press.verb, press.data, requestCardId))).toBe('You already answered this request ✓');
    const decline = executeOf(requestCard, ACTIONS.cannotAnswer);
    replacedCard(await world.execute('maya.lee', decline.verb, decline.data, requestCardId));
    expect(await state()).toEqual(before);
  });

  const garbage: Array<[string, () => [string, Json]]> = [
    ['an unknown verb', () => ['feedback.frobnicate', { kind: SUBJECTS.feedbackRequest, id: requestId, version: 1 }]],
    ['an id that is not a uuid', () => [FORMS.answerRequest, { kind: SUBJECTS.feedbackRequest, id: "1; drop table feedback_entries; --", version: 1 }]],
    ['a payload of the wrong kind for the verb', () => [ACTIONS.answerRequest, { kind: SUBJECTS.feedbackEntry, id: requestId, version: 1 }]],
    ['no payload at all', () => [ACTIONS.answerRequest, {}]],
    ['a payload with a bad version', () => [ACTIONS.answerRequest, { kind: SUBJECTS.feedbackRequest, id: requestId, version: 'one' }]],
  ];
  for (const [what, make] of garbage) {
    it(`a stale or hand-made card (${what}) gets "the card could not be read"; nothing changes`, async () => {
      const before = await state();
      const [verb, data] = make();
      expect(shownText(await world.execute('maya.lee', verb, data, requestCardId))).toBe(STALE_CARD);
      expect(await state()).toEqual(before);
    });
  }

  it('an invoke that is not an Action.Execute the bot understands gets the same message', async () => {
    const before = await state();
    const { text: _text, ...base } = world.messageActivity('maya.lee', '');
    const response = await world.post({ ...base, type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Submit', data: { kind: SUBJECTS.feedbackRequest, id: requestId, version: 1 } } } });
    expect(shownText(response)).toBe(STALE_CARD);
    expect(await state()).toEqual(before);
  });

  it('a well-formed payload naming a request that does not exist says so', async () => {
    const before = await state();
    const data = { kind: SUBJECTS.feedbackRequest, id: '0190a0b0-0000-7000-8000-000000000000', version: 1 };
    expect(shownText(await world.execute('maya.lee', ACTIONS.answerRequest, data))).toBe('That feedback request no longer exists.');
    expect(await state()).toEqual(before);
  });

  it('a request-form submission with an option that is not offered is refused under that input; no request stored', async () => {
    expect((await world.say('ana.ruiz', 'feedback')).status).toBe(200);
    const formCall = world.fake.activitiesTo(personalConversationOf('ana.ruiz')).at(-1)!;
    const submit = executeOf(world.fake.cardsIn(formCall)[0]!, FORMS.requestFeedback);
    const before = await state();
    const inputs = { assessor: await world.personId('maya.lee'), subcompetency: 'ZZ9', question: SPECIFIC_QUESTION, due: '2026-11-05' };
    const form = replacedCard(await world.execute('ana.ruiz', FORMS.requestFeedback, { ...submit.data, ...inputs }, (formCall.response as { id: string }).id));
    expect(errorUnder(form, 'subcompetency')).toBe('That option is no longer available. Please choose again.');
    expect(inputOf(form, 'question').value).toBe(SPECIFIC_QUESTION);
    expect(await state()).toEqual(before);
  });

  it('a typed "feedback @Maya Lee How am I doing?" gets the coach\'s suggestion; no request stored', async () => {
    const before = await state();
    const sends = world.fake.activitiesTo(personalConversationOf('ana.ruiz')).length;
    expect((await world.say('ana.ruiz', 'feedback @Maya Lee How am I doing?')).status).toBe(200);
    const replies = world.fake.activitiesTo(personalConversationOf('ana.ruiz'));
    expect(replies).toHaveLength(sends + 1);
    const text = cardText(world.fake.cardsIn(replies.at(-1)!)[0]!);
    expect(text).toMatch(/^Not sent yet\. Make it more specific: .*Try: ".+\?"/);
    const after = await state();
    expect(after).toEqual({ ...before, calls: before.calls + 1 });
  });

  it('nothing above was an unexpected failure (no error was logged)', () => {
    expect(world.logs).toEqual([]);
  });
});
