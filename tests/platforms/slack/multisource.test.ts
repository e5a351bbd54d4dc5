// 360 feedback through the real Slack adapter, on both engines: a round is opened (as the job does), raters answer
// from their DMs with signed block_actions and view_submission requests, and the resident and the CCC read the
// results with /feedback 360. Every Slack call the fake recorded for the resident and for those commands is then
// scanned for any trace of a rater.
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openMultisourceRound } from '../../../src/core/multisource/open-multisource-round.ts';
import type { Db } from '../../../src/db/client.ts';
import {
  auditLog,
  multisourceAnswers,
  multisourceItems,
  multisourceRequests,
  multisourceResponses,
  outboxMessages,
  people,
  programs,
} from '../../../src/db/schema/index.ts';
import { MULTISOURCE_ACTIONS, MULTISOURCE_FORMS } from '../../../src/messages/actions.ts';
import { describeOnEachEngine } from '../../helpers/db.ts';
import type { RecordedCall } from '../../helpers/fake-slack.ts';
import { seedDemoProgram } from '../../helpers/demo-program.ts';
import { stateValue, type ViewStateValue } from '../../helpers/slack-requests.ts';
import { blockText, type OpenedView, type PostedMessage, type SlackWorld, slackIdOf, startSlackWorld } from '../../helpers/slack-world.ts';

// The Medical ICU block that ended Jul 31: Chloe Nguyen and Isaac Mensah were on it; its raters are three nurses
// (Rosa, Tom, Uma) and a respiratory therapist (Ivy). The program's threshold is 3.
const NURSES = ['rosa.delgado', 'tom.becker', 'uma.iyer'] as const;
const RATERS = [...NURSES, 'ivy.tran', 'nadia.karim', 'leo.marsh'] as const;

const COMMENTS = {
  rosa: 'Calm and clear at the bedside.',
  rosaAgain: 'Calm, clear, and always updates the family.',
  tom: 'Returns pages fast, even at night.',
  uma: 'Could explain plans to families in plainer words.',
};

function inputIds(view: OpenedView): string[] {
  return view.blocks.filter((b) => b.type === 'input').map((b) => String(b.block_id));
}

function itemFields(view: OpenedView): string[] {
  return inputIds(view).filter((id) => id.startsWith('item_'));
}

/** The modal's answers: every item the same score (or one item overridden), and the comment. */
function answers(view: OpenedView, score: string, comment: string | null, override: Record<string, string> = {}): Record<string, ViewStateValue> {
  return {
    ...Object.fromEntries(itemFields(view).map((id) => [id, stateValue.staticSelect(override[id] ?? score)])),
    comment: stateValue.plainText(comment),
  };
}

function blocksOf(call: RecordedCall): Record<string, unknown>[] {
  return call.args.blocks as Record<string, unknown>[];
}

/** The DM as it reads after a chat.update, so a test can click its new buttons. */
function redrawn(dm: PostedMessage, update: RecordedCall): PostedMessage {
  return { ...dm, text: String(update.args.text), blocks: blocksOf(update) };
}

async function requestFor(db: Db, world: SlackWorld, rater: string, resident: string) {
  const [request] = await db
    .select()
    .from(multisourceRequests)
    .where(and(eq(multisourceRequests.raterId, await world.personId(rater)), eq(multisourceRequests.residentId, await world.personId(resident))));
  if (!request) throw new Error(`no 360 request to ${rater} about ${resident}`);
  return request;
}

/** Everything a refused request could have changed. */
async function snapshot(db: Db) {
  return {
    responses: await db.select().from(multisourceResponses).orderBy(multisourceResponses.id),
    answers: await db.select().from(multisourceAnswers).orderBy(multisourceAnswers.responseId, multisourceAnswers.itemId),
    requests: await db.select({ id: multisourceRequests.id, status: multisourceRequests.status }).from(multisourceRequests).orderBy(multisourceRequests.id),
    outbox: (await db.select({ n: sql<number>`count(*)::int` }).from(outboxMessages))[0]!.n,
  };
}

describeOnEachEngine('Slack: 360 feedback', (ctx) => {
  let world: SlackWorld;
  /** Response ids of every /feedback 360 typed by the resident or the CCC, for the anonymity scan. */
  const summaryReplies: string[] = [];
  const summaryTriggers: string[] = [];

  async function summary(handle: string, text: string, responseId: string): Promise<RecordedCall> {
    const command = await world.command(handle, text, responseId);
    expect(command.status).toBe(200);
    summaryReplies.push(responseId);
    summaryTriggers.push(command.triggerId);
    return world.reply(responseId);
  }

  beforeAll(async () => {
    await seedDemoProgram(ctx.db);
    world = await startSlackWorld(ctx.db);
    // Raters who have used the bot before: their DMs can be delivered.
    await world.link(...RATERS);
    const [program] = await ctx.db.select({ id: programs.id }).from(programs).where(eq(programs.slug, 'internal-medicine'));
    const round = await openMultisourceRound({ db: ctx.db, clock: world.clock, programId: program!.id, rotationCode: 'MICU', endsOn: '2026-07-31' });
    expect(round).toMatchObject({ residents: 2, raters: 4, requested: 8 });
    expect(await world.deliver()).toEqual({ sent: 8, failed: 0 });
  });
  afterAll(async () => world?.stop());

  const dmAbout = (rater: string, resident = 'Chloe Nguyen') => world.dm('multisource-request', rater, resident);

  let rosasView: OpenedView;

  it('a rater answers in one click and one submit: Answer opens the modal, the submit stores the response and redraws the DM', async () => {
    const dm = await dmAbout('rosa.delgado');
    expect(dm.text).toMatch(/^360 feedback for Chloe Nguyen: \d quick questions, under a minute\.$/);
    expect(world.button(dm, MULTISOURCE_ACTIONS.answer).text.text).toBe('Answer');
    expect(world.button(dm, MULTISOURCE_ACTIONS.didNotWorkWith).text.text).toBe('I did not work with this resident');

    const click = await world.click('rosa.delgado', dm, world.button(dm, MULTISOURCE_ACTIONS.answer));
    expect(click.status).toBe(200);
    rosasView = await world.openedView(click.triggerId);
    expect(rosasView.callback_id).toBe(MULTISOURCE_FORMS.response);
    const items = itemFields(rosasView);
    expect(items.length).toBeGreaterThanOrEqual(3);
    expect(inputIds(rosasView)).toEqual([...items, 'comment']);
    const first = rosasView.blocks.find((b) => b.block_id === items[0])!.element as { type: string; options: { value: string }[] };
    expect(first.type).toBe('static_select');
    expect(first.options.map((o) => o.value)).toEqual(['1', '2', '3', '4', '5', 'not_observed']);
    expect(blockText(rosasView.blocks)).toContain('never with your name');

    const response = await world.submit('rosa.delgado', rosasView, answers(rosasView, '4', COMMENTS.rosa, { [items[1]!]: 'not_observed' }));
    // One submit: the modal closes and the answer is stored.
    expect(response.body).toBe('');
    const update = await world.fake.waitFor('chat.update', (c) => c.args.ts === dm.ts);
    expect(update.args.channel).toBe(dm.channel);
    expect(blockText(blocksOf(update))).toContain('Answered ✓');
    expect(world.button(redrawn(dm, update), MULTISOURCE_ACTIONS.answer).text.text).toBe('Change my answer');

    const request = await requestFor(ctx.db, world, 'rosa.delgado', 'chloe.nguyen');
    expect(request.status).toBe('answered');
    const stored = await ctx.db.select().from(multisourceResponses).where(eq(multisourceResponses.requestId, request.id));
    expect(stored).toEqual([expect.objectContaining({ didNotWorkWith: false, comment: COMMENTS.rosa })]);
    const scores = await ctx.db.select().from(multisourceAnswers).where(eq(multisourceAnswers.responseId, stored[0]!.id));
    // "Not observed" stores no score.
    expect(scores.map((s) => s.score)).toEqual(items.slice(1).map(() => 4));
    // No message to the resident per answer: its timing alone would say who answered.
    expect(await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.recipientPersonId, await world.personId('chloe.nguyen')))).toEqual([]);
  });

  it('answering again opens the stored answer and updates it: still one response', async () => {
    const dm = await dmAbout('rosa.delgado');
    const update = await world.fake.waitFor('chat.update', (c) => c.args.ts === dm.ts);
    const click = await world.click('rosa.delgado', redrawn(dm, update), world.button(redrawn(dm, update), MULTISOURCE_ACTIONS.answer));
    const view = await world.openedView(click.triggerId);
    const [first, second] = itemFields(view);
    expect((view.blocks.find((b) => b.block_id === first)!.element as { initial_option?: { value: string } }).initial_option?.value).toBe('4');
    expect((view.blocks.find((b) => b.block_id === second)!.element as { initial_option?: { value: string } }).initial_option?.value).toBe('not_observed');
    expect((view.blocks.find((b) => b.block_id === 'comment')!.element as { initial_value?: string }).initial_value).toBe(COMMENTS.rosa);
    expect((view as unknown as { submit: { text: string } }).submit.text).toBe('Update answer');

    const before = await ctx.db.select().from(multisourceResponses);
    expect((await world.submit('rosa.delgado', view, answers(view, '5', COMMENTS.rosaAgain))).body).toBe('');
    await world.fake.waitForCount('chat.update', 2, (c) => c.args.ts === dm.ts);
    const after = await ctx.db.select().from(multisourceResponses);
    expect(after).toHaveLength(before.length);
    const request = await requestFor(ctx.db, world, 'rosa.delgado', 'chloe.nguyen');
    const mine = after.filter((r) => r.requestId === request.id);
    expect(mine).toEqual([expect.objectContaining({ id: before.find((r) => r.requestId === request.id)!.id, comment: COMMENTS.rosaAgain })]);
    const scores = await ctx.db.select().from(multisourceAnswers).where(eq(multisourceAnswers.responseId, mine[0]!.id));
    expect(scores.map((s) => s.score)).toEqual(itemFields(view).map(() => 5));
  });

  it('"I did not work with this resident" is recorded once, never as an answer, and the DM offers to answer anyway', async () => {
    const dm = await dmAbout('ivy.tran');
    const button = world.button(dm, MULTISOURCE_ACTIONS.didNotWorkWith);
    expect((await world.click('ivy.tran', dm, button)).status).toBe(200);
    const update = await world.fake.waitFor('chat.update', (c) => c.args.ts === dm.ts);
    expect(blockText(blocksOf(update))).toContain('You said you did not work with Chloe Nguyen');
    expect(world.button(redrawn(dm, update), MULTISOURCE_ACTIONS.answer).text.text).toBe('Answer anyway');
    // A second click (another device) changes nothing.
    await world.click('ivy.tran', dm, button);
    await world.fake.waitForCount('chat.update', 2, (c) => c.args.ts === dm.ts);

    const request = await requestFor(ctx.db, world, 'ivy.tran', 'chloe.nguyen');
    expect(request.status).toBe('did_not_work_with');
    const responses = await ctx.db.select().from(multisourceResponses).where(eq(multisourceResponses.requestId, request.id));
    expect(responses).toEqual([expect.objectContaining({ didNotWorkWith: true, comment: null })]);
    expect(await ctx.db.select().from(multisourceAnswers).where(eq(multisourceAnswers.responseId, responses[0]!.id))).toEqual([]);
  });

  it('a rater acting on someone else’s request is refused, and nothing changes', async () => {
    const dm = await dmAbout('tom.becker');
    const before = await snapshot(ctx.db);
    const updates = world.fake.callsTo('chat.update').length;
    const opened = world.fake.callsTo('views.open').length;

    // Rosa clicking Tom's buttons (a forwarded or shared message): no modal, no record.
    const answer = await world.click('rosa.delgado', dm, world.button(dm, MULTISOURCE_ACTIONS.answer));
    expect((await world.reply(answer.triggerId)).args).toMatchObject({
      response_type: 'ephemeral',
      text: 'Only the person this 360 request was sent to can answer it.',
    });
    const decline = await world.click('rosa.delgado', dm, world.button(dm, MULTISOURCE_ACTIONS.didNotWorkWith));
    expect((await world.reply(decline.triggerId)).args.text).toBe('Only the person this 360 request was sent to can answer it.');
    // The resident the request is about cannot answer it either.
    const self = await world.click('chloe.nguyen', dm, world.button(dm, MULTISOURCE_ACTIONS.answer));
    expect((await world.reply(self.triggerId)).args.text).toBe('You cannot give 360 feedback about yourself.');

    // A submission of Rosa's modal by Tom: the modal turns into the refusal.
    const submitted = await world.submit('tom.becker', rosasView, answers(rosasView, '1', 'Not mine to say.'));
    expect(submitted.body).toMatchObject({ response_action: 'update', view: { type: 'modal' } });
    expect(blockText((submitted.body as { view: { blocks: Record<string, unknown>[] } }).view.blocks)).toBe(
      'Only the person this 360 request was sent to can answer it.',
    );

    expect(world.fake.callsTo('views.open')).toHaveLength(opened);
    expect(world.fake.callsTo('chat.update')).toHaveLength(updates);
    expect(await snapshot(ctx.db)).toEqual(before);
  });

  it('a score outside 1–5 in the submitted state gets a clear message in the modal and changes nothing', async () => {
    const dm = await dmAbout('uma.iyer');
    const click = await world.click('uma.iyer', dm, world.button(dm, MULTISOURCE_ACTIONS.answer));
    const view = await world.openedView(click.triggerId);
    const [first, second, third] = itemFields(view);
    const before = await snapshot(ctx.db);

    const six = await world.submit('uma.iyer', view, answers(view, '3', COMMENTS.uma, { [first!]: '6' }));
    expect(six.body).toEqual({
      response_action: 'errors',
      errors: { [first!]: '“6” is not on the scale: choose a point from 1 to 5, or “Not observed”.' },
    });
    const zeroAndHalf = await world.submit('uma.iyer', view, answers(view, '3', COMMENTS.uma, { [second!]: '0', [third!]: '2.5' }));
    expect(zeroAndHalf.body).toEqual({
      response_action: 'errors',
      errors: {
        [second!]: '“0” is not on the scale: choose a point from 1 to 5, or “Not observed”.',
        [third!]: '“2.5” is not on the scale: choose a point from 1 to 5, or “Not observed”.',
      },
    });
    const missing = await world.submit('uma.iyer', view, { ...answers(view, '3', COMMENTS.uma), [first!]: stateValue.staticSelect(null) });
    expect(missing.body).toEqual({ response_action: 'errors', errors: { [first!]: 'Choose a point from 1 to 5, or “Not observed”.' } });

    expect(await snapshot(ctx.db)).toEqual(before);
    expect(world.fake.callsTo('chat.update').filter((c) => c.args.ts === dm.ts)).toEqual([]);
  });

  it('the threshold rule end to end: with 2 nurses answered Chloe’s /feedback 360 says "not enough responses yet"; with 3 it shows the aggregates', async () => {
    const tom = await dmAbout('tom.becker');
    const tomsView = await world.openedView((await world.click('tom.becker', tom, world.button(tom, MULTISOURCE_ACTIONS.answer))).triggerId);
    expect((await world.submit('tom.becker', tomsView, answers(tomsView, '4', COMMENTS.tom))).body).toBe('');
    await world.fake.waitFor('chat.update', (c) => c.args.ts === tom.ts);

    // Two nurses (Rosa, Tom) have answered: hidden, with no count and no comment.
    const hidden = await summary('chloe.nguyen', '360', '360-chloe-2');
    expect(hidden.args.response_type).toBe('ephemeral');
    const hiddenText = blockText(blocksOf(hidden));
    expect(hiddenText).toContain('Your 360 feedback');
    expect(hiddenText).toContain('*Nurses* — not enough responses yet');
    expect(hiddenText).toContain('*Therapists* — not enough responses yet');
    expect(hiddenText).not.toContain('of 5');
    for (const comment of [COMMENTS.rosaAgain, COMMENTS.tom]) expect(hiddenText).not.toContain(comment);
    expect(hiddenText).not.toMatch(/\b2 responses\b/);

    // The CCC sees counts below the threshold, but not the scores or comments.
    const cccHidden = await summary('omar.haddad', `360 <@${slackIdOf('chloe.nguyen')}|chloe.nguyen>`, '360-ccc-2');
    const cccHiddenText = blockText(blocksOf(cccHidden));
    expect(cccHiddenText).toContain('360 feedback: Chloe Nguyen');
    expect(cccHiddenText).toContain('*Nurses* — not enough responses yet (2 of 3 answered; results show at 3)');
    expect(cccHiddenText).not.toContain(COMMENTS.tom);

    const uma = await dmAbout('uma.iyer');
    const umasView = await world.openedView((await world.click('uma.iyer', uma, world.button(uma, MULTISOURCE_ACTIONS.answer))).triggerId);
    expect((await world.submit('uma.iyer', umasView, answers(umasView, '3', COMMENTS.uma))).body).toBe('');
    await world.fake.waitFor('chat.update', (c) => c.args.ts === uma.ts);

    const shown = await summary('chloe.nguyen', '360', '360-chloe-3');
    const shownText = blockText(blocksOf(shown));
    expect(shownText).toContain('*Nurses* — 3 responses');
    // Rosa 5, Tom 4, Uma 3 on every item.
    expect(shownText).toContain('4.0 of 5');
    for (const comment of [COMMENTS.rosaAgain, COMMENTS.tom, COMMENTS.uma]) expect(shownText).toContain(comment);
    expect(shownText).not.toContain(COMMENTS.rosa);
    // The therapist said she did not work with Chloe: that group stays hidden.
    expect(shownText).toContain('*Therapists* — not enough responses yet');

    const ccc = await summary('omar.haddad', `360 <@${slackIdOf('chloe.nguyen')}|chloe.nguyen>`, '360-ccc-3');
    const cccText = blockText(blocksOf(ccc));
    expect(cccText).toContain('*Nurses* — 3 of 3 answered');
    expect(cccText).toContain('*Therapists* — not enough responses yet (0 of 1 answered, 1 did not work with the resident; results show at 3)');
    expect(cccText).toContain('4.0 of 5');
    // Each CCC read is audited, with the surface it came from.
    const reads = await ctx.db.select().from(auditLog).where(eq(auditLog.action, 'multisource.summary.ccc'));
    expect(reads).toEqual([
      expect.objectContaining({ actorId: await world.personId('omar.haddad'), subjectId: await world.personId('chloe.nguyen'), channel: 'slack' }),
      expect.objectContaining({ actorId: await world.personId('omar.haddad'), subjectId: await world.personId('chloe.nguyen'), channel: 'slack' }),
    ]);
  });

  it('only the CCC and the program director see another resident’s 360; the resident’s own view is theirs alone', async () => {
    const mention = `360 <@${slackIdOf('chloe.nguyen')}|chloe.nguyen>`;
    const peer = await summary('isaac.mensah', mention, '360-peer');
    expect(peer.args.text).toBe('Only the CCC and the program director of St. Elsewhere Internal Medicine Residency can see residents’ 360 feedback.');
    const rater = await summary('rosa.delgado', mention, '360-rater');
    expect(rater.args.text).toBe('Only the CCC and the program director of St. Elsewhere Internal Medicine Residency can see residents’ 360 feedback.');
    const director = await summary('maya.lee', mention, '360-pd');
    expect(blockText(blocksOf(director))).toContain('360 feedback: Chloe Nguyen');
    // A CCC member typing the resident's form is told how to name a resident.
    const own = await summary('omar.haddad', '360', '360-ccc-own');
    expect(own.args.text).toBe('Only residents and fellows have 360 feedback to see. To see a resident’s, mention them: /feedback 360 @name.');
    const unreadable = await summary('omar.haddad', '360 Chloe please', '360-unreadable');
    expect(blockText(blocksOf(unreadable))).toContain('To see a resident’s 360 feedback, mention only them: /feedback 360 @name.');
  });

  it('no Slack call addressed to the resident or answering the resident’s or the CCC’s /feedback 360 holds a rater’s name, email or id', async () => {
    const chloe = slackIdOf('chloe.nguyen');
    const chloesChannels = new Set([chloe, world.fake.dmChannelFor(chloe)]);
    const scanned = world.fake.calls.filter(
      (call) =>
        chloesChannels.has(String(call.args.channel)) ||
        (call.method === 'response_url' && summaryReplies.includes(call.targetId ?? '')) ||
        summaryTriggers.includes(String(call.args.trigger_id)) ||
        // Anything else that names the resident's Slack account (a user id in a form, an ephemeral to her).
        String(call.args.user) === chloe,
    );
    // The scan must have something to find: the summaries with a visible group and its comments.
    expect(scanned.length).toBeGreaterThanOrEqual(summaryReplies.length);
    const everything = JSON.stringify(scanned);
    expect(everything).toContain(COMMENTS.uma);
    expect(everything).toContain('Nurses');

    const raters = await ctx.db.select().from(people).where(sql`${people.email} in ${RATERS.map((r) => `${r}@stelsewhere.example.org`)}`);
    expect(raters).toHaveLength(RATERS.length);
    for (const call of scanned) {
      const json = JSON.stringify(call.args);
      for (const rater of raters) {
        const handle = rater.email.split('@')[0]!;
        const slackId = slackIdOf(handle);
        const needles: [string, string][] = [
          ['name', rater.name],
          ['email', rater.email],
          ['email user', handle],
          ['person id', rater.id],
          ['Slack user id', slackId],
          ['Slack DM channel', world.fake.dmChannelFor(slackId)],
        ];
        for (const [what, needle] of needles) {
          expect(json.toLowerCase().includes(needle.toLowerCase()), `${call.method} shows ${rater.name}'s ${what}`).toBe(false);
        }
        for (const part of rater.name.split(' ')) {
          expect(new RegExp(`\\b${part}\\b`, 'i').test(json), `${call.method} shows "${part}" (${rater.name})`).toBe(false);
        }
      }
    }
    // The items' prompts are the instrument's words, not a rater's: the scan above would catch a name in them too.
    expect((await ctx.db.select().from(multisourceItems)).length).toBeGreaterThan(0);
  });

  it('/feedback help lists the 360 commands', async () => {
    await world.command('chloe.nguyen', 'help', '360-help');
    const text = blockText(blocksOf(await world.reply('360-help')));
    expect(text).toContain('/feedback 360* shows your 360 feedback');
    expect(text).toContain('/feedback 360 @name* (CCC members and the program director)');
  });
});
