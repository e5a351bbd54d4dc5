// Self-assessment, CCC ratings and learning plans through the real Slack adapter: signed requests into the Bolt app
// from createSlackApp, the fake Web API recording what it sends, the database checked after each step, and the
// jobs and imports run through the CLI's own functions, on both engines.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runImport } from '../../../src/cli/import-command.ts';
import { runJob } from '../../../src/cli/jobs-command.ts';
import { answerFeedbackRequest } from '../../../src/core/feedback-requests/answer-feedback-request.ts';
import { requestFeedback } from '../../../src/core/feedback-requests/request-feedback.ts';
import type { Db } from '../../../src/db/client.ts';
import { auditLog, cccRatings, learningGoals, outboxMessages, selfAssessmentRatings, selfAssessments } from '../../../src/db/schema/index.ts';
import { ACTIONS, CCC_FORMS, PLAN_ACTIONS, PLAN_FORMS, SELF_ASSESSMENT_ACTIONS, SELF_ASSESSMENT_FORMS } from '../../../src/messages/actions.ts';
import { describeOnEachEngine } from '../../helpers/db.ts';
import { seedDemoProgram } from '../../helpers/demo-program.ts';
import { buttonIn, clickEphemeral, inputIds, updatedView } from '../../helpers/slack-growth.ts';
import { stateValue } from '../../helpers/slack-requests.ts';
import { blockText, type OpenedView, type PostedMessage, type SlackWorld, slackIdOf, startSlackWorld } from '../../helpers/slack-world.ts';

// The demo's IM 2.0 set, one page per competency.
const PAGES = [
  ['PC1', 'PC2', 'PC3', 'PC4', 'PC5', 'PC6'],
  ['MK1', 'MK2', 'MK3'],
  ['SBP1', 'SBP2', 'SBP3'],
  ['PBLI1', 'PBLI2'],
  ['PROF1', 'PROF2', 'PROF3', 'PROF4'],
  ['ICS1', 'ICS2', 'ICS3'],
];

// Ana rates herself 2 except on these; the CCC rates her 2 except ICS2 (3) and PROF1 (2.5).
const SELF: Record<string, string> = { PC3: '3.5', ICS2: '1', MK1: '3' };
const CCC: Record<string, string> = { ICS2: '3', PROF1: '2.5' };

/** A page's state values as Ana picks them. */
const pageValues = (page: number, overrides: Record<string, string | null> = {}) =>
  Object.fromEntries(PAGES[page - 1]!.map((code) => [`rating_${code}`, stateValue.staticSelect(code in overrides ? overrides[code]! : (SELF[code] ?? '2'))]));

const RESIDENTS = ['ana.ruiz', 'ben.okafor', 'chloe.nguyen', 'dev.patel', 'elena.petrova', 'farah.haddad', 'gabe.lindqvist', 'hana.sato', 'isaac.mensah', 'julia.costa', 'kenji.watanabe', 'lena.fischer'];

async function ratingsStored(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(selfAssessmentRatings);
  return row!.n;
}

const mention = (handle: string) => `<@${slackIdOf(handle)}|${handle}>`;

/** The CLI's output lines, as a job or import writes them. */
function console() {
  const lines: string[] = [];
  return { lines, out: (line: string) => lines.push(line), err: (line: string) => lines.push(`ERR ${line}`) };
}

describeOnEachEngine('Slack: paged self-assessment, CCC ratings and self vs CCC', (ctx) => {
  let world: SlackWorld;
  let ana: string;
  beforeAll(async () => {
    await seedDemoProgram(ctx.db);
    world = await startSlackWorld(ctx.db);
    await world.link(...RESIDENTS);
    ana = await world.personId('ana.ruiz');
  });
  afterAll(async () => world?.stop());

  let invite: PostedMessage;

  it('jobs run self-assessment sends each resident one Start DM and one plan refresh, however often it runs', async () => {
    const first = console();
    expect(await runJob({ db: ctx.db, name: 'self-assessment', date: undefined, period: '2026-mid', program: 'internal-medicine', ...first })).toBe(0);
    expect(first.lines).toEqual([
      'self-assessment 2026-mid (St. Elsewhere Internal Medicine Residency): 12 residents invited, 0 already before; plan refresh asked of 12 residents, 0 already before.',
    ]);
    const again = console();
    expect(await runJob({ db: ctx.db, name: 'self-assessment', date: undefined, period: '2026-mid', program: undefined, ...again })).toBe(0);
    expect(again.lines[0]).toContain('0 residents invited, 12 already before');
    const unknown = console();
    expect(await runJob({ db: ctx.db, name: 'self-assessment', date: undefined, period: '2031-mid', program: 'internal-medicine', ...unknown })).toBe(1);
    expect(unknown.lines).toEqual(['ERR internal-medicine: There is no reporting period 2031-mid (known: 2026-mid, 2026-end).']);

    expect(await world.deliver()).toEqual({ sent: 24, failed: 0 });
    invite = await world.dm('self-assessment-invite', 'ana.ruiz');
    expect(invite.text).toContain('Mid-year 2026–27 self-assessment');
    expect(world.button(invite, SELF_ASSESSMENT_ACTIONS.start).text.text).toBe('Start self-assessment');
    expect(world.button(await world.dm('plan-refresh', 'ana.ruiz'), PLAN_ACTIONS.addGoal).text.text).toBe('Add a goal');
  });

  let page: OpenedView;

  it('Start opens page 1 of 6; each page saves and moves on in the same modal (response_action update)', async () => {
    const click = await world.click('ana.ruiz', invite, world.button(invite, SELF_ASSESSMENT_ACTIONS.start));
    expect(click.status).toBe(200);
    page = await world.openedView(click.triggerId);
    expect(page.callback_id).toBe(SELF_ASSESSMENT_FORMS.page);
    expect(page.title.text).toBe('Self-assessment 1 of 6');
    expect(inputIds(page)).toEqual(PAGES[0]!.map((code) => `rating_${code}`));
    // The level descriptors are at hand: in the options and in full under each picker.
    expect(page.blocks.length).toBeLessThanOrEqual(100);
    expect(page.blocks.some((b) => b.type === 'context')).toBe(true);

    const first = await world.submit('ana.ruiz', page, pageValues(1));
    page = updatedView(first, page);
    expect(page.title.text).toBe('Self-assessment 2 of 6');
    expect(page.callback_id).toBe(SELF_ASSESSMENT_FORMS.page);
    expect(inputIds(page)).toEqual(['rating_MK1', 'rating_MK2', 'rating_MK3']);
    expect(await ratingsStored(ctx.db)).toBe(6);

    page = updatedView(await world.submit('ana.ruiz', page, pageValues(2)), page);
    expect(page.title.text).toBe('Self-assessment 3 of 6');
    expect(await ratingsStored(ctx.db)).toBe(9);
    // The modal was only moved on: no new modal was opened for page 2 or 3.
    expect(world.fake.callsTo('views.open').filter((c) => (c.args.view as { callback_id: string }).callback_id.startsWith('self-assessment'))).toHaveLength(1);
  });

  it('closing the modal halfway keeps pages 1–2; Start again (or /feedback self) resumes at page 3 with the earlier answers kept', async () => {
    // …Ana closes the modal here (Slack tells us nothing: no view_closed was asked for), and comes back later.
    const click = await world.click('ana.ruiz', invite, world.button(invite, SELF_ASSESSMENT_ACTIONS.start));
    const resumed = await world.openedView(click.triggerId);
    expect(resumed.title.text).toBe('Self-assessment 3 of 6');
    expect(blockText(resumed.blocks)).toContain('9 of 21 rated so far');
    const [row] = await ctx.db.select().from(selfAssessments).where(eq(selfAssessments.residentId, ana));
    expect(row?.status).toBe('in_progress');
    expect(await ratingsStored(ctx.db)).toBe(9);

    const command = await world.command('ana.ruiz', 'self', 'self-1');
    const viaCommand = await world.openedView(command.triggerId);
    expect(viaCommand.title.text).toBe('Self-assessment 3 of 6');
    page = resumed;
  });

  it("a view payload for someone else's self-assessment is refused, and nothing changes", async () => {
    const before = await ratingsStored(ctx.db);
    const forged = await world.submit('chloe.nguyen', page, pageValues(3, { SBP1: '5' }));
    expect(forged.body).toMatchObject({ response_action: 'update', view: { type: 'modal' } });
    expect(blockText((forged.body as { view: { blocks: Record<string, unknown>[] } }).view.blocks)).toBe(
      'This self-assessment belongs to someone else; only they can open it.',
    );
    // Her click on Ana's Start button is refused the same way, where she clicked.
    const click = await world.click('chloe.nguyen', invite, world.button(invite, SELF_ASSESSMENT_ACTIONS.start));
    expect((await world.reply(click.triggerId)).args.text).toBe('This self-assessment belongs to someone else; only they can open it.');
    expect(await ratingsStored(ctx.db)).toBe(before);
    const chloe = await world.personId('chloe.nguyen');
    expect(await ctx.db.select().from(selfAssessments).where(eq(selfAssessments.residentId, chloe))).toHaveLength(0);
  });

  it('an out-of-range level (or "not observed") is refused beside its picker in the modal, storing nothing', async () => {
    const before = await ratingsStored(ctx.db);
    const response = await world.submit('ana.ruiz', page, pageValues(3, { SBP1: '7', SBP2: 'not_observed' }));
    expect(response.body).toEqual({
      response_action: 'errors',
      errors: { rating_SBP1: 'That is not a level on the milestone scale.', rating_SBP2: 'That is not a level on the milestone scale.' },
    });
    expect(await ratingsStored(ctx.db)).toBe(before);
  });

  it('the last page submits; a milestone left unrated is named in the modal first; the Start DM then shows it submitted', async () => {
    for (const n of [3, 4, 5]) page = updatedView(await world.submit('ana.ruiz', page, pageValues(n)), page);
    expect(page.title.text).toBe('Self-assessment 6 of 6');
    expect(page.callback_id).toBe(SELF_ASSESSMENT_FORMS.submit);

    const missing = await world.submit('ana.ruiz', page, pageValues(6, { ICS3: null }));
    expect(missing.body).toEqual({ response_action: 'errors', errors: { rating_ICS3: 'Pick a level for this milestone before submitting.' } });
    expect((await ctx.db.select().from(selfAssessments).where(eq(selfAssessments.residentId, ana)))[0]?.status).toBe('in_progress');

    const done = await world.submit('ana.ruiz', page, pageValues(6));
    expect(done.body).toBe('');
    const update = await world.fake.waitFor('chat.update', (c) => c.args.ts === invite.ts);
    expect(update.args.text).toBe('Your Mid-year 2026–27 self-assessment is submitted.');
    expect((await ctx.db.select().from(selfAssessments).where(eq(selfAssessments.residentId, ana)))[0]?.status).toBe('submitted');
    expect(await ratingsStored(ctx.db)).toBe(21);

    // Start once more: nothing to continue, said where she clicked.
    const again = await world.click('ana.ruiz', invite, world.button(invite, SELF_ASSESSMENT_ACTIONS.start));
    expect(String((await world.reply(again.triggerId)).args.text)).toMatch(/^You submitted your Mid-year 2026–27 self-assessment on .* ✓$/);
  });

  it('import ccc-ratings loads the committee’s ratings; /feedback compare then shows self vs CCC, largest gaps first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccc-'));
    const file = join(dir, 'ccc-2026-mid.csv');
    const rows = PAGES.flat().map((code) => `internal-medicine,2026-mid,ana.ruiz@stelsewhere.example.org,${code},${CCC[code] ?? '2'}`);
    writeFileSync(file, ['program,period,resident_email,subcompetency,rating', ...rows].join('\n'));
    const cli = console();
    expect(await runImport({ db: ctx.db, kind: 'ccc-ratings', path: file, dryRun: false, ...cli })).toBe(0);
    expect(cli.lines.at(-1)).toBe('ccc-2026-mid.csv: imported.');

    await world.command('ana.ruiz', 'compare', 'compare-1');
    const reply = await world.reply('compare-1');
    expect(reply.args.response_type).toBe('ephemeral');
    const text = blockText(reply.args.blocks as Record<string, unknown>[]);
    expect(text).toContain('Self-assessment vs CCC — Mid-year 2026–27');
    // Largest gaps first: ICS2 (2 levels), PC3 (1.5), MK1 (1), PROF1 (0.5), then the rest in milestone order.
    const order = [...text.matchAll(/\*([A-Z]+\d)\*/g)].map((m) => m[1]);
    expect(order.slice(0, 5)).toEqual(['ICS2', 'PC3', 'MK1', 'PROF1', 'PC1']);
    expect(text).toContain('Interprofessional and Team Communication (self 2 levels below CCC)');
    expect(text).toContain('Talk these over with Maya Lee, your program director and mentor.');
  });

  it('/feedback ccc by someone not on the CCC is refused; the chair records a rating in a modal, a bad level stays in it', async () => {
    const before = await ctx.db.select().from(cccRatings);
    for (const [handle, id] of [['victor.chen', 'ccc-victor'], ['chloe.nguyen', 'ccc-chloe']] as const) {
      const refused = await world.command(handle, `ccc ${mention('ben.okafor')}`, id);
      expect((await world.reply(id)).args.text).toBe('Only the CCC chair and members of St. Elsewhere Internal Medicine Residency can enter CCC ratings.');
      expect(world.fake.callsTo('views.open').some((c) => c.args.trigger_id === refused.triggerId)).toBe(false);
    }
    expect(await ctx.db.select().from(cccRatings)).toEqual(before);

    const opened = await world.command('omar.haddad', `ccc ${mention('ben.okafor')}`, 'ccc-omar');
    const view = await world.openedView(opened.triggerId);
    expect(view.callback_id).toBe(CCC_FORMS.rating);
    expect(inputIds(view)).toEqual(['subcompetency', 'rating']);
    expect(blockText(view.blocks)).toContain('Ben Okafor');

    const bad = await world.submit('omar.haddad', view, { subcompetency: stateValue.staticSelect('PC1'), rating: stateValue.staticSelect('6') });
    expect(bad.body).toEqual({ response_action: 'errors', errors: { rating: 'That is not a level on the milestone scale.' } });
    const ok = await world.submit('omar.haddad', view, { subcompetency: stateValue.staticSelect('PC1'), rating: stateValue.staticSelect('2.5') });
    expect(ok.body).toBe('');
    expect((await world.reply('ccc-omar')).args.text).toBe('Recorded PC1 History for Ben Okafor: Level 2.5.');
    const ben = await world.personId('ben.okafor');
    const omar = await world.personId('omar.haddad');
    expect(await ctx.db.select().from(cccRatings).where(eq(cccRatings.residentId, ben))).toMatchObject([{ rating: '2.5', source: 'chat', ratedById: omar }]);
    expect(await ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'ccc_rating.record'), eq(auditLog.actorId, omar)))).toHaveLength(1);
  });

  it('/feedback compare for someone else’s resident is refused unless program director or mentor', async () => {
    await world.command('victor.chen', `compare ${mention('ana.ruiz')}`, 'compare-victor');
    expect((await world.reply('compare-victor')).args.text).toBe('Only Ana Ruiz, their program director and their mentor can see this.');
    await world.command('maya.lee', `compare ${mention('ana.ruiz')}`, 'compare-maya');
    expect(blockText((await world.reply('compare-maya')).args.blocks as Record<string, unknown>[])).toContain('*Talk these over with Ana.*');
  });
});

describeOnEachEngine('Slack: learning-plan goals, due-date nudges and who sees the plan', (ctx) => {
  let world: SlackWorld;
  let ana: string;
  beforeAll(async () => {
    await seedDemoProgram(ctx.db);
    world = await startSlackWorld(ctx.db);
    await world.link(...RESIDENTS, 'maya.lee');
    ana = await world.personId('ana.ruiz');
  });
  afterAll(async () => world?.stop());

  const goalsOf = (residentId: string) => ctx.db.select().from(learningGoals).where(eq(learningGoals.residentId, residentId)).orderBy(learningGoals.createdAt);

  it('"Add to my plan" on a piece of feedback becomes a goal, shown by /feedback plan show', async () => {
    const ports = { db: ctx.db, clock: world.clock };
    const asked = await requestFeedback({
      ...ports,
      residentId: ana,
      assessorId: await world.personId('maya.lee'),
      question: 'How can I make my sign-out to the night team more concise?',
      submissionKey: 'test:plan-1',
    });
    if (!asked.ok) throw new Error('request refused');
    const answered = await answerFeedbackRequest({
      ...ports,
      requestId: asked.requestId,
      actorId: await world.personId('maya.lee'),
      level: '2.5',
      reinforcing: 'You named the active problems first.',
      nextStep: 'Tonight, give each handoff in under 60 seconds.',
    });
    expect(answered.ok).toBe(true);
    await world.deliver();
    // The request DM was answered before it was even sent: its "Answered ✓" redraw goes once it has a ts.
    expect(await world.deliver()).toEqual({ sent: 1, failed: 0 });
    const dm = await world.dm('feedback-answer', 'ana.ruiz');
    await world.click('ana.ruiz', dm, world.button(dm, ACTIONS.addToPlan));
    await world.fake.waitFor('chat.update', (c) => c.args.ts === dm.ts);
    expect(await goalsOf(ana)).toMatchObject([{ source: 'feedback', action: 'Tonight, give each handoff in under 60 seconds.', status: 'open' }]);

    await world.command('ana.ruiz', 'plan show', 'plan-show-1');
    const plan = blockText((await world.reply('plan-show-1')).args.blocks as Record<string, unknown>[]);
    expect(plan).toContain('Your learning plan');
    expect(plan).toContain('Tonight, give each handoff in under 60 seconds.');
    expect(plan).toContain('from feedback');
  });

  it('/feedback plan opens the goal form; a past due date is refused in the modal, a good goal is added', async () => {
    const opened = await world.command('ana.ruiz', 'plan', 'plan-1');
    const view = await world.openedView(opened.triggerId);
    expect(view.callback_id).toBe(PLAN_FORMS.goal);
    expect(inputIds(view)).toEqual(['subcompetency', 'goal_action', 'due']);
    const before = (await goalsOf(ana)).length;

    const values = (due: string, action = 'Present every new admission in under 3 minutes.') => ({
      subcompetency: stateValue.staticSelect('ICS2'),
      goal_action: stateValue.plainText(action),
      due: stateValue.datepicker(due),
    });
    const past = await world.submit('ana.ruiz', view, values('2026-10-01'));
    expect(past.body).toEqual({ response_action: 'errors', errors: { due: 'The due date cannot be in the past.' } });
    expect(await goalsOf(ana)).toHaveLength(before);

    const ok = await world.submit('ana.ruiz', view, values('2026-11-20'));
    expect(ok.body).toBe('');
    expect((await world.reply('plan-1')).args.text).toBe('Goal added: Present every new admission in under 3 minutes. (due Fri, Nov 20).');
    // Two more due the same day, to answer the nudge in the other ways.
    for (const action of ['Ask for one observed handoff each week.', 'Read one ICS article a week.']) {
      const again = await world.command('ana.ruiz', 'plan', `plan-${action.length}`);
      await world.submit('ana.ruiz', await world.openedView(again.triggerId), values('2026-11-20', action));
    }
    const goals = await goalsOf(ana);
    expect(goals.filter((g) => g.source === 'resident').map((g) => [g.action, g.dueOn])).toEqual([
      ['Present every new admission in under 3 minutes.', '2026-11-20'],
      ['Ask for one observed handoff each week.', '2026-11-20'],
      ['Read one ICS article a week.', '2026-11-20'],
    ]);
  });

  const nudges: PostedMessage[] = [];

  it('on the due date jobs run goal-nudges DMs "How did it go?" once per goal, with Done / Still working on it / Drop', async () => {
    const cli = console();
    expect(await runJob({ db: ctx.db, name: 'goal-nudges', date: '2026-11-20', ...cli })).toBe(0);
    expect(cli.lines).toEqual(['goal-nudges 2026-11-20: 3 nudges queued for goals due that day, 0 already sent before.']);
    const again = console();
    await runJob({ db: ctx.db, name: 'goal-nudges', date: '2026-11-20', ...again });
    expect(again.lines).toEqual(['goal-nudges 2026-11-20: 0 nudges queued for goals due that day, 3 already sent before.']);
    expect(await world.deliver()).toEqual({ sent: 3, failed: 0 });
    for (const action of ['Present every new admission', 'Ask for one observed handoff', 'Read one ICS article']) {
      const dm = await world.dm('goal-due', 'ana.ruiz', action);
      expect(dm.text).toContain('How did it go?');
      expect(world.button(dm, PLAN_ACTIONS.done).text.text).toBe('Done');
      expect(world.button(dm, PLAN_ACTIONS.stillWorking).text.text).toBe('Still working on it');
      expect(world.button(dm, PLAN_ACTIONS.drop).text.text).toBe('Drop');
      nudges.push(dm);
    }
    world.clock.set('2026-11-20T15:00:00Z');
  });

  it('Still working on it moves the goal two weeks on and the DM says when it will ask again', async () => {
    const [dm] = nudges;
    await world.click('ana.ruiz', dm!, world.button(dm!, PLAN_ACTIONS.stillWorking));
    const update = await world.fake.waitFor('chat.update', (c) => c.args.ts === dm!.ts);
    expect(blockText(update.args.blocks as Record<string, unknown>[])).toContain('Still working on it — I will ask again on Fri, Dec 4.');
    expect((update.args.blocks as { type: string }[]).some((b) => b.type === 'actions')).toBe(false);
    const goal = (await goalsOf(ana)).find((g) => g.action.startsWith('Present every'));
    expect(goal).toMatchObject({ status: 'open', dueOn: '2026-12-04' });
  });

  it('Done opens a short outcome form; submitting closes the goal and the DM shows "Marked done ✓"; Drop likewise', async () => {
    const [, doneDm, dropDm] = nudges;
    const click = await world.click('ana.ruiz', doneDm!, world.button(doneDm!, PLAN_ACTIONS.done));
    const view = await world.openedView(click.triggerId);
    expect(view.callback_id).toBe(PLAN_FORMS.closeGoal);
    expect(view.title.text).toBe('Goal done');
    expect((await world.submit('ana.ruiz', view, { outcome: stateValue.plainText('Four observed handoffs; Dr. Lee noticed.') })).body).toBe('');
    const update = await world.fake.waitFor('chat.update', (c) => c.args.ts === doneDm!.ts);
    expect(blockText(update.args.blocks as Record<string, unknown>[])).toContain('Marked done ✓');

    const drop = await world.click('ana.ruiz', dropDm!, world.button(dropDm!, PLAN_ACTIONS.drop));
    const dropView = await world.openedView(drop.triggerId);
    expect(dropView.title.text).toBe('Drop goal');
    expect((await world.submit('ana.ruiz', dropView, { outcome: stateValue.plainText(null) })).body).toBe('');
    await world.fake.waitFor('chat.update', (c) => c.args.ts === dropDm!.ts && JSON.stringify(c.args.blocks).includes('Dropped.'));

    const goals = await goalsOf(ana);
    expect(goals.find((g) => g.action.startsWith('Ask for one'))).toMatchObject({ status: 'done', outcome: 'Four observed handoffs; Dr. Lee noticed.' });
    expect(goals.find((g) => g.action.startsWith('Read one'))).toMatchObject({ status: 'dropped', outcome: null });
    // A stale click on the closed goal's old button changes nothing and says why.
    const stale = await world.click('ana.ruiz', doneDm!, world.button(doneDm!, PLAN_ACTIONS.drop));
    expect((await world.reply(stale.triggerId)).args.text).toBe('This goal is already done.');
  });

  it('Edit in the plan (an ephemeral reply) opens the goal form; saving redraws that same reply', async () => {
    await world.command('ana.ruiz', 'plan show', 'plan-show-2');
    const reply = await world.reply('plan-show-2');
    const blocks = reply.args.blocks as Record<string, unknown>[];
    const edit = await clickEphemeral(world, 'ana.ruiz', reply, buttonIn(blocks, PLAN_ACTIONS.editGoal, 0));
    const view = await world.openedView(edit.triggerId);
    expect(view.title.text).toBe('Edit goal');
    const saved = await world.submit('ana.ruiz', view, {
      subcompetency: stateValue.staticSelect(null),
      goal_action: stateValue.plainText('Give each night handoff in under 60 seconds, timed.'),
      due: stateValue.datepicker('2026-12-02'),
    });
    expect(saved.body).toBe('');
    const redrawn = await world.reply(edit.responseId);
    expect(redrawn.args.replace_original).toBe(true);
    expect(blockText(redrawn.args.blocks as Record<string, unknown>[])).toContain('Give each night handoff in under 60 seconds, timed.');
  });

  it('the plan is visible to the resident, the program director and the mentor only; their reads are audited', async () => {
    await world.command('maya.lee', `plan show ${mention('ana.ruiz')}`, 'plan-maya');
    const asPd = blockText((await world.reply('plan-maya')).args.blocks as Record<string, unknown>[]);
    expect(asPd).toContain("Ana Ruiz's learning plan");
    expect(asPd).toContain("You see this as Ana's program director; your view is recorded.");

    // Omar is Ben's mentor (and not the program director).
    await world.command('omar.haddad', `plan ${mention('ben.okafor')}`, 'plan-omar');
    expect(blockText((await world.reply('plan-omar')).args.blocks as Record<string, unknown>[])).toContain("You see this as Ben's mentor");

    for (const [handle, id] of [['victor.chen', 'plan-victor'], ['chloe.nguyen', 'plan-chloe'], ['omar.haddad', 'plan-omar-ana']] as const) {
      await world.command(handle, `plan show ${mention('ana.ruiz')}`, id);
      expect((await world.reply(id)).args.text).toBe('Only Ana Ruiz, their program director and their mentor can see this.');
    }
    const reads = await ctx.db.select().from(auditLog).where(eq(auditLog.action, 'read.learning_plan'));
    expect(reads.map((r) => (r.details as { audience: string }).audience).sort()).toEqual(['mentor', 'program_director']);
  });
});

describeOnEachEngine('Slack: goals from the self vs CCC gaps', (ctx) => {
  let world: SlackWorld;
  beforeAll(async () => {
    await seedDemoProgram(ctx.db);
    world = await startSlackWorld(ctx.db);
    await world.link('ana.ruiz');
  });
  afterAll(async () => world?.stop());

  it('"Add the largest gaps to my plan" in the comparison adds up to three goals once; a click on someone else’s is refused', async () => {
    // Ana's self-assessment, done through the modal pages as in the flow above, and the CCC's ratings.
    const opened = await world.command('ana.ruiz', 'self 2026-mid', 'self-gaps');
    let view = await world.openedView(opened.triggerId);
    for (let n = 1; n <= 6; n++) {
      const response = await world.submit('ana.ruiz', view, pageValues(n));
      if (n < 6) view = updatedView(response, view);
      else expect(response.body).toBe('');
    }
    const dir = mkdtempSync(join(tmpdir(), 'ccc-'));
    const file = join(dir, 'ccc.csv');
    writeFileSync(
      file,
      ['program,period,resident_email,subcompetency,rating', ...PAGES.flat().map((c) => `internal-medicine,2026-mid,ana.ruiz@stelsewhere.example.org,${c},${CCC[c] ?? '2'}`)].join('\n'),
    );
    expect(await runImport({ db: ctx.db, kind: 'ccc-ratings', path: file, dryRun: false, ...console() })).toBe(0);

    await world.command('ana.ruiz', 'compare', 'gaps-compare');
    const comparison = await world.reply('gaps-compare');
    const button = buttonIn(comparison.args.blocks as Record<string, unknown>[], SELF_ASSESSMENT_ACTIONS.goalsFromGaps);

    const forged = await clickEphemeral(world, 'chloe.nguyen', comparison, button);
    expect((await world.reply(forged.responseId)).args.text).toBe('This self-assessment belongs to someone else; only they can open it.');

    const first = await clickEphemeral(world, 'ana.ruiz', comparison, button);
    expect((await world.reply(first.responseId)).args.text).toBe('Added 3 goals from your largest gaps to your plan.');
    const second = await clickEphemeral(world, 'ana.ruiz', comparison, button);
    expect((await world.reply(second.responseId)).args.text).toBe('The goals from your largest gaps are already in your plan.');
    const goals = await ctx.db.select().from(learningGoals).where(eq(learningGoals.source, 'self_assessment_gap'));
    expect(goals).toHaveLength(3);
    expect(goals.every((g) => g.dueOn === '2027-01-31')).toBe(true);
    // Nothing was sent behind the resident's back: gap goals are hers to see.
    expect(await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.kind, 'goal-due'))).toHaveLength(0);
  });
});
