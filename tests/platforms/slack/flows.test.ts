// The feedback loop through the real Slack adapter: signed HTTP requests into the Bolt app from createSlackApp,
// its Web API calls recorded by the fake Slack, the database checked after every step, on both engines.
import { count, eq } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { UNKNOWN_USER_MESSAGE } from '../../../src/core/people/identify-chat-user.ts';
import { promptAfterRotations } from '../../../src/core/rotation-evaluations/prompt-after-rotations.ts';
import type { Db } from '../../../src/db/client.ts';
import {
  chatIdentities,
  evaluationDeclines,
  feedbackEntries,
  feedbackRatings,
  feedbackRequests,
  learningGoals,
  outboxMessages,
  rotationAssignments,
} from '../../../src/db/schema/index.ts';
import { ACTIONS, FORMS } from '../../../src/messages/actions.ts';
import { describeOnEachEngine } from '../../helpers/db.ts';
import { seedDemoProgram } from '../../helpers/demo-program.ts';
import { postInteraction, postSigned, stateValue } from '../../helpers/slack-requests.ts';
import { blockText, type OpenedView, type SlackWorld, slackIdOf, startSlackWorld } from '../../helpers/slack-world.ts';

async function rows(db: Db, table: PgTable) {
  const [row] = await db.select({ n: count() }).from(table);
  return row!.n;
}

/** Input block ids of a modal, in order: the fields a person fills in. */
function inputIds(view: OpenedView): string[] {
  return view.blocks.filter((b) => b.type === 'input').map((b) => String(b.block_id));
}

function elementOf(view: OpenedView, blockId: string): Record<string, unknown> {
  const block = view.blocks.find((b) => b.block_id === blockId);
  if (!block) throw new Error(`no block ${blockId}`);
  return block.element as Record<string, unknown>;
}

const SPECIFIC_QUESTION = 'How can I make my sign-out to the night team more concise?';

/** The request modal's answers for a question to Maya Lee about Clinical Reasoning. */
function requestValues(question: string, assessor = slackIdOf('maya.lee')) {
  return {
    assessor: stateValue.usersSelect(assessor),
    subcompetency: stateValue.staticSelect('PC3'),
    template: stateValue.staticSelect(null),
    blanks: stateValue.plainText(null),
    question: stateValue.plainText(question),
    context: stateValue.plainText('Night float handoff, Tuesday'),
    encounter: stateValue.datepicker('2026-11-01'),
    due: stateValue.datepicker('2026-11-05'),
  };
}

describeOnEachEngine('Slack: ask → answer → thank / add to plan', (ctx) => {
  let world: SlackWorld;
  beforeAll(async () => {
    await seedDemoProgram(ctx.db);
    world = await startSlackWorld(ctx.db);
  });
  afterAll(async () => world?.stop());

  let requestView: OpenedView;

  it('/feedback opens the request modal and links the resident to the roster by email', async () => {
    const response = await world.command('ana.ruiz', '', 'ask-1');
    expect(response.status).toBe(200);
    requestView = await world.openedView(response.triggerId);
    expect(requestView.callback_id).toBe(FORMS.requestFeedback);
    expect(requestView.title.text).toBe('Ask for feedback');
    expect(inputIds(requestView)).toEqual(['assessor', 'subcompetency', 'template', 'blanks', 'question', 'context', 'encounter', 'due']);
    expect(elementOf(requestView, 'assessor')).toMatchObject({ type: 'users_select', action_id: 'assessor' });
    const groups = elementOf(requestView, 'subcompetency').option_groups as { label: { text: string }; options: { value: string }[] }[];
    expect(groups.map((g) => g.label.text)).toContain('Patient Care');
    expect(groups.flatMap((g) => g.options.map((o) => o.value))).toContain('PC3');
    expect(elementOf(requestView, 'question')).toMatchObject({ type: 'plain_text_input', max_length: 500 });
    expect(elementOf(requestView, 'due')).toMatchObject({ type: 'datepicker', initial_date: '2026-11-05' });
    // First contact: Slack's profile email found Ana on the roster, and the link is stored.
    expect(world.fake.callsTo('users.info').map((c) => c.args.user)).toContain(slackIdOf('ana.ruiz'));
    const [identity] = await ctx.db.select().from(chatIdentities).where(eq(chatIdentities.userId, slackIdOf('ana.ruiz')));
    expect(identity?.personId).toBe(await world.personId('ana.ruiz'));
  });

  it('a vague question is refused inside the modal with a suggestion, and nothing is stored', async () => {
    const response = await world.submit('ana.ruiz', requestView, requestValues('How am I doing?'), 'VVAGUE1');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      response_action: 'errors',
      errors: { question: expect.stringMatching(/^Make it more specific: .*Try: ".+\?"$/) },
    });
    expect(await rows(ctx.db, feedbackRequests)).toBe(0);
    expect(await rows(ctx.db, outboxMessages)).toBe(0);
  });

  it('a question over 500 characters is refused in the modal, naming the limit', async () => {
    const long = `How can I make my sign-out more concise when ${'the night team has many patients and '.repeat(14)}?`;
    expect(long.length).toBeGreaterThan(500);
    const response = await world.submit('ana.ruiz', requestView, requestValues(long), 'VLONG1');
    expect(response.body).toEqual({
      response_action: 'errors',
      errors: { question: `Please keep this under 500 characters (it has ${long.length}).` },
    });
    expect(await rows(ctx.db, feedbackRequests)).toBe(0);
  });

  let facultyDm: Awaited<ReturnType<SlackWorld['dm']>>;

  it('a specific question is stored once, confirmed where /feedback was typed, and DMs the faculty member', async () => {
    const response = await world.submit('ana.ruiz', requestView, requestValues(SPECIFIC_QUESTION), 'VSPECIFIC1');
    expect(response.status).toBe(200);
    expect(response.body).toBe('');
    const confirmation = await world.reply('ask-1');
    expect(confirmation.args).toMatchObject({ response_type: 'ephemeral', replace_original: false, text: 'Sent to Maya Lee.' });

    const stored = await ctx.db.select().from(feedbackRequests);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      residentId: await world.personId('ana.ruiz'),
      assessorId: await world.personId('maya.lee'),
      question: SPECIFIC_QUESTION,
      context: 'Night float handoff, Tuesday',
      encounterOn: '2026-11-01',
      dueOn: '2026-11-05',
      status: 'open',
      submissionKey: 'slack-view:VSPECIFIC1',
    });

    // The same submission again (a Slack retry) stores nothing new.
    await world.submit('ana.ruiz', requestView, requestValues(SPECIFIC_QUESTION), 'VSPECIFIC1');
    expect(await rows(ctx.db, feedbackRequests)).toBe(1);

    expect(await world.deliver()).toEqual({ sent: 1, failed: 0 });
    facultyDm = await world.dm('feedback-request', 'maya.lee');
    expect(facultyDm.channel).toBe(world.fake.dmChannelFor(slackIdOf('maya.lee')));
    expect(blockText(facultyDm.blocks)).toContain(SPECIFIC_QUESTION);
    expect(blockText(facultyDm.blocks)).toContain('PC3 Clinical Reasoning');
    expect(world.button(facultyDm, ACTIONS.answerRequest).text.text).toBe('Answer');
    expect(world.button(facultyDm, ACTIONS.cannotAnswer).text.text).toBe("Can't answer");
  });

  let answerView: OpenedView;

  it('Answer opens the answer modal with the level scale for the subcompetency', async () => {
    const click = await world.click('maya.lee', facultyDm, world.button(facultyDm, ACTIONS.answerRequest));
    expect(click.status).toBe(200);
    answerView = await world.openedView(click.triggerId);
    expect(answerView.callback_id).toBe(FORMS.answerRequest);
    expect(inputIds(answerView)).toEqual(['level', 'reinforcing', 'corrective', 'next_step']);
    const levels = (elementOf(answerView, 'level').options as { value: string }[]).map((o) => o.value);
    expect(levels).toEqual(['not_yet_level_1', '1', '1.5', '2', '2.5', '3', '3.5', '4', '4.5', '5', 'not_observed']);
    // The modal remembers the DM it came from, so the submission can redraw it.
    expect(JSON.parse(answerView.private_metadata).m).toBe(JSON.stringify({ channel: facultyDm.channel, ts: facultyDm.ts }));
  });

  it('an answer without a next step is sent back into the modal (the nudge), storing nothing', async () => {
    const response = await world.submit('maya.lee', answerView, {
      level: stateValue.staticSelect('2.5'),
      reinforcing: stateValue.plainText('You named the active problems first.'),
      corrective: stateValue.plainText(null),
      next_step: stateValue.plainText(null),
    });
    expect(response.body).toEqual({ response_action: 'errors', errors: { next_step: expect.stringContaining('next step') } });
    expect(await rows(ctx.db, feedbackEntries)).toBe(0);
  });

  it('submitting the answer stores one entry, marks the DM "Answered ✓" and DMs the resident with Thank / Add to my plan', async () => {
    const values = {
      level: stateValue.staticSelect('2.5'),
      reinforcing: stateValue.plainText('You named the active problems first.'),
      corrective: stateValue.plainText('Trim the normal labs from the handoff.'),
      next_step: stateValue.plainText('Tonight, give each handoff in under 60 seconds.'),
    };
    const response = await world.submit('maya.lee', answerView, values);
    expect(response.body).toBe('');
    const update = await world.fake.waitFor('chat.update', (c) => c.args.ts === facultyDm.ts);
    expect(update.args.channel).toBe(facultyDm.channel);
    expect(blockText(update.args.blocks as Record<string, unknown>[])).toContain('Answered ✓');
    expect((update.args.blocks as { type: string }[]).some((b) => b.type === 'actions')).toBe(false);

    const entries = await ctx.db.select().from(feedbackEntries);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      source: 'request',
      authorId: await world.personId('maya.lee'),
      residentId: await world.personId('ana.ruiz'),
      nextStep: 'Tonight, give each handoff in under 60 seconds.',
    });
    expect(await ctx.db.select({ rating: feedbackRatings.rating }).from(feedbackRatings)).toEqual([{ rating: '2.5' }]);
    expect((await ctx.db.select({ status: feedbackRequests.status }).from(feedbackRequests))[0]?.status).toBe('answered');

    // Double submission: the same view again stores nothing new and redraws the same DM.
    const again = await world.submit('maya.lee', answerView, values);
    expect(again.body).toBe('');
    await world.fake.waitForCount('chat.update', 2, (c) => c.args.ts === facultyDm.ts);
    expect(await rows(ctx.db, feedbackEntries)).toBe(1);

    // The answer DM to the resident, and the outbox's redraw of the request DM (every copy of it, reminders too).
    expect(await world.deliver()).toEqual({ sent: 2, failed: 0 });
    const redraws = world.fake.callsTo('chat.update').filter((c) => c.args.ts === facultyDm.ts);
    expect(redraws).toHaveLength(3);
    expect(blockText(redraws.at(-1)!.args.blocks as Record<string, unknown>[])).toContain('Answered ✓');
    const residentDm = await world.dm('feedback-answer', 'ana.ruiz');
    expect(residentDm.text).toContain('Maya Lee answered your question');
    expect(world.button(residentDm, ACTIONS.thank).text.text).toBe('Thank');
    expect(world.button(residentDm, ACTIONS.addToPlan).text.text).toBe('Add to my plan');
  });

  it('Thank tells the faculty member once and redraws the resident’s DM', async () => {
    const residentDm = await world.dm('feedback-answer', 'ana.ruiz');
    const click = await world.click('ana.ruiz', residentDm, world.button(residentDm, ACTIONS.thank));
    expect(click.status).toBe(200);
    const update = await world.fake.waitFor('chat.update', (c) => c.args.ts === residentDm.ts);
    expect(blockText(update.args.blocks as Record<string, unknown>[])).toContain('You thanked Maya Lee ✓');
    const [entry] = await ctx.db.select({ thankedAt: feedbackEntries.thankedAt }).from(feedbackEntries);
    expect(entry?.thankedAt).toEqual(new Date('2026-11-02T15:00:00Z'));

    expect(await world.deliver()).toEqual({ sent: 1, failed: 0 });
    const thanks = await world.dm('feedback-thanks', 'maya.lee');
    expect(thanks.text).toBe('Ana Ruiz thanked you for your feedback.');
  });

  it('Add to my plan stores one learning goal from the next step', async () => {
    const residentDm = await world.dm('feedback-answer', 'ana.ruiz');
    const click = await world.click('ana.ruiz', residentDm, world.button(residentDm, ACTIONS.addToPlan));
    expect(click.status).toBe(200);
    const update = await world.fake.waitFor(
      'chat.update',
      (c) => c.args.ts === residentDm.ts && blockText(c.args.blocks as Record<string, unknown>[]).includes('learning plan'),
    );
    expect(blockText(update.args.blocks as Record<string, unknown>[])).toContain('Next step added to your learning plan ✓');
    const goals = await ctx.db.select().from(learningGoals);
    expect(goals).toHaveLength(1);
    expect(goals[0]).toMatchObject({
      residentId: await world.personId('ana.ruiz'),
      action: 'Tonight, give each handoff in under 60 seconds.',
      source: 'feedback',
      dueOn: '2026-12-02',
    });
  });

  it('/feedback @someone with a specific question sends it at once; a vague one gets the coach’s suggestion', async () => {
    const before = await rows(ctx.db, feedbackRequests);
    await world.command('ana.ruiz', `<@${slackIdOf('maya.lee')}|maya.lee> How am I doing?`, 'quick-vague');
    const coached = await world.reply('quick-vague');
    expect(coached.args.response_type).toBe('ephemeral');
    expect(String(coached.args.text)).toMatch(/^Not sent yet\. Make it more specific: .*Try: "/);
    expect(await rows(ctx.db, feedbackRequests)).toBe(before);

    await world.command('ana.ruiz', `<@${slackIdOf('victor.chen')}|victor.chen> How can I make my morning presentation more concise?`, 'quick-ok');
    expect((await world.reply('quick-ok')).args.text).toBe('Sent to Victor Chen.');
    const [sent] = await ctx.db.select().from(feedbackRequests).where(eq(feedbackRequests.assessorId, await world.personId('victor.chen')));
    expect(sent).toMatchObject({ question: 'How can I make my morning presentation more concise?', status: 'open', dueOn: '2026-11-05' });
  });

  it('when the response URL of /feedback has expired, the confirmation comes by DM instead', async () => {
    const opened = await world.command('ana.ruiz', '', 'ask-expired');
    const view = await world.openedView(opened.triggerId);
    world.fake.failNext('response_url', { status: 500 });
    const question = 'What should I do differently next time to improve my discharge summaries?';
    const response = await world.submit('ana.ruiz', view, requestValues(question, slackIdOf('teresa.alvarez')));
    expect(response.body).toBe('');
    const dm = await world.fake.waitFor('chat.postMessage', (c) => c.args.channel === slackIdOf('ana.ruiz') && c.args.text === 'Sent to Teresa Alvarez.');
    expect(blockText(dm.args.blocks as Record<string, unknown>[])).toContain(question);
    expect(await ctx.db.select().from(feedbackRequests).where(eq(feedbackRequests.question, question))).toHaveLength(1);
  });

  it('/feedback help explains the three ways to use the command', async () => {
    await world.command('ana.ruiz', 'help', 'help-1');
    const help = await world.reply('help-1');
    expect(help.args.response_type).toBe('ephemeral');
    const text = blockText(help.args.blocks as Record<string, unknown>[]);
    expect(text).toContain('/feedback help');
    expect(text).toContain('/feedback @name your question');
  });
});

async function assignmentOf(db: Db, world: SlackWorld, handle: string, endsOn = '2026-10-31'): Promise<string> {
  const residentId = await world.personId(handle);
  const found = (await db.select().from(rotationAssignments).where(eq(rotationAssignments.residentId, residentId))).find((a) => a.endsOn === endsOn);
  if (!found) throw new Error(`no assignment of ${handle} ending ${endsOn}`);
  return found.id;
}

/** The evaluation modal's answers: Clinical Reasoning and one knowledge rating, one not observed, narrative. */
const EVALUATION_VALUES = {
  rating_PC3: stateValue.staticSelect('3'),
  rating_MK1: stateValue.staticSelect('2.5'),
  rating_MK2: stateValue.staticSelect('not_observed'),
  rating_ICS3: stateValue.staticSelect(null),
  rating_PBLI1: stateValue.staticSelect(null),
  rating_PBLI2: stateValue.staticSelect(null),
  directly_observed: stateValue.checkboxes(['true']),
  reinforcing: stateValue.plainText('Your consult notes answered the question asked.'),
  corrective: stateValue.plainText('Commit to one recommendation instead of three.'),
  next_step: stateValue.plainText('On your next consult, end the note with one clear recommendation.'),
};

describeOnEachEngine('Slack: rotation prompt → evaluation', (ctx) => {
  let world: SlackWorld;
  let prompt: Awaited<ReturnType<SlackWorld['dm']>>;
  beforeAll(async () => {
    await seedDemoProgram(ctx.db);
    world = await startSlackWorld(ctx.db);
    // People who have used the bot before: their Slack accounts are linked, so DMs can reach them.
    await world.link('maya.lee', 'victor.chen', 'chloe.nguyen', 'isaac.mensah', 'farah.haddad');
  });
  afterAll(async () => world?.stop());

  it('after the block ends, the supervising faculty member gets one DM per rotation listing their residents', async () => {
    await promptAfterRotations({ db: ctx.db, clock: world.clock, date: '2026-10-31' });
    await world.deliver();
    prompt = await world.dm('rotation-prompt', 'maya.lee', 'Cardiology Consults');
    expect(prompt.text).toBe('Cardiology Consults ended Sat, Oct 31: please give feedback to Chloe Nguyen, Isaac Mensah.');
    expect(world.button(prompt, ACTIONS.giveEvaluation, 0).text.text).toBe('Give feedback');
    expect(world.button(prompt, ACTIONS.giveEvaluation, 1).text.text).toBe('Give feedback');
    expect(world.button(prompt, ACTIONS.didNotWorkWith, 1).text.text).toBe('Did not work with this resident');
    // Maya also supervised Medical ICU that block: a second prompt, not a merged one.
    expect((await world.dm('rotation-prompt', 'maya.lee', 'Medical ICU')).text).toContain('Farah Haddad');
  });

  let evaluationView: OpenedView;

  it('Give feedback opens the evaluation modal with the rotation’s subcompetencies, one click', async () => {
    const click = await world.click('maya.lee', prompt, world.button(prompt, ACTIONS.giveEvaluation, 0));
    evaluationView = await world.openedView(click.triggerId);
    expect(evaluationView.callback_id).toBe(FORMS.rotationEvaluation);
    expect(evaluationView.title.text).toBe('Feedback: Chloe Nguyen');
    expect(inputIds(evaluationView)).toEqual([
      'rating_PC3',
      'rating_MK1',
      'rating_MK2',
      'rating_PBLI1',
      'rating_PBLI2',
      'rating_ICS3',
      'directly_observed',
      'reinforcing',
      'corrective',
      'next_step',
    ]);
  });

  it('submitting stores one evaluation with its ratings and marks the resident done in the prompt', async () => {
    const response = await world.submit('maya.lee', evaluationView, EVALUATION_VALUES);
    expect(response.body).toBe('');
    const update = await world.fake.waitFor('chat.update', (c) => c.args.ts === prompt.ts);
    const text = blockText(update.args.blocks as Record<string, unknown>[]);
    expect(text).toContain('*Chloe Nguyen* (PGY-1) — feedback sent ✓');
    expect(text).toContain('*Isaac Mensah* (PGY-3)');
    expect((update.args.blocks as { type: string }[]).filter((b) => b.type === 'actions')).toHaveLength(1);

    const assignmentId = await assignmentOf(ctx.db, world, 'chloe.nguyen');
    const entries = await ctx.db.select().from(feedbackEntries).where(eq(feedbackEntries.rotationAssignmentId, assignmentId));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      source: 'rotation_evaluation',
      authorId: await world.personId('maya.lee'),
      directlyObserved: true,
      nextStep: 'On your next consult, end the note with one clear recommendation.',
    });
    const ratings = await ctx.db.select({ rating: feedbackRatings.rating }).from(feedbackRatings).where(eq(feedbackRatings.feedbackEntryId, entries[0]!.id));
    expect(ratings.map((r) => r.rating).sort()).toEqual(['2.5', '3', 'not_observed']);
  });

  it('submitting the same view again stores nothing new and redraws the prompt', async () => {
    const response = await world.submit('maya.lee', evaluationView, EVALUATION_VALUES);
    expect(response.body).toBe('');
    await world.fake.waitForCount('chat.update', 2, (c) => c.args.ts === prompt.ts);
    expect(await rows(ctx.db, feedbackEntries)).toBe(1);
    expect(await rows(ctx.db, feedbackRatings)).toBe(3);
    expect((await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.kind, 'rotation-evaluation'))).length).toBe(1);
  });

  it('a double click (two identical submissions at once) stores one evaluation', async () => {
    const click = await world.click('maya.lee', prompt, world.button(prompt, ACTIONS.giveEvaluation, 1));
    const view = await world.openedView(click.triggerId);
    expect(view.title.text).toBe('Feedback: Isaac Mensah');
    const [first, second] = await Promise.all([world.submit('maya.lee', view, EVALUATION_VALUES), world.submit('maya.lee', view, EVALUATION_VALUES)]);
    expect([first.body, second.body]).toEqual(['', '']);
    const assignmentId = await assignmentOf(ctx.db, world, 'isaac.mensah');
    expect(await ctx.db.select().from(feedbackEntries).where(eq(feedbackEntries.rotationAssignmentId, assignmentId))).toHaveLength(1);
    const last = await world.fake.waitFor(
      'chat.update',
      (c) => c.args.ts === prompt.ts && blockText(c.args.blocks as Record<string, unknown>[]).includes('All done'),
    );
    expect((last.args.blocks as { type: string }[]).some((b) => b.type === 'actions')).toBe(false);
  });

  it('the residents receive their evaluations by DM, with Thank and Add to my plan', async () => {
    // Two evaluations to the residents, and two redraws of Maya's prompt (one per evaluation, in order).
    expect(await world.deliver()).toEqual({ sent: 4, failed: 0 });
    const redraws = world.fake.callsTo('chat.update').filter((c) => c.args.ts === prompt.ts);
    expect(blockText(redraws.at(-1)!.args.blocks as Record<string, unknown>[])).toContain('All done');
    const dm = await world.dm('rotation-evaluation', 'chloe.nguyen');
    expect(dm.text).toContain('Maya Lee evaluated your Cardiology Consults rotation');
    expect(blockText(dm.blocks)).toContain('Based on direct observation.');
    expect(world.button(dm, ACTIONS.thank).text.text).toBe('Thank');
    expect(world.button(dm, ACTIONS.addToPlan).text.text).toBe('Add to my plan');
  });

  it('Give feedback on a resident already evaluated says so instead of opening a blank modal', async () => {
    const opened = world.fake.callsTo('views.open').length;
    const click = await world.click('maya.lee', prompt, world.button(prompt, ACTIONS.giveEvaluation, 0));
    expect((await world.reply(click.triggerId)).args.text).toBe('You already sent feedback for this rotation ✓');
    expect(world.fake.callsTo('views.open')).toHaveLength(opened);
  });
});

describeOnEachEngine('Slack: declines', (ctx) => {
  let world: SlackWorld;
  beforeAll(async () => {
    await seedDemoProgram(ctx.db);
    world = await startSlackWorld(ctx.db);
    await world.link('maya.lee', 'farah.haddad');
  });
  afterAll(async () => world?.stop());

  it("Can't answer closes the request, tells the resident, and redraws the faculty DM; Answer then refuses", async () => {
    await world.command('ana.ruiz', `<@${slackIdOf('victor.chen')}> How can I make my morning presentation more concise?`, 'ask');
    expect((await world.reply('ask')).args.text).toBe('Sent to Victor Chen.');
    await world.deliver();
    const dm = await world.dm('feedback-request', 'victor.chen');

    const click = await world.click('victor.chen', dm, world.button(dm, ACTIONS.cannotAnswer));
    expect(click.status).toBe(200);
    const update = await world.fake.waitFor('chat.update', (c) => c.args.ts === dm.ts);
    expect(blockText(update.args.blocks as Record<string, unknown>[])).toContain("You said you can't answer this one; Ana Ruiz has been told.");
    const [request] = await ctx.db.select().from(feedbackRequests);
    expect(request?.status).toBe('declined');
    expect(request?.closedAt).toEqual(new Date('2026-11-02T15:00:00Z'));

    // The resident's note, and the outbox's redraw of the request DM (which also reaches copies in reminders).
    expect(await world.deliver()).toEqual({ sent: 2, failed: 0 });
    expect(world.fake.callsTo('chat.update').filter((c) => c.args.ts === dm.ts)).toHaveLength(2);
    expect((await world.dm('feedback-declined', 'ana.ruiz')).text).toBe("Victor Chen can't answer your question.");

    // The old DM's Answer button (e.g. on another device) no longer opens a modal.
    const late = await world.click('victor.chen', dm, world.button(dm, ACTIONS.answerRequest));
    expect((await world.reply(late.triggerId)).args.text).toBe('You already said you cannot answer this one.');
    expect(world.fake.callsTo('views.open')).toHaveLength(0);
    expect(await rows(ctx.db, feedbackEntries)).toBe(0);
  });

  it('Did not work with this resident is recorded once and shown in the prompt', async () => {
    await promptAfterRotations({ db: ctx.db, clock: world.clock, date: '2026-10-31' });
    await world.deliver();
    const prompt = await world.dm('rotation-prompt', 'maya.lee', 'Medical ICU');
    const button = world.button(prompt, ACTIONS.didNotWorkWith);
    await world.click('maya.lee', prompt, button);
    const update = await world.fake.waitFor('chat.update', (c) => c.args.ts === prompt.ts);
    const text = blockText(update.args.blocks as Record<string, unknown>[]);
    expect(text).toContain('*Farah Haddad* (PGY-2) — you did not work together');
    // Lena Fischer, also on Medical ICU with Maya, still waits for feedback: her row keeps its buttons.
    expect(text).toContain('*Lena Fischer* (PGY-3)');
    expect((update.args.blocks as { type: string }[]).filter((b) => b.type === 'actions')).toHaveLength(1);
    // Clicked twice (a second device): still one record.
    await world.click('maya.lee', prompt, button);
    await world.fake.waitForCount('chat.update', 2, (c) => c.args.ts === prompt.ts);
    const declines = await ctx.db.select().from(evaluationDeclines);
    expect(declines).toEqual([
      expect.objectContaining({
        rotationAssignmentId: await assignmentOf(ctx.db, world, 'farah.haddad'),
        facultyId: await world.personId('maya.lee'),
        reason: 'did_not_work_with',
      }),
    ]);
    expect(await rows(ctx.db, feedbackEntries)).toBe(0);
  });
});

describeOnEachEngine('Slack: who may act', (ctx) => {
  let world: SlackWorld;
  let dm: Awaited<ReturnType<SlackWorld['dm']>>;
  beforeAll(async () => {
    await seedDemoProgram(ctx.db);
    world = await startSlackWorld(ctx.db);
    // Someone in the Slack workspace who is not on any roster.
    world.fake.seedUser({ id: slackIdOf('stranger'), email: 'stranger@elsewhere.example.org', name: 'stranger' });
    await world.command('ana.ruiz', `<@${slackIdOf('maya.lee')}> How can I make my sign-out to the night team more concise?`, 'ask');
    await world.reply('ask');
    await world.deliver();
    dm = await world.dm('feedback-request', 'maya.lee');
  });
  afterAll(async () => world?.stop());

  it('another faculty member clicking Answer on a request sent to someone else is refused, and nothing changes', async () => {
    const click = await world.click('omar.haddad', dm, world.button(dm, ACTIONS.answerRequest));
    const refusal = await world.reply(click.triggerId);
    expect(refusal.args).toMatchObject({ response_type: 'ephemeral', text: 'Only the person this request was sent to can answer it.' });
    const decline = await world.click('omar.haddad', dm, world.button(dm, ACTIONS.cannotAnswer));
    expect((await world.reply(decline.triggerId)).args.text).toBe('Only the person this request was sent to can answer it.');
    expect(world.fake.callsTo('views.open')).toHaveLength(0);
    expect(world.fake.callsTo('chat.update')).toHaveLength(0);
    expect((await ctx.db.select({ status: feedbackRequests.status }).from(feedbackRequests))[0]?.status).toBe('open');
  });

  it('a resident cannot answer their own request', async () => {
    const click = await world.click('ana.ruiz', dm, world.button(dm, ACTIONS.answerRequest));
    expect((await world.reply(click.triggerId)).args.text).toBe('You cannot answer your own request.');
    expect(world.fake.callsTo('views.open')).toHaveLength(0);
  });

  it('a submission of the answer modal by someone else replaces the modal with the refusal and stores nothing', async () => {
    const click = await world.click('maya.lee', dm, world.button(dm, ACTIONS.answerRequest));
    const view = await world.openedView(click.triggerId);
    const response = await world.submit('omar.haddad', view, {
      level: stateValue.staticSelect('3'),
      reinforcing: stateValue.plainText('Good.'),
      corrective: stateValue.plainText(null),
      next_step: stateValue.plainText('none'),
    });
    expect(response.body).toMatchObject({ response_action: 'update', view: { type: 'modal' } });
    expect(blockText((response.body as { view: { blocks: Record<string, unknown>[] } }).view.blocks)).toBe(
      'Only the person this request was sent to can answer it.',
    );
    expect(await rows(ctx.db, feedbackEntries)).toBe(0);
  });

  it('a faculty member who did not supervise the rotation cannot evaluate it', async () => {
    await world.link('maya.lee', 'chloe.nguyen');
    await promptAfterRotations({ db: ctx.db, clock: world.clock, date: '2026-10-31' });
    await world.deliver();
    const prompt = await world.dm('rotation-prompt', 'maya.lee', 'Cardiology Consults');
    const click = await world.click('omar.haddad', prompt, world.button(prompt, ACTIONS.giveEvaluation));
    expect((await world.reply(click.triggerId)).args.text).toBe('Only the faculty who supervised this rotation can evaluate it.');
    const skip = await world.click('omar.haddad', prompt, world.button(prompt, ACTIONS.didNotWorkWith));
    expect((await world.reply(skip.triggerId)).args.text).toBe('Only the faculty who supervised this rotation can evaluate it.');
    expect(await rows(ctx.db, evaluationDeclines)).toBe(0);
  });

  it('/feedback from someone who is not a resident says who can use it', async () => {
    const opened = world.fake.callsTo('views.open').length;
    await world.command('omar.haddad', '', 'faculty-ask');
    expect((await world.reply('faculty-ask')).args.text).toBe('Only residents and fellows can request feedback.');
    expect(world.fake.callsTo('views.open')).toHaveLength(opened);
  });

  it('an unknown Slack user is told how to get added, and is not linked to anyone', async () => {
    await world.command('stranger', '', 'stranger-1');
    expect((await world.reply('stranger-1')).args).toMatchObject({ response_type: 'ephemeral', text: UNKNOWN_USER_MESSAGE });
    // A user Slack itself does not know (users.info: user_not_found) clicking a button gets the same answer.
    const click = await world.click('ghost', dm, world.button(dm, ACTIONS.answerRequest));
    expect((await world.reply(click.triggerId)).args.text).toBe(UNKNOWN_USER_MESSAGE);
    const identities = await ctx.db.select({ userId: chatIdentities.userId }).from(chatIdentities);
    expect(identities.map((i) => i.userId)).not.toContain(slackIdOf('stranger'));
    expect(identities.map((i) => i.userId)).not.toContain(slackIdOf('ghost'));
  });
});

describeOnEachEngine('Slack: bad input', (ctx) => {
  let world: SlackWorld;
  beforeAll(async () => {
    await seedDemoProgram(ctx.db);
    world = await startSlackWorld(ctx.db);
    await world.link('maya.lee');
  });
  afterAll(async () => world?.stop());

  it('unsigned, wrongly signed and stale requests get 401 and reach no listener', async () => {
    const body = new URLSearchParams({ command: '/feedback', text: 'help', team_id: 'T0TEAM', user_id: slackIdOf('ana.ruiz') }).toString();
    const unsigned = await fetch(world.target.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect(unsigned.status).toBe(401);
    const wrong = await world.command('ana.ruiz', 'help', 'wrong');
    expect(wrong.status).toBe(200); // the control: the same command, correctly signed
    const forged = await postSigned(world.target.url, body, { signingSecret: 'not-our-secret' });
    expect(forged.status).toBe(401);
    const stale = await postSigned(world.target.url, body, { signingSecret: world.target.signingSecret, timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.status).toBe(401);
    await world.reply('wrong');
    // Only the correctly signed command was answered.
    expect(world.fake.callsTo('response_url')).toHaveLength(1);
  });

  it('a button whose value is not our payload gets a friendly reply, not a 500 or a stack', async () => {
    const dm = { channel: world.fake.dmChannelFor(slackIdOf('maya.lee')), ts: '1793718000.000100', text: '', blocks: [] };
    for (const value of ['not-json', '{"kind":"assignment","id":"0b8c1f9e-7f4e-4d8a-9a47-0d8a2b6f1c11","version":1}', '{"kind":"feedback-request","id":"1; drop table people","version":1}']) {
      const click = await world.click('maya.lee', dm, { action_id: ACTIONS.answerRequest, value, text: { text: 'Answer' } });
      expect(click.status).toBe(200);
      const reply = await world.reply(click.triggerId);
      expect(reply.args).toMatchObject({
        response_type: 'ephemeral',
        text: 'That button could not be read. It may belong to an old message; ask for a new one or use /feedback.',
      });
    }
    expect(world.fake.callsTo('views.open')).toHaveLength(0);
    expect(world.logs).toEqual([]);
  });

  it('a modal submission with unreadable metadata is answered with a notice in the modal', async () => {
    const response = await postInteraction(world.target, {
      type: 'view_submission',
      team: { id: 'T0TEAM', domain: 'test' },
      user: { id: slackIdOf('maya.lee'), name: 'maya.lee', team_id: 'T0TEAM' },
      view: { id: 'VBROKEN1', callback_id: FORMS.answerRequest, private_metadata: '{not json', state: { values: {} }, blocks: [] },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ response_action: 'update' });
    expect(blockText((response.body as { view: { blocks: Record<string, unknown>[] } }).view.blocks)).toBe(
      'That form could not be read. Please close it and open it again.',
    );
  });

  it('an interactivity body that is not JSON is rejected with 400 and no stack', async () => {
    const response = await postSigned(world.target.url, { payload: '{"type":"block_actions",' }, { signingSecret: world.target.signingSecret });
    expect(response.status).toBe(400);
    expect(response.text).toBe('');
  });

  it('Slack refusing to open a modal (rate limit, expired trigger) asks the person to try again, without a reference', async () => {
    await world.link('ana.ruiz');
    world.fake.failNext('views.open', { status: 429, retryAfter: 5 });
    await world.command('ana.ruiz', '', 'busy');
    expect((await world.reply('busy')).args.text).toBe('Slack asked Stepping Stones to slow down. Please try again in a few seconds.');
    world.fake.failNext('views.open', { slackError: 'expired_trigger_id' });
    await world.command('ana.ruiz', '', 'slow');
    expect((await world.reply('slow')).args.text).toBe('That took Slack too long to open. Please click again.');
    // One attempt each: the WebClient does not retry on its own.
    expect(world.fake.callsTo('views.open')).toHaveLength(2);
    expect(world.logs).toEqual([]);
  });

  it('an unexpected failure shows a reference id, logs it with the stack, and never shows the stack', async () => {
    const opened = world.fake.callsTo('views.open').length;
    world.fake.failNext('users.info', { status: 500 });
    await world.command('ben.okafor', '', 'broken');
    const reply = await world.reply('broken');
    const text = String(reply.args.text);
    const ref = /^Something went wrong \(ref ([0-9a-f]{8})\)\. /.exec(text)?.[1];
    expect(ref).toBeDefined();
    expect(text).not.toMatch(/\bat\s|Error|500/);
    expect(world.logs).toEqual([expect.stringContaining(`(ref ${ref})`)]);
    expect(world.logs[0]).toMatch(/\n\s+at /);
    expect(world.fake.callsTo('views.open')).toHaveLength(opened);
  });
});
