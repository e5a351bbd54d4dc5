// The App Home through the real Slack adapter: a signed app_home_opened event in, the views.publish the app sends
// out, per role (resident, faculty, CCC member, 360 rater), and the Home's buttons, on both engines. The program's
// state is set up through the core use cases, as the other flows would leave it.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { importCccRatings } from '../../../src/core/ccc-ratings/import-ccc-ratings.ts';
import { answerFeedbackRequest } from '../../../src/core/feedback-requests/answer-feedback-request.ts';
import { requestFeedback } from '../../../src/core/feedback-requests/request-feedback.ts';
import { createGoal } from '../../../src/core/learning-plans/create-goal.ts';
import { openMultisourceRound } from '../../../src/core/multisource/open-multisource-round.ts';
import { UNKNOWN_USER_MESSAGE } from '../../../src/core/people/identify-chat-user.ts';
import { promptAfterRotations } from '../../../src/core/rotation-evaluations/prompt-after-rotations.ts';
import { openSelfAssessmentWindow } from '../../../src/core/self-assessment/open-self-assessment-window.ts';
import { saveSelfAssessmentPage } from '../../../src/core/self-assessment/save-self-assessment-page.ts';
import { submitSelfAssessment } from '../../../src/core/self-assessment/submit-self-assessment.ts';
import { learningGoals, programs } from '../../../src/db/schema/index.ts';
import { FORMS, HOME_ACTIONS, PLAN_ACTIONS, PLAN_FORMS, SELF_ASSESSMENT_ACTIONS, SELF_ASSESSMENT_FORMS } from '../../../src/messages/actions.ts';
import { describeOnEachEngine } from '../../helpers/db.ts';
import { seedDemoProgram } from '../../helpers/demo-program.ts';
import { appHomeOpened, buttonIn, buttonsOf, clickHome, publishedHome, updatedView } from '../../helpers/slack-growth.ts';
import { stateValue } from '../../helpers/slack-requests.ts';
import { blockText, type SlackWorld, slackIdOf, startSlackWorld } from '../../helpers/slack-world.ts';

const PAGES = [
  ['PC1', 'PC2', 'PC3', 'PC4', 'PC5', 'PC6'],
  ['MK1', 'MK2', 'MK3'],
  ['SBP1', 'SBP2', 'SBP3'],
  ['PBLI1', 'PBLI2'],
  ['PROF1', 'PROF2', 'PROF3', 'PROF4'],
  ['ICS1', 'ICS2', 'ICS3'],
];
const SELF: Record<string, string> = { PC3: '3.5', ICS2: '1', MK1: '3' };
const CCC: Record<string, string> = { ICS2: '3', PROF1: '2.5' };

const QUESTION_TO_VICTOR = 'How can I make my morning presentation more concise?';

describeOnEachEngine('Slack App Home', (ctx) => {
  let world: SlackWorld;
  beforeAll(async () => {
    await seedDemoProgram(ctx.db);
    world = await startSlackWorld(ctx.db);
    const ports = { db: ctx.db, clock: world.clock };
    const [program] = await ctx.db.select().from(programs);
    const ana = await world.personId('ana.ruiz');
    const maya = await world.personId('maya.lee');
    const victor = await world.personId('victor.chen');

    // Ana asked Maya (answered) and Victor (still open).
    const answered = await requestFeedback({ ...ports, residentId: ana, assessorId: maya, question: 'How can I make my sign-out more concise?', submissionKey: 'home:1' });
    if (!answered.ok) throw new Error('request refused');
    await answerFeedbackRequest({
      ...ports,
      requestId: answered.requestId,
      actorId: maya,
      reinforcing: 'You named the active problems first.',
      nextStep: 'Tonight, give each handoff in under 60 seconds.',
    });
    const open = await requestFeedback({ ...ports, residentId: ana, assessorId: victor, question: QUESTION_TO_VICTOR, submissionKey: 'home:2' });
    if (!open.ok) throw new Error('request refused');
    // The October block ended: Victor and Maya were prompted about their residents.
    await promptAfterRotations({ ...ports, date: '2026-10-31' });
    // The mid-year window is open; Ana submitted hers and the CCC has rated her.
    await openSelfAssessmentWindow({ ...ports, programId: program!.id, periodCode: '2026-mid' });
    const mine = { ...ports, actorId: ana, residentId: ana, periodCode: '2026-mid' };
    for (let page = 1; page <= 6; page++) {
      const ratings = Object.fromEntries(PAGES[page - 1]!.map((code) => [code, SELF[code] ?? '2']));
      if (page < 6) await saveSelfAssessmentPage({ ...mine, page, ratings });
      else expect((await submitSelfAssessment({ ...mine, page, ratings })).ok).toBe(true);
    }
    const csv = PAGES.flat().map((code) => `internal-medicine,2026-mid,ana.ruiz@stelsewhere.example.org,${code},${CCC[code] ?? '2'}`);
    const imported = await importCccRatings({ db: ctx.db, text: ['program,period,resident_email,subcompetency,rating', ...csv].join('\n'), file: 'ccc.csv', dryRun: false });
    expect(imported.ok).toBe(true);
    await createGoal({ ...ports, residentId: ana, subcompetencyCode: 'ICS2', action: 'Close the loop with nursing on every discharge.', dueOn: '2026-11-20' });
    // A 360 round for the period: every rater has one question per resident waiting.
    await openMultisourceRound({ ...ports, programId: program!.id, periodCode: '2026-mid' });
  });
  afterAll(async () => world?.stop());

  it("a resident's Home: open questions, recent feedback, plan, the latest self vs CCC grid and buttons for the common actions", async () => {
    const response = await appHomeOpened(world, slackIdOf('ana.ruiz'));
    expect(response.status).toBe(200);
    const home = await publishedHome(world, slackIdOf('ana.ruiz'));
    expect(home.type).toBe('home');
    expect(home.blocks.length).toBeLessThanOrEqual(100);
    const text = blockText(home.blocks);
    expect(home.blocks[0]).toMatchObject({ type: 'header', text: { text: 'Hello, Ana' } });
    expect(text).toContain('Your open questions');
    expect(text).toContain(`*Victor Chen*, needed by Thu, Nov 5: _“${QUESTION_TO_VICTOR}”_`);
    // The entry keeps the database's creation time (not the test clock's), so only the shape of the date is known.
    expect(text).toMatch(/\*Maya Lee answered your question\* \(\w{3}, \w{3} \d{1,2}\) — next step: Tonight, give each handoff in under 60 seconds\./);
    expect(text).toContain('Your learning plan');
    expect(text).toContain('Close the loop with nursing on every discharge.');
    expect(text).toContain('Self-assessment vs CCC — Mid-year 2026–27');
    // The grid, largest gaps first.
    const grid = [...text.matchAll(/^\*([A-Z]+\d)\* /gm)].map((m) => m[1]);
    expect(grid.slice(0, 4)).toEqual(['ICS2', 'PC3', 'MK1', 'PROF1']);
    const actionIds = buttonsOf(home.blocks).map((b) => b.action_id.replace(/~\d+$/, ''));
    expect(actionIds).toEqual(expect.arrayContaining([HOME_ACTIONS.askForFeedback, PLAN_ACTIONS.addGoal, PLAN_ACTIONS.done, PLAN_ACTIONS.editGoal, PLAN_ACTIONS.drop, SELF_ASSESSMENT_ACTIONS.goalsFromGaps]));
    // Submitted: nothing to start or continue. The plan is on the Home, so no button posts a copy of it.
    expect(actionIds).not.toContain(SELF_ASSESSMENT_ACTIONS.start);
    expect(actionIds).not.toContain(PLAN_ACTIONS.view);
    // Nothing of anyone else's evaluation data: no 360 rater appears on a resident's Home.
    for (const rater of ['Rosa Delgado', 'Tom Becker', 'Uma Iyer', 'Nadia Karim', 'Leo Marsh', 'Ivy Tran']) expect(text).not.toContain(rater);
  });

  it("a faculty member's Home: the questions and rotation prompts waiting for them, and nothing of a resident's own", async () => {
    await appHomeOpened(world, slackIdOf('victor.chen'));
    const home = await publishedHome(world, slackIdOf('victor.chen'));
    const text = blockText(home.blocks);
    expect(home.blocks[0]).toMatchObject({ type: 'header', text: { text: 'Hello, Victor' } });
    expect(text).toContain('Waiting for you');
    expect(text).toContain(`*Ana Ruiz* asks, needed by Thu, Nov 5: _“${QUESTION_TO_VICTOR}”_`);
    expect(text).toContain('*Medical ICU* (ended Sat, Oct 31): feedback for Farah Haddad, Lena Fischer');
    expect(text).not.toContain('Your learning plan');
    expect(text).not.toContain('CCC —');
    expect(buttonsOf(home.blocks)).toEqual([]);
  });

  it("a CCC member's Home: the current period's progress per resident, the next meeting and the CCC channel", async () => {
    await appHomeOpened(world, slackIdOf('priya.raman'));
    const home = await publishedHome(world, slackIdOf('priya.raman'));
    const text = blockText(home.blocks);
    expect(text).toContain('CCC — Mid-year 2026–27');
    expect(text).toContain(
      '*St. Elsewhere Internal Medicine Residency*, next meeting Tue, Dec 15: 1 of 12 residents submitted their self-assessment; the CCC has rated 1 of 12 in full.',
    );
    expect(text).toContain('*Ana Ruiz* — self-assessment submitted · CCC ratings 21 of 21');
    expect(text).toContain('*Ben Okafor* — self-assessment not started · CCC ratings 0 of 21');
    // Slack reads &amp; in mrkdwn as "&", links included.
    expect(text).toContain('<https://slack.com/app_redirect?channel=C0CCCDEMO01&amp;team=T0TEAM|the CCC channel>');
    // Progress only: the self-ratings and the committee's levels stay in the comparison and the digest.
    expect(text).not.toMatch(/Level \d|●/);
    // Priya is faculty too, with nothing waiting.
    expect(text).toContain('Nothing waiting for you ✓');
  });

  it("a 360 rater's Home counts the questions waiting, without naming anyone", async () => {
    await appHomeOpened(world, slackIdOf('rosa.delgado'));
    const text = blockText((await publishedHome(world, slackIdOf('rosa.delgado'))).blocks);
    expect(text).toContain('12 360 questions about residents you worked with');
  });

  it('only the Home tab is drawn; someone not on the roster is told so on their Home', async () => {
    await appHomeOpened(world, slackIdOf('maya.lee'), 'messages');
    await appHomeOpened(world, 'UNOBODY');
    const stranger = await publishedHome(world, 'UNOBODY');
    expect(blockText(stranger.blocks)).toBe(UNKNOWN_USER_MESSAGE);
    expect(world.fake.callsTo('views.publish').some((c) => c.args.user_id === slackIdOf('maya.lee'))).toBe(false);
  });

  it('Add a goal on the Home opens the goal form; saving it redraws the Home with the new goal', async () => {
    const before = world.fake.callsTo('views.publish').filter((c) => c.args.user_id === slackIdOf('ana.ruiz')).length;
    const home = await publishedHome(world, slackIdOf('ana.ruiz'));
    const click = await clickHome(world, 'ana.ruiz', buttonIn(home.blocks, PLAN_ACTIONS.addGoal));
    expect(click.status).toBe(200);
    const view = await world.openedView(click.triggerId);
    expect(view.callback_id).toBe(PLAN_FORMS.goal);
    const saved = await world.submit('ana.ruiz', view, {
      subcompetency: stateValue.staticSelect(null),
      goal_action: stateValue.plainText('Ask Dr. Chen to watch one family meeting.'),
      due: stateValue.datepicker('2026-12-10'),
    });
    expect(saved.body).toBe('');
    const redrawn = await publishedHome(world, slackIdOf('ana.ruiz'), before);
    expect(blockText(redrawn.blocks)).toContain('Ask Dr. Chen to watch one family meeting.');
    const ana = await world.personId('ana.ruiz');
    expect((await ctx.db.select().from(learningGoals).where(eq(learningGoals.residentId, ana))).map((g) => g.action)).toContain(
      'Ask Dr. Chen to watch one family meeting.',
    );
  });

  it('Ask for feedback on the Home opens the request form', async () => {
    const home = await publishedHome(world, slackIdOf('ana.ruiz'));
    const click = await clickHome(world, 'ana.ruiz', buttonIn(home.blocks, HOME_ACTIONS.askForFeedback));
    expect((await world.openedView(click.triggerId)).callback_id).toBe(FORMS.requestFeedback);
  });

  it("Start self-assessment on a resident's Home opens page 1 and moves on like the DM's button", async () => {
    await appHomeOpened(world, slackIdOf('chloe.nguyen'));
    const home = await publishedHome(world, slackIdOf('chloe.nguyen'));
    expect(blockText(home.blocks)).toContain('0 of 21 milestones rated');
    const click = await clickHome(world, 'chloe.nguyen', buttonIn(home.blocks, SELF_ASSESSMENT_ACTIONS.start));
    const page = await world.openedView(click.triggerId);
    expect(page.callback_id).toBe(SELF_ASSESSMENT_FORMS.page);
    const values = Object.fromEntries(PAGES[0]!.map((code) => [`rating_${code}`, stateValue.staticSelect('2')]));
    expect(updatedView(await world.submit('chloe.nguyen', page, values), page).title.text).toBe('Self-assessment 2 of 6');
  });

  it("a click on someone else's Home button is refused in a small modal (the Home has no reply URL), and nothing is added", async () => {
    const ana = await world.personId('ana.ruiz');
    const goals = (await ctx.db.select().from(learningGoals).where(eq(learningGoals.residentId, ana))).length;
    const anasHome = await publishedHome(world, slackIdOf('ana.ruiz'));
    const click = await clickHome(world, 'chloe.nguyen', buttonIn(anasHome.blocks, PLAN_ACTIONS.addGoal));
    const notice = await world.fake.waitFor('views.open', (c) => c.args.trigger_id === click.triggerId);
    expect(blockText((notice.args.view as { blocks: Record<string, unknown>[] }).blocks)).toBe('Only the resident can add goals to their plan.');
    expect((await ctx.db.select().from(learningGoals).where(eq(learningGoals.residentId, ana))).length).toBe(goals);
  });
});
