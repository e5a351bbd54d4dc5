// The product's flows, each written once against the platform-neutral ChatDriver (tests/helpers/contract-driver.ts):
// who does what, what must be stored, what each person must see. runContractSuite runs every scenario against one
// platform's driver on each database engine, so Slack and Teams are held to the same assertions.
//
// Adding a platform: write its driver (a StartDriver), then tests/contract/<platform>.contract.test.ts is
//     import { startTeamsDriver } from '../helpers/contract-teams-driver.ts';
//     import { runContractSuite } from './scenarios.ts';
//     runContractSuite('Teams', startTeamsDriver);
// Assertions here use only what a person sees (plain text, button action ids and labels, form field ids) and what
// the database holds; anything platform-shaped belongs in the driver.
import { and, count, eq, like, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postCccDigest } from '../../src/core/ccc-digest/post-ccc-digest.ts';
import { importCccRatings } from '../../src/core/ccc-ratings/import-ccc-ratings.ts';
import { answerFeedbackRequest } from '../../src/core/feedback-requests/answer-feedback-request.ts';
import { createGoal } from '../../src/core/learning-plans/create-goal.ts';
import { openMultisourceRound } from '../../src/core/multisource/open-multisource-round.ts';
import { promptAfterRotations } from '../../src/core/rotation-evaluations/prompt-after-rotations.ts';
import { openSelfAssessmentWindow } from '../../src/core/self-assessment/open-self-assessment-window.ts';
import type { Db } from '../../src/db/client.ts';
import {
  evaluationDeclines,
  feedbackEntries,
  feedbackRatings,
  feedbackRequests,
  learningGoals,
  multisourceAnswers,
  multisourceRequests,
  multisourceResponses,
  outboxMessages,
  programs,
  reminderSnoozes,
  rotationAssignments,
  selfAssessmentRatings,
  selfAssessments,
} from '../../src/db/schema/index.ts';
import { ACTIONS, HOME_ACTIONS, MULTISOURCE_ACTIONS, PLAN_ACTIONS, REMINDER_ACTIONS, SELF_ASSESSMENT_ACTIONS } from '../../src/messages/actions.ts';
import { runDailyJobs } from '../../src/scheduler/daily-jobs.ts';
import { actionIdsOf, asForm, asMessage, buttonLabel, type ChatDriver, type DriverOptions, type Seen, type SeenForm, type StartDriver } from '../helpers/contract-driver.ts';
import { describeOnEachEngine, type Engine } from '../helpers/db.ts';

/** What a scenario's tests are given; the driver exists once the scenario's beforeAll ran. */
export interface ScenarioContext {
  readonly driver: ChatDriver;
  readonly db: Db;
  readonly engine: Engine;
}

/** One product flow: its world (seed, time) and the tests that walk through it in order. */
export interface Scenario {
  title: string;
  options?: Partial<DriverOptions>;
  /** Registers the scenario's it(...) blocks; they run in order and share the driver. */
  define(s: ScenarioContext): void;
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------------------------

async function rowCount(db: Db, table: PgTable, where?: SQL): Promise<number> {
  const query = db.select({ n: count() }).from(table);
  const [row] = await (where ? query.where(where) : query);
  return row!.n;
}

/** The outbox's rows and every table a flow writes, to show that a refused step changed nothing. */
async function stored(db: Db) {
  return {
    requests: await db.select({ id: feedbackRequests.id, status: feedbackRequests.status }).from(feedbackRequests).orderBy(feedbackRequests.id),
    entries: await rowCount(db, feedbackEntries),
    ratings: await rowCount(db, feedbackRatings),
    goals: await db.select({ id: learningGoals.id, status: learningGoals.status, dueOn: learningGoals.dueOn }).from(learningGoals).orderBy(learningGoals.id),
    declines: await rowCount(db, evaluationDeclines),
    outbox: await rowCount(db, outboxMessages),
  };
}

function expectNotice(seen: Seen, text: string | RegExp) {
  expect(seen.kind, `expected a notice, saw: ${seen.text}`).toBe('notice');
  if (typeof text === 'string') expect(seen.text).toBe(text);
  else expect(seen.text).toMatch(text);
}

/** The confirmation that a request went out: it names the person and when the answer is needed. */
function expectSent(seen: Seen, to: string) {
  const message = asMessage(seen);
  expect(message.text).toContain(`Sent to ${to}, needed by`);
}

/** The values a form has fields for (forms differ by what they are about: a request without a milestone has no level). */
function forForm(form: SeenForm, values: Record<string, string | boolean | null>) {
  return Object.fromEntries(Object.entries(values).filter(([id]) => form.fieldIds.includes(id)));
}

function expectFieldErrors(seen: Seen, errors: Record<string, unknown>) {
  const form = asForm(seen);
  expect(form.errors).toEqual(errors);
}

async function assignmentOf(db: Db, driver: ChatDriver, handle: string, endsOn = '2026-10-31'): Promise<string> {
  const residentId = await driver.personId(handle);
  const found = (await db.select().from(rotationAssignments).where(eq(rotationAssignments.residentId, residentId))).find((a) => a.endsOn === endsOn);
  if (!found) throw new Error(`no assignment of ${handle} ending ${endsOn}`);
  return found.id;
}

const SPECIFIC_QUESTION = 'How can I make my sign-out to the night team more concise?';

/** The request form as Ana fills it for a question to Maya Lee about Clinical Reasoning. */
function requestValues(question: string | null, assessor = 'maya.lee') {
  return {
    assessor,
    subcompetency: 'PC3',
    template: null,
    blanks: null,
    question,
    context: 'Night float handoff, Tuesday',
    encounter: '2026-11-01',
    due: '2026-11-05',
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------------------------

const askAnswerThank: Scenario = {
  title: 'ask with the form → faculty answers → thank / add to plan',
  define(s) {
    let form: SeenForm;

    it('the request form opens with whom to ask, the milestone, a question to start from and a due date', async () => {
      form = asForm(await s.driver.command('ana.ruiz', ''));
      expect(form.title).toBe('Ask for feedback');
      expect(form.fieldIds).toEqual(['assessor', 'subcompetency', 'template', 'blanks', 'question', 'context', 'encounter', 'due']);
      const field = (id: string) => form.fields.find((f) => f.id === id)!;
      expect(field('assessor').kind).toBe('people');
      expect(field('subcompetency').options).toContain('PC3');
      expect(field('template').options).toContain('make-it-more');
      expect(field('due').initial).toBe('2026-11-05');
    });

    it('the question coach refuses a vague question in the form with a suggestion, and nothing is stored', async () => {
      const before = await stored(s.db);
      const refused = await s.driver.submit('ana.ruiz', form, requestValues('How am I doing?'));
      expectFieldErrors(refused, { question: expect.stringMatching(/^Make it more specific: .*Try: ".+\?"$/) });
      expect(await stored(s.db)).toEqual(before);
    });

    it('a question over 500 characters is refused in the form, naming the limit', async () => {
      const long = `How can I make my sign-out more concise when ${'the night team has many patients and '.repeat(14)}?`;
      const refused = await s.driver.submit('ana.ruiz', form, requestValues(long));
      expectFieldErrors(refused, { question: `Please keep this under 500 characters (it has ${long.length}).` });
      expect(await rowCount(s.db, feedbackRequests)).toBe(0);
    });

    it('a template without its blanks is refused beside the blanks; filled in, it becomes the question', async () => {
      const values = { ...requestValues(null, 'teresa.alvarez'), template: 'make-it-more' };
      const refused = await s.driver.submit('ana.ruiz', form, { ...values, blanks: null });
      expect(asForm(refused).errors?.blanks).toMatch(/^Fill in both blanks/);
      expect(await rowCount(s.db, feedbackRequests)).toBe(0);

      const sent = await s.driver.submit('ana.ruiz', form, { ...values, blanks: 'sign-out; concise' });
      expectSent(sent, 'Teresa Alvarez');
      const [request] = await s.db.select().from(feedbackRequests);
      expect(request).toMatchObject({
        residentId: await s.driver.personId('ana.ruiz'),
        assessorId: await s.driver.personId('teresa.alvarez'),
        question: 'How can I make my sign-out more concise?',
        templateId: 'make-it-more',
        status: 'open',
      });
    });

    it('a specific question is stored once (a replayed submission adds nothing) and reaches the faculty member with Answer / Can’t answer', async () => {
      const next = asForm(await s.driver.command('ana.ruiz', ''));
      const sent = await s.driver.submit('ana.ruiz', next, requestValues(SPECIFIC_QUESTION));
      expectSent(sent, 'Maya Lee');
      const mine = () => s.db.select().from(feedbackRequests).where(eq(feedbackRequests.question, SPECIFIC_QUESTION));
      expect(await mine()).toEqual([
        expect.objectContaining({
          residentId: await s.driver.personId('ana.ruiz'),
          assessorId: await s.driver.personId('maya.lee'),
          context: 'Night float handoff, Tuesday',
          encounterOn: '2026-11-01',
          dueOn: '2026-11-05',
          status: 'open',
        }),
      ]);
      await s.driver.submit('ana.ruiz', next, requestValues(SPECIFIC_QUESTION));
      expect(await mine()).toHaveLength(1);

      expect(await s.driver.deliver()).toEqual({ sent: 2, failed: 0 });
      const dm = await s.driver.inbox('maya.lee', 'feedback-request');
      expect(dm.text).toContain(SPECIFIC_QUESTION);
      expect(dm.text).toContain('PC3 Clinical Reasoning');
      expect(actionIdsOf(dm)).toEqual([ACTIONS.answerRequest, ACTIONS.cannotAnswer]);
      expect(buttonLabel(dm, ACTIONS.answerRequest)).toBe('Answer');
      expect(buttonLabel(dm, ACTIONS.cannotAnswer)).toBe("Can't answer");
    });

    let answerForm: SeenForm;
    let requestDm: Seen;

    it('Answer opens the answer form with the level scale (optional) and the narrative', async () => {
      requestDm = await s.driver.inbox('maya.lee', 'feedback-request', SPECIFIC_QUESTION);
      answerForm = asForm(await s.driver.press('maya.lee', requestDm, ACTIONS.answerRequest));
      expect(answerForm.fieldIds).toEqual(['level', 'reinforcing', 'corrective', 'next_step']);
      const level = answerForm.fields[0]!;
      expect(level.optional).toBe(true);
      expect(level.options).toEqual(['not_yet_level_1', '1', '1.5', '2', '2.5', '3', '3.5', '4', '4.5', '5', 'not_observed']);
    });

    it('an answer without a next step is sent back into the form, storing nothing', async () => {
      const refused = await s.driver.submit('maya.lee', answerForm, {
        level: '2.5',
        reinforcing: 'You named the active problems first.',
        corrective: null,
        next_step: null,
      });
      expectFieldErrors(refused, { next_step: expect.stringContaining('next step') });
      expect(await rowCount(s.db, feedbackEntries)).toBe(0);
    });

    it('the answer (no level given) is stored once, the request shows "Answered ✓", and a replay or a second click changes nothing', async () => {
      const values = {
        level: null,
        reinforcing: 'You named the active problems first.',
        corrective: 'Trim the normal labs from the handoff.',
        next_step: 'Tonight, give each handoff in under 60 seconds.',
      };
      const answered = asMessage(await s.driver.submit('maya.lee', answerForm, values));
      expect(answered.text).toContain('Answered ✓');
      expect(answered.buttons).toEqual([]);
      const entries = await s.db.select().from(feedbackEntries);
      expect(entries).toEqual([
        expect.objectContaining({
          source: 'request',
          authorId: await s.driver.personId('maya.lee'),
          residentId: await s.driver.personId('ana.ruiz'),
          nextStep: 'Tonight, give each handoff in under 60 seconds.',
        }),
      ]);
      expect(await rowCount(s.db, feedbackRatings)).toBe(0);
      const [request] = await s.db.select().from(feedbackRequests).where(eq(feedbackRequests.question, SPECIFIC_QUESTION));
      expect(request?.status).toBe('answered');

      const before = await stored(s.db);
      // The same form submitted again (a retry, a double click): the same outcome, nothing new stored.
      expect(asMessage(await s.driver.submit('maya.lee', answerForm, values)).text).toContain('Answered ✓');
      // The old message's Answer button (another device): said so, no form.
      const stale = await s.driver.press('maya.lee', requestDm, ACTIONS.answerRequest);
      expectNotice(stale, 'You already answered this request ✓');
      expect(await stored(s.db)).toEqual(before);
    });

    it('the resident receives the answer with Thank and Add to my plan', async () => {
      await s.driver.deliver();
      const dm = await s.driver.inbox('ana.ruiz', 'feedback-answer');
      expect(dm.text).toContain('Maya Lee answered your question');
      expect(dm.text).toContain('Tonight, give each handoff in under 60 seconds.');
      expect(buttonLabel(dm, ACTIONS.thank)).toBe('Thank');
      expect(buttonLabel(dm, ACTIONS.addToPlan)).toBe('Add to my plan');
      // The faculty member's request message reads "Answered ✓" wherever it is shown.
      expect((await s.driver.inbox('maya.lee', 'feedback-request', SPECIFIC_QUESTION)).text).toContain('Answered ✓');
    });

    it('Thank is stored, redraws the resident’s message and tells the faculty member once', async () => {
      const dm = await s.driver.inbox('ana.ruiz', 'feedback-answer');
      const thanked = asMessage(await s.driver.press('ana.ruiz', dm, ACTIONS.thank));
      expect(thanked.text).toContain('You thanked Maya Lee ✓');
      const [entry] = await s.db.select({ thankedAt: feedbackEntries.thankedAt }).from(feedbackEntries);
      expect(entry?.thankedAt).toEqual(new Date('2026-11-02T15:00:00Z'));
      // Thanking twice (the old message) sends one thank-you.
      await s.driver.press('ana.ruiz', dm, ACTIONS.thank);
      await s.driver.deliver();
      const thanks = await s.driver.received('maya.lee', 'feedback-thanks');
      expect(thanks).toHaveLength(1);
      expect(thanks[0]!.text).toContain('Ana Ruiz thanked you for your feedback');
    });

    it('Add to my plan stores one learning goal from the next step, however often it is pressed', async () => {
      const dm = await s.driver.inbox('ana.ruiz', 'feedback-answer');
      const added = asMessage(await s.driver.press('ana.ruiz', dm, ACTIONS.addToPlan));
      expect(added.text).toContain('Next step added to your learning plan ✓');
      await s.driver.press('ana.ruiz', dm, ACTIONS.addToPlan);
      expect(await s.db.select().from(learningGoals)).toEqual([
        expect.objectContaining({
          residentId: await s.driver.personId('ana.ruiz'),
          action: 'Tonight, give each handoff in under 60 seconds.',
          source: 'feedback',
          dueOn: '2026-12-02',
        }),
      ]);
    });

    it('help explains the ways to ask', async () => {
      const help = asMessage(await s.driver.command('ana.ruiz', 'help'));
      expect(help.text).toMatch(/help/);
      expect(help.text).toMatch(/@name your question/);
    });
  },
};

const quickAsk: Scenario = {
  title: 'quick ask by typing @someone and a question',
  define(s) {
    it('a specific question typed after a mention is sent at once and stored', async () => {
      const sent = await s.driver.command('ana.ruiz', '@maya.lee How can I make my sign-out more concise?');
      expectSent(sent, 'Maya Lee');
      expect(await s.db.select().from(feedbackRequests)).toEqual([
        expect.objectContaining({
          residentId: await s.driver.personId('ana.ruiz'),
          assessorId: await s.driver.personId('maya.lee'),
          question: 'How can I make my sign-out more concise?',
          status: 'open',
          dueOn: '2026-11-05',
        }),
      ]);
      await s.driver.deliver();
      const dm = await s.driver.inbox('maya.lee', 'feedback-request');
      expect(dm.text).toContain('How can I make my sign-out more concise?');
      expect(dm.text).toContain('Ana Ruiz');
    });

    it('a vague one gets the coach’s suggestion and is not sent', async () => {
      const before = await stored(s.db);
      const coached = await s.driver.command('ana.ruiz', '@victor.chen How am I doing?');
      expectNotice(coached, /^Not sent yet\. Make it more specific: .*Try: "/);
      expect(await stored(s.db)).toEqual(before);
    });

    it('someone who is not a resident cannot ask', async () => {
      const before = await stored(s.db);
      const refused = await s.driver.command('omar.haddad', '');
      expectNotice(refused, /^Only residents and fellows can request feedback/);
      if (s.driver.platform !== 'slack') expect(refused.text).not.toContain('/feedback');
      expect(await stored(s.db)).toEqual(before);
    });
  },
};

const cannotAnswer: Scenario = {
  title: "faculty can't answer",
  define(s) {
    it("Can't answer closes the request, redraws the message, tells the resident; Answer then refuses", async () => {
      expectSent(await s.driver.command('ana.ruiz', '@victor.chen How can I make my morning presentation more concise?'), 'Victor Chen');
      await s.driver.deliver();
      const dm = await s.driver.inbox('victor.chen', 'feedback-request');
      const declined = asMessage(await s.driver.press('victor.chen', dm, ACTIONS.cannotAnswer));
      expect(declined.text).toContain("You said you can't answer this one; Ana Ruiz has been told.");
      expect(declined.buttons).toEqual([]);
      const [request] = await s.db.select().from(feedbackRequests);
      expect(request).toMatchObject({ status: 'declined', closedAt: new Date('2026-11-02T15:00:00Z') });

      await s.driver.deliver();
      const told = await s.driver.received('ana.ruiz', 'feedback-declined');
      expect(told.map((m) => m.text)).toEqual([expect.stringContaining("Victor Chen can't answer your question")]);

      const before = await stored(s.db);
      expectNotice(await s.driver.press('victor.chen', dm, ACTIONS.answerRequest), 'You already said you cannot answer this one.');
      expect(await stored(s.db)).toEqual(before);
    });

    it('what the resident is told names only commands of the platform she is on', async () => {
      const [told] = await s.driver.received('ana.ruiz', 'feedback-declined');
      // Slack's slash command means nothing in Teams, where commands are typed words.
      if (s.driver.platform !== 'slack') expect(told!.text).not.toContain('/feedback');
      expect(told!.text).toContain('opens a new request');
    });
  },
};

/** The evaluation form as Maya fills it: Clinical Reasoning, one knowledge rating, one not observed, narrative. */
const EVALUATION_VALUES = {
  rating_PC3: '3',
  rating_MK1: '2.5',
  rating_MK2: 'not_observed',
  rating_ICS3: null,
  rating_PBLI1: null,
  rating_PBLI2: null,
  directly_observed: true,
  reinforcing: 'Your consult notes answered the question asked.',
  corrective: 'Commit to one recommendation instead of three.',
  next_step: 'On your next consult, end the note with one clear recommendation.',
};

const rotationEvaluation: Scenario = {
  title: 'post-rotation prompt → evaluation, once; did not work with',
  define(s) {
    beforeAll(async () => {
      await s.driver.link('maya.lee', 'victor.chen', 'chloe.nguyen', 'isaac.mensah', 'farah.haddad');
    });
    let prompt: Seen;
    let form: SeenForm;

    it('after the block ends the supervising faculty member gets one prompt per rotation, a Give feedback per resident', async () => {
      await promptAfterRotations({ db: s.db, clock: s.driver.clock, date: '2026-10-31' });
      await s.driver.deliver();
      prompt = await s.driver.inbox('maya.lee', 'rotation-prompt', 'Cardiology Consults');
      expect(prompt.kind === 'message' && prompt.summary).toBe('Cardiology Consults ended Sat, Oct 31: please give feedback to Chloe Nguyen, Isaac Mensah.');
      expect(prompt.text).toContain('Chloe Nguyen');
      expect(actionIdsOf(prompt).filter((a) => a === ACTIONS.giveEvaluation)).toHaveLength(2);
      expect(buttonLabel(prompt, ACTIONS.giveEvaluation, 1)).toBe('Give feedback');
      expect(buttonLabel(prompt, ACTIONS.didNotWorkWith, 1)).toBe('Did not work with this resident');
      expect((await s.driver.inbox('maya.lee', 'rotation-prompt', 'Medical ICU')).text).toContain('Farah Haddad');
    });

    it('Give feedback opens the evaluation form with the rotation’s subcompetencies', async () => {
      form = asForm(await s.driver.press('maya.lee', prompt, ACTIONS.giveEvaluation, 0));
      expect(form.title).toBe('Feedback: Chloe Nguyen');
      expect(form.fieldIds).toEqual(['rating_PC3', 'rating_MK1', 'rating_MK2', 'rating_PBLI1', 'rating_PBLI2', 'rating_ICS3', 'directly_observed', 'reinforcing', 'corrective', 'next_step']);
    });

    it('an out-of-range level is refused beside its picker and nothing is stored', async () => {
      const before = await stored(s.db);
      const refused = asForm(await s.driver.submit('maya.lee', form, { ...EVALUATION_VALUES, rating_PC3: '7' }));
      expect(Object.keys(refused.errors ?? {})).toEqual(['rating_PC3']);
      expect(await stored(s.db)).toEqual(before);
    });

    it('submitting stores one evaluation and marks the resident done in the prompt; submitting again stores nothing new', async () => {
      const redrawn = asMessage(await s.driver.submit('maya.lee', form, EVALUATION_VALUES));
      expect(redrawn.text).toContain('Chloe Nguyen (PGY-1) — feedback sent ✓');
      expect(redrawn.text).toContain('Isaac Mensah (PGY-3)');
      expect(actionIdsOf(redrawn).filter((a) => a === ACTIONS.giveEvaluation)).toHaveLength(1);
      const assignmentId = await assignmentOf(s.db, s.driver, 'chloe.nguyen');
      const entries = await s.db.select().from(feedbackEntries).where(eq(feedbackEntries.rotationAssignmentId, assignmentId));
      expect(entries).toEqual([
        expect.objectContaining({
          source: 'rotation_evaluation',
          authorId: await s.driver.personId('maya.lee'),
          directlyObserved: true,
          nextStep: 'On your next consult, end the note with one clear recommendation.',
        }),
      ]);
      const ratings = await s.db.select({ rating: feedbackRatings.rating }).from(feedbackRatings).where(eq(feedbackRatings.feedbackEntryId, entries[0]!.id));
      expect(ratings.map((r) => r.rating).sort()).toEqual(['2.5', '3', 'not_observed']);

      const before = await stored(s.db);
      expect(asMessage(await s.driver.submit('maya.lee', form, EVALUATION_VALUES)).text).toContain('Chloe Nguyen (PGY-1) — feedback sent ✓');
      expect(await stored(s.db)).toEqual(before);
      expect(await rowCount(s.db, outboxMessages, eq(outboxMessages.kind, 'rotation-evaluation'))).toBe(1);
    });

    it('Give feedback again on the resident already evaluated says so instead of opening a blank form', async () => {
      expectNotice(await s.driver.press('maya.lee', prompt, ACTIONS.giveEvaluation, 0), 'You already sent feedback for this rotation ✓');
    });

    it('the resident receives the evaluation with Thank and Add to my plan', async () => {
      await s.driver.deliver();
      const dm = await s.driver.inbox('chloe.nguyen', 'rotation-evaluation');
      expect(dm.text).toContain('Based on direct observation.');
      expect(dm.text).toContain('On your next consult, end the note with one clear recommendation.');
      expect(actionIdsOf(dm)).toEqual(expect.arrayContaining([ACTIONS.thank, ACTIONS.addToPlan]));
    });

    it('Did not work with this resident is recorded once, even when pressed twice, and shown in the prompt', async () => {
      const icu = await s.driver.inbox('maya.lee', 'rotation-prompt', 'Medical ICU');
      const redrawn = asMessage(await s.driver.press('maya.lee', icu, ACTIONS.didNotWorkWith, 0));
      expect(redrawn.text).toContain('Farah Haddad (PGY-2) — you did not work together');
      expect(redrawn.text).toContain('Lena Fischer (PGY-3)');
      expect(actionIdsOf(redrawn).filter((a) => a === ACTIONS.giveEvaluation)).toHaveLength(1);
      await s.driver.press('maya.lee', icu, ACTIONS.didNotWorkWith, 0);
      expect(await s.db.select().from(evaluationDeclines)).toEqual([
        expect.objectContaining({
          rotationAssignmentId: await assignmentOf(s.db, s.driver, 'farah.haddad'),
          facultyId: await s.driver.personId('maya.lee'),
          reason: 'did_not_work_with',
        }),
      ]);
    });

    it('a faculty member who did not supervise the rotation cannot evaluate it or decline it', async () => {
      const before = await stored(s.db);
      const refusal = 'Only the faculty who supervised this rotation can evaluate it.';
      expectNotice(await s.driver.press('omar.haddad', prompt, ACTIONS.giveEvaluation, 1), refusal);
      expectNotice(await s.driver.press('omar.haddad', prompt, ACTIONS.didNotWorkWith, 1), refusal);
      expect(await stored(s.db)).toEqual(before);
    });
  },
};

const whoMayAct: Scenario = {
  title: 'bad input: someone else’s message, someone else’s form, missing values',
  define(s) {
    let dm: Seen;
    beforeAll(async () => {
      await s.driver.command('ana.ruiz', `@maya.lee ${SPECIFIC_QUESTION}`);
      await s.driver.deliver();
      dm = await s.driver.inbox('maya.lee', 'feedback-request');
    });

    it('another faculty member pressing Answer or Can’t answer on a request sent to someone else is refused, and nothing changes', async () => {
      const before = await stored(s.db);
      expectNotice(await s.driver.press('omar.haddad', dm, ACTIONS.answerRequest), 'Only the person this request was sent to can answer it.');
      expectNotice(await s.driver.press('omar.haddad', dm, ACTIONS.cannotAnswer), 'Only the person this request was sent to can answer it.');
      expect(await stored(s.db)).toEqual(before);
    });

    it('a resident cannot answer their own request', async () => {
      expectNotice(await s.driver.press('ana.ruiz', dm, ACTIONS.answerRequest), 'You cannot answer your own request.');
    });

    it('the answer form submitted by someone else is refused and stores nothing', async () => {
      const form = asForm(await s.driver.press('maya.lee', dm, ACTIONS.answerRequest));
      const before = await stored(s.db);
      expectNotice(
        await s.driver.submit('omar.haddad', form, forForm(form, { level: '3', reinforcing: 'Good.', corrective: null, next_step: 'none' })),
        'Only the person this request was sent to can answer it.',
      );
      expect(await stored(s.db)).toEqual(before);
    });

    it('a request form with its required fields left empty is refused in the form, naming each, and stores nothing', async () => {
      const form = asForm(await s.driver.command('ana.ruiz', ''));
      const before = await stored(s.db);
      const refused = asForm(await s.driver.submit('ana.ruiz', form, { ...requestValues(SPECIFIC_QUESTION), assessor: null, subcompetency: null }));
      expect(Object.keys(refused.errors ?? {}).sort()).toEqual(['assessor', 'subcompetency']);
      expect(await stored(s.db)).toEqual(before);
    });

    it('a goal without an action is refused in the form and stores nothing', async () => {
      const form = asForm(await s.driver.command('ana.ruiz', 'plan'));
      const before = await stored(s.db);
      const refused = asForm(await s.driver.submit('ana.ruiz', form, { subcompetency: null, goal_action: null, due: '2026-11-20' }));
      expect(Object.keys(refused.errors ?? {})).toEqual(['goal_action']);
      expect(await stored(s.db)).toEqual(before);
    });

    it('an answer with nothing in it is refused in the form', async () => {
      const form = asForm(await s.driver.press('maya.lee', dm, ACTIONS.answerRequest));
      const before = await stored(s.db);
      const refused = asForm(await s.driver.submit('maya.lee', form, forForm(form, { level: null, reinforcing: null, corrective: null, next_step: null })));
      expect(Object.keys(refused.errors ?? {}).length).toBeGreaterThan(0);
      expect(await stored(s.db)).toEqual(before);
    });
  },
};

// The Medical ICU block that ended Jul 31: Chloe Nguyen and Isaac Mensah were on it; its raters are three nurses
// (Rosa, Tom, Uma) and a respiratory therapist (Ivy). The program's threshold is 3.
const RATERS = ['rosa.delgado', 'tom.becker', 'uma.iyer', 'ivy.tran', 'nadia.karim', 'leo.marsh'];
const COMMENTS = {
  rosa: 'Calm and clear at the bedside.',
  tom: 'Returns pages fast, even at night.',
  uma: 'Could explain plans to families in plainer words.',
};

/** A 360 form's answers: every item the same score (or some overridden), and the comment. */
function answers360(form: SeenForm, score: string, comment: string | null, override: Record<string, string | null> = {}) {
  const items = form.fieldIds.filter((id) => id.startsWith('item_'));
  return { ...Object.fromEntries(items.map((id) => [id, id in override ? override[id]! : score])), comment };
}

async function multisnapshot(db: Db) {
  return {
    responses: await db.select().from(multisourceResponses).orderBy(multisourceResponses.id),
    answers: await db.select().from(multisourceAnswers).orderBy(multisourceAnswers.responseId, multisourceAnswers.itemId),
    requests: await db.select({ id: multisourceRequests.id, status: multisourceRequests.status }).from(multisourceRequests).orderBy(multisourceRequests.id),
    outbox: await rowCount(db, outboxMessages),
  };
}

async function multisourceRequestOf(s: ScenarioContext, rater: string, resident: string) {
  const [request] = await s.db
    .select()
    .from(multisourceRequests)
    .where(and(eq(multisourceRequests.raterId, await s.driver.personId(rater)), eq(multisourceRequests.residentId, await s.driver.personId(resident))));
  if (!request) throw new Error(`no 360 request to ${rater} about ${resident}`);
  return request;
}

const multisource: Scenario = {
  title: '360: raters answer in one form or did not work with; anonymity below 3 raters',
  define(s) {
    beforeAll(async () => {
      await s.driver.link(...RATERS);
      const [program] = await s.db.select({ id: programs.id }).from(programs);
      const round = await openMultisourceRound({ db: s.db, clock: s.driver.clock, programId: program!.id, rotationCode: 'MICU', endsOn: '2026-07-31' });
      expect(round).toMatchObject({ residents: 2, raters: 4, requested: 8 });
      expect(await s.driver.deliver()).toEqual({ sent: 8, failed: 0 });
    });
    const dmAbout = (rater: string) => s.driver.inbox(rater, 'multisource-request', 'Chloe Nguyen');
    let rosasForm: SeenForm;

    it('a rater answers with one press and one submit; the answer is stored and the message says "Answered ✓"', async () => {
      const dm = await dmAbout('rosa.delgado');
      expect(dm.summary || dm.text).toMatch(/360 feedback for Chloe Nguyen: \d quick questions, under a minute\./);
      expect(buttonLabel(dm, MULTISOURCE_ACTIONS.answer)).toBe('Answer');
      expect(buttonLabel(dm, MULTISOURCE_ACTIONS.didNotWorkWith)).toBe('I did not work with this resident');

      rosasForm = asForm(await s.driver.press('rosa.delgado', dm, MULTISOURCE_ACTIONS.answer));
      const items = rosasForm.fieldIds.filter((id) => id.startsWith('item_'));
      expect(items.length).toBeGreaterThanOrEqual(3);
      expect(rosasForm.fieldIds).toEqual([...items, 'comment']);
      expect(rosasForm.fields[0]!.options).toEqual(['1', '2', '3', '4', '5', 'not_observed']);
      expect(rosasForm.text).toContain('never with your name');

      const answered = asMessage(await s.driver.submit('rosa.delgado', rosasForm, answers360(rosasForm, '5', COMMENTS.rosa, { [items[1]!]: 'not_observed' })));
      expect(answered.text).toContain('Answered ✓');
      expect(buttonLabel(answered, MULTISOURCE_ACTIONS.answer)).toBe('Change my answer');
      const request = await multisourceRequestOf(s, 'rosa.delgado', 'chloe.nguyen');
      expect(request.status).toBe('answered');
      const responses = await s.db.select().from(multisourceResponses).where(eq(multisourceResponses.requestId, request.id));
      expect(responses).toEqual([expect.objectContaining({ didNotWorkWith: false, comment: COMMENTS.rosa })]);
      const scores = await s.db.select().from(multisourceAnswers).where(eq(multisourceAnswers.responseId, responses[0]!.id));
      expect(scores.map((a) => a.score)).toEqual(items.slice(1).map(() => 5));
      // Nothing goes to the resident per answer: its timing alone would say who answered.
      expect(await rowCount(s.db, outboxMessages, eq(outboxMessages.recipientPersonId, await s.driver.personId('chloe.nguyen')))).toBe(0);
    });

    it('the same submission again (a replay) keeps one response', async () => {
      const before = await multisnapshot(s.db);
      expect(asMessage(await s.driver.submit('rosa.delgado', rosasForm, answers360(rosasForm, '5', COMMENTS.rosa, { [rosasForm.fieldIds[1]!]: 'not_observed' }))).text).toContain('Answered ✓');
      expect((await multisnapshot(s.db)).responses.map((r) => r.id)).toEqual(before.responses.map((r) => r.id));
      expect((await multisnapshot(s.db)).answers).toHaveLength(before.answers.length);
    });

    it('"I did not work with this resident" is recorded once, never as an answer, and the message offers to answer anyway', async () => {
      const dm = await dmAbout('ivy.tran');
      const redrawn = asMessage(await s.driver.press('ivy.tran', dm, MULTISOURCE_ACTIONS.didNotWorkWith));
      expect(redrawn.text).toContain('You said you did not work with Chloe Nguyen');
      expect(buttonLabel(redrawn, MULTISOURCE_ACTIONS.answer)).toBe('Answer anyway');
      await s.driver.press('ivy.tran', dm, MULTISOURCE_ACTIONS.didNotWorkWith);
      const request = await multisourceRequestOf(s, 'ivy.tran', 'chloe.nguyen');
      expect(request.status).toBe('did_not_work_with');
      const responses = await s.db.select().from(multisourceResponses).where(eq(multisourceResponses.requestId, request.id));
      expect(responses).toEqual([expect.objectContaining({ didNotWorkWith: true, comment: null })]);
      expect(await s.db.select().from(multisourceAnswers).where(eq(multisourceAnswers.responseId, responses[0]!.id))).toEqual([]);
    });

    it('a rater acting on someone else’s 360 request, or the resident on their own, is refused and nothing changes', async () => {
      const dm = await dmAbout('tom.becker');
      const before = await multisnapshot(s.db);
      const refusal = 'Only the person this 360 request was sent to can answer it.';
      expectNotice(await s.driver.press('rosa.delgado', dm, MULTISOURCE_ACTIONS.answer), refusal);
      expectNotice(await s.driver.press('rosa.delgado', dm, MULTISOURCE_ACTIONS.didNotWorkWith), refusal);
      expectNotice(await s.driver.press('chloe.nguyen', dm, MULTISOURCE_ACTIONS.answer), 'You cannot give 360 feedback about yourself.');
      expectNotice(await s.driver.submit('tom.becker', rosasForm, answers360(rosasForm, '1', 'Not mine to say.')), refusal);
      expect(await multisnapshot(s.db)).toEqual(before);
    });

    it('a score off the 1–5 scale or a missing one is refused beside the item, and nothing changes', async () => {
      const dm = await dmAbout('uma.iyer');
      const form = asForm(await s.driver.press('uma.iyer', dm, MULTISOURCE_ACTIONS.answer));
      const [first, second] = form.fieldIds;
      const before = await multisnapshot(s.db);
      expectFieldErrors(await s.driver.submit('uma.iyer', form, answers360(form, '3', COMMENTS.uma, { [first!]: '6', [second!]: '2.5' })), {
        [first!]: '“6” is not on the scale: choose a point from 1 to 5, or “Not observed”.',
        [second!]: '“2.5” is not on the scale: choose a point from 1 to 5, or “Not observed”.',
      });
      expectFieldErrors(await s.driver.submit('uma.iyer', form, answers360(form, '3', COMMENTS.uma, { [first!]: null })), {
        [first!]: 'Choose a point from 1 to 5, or “Not observed”.',
      });
      expect(await multisnapshot(s.db)).toEqual(before);
    });

    it('with 2 nurses answered the resident’s 360 says "not enough responses yet"; with 3 it shows the aggregates and comments', async () => {
      const tom = await dmAbout('tom.becker');
      const tomsForm = asForm(await s.driver.press('tom.becker', tom, MULTISOURCE_ACTIONS.answer));
      expect(asMessage(await s.driver.submit('tom.becker', tomsForm, answers360(tomsForm, '4', COMMENTS.tom))).text).toContain('Answered ✓');

      const hidden = asMessage(await s.driver.command('chloe.nguyen', '360'));
      expect(hidden.text).toContain('Your 360 feedback');
      expect(hidden.text).toContain('Nurses — not enough responses yet');
      expect(hidden.text).toContain('Therapists — not enough responses yet');
      expect(hidden.text).not.toContain('of 5');
      for (const comment of [COMMENTS.rosa, COMMENTS.tom]) expect(hidden.text).not.toContain(comment);

      const ccc = asMessage(await s.driver.command('omar.haddad', '360 @chloe.nguyen'));
      expect(ccc.text).toContain('360 feedback: Chloe Nguyen');
      expect(ccc.text).toContain('Nurses — not enough responses yet (2 of 3 answered; results show at 3)');
      expect(ccc.text).not.toContain(COMMENTS.tom);

      const uma = await dmAbout('uma.iyer');
      const umasForm = asForm(await s.driver.press('uma.iyer', uma, MULTISOURCE_ACTIONS.answer));
      expect(asMessage(await s.driver.submit('uma.iyer', umasForm, answers360(umasForm, '3', COMMENTS.uma))).text).toContain('Answered ✓');

      const shown = asMessage(await s.driver.command('chloe.nguyen', '360'));
      expect(shown.text).toContain('Nurses — 3 responses');
      expect(shown.text).toContain('4.0 of 5');
      for (const comment of [COMMENTS.rosa, COMMENTS.tom, COMMENTS.uma]) expect(shown.text).toContain(comment);
      expect(shown.text).toContain('Therapists — not enough responses yet');
      // Nothing the resident sees names a rater.
      for (const rater of ['Rosa', 'Delgado', 'Tom Becker', 'Uma', 'Iyer', 'Ivy', 'Tran']) expect(shown.text).not.toContain(rater);
    });

    it('only the CCC and the program director see another resident’s 360', async () => {
      const refusal = 'Only the CCC and the program director of St. Elsewhere Internal Medicine Residency can see residents’ 360 feedback.';
      expectNotice(await s.driver.command('isaac.mensah', '360 @chloe.nguyen'), refusal);
      expectNotice(await s.driver.command('rosa.delgado', '360 @chloe.nguyen'), refusal);
      expect(asMessage(await s.driver.command('maya.lee', '360 @chloe.nguyen')).text).toContain('360 feedback: Chloe Nguyen');
    });
  },
};

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

const pageValues = (page: number, overrides: Record<string, string | null> = {}) =>
  Object.fromEntries(PAGES[page - 1]!.map((code) => [`rating_${code}`, code in overrides ? overrides[code]! : (SELF[code] ?? '2')]));

const cccRatingsCsv = (handle = 'ana.ruiz') =>
  ['program,period,resident_email,subcompetency,rating', ...PAGES.flat().map((code) => `internal-medicine,2026-mid,${handle}@stelsewhere.example.org,${code},${CCC[code] ?? '2'}`)].join('\n');

const selfAssessment: Scenario = {
  title: 'paged self-assessment (save, resume, submit) and compare with the CCC',
  define(s) {
    let invite: Seen;
    let page: SeenForm;
    const ratingsStored = () => rowCount(s.db, selfAssessmentRatings);
    const anasAssessment = async () => (await s.db.select().from(selfAssessments).where(eq(selfAssessments.residentId, await s.driver.personId('ana.ruiz'))))[0];

    beforeAll(async () => {
      await s.driver.link('ana.ruiz', 'chloe.nguyen');
      const [program] = await s.db.select({ id: programs.id }).from(programs);
      await openSelfAssessmentWindow({ db: s.db, clock: s.driver.clock, programId: program!.id, periodCode: '2026-mid' });
    });

    it('the window opens with one Start message per resident', async () => {
      await s.driver.deliver();
      invite = await s.driver.inbox('ana.ruiz', 'self-assessment-invite');
      expect(invite.text).toContain('Mid-year 2026–27 self-assessment');
      expect(buttonLabel(invite, SELF_ASSESSMENT_ACTIONS.start)).toBe('Start self-assessment');
      expect(await s.driver.received('ana.ruiz', 'self-assessment-invite')).toHaveLength(1);
    });

    it('Start opens page 1 of 6; each page is saved and moves on to the next', async () => {
      page = asForm(await s.driver.press('ana.ruiz', invite, SELF_ASSESSMENT_ACTIONS.start));
      expect(page.title).toBe('Self-assessment 1 of 6');
      expect(page.fieldIds).toEqual(PAGES[0]!.map((code) => `rating_${code}`));
      page = asForm(await s.driver.submit('ana.ruiz', page, pageValues(1)));
      expect(page.title).toBe('Self-assessment 2 of 6');
      expect(page.fieldIds).toEqual(['rating_MK1', 'rating_MK2', 'rating_MK3']);
      expect(await ratingsStored()).toBe(6);
      page = asForm(await s.driver.submit('ana.ruiz', page, pageValues(2)));
      expect(page.title).toBe('Self-assessment 3 of 6');
      expect(await ratingsStored()).toBe(9);
    });

    it('stopping halfway keeps what was saved; Start again, or the self-assessment command, resumes at page 3', async () => {
      const resumed = asForm(await s.driver.press('ana.ruiz', invite, SELF_ASSESSMENT_ACTIONS.start));
      expect(resumed.title).toBe('Self-assessment 3 of 6');
      expect(resumed.text).toContain('9 of 21 rated so far');
      expect((await anasAssessment())?.status).toBe('in_progress');
      expect(asForm(await s.driver.command('ana.ruiz', 'self-assessment')).title).toBe('Self-assessment 3 of 6');
      page = resumed;
    });

    it('someone else submitting her page or pressing her Start is refused, and nothing changes', async () => {
      const before = await ratingsStored();
      const refusal = 'This self-assessment belongs to someone else; only they can open it.';
      expectNotice(await s.driver.submit('chloe.nguyen', page, pageValues(3, { SBP1: '5' })), refusal);
      expectNotice(await s.driver.press('chloe.nguyen', invite, SELF_ASSESSMENT_ACTIONS.start), refusal);
      expect(await ratingsStored()).toBe(before);
      expect(await s.db.select().from(selfAssessments).where(eq(selfAssessments.residentId, await s.driver.personId('chloe.nguyen')))).toHaveLength(0);
    });

    it('an out-of-range level (or "not observed") is refused beside its picker, storing nothing', async () => {
      const before = await ratingsStored();
      expectFieldErrors(await s.driver.submit('ana.ruiz', page, pageValues(3, { SBP1: '7', SBP2: 'not_observed' })), {
        rating_SBP1: 'That is not a level on the milestone scale.',
        rating_SBP2: 'That is not a level on the milestone scale.',
      });
      expect(await ratingsStored()).toBe(before);
    });

    it('the last page names a milestone left unrated, then submits; the Start message shows it submitted', async () => {
      for (const n of [3, 4, 5]) page = asForm(await s.driver.submit('ana.ruiz', page, pageValues(n)));
      expect(page.title).toBe('Self-assessment 6 of 6');
      expectFieldErrors(await s.driver.submit('ana.ruiz', page, pageValues(6, { ICS3: null })), { rating_ICS3: 'Pick a level for this milestone before submitting.' });
      expect((await anasAssessment())?.status).toBe('in_progress');

      const done = asMessage(await s.driver.submit('ana.ruiz', page, pageValues(6)));
      expect(`${done.summary}\n${done.text}`).toContain('Your Mid-year 2026–27 self-assessment is submitted.');
      expect(done.buttons.map((b) => b.actionId)).not.toContain(SELF_ASSESSMENT_ACTIONS.start);
      expect((await anasAssessment())?.status).toBe('submitted');
      expect(await ratingsStored()).toBe(21);
      expectNotice(await s.driver.press('ana.ruiz', invite, SELF_ASSESSMENT_ACTIONS.start), /^You submitted your Mid-year 2026–27 self-assessment on .* ✓$/);
    });

    it('with the CCC’s ratings loaded, compare shows self vs CCC, largest gaps first, and adds the gaps to the plan once', async () => {
      const imported = await importCccRatings({ db: s.db, text: cccRatingsCsv(), file: 'ccc.csv', dryRun: false });
      expect(imported.ok).toBe(true);
      const compared = asMessage(await s.driver.command('ana.ruiz', 'compare'));
      expect(compared.text).toContain('Self-assessment vs CCC — Mid-year 2026–27');
      const order = [...compared.text.matchAll(/^([A-Z]+\d) /gm)].map((m) => m[1]);
      expect(order.slice(0, 5)).toEqual(['ICS2', 'PC3', 'MK1', 'PROF1', 'PC1']);
      expect(compared.text).toContain('Interprofessional and Team Communication (self 2 levels below CCC)');
      expect(compared.text).toContain('Talk these over with Maya Lee, your program director and mentor.');

      expectNotice(await s.driver.press('chloe.nguyen', compared, SELF_ASSESSMENT_ACTIONS.goalsFromGaps), 'This self-assessment belongs to someone else; only they can open it.');
      const added = await s.driver.press('ana.ruiz', compared, SELF_ASSESSMENT_ACTIONS.goalsFromGaps);
      expect(added.text).toMatch(/^Added 3 goals from your largest gaps/);
      expect(added.text).toContain('ICS2 Interprofessional and Team Communication (due Sun, Jan 31)');
      const again = await s.driver.press('ana.ruiz', compared, SELF_ASSESSMENT_ACTIONS.goalsFromGaps);
      expect(again.text).toMatch(/^These goals from your largest gaps are already in your plan/);
      const goals = await s.db.select().from(learningGoals).where(eq(learningGoals.source, 'self_assessment_gap'));
      expect(goals).toHaveLength(3);
      expect(goals.every((g) => g.dueOn === '2027-01-31')).toBe(true);
    });

    it('compare for someone else’s resident is refused unless program director or mentor', async () => {
      expectNotice(await s.driver.command('victor.chen', 'compare @ana.ruiz'), 'Only Ana Ruiz, their program director and their mentor can see this.');
      expect(asMessage(await s.driver.command('maya.lee', 'compare @ana.ruiz')).text).toContain('Talk these over with Ana.');
    });
  },
};

const learningPlan: Scenario = {
  title: 'learning-plan goals: plan form, plan show, due-date check-in Done / Still working / Drop',
  define(s) {
    const goalsOf = async () =>
      s.db.select().from(learningGoals).where(eq(learningGoals.residentId, await s.driver.personId('ana.ruiz'))).orderBy(learningGoals.createdAt);
    const goal = (due: string, action = 'Present every new admission in under 3 minutes.') => ({ subcompetency: 'ICS2', goal_action: action, due });
    const nudges: Seen[] = [];
    beforeAll(async () => {
      await s.driver.link('ana.ruiz');
    });

    it('plan opens the goal form; a past due date is refused in the form; a good goal is added and confirmed', async () => {
      const form = asForm(await s.driver.command('ana.ruiz', 'plan'));
      expect(form.fieldIds).toEqual(['subcompetency', 'goal_action', 'due']);
      expectFieldErrors(await s.driver.submit('ana.ruiz', form, goal('2026-10-01')), { due: 'The due date cannot be in the past.' });
      expect(await goalsOf()).toHaveLength(0);
      const added = await s.driver.submit('ana.ruiz', form, goal('2026-11-20'));
      expect(added.text).toContain('Goal added ✓');
      expect(added.text).toContain('Present every new admission in under 3 minutes.');
      expect(added.text).toContain('due Fri, Nov 20');
      for (const action of ['Ask for one observed handoff each week.', 'Read one ICS article a week.']) {
        await s.driver.submit('ana.ruiz', asForm(await s.driver.command('ana.ruiz', 'plan')), goal('2026-11-20', action));
      }
      expect((await goalsOf()).map((g) => [g.action, g.dueOn, g.source, g.status])).toEqual([
        ['Present every new admission in under 3 minutes.', '2026-11-20', 'resident', 'open'],
        ['Ask for one observed handoff each week.', '2026-11-20', 'resident', 'open'],
        ['Read one ICS article a week.', '2026-11-20', 'resident', 'open'],
      ]);
    });

    it('plan show lists the goals', async () => {
      const plan = asMessage(await s.driver.command('ana.ruiz', 'plan show'));
      expect(plan.text).toContain('Your learning plan');
      expect(plan.text).toContain('Present every new admission in under 3 minutes.');
      expect(actionIdsOf(plan)).toContain(PLAN_ACTIONS.editGoal);
    });

    it('on the due date the goal-nudges job asks "How did it go?" once per goal, with Done / Still working on it / Drop', async () => {
      const [program] = await s.db.select().from(programs);
      s.driver.clock.set('2026-11-20T14:00:00Z');
      for (let run = 0; run < 2; run++) {
        await runDailyJobs({ db: s.db, clock: s.driver.clock, program: program!, date: '2026-11-20', instance: 'contract', only: ['goal-nudges'], again: run > 0 });
      }
      expect(await s.driver.deliver()).toEqual({ sent: 3, failed: 0 });
      expect(await s.driver.received('ana.ruiz', 'goal-due')).toHaveLength(3);
      for (const action of ['Present every new admission', 'Ask for one observed handoff', 'Read one ICS article']) {
        const dm = await s.driver.inbox('ana.ruiz', 'goal-due', action);
        expect(dm.text).toContain('How did it go?');
        expect(dm.text).toContain(action);
        expect(dm.buttons.map((b) => [b.actionId, b.label])).toEqual([
          [PLAN_ACTIONS.done, 'Done'],
          [PLAN_ACTIONS.stillWorking, 'Still working on it'],
          [PLAN_ACTIONS.drop, 'Drop'],
        ]);
        nudges.push(dm);
      }
    });

    it('Still working on it moves the goal two weeks on and says when it will ask again', async () => {
      const redrawn = asMessage(await s.driver.press('ana.ruiz', nudges[0]!, PLAN_ACTIONS.stillWorking));
      expect(redrawn.text).toContain('Still working on it — I will ask again on Fri, Dec 4.');
      expect(redrawn.buttons).toEqual([]);
      expect((await goalsOf())[0]).toMatchObject({ status: 'open', dueOn: '2026-12-04' });
    });

    it('Done asks for the outcome and closes the goal; Drop likewise; a stale press changes nothing and says why', async () => {
      const doneForm = asForm(await s.driver.press('ana.ruiz', nudges[1]!, PLAN_ACTIONS.done));
      expect(doneForm.title).toBe('Goal done');
      expect(asMessage(await s.driver.submit('ana.ruiz', doneForm, { outcome: 'Four observed handoffs; Dr. Lee noticed.' })).text).toContain('Marked done ✓');
      const dropForm = asForm(await s.driver.press('ana.ruiz', nudges[2]!, PLAN_ACTIONS.drop));
      expect(dropForm.title).toBe('Drop goal');
      expect(asMessage(await s.driver.submit('ana.ruiz', dropForm, { outcome: null })).text).toContain('Dropped.');

      const goals = await goalsOf();
      expect(goals[1]).toMatchObject({ status: 'done', outcome: 'Four observed handoffs; Dr. Lee noticed.' });
      expect(goals[2]).toMatchObject({ status: 'dropped', outcome: null });
      const before = await stored(s.db);
      expectNotice(await s.driver.press('ana.ruiz', nudges[1]!, PLAN_ACTIONS.drop), 'This goal is already done.');
      expect(await stored(s.db)).toEqual(before);
    });

    it('the plan is visible to the resident, the program director and the mentor only', async () => {
      expect(asMessage(await s.driver.command('maya.lee', 'plan show @ana.ruiz')).text).toContain("Ana Ruiz's learning plan");
      for (const handle of ['victor.chen', 'chloe.nguyen', 'omar.haddad']) {
        expectNotice(await s.driver.command(handle, 'plan show @ana.ruiz'), 'Only Ana Ruiz, their program director and their mentor can see this.');
      }
    });
  },
};

const remindersAndSnooze: Scenario = {
  title: 'reminders and snooze',
  define(s) {
    const day = async (date: string, only: string[]) => {
      s.driver.clock.set(`${date}T14:00:00Z`);
      const [program] = await s.db.select().from(programs);
      const outcomes = await runDailyJobs({ db: s.db, clock: s.driver.clock, program: program!, date, instance: 'contract', only });
      expect(outcomes.every((o) => o.status === 'ran')).toBe(true);
      return outcomes;
    };
    let requestId: string;
    beforeAll(async () => {
      await s.driver.link('ana.ruiz', 'maya.lee', 'samuel.brooks', 'victor.chen', 'wendy.morgan', 'yusuf.adeyemi', 'teresa.alvarez', 'grace.kim');
      await day('2026-10-31', ['rotation-prompts']);
      s.driver.clock.set('2026-11-02T15:00:00Z');
      expectSent(await s.driver.command('ana.ruiz', `@maya.lee ${SPECIFIC_QUESTION}`), 'Maya Lee');
      const [request] = await s.db.select().from(feedbackRequests);
      requestId = request!.id;
      // The row's creation time is the database's; the scenario's day is the clock's.
      await s.db.update(feedbackRequests).set({ createdAt: new Date('2026-11-02T15:00:00Z') }).where(eq(feedbackRequests.id, requestId));
      await s.driver.deliver();
    });

    let samuel: Seen;

    it('the +3 rotation reminder carries each waiting resident’s buttons and two snoozes', async () => {
      await day('2026-11-03', ['evaluation-reminders']);
      await s.driver.deliver();
      samuel = await s.driver.inbox('samuel.brooks', 'evaluation-reminder');
      expect(samuel.text).toContain('Dev Patel');
      expect(samuel.text).toContain('Julia Costa');
      expect(actionIdsOf(samuel)).toEqual([
        ACTIONS.giveEvaluation,
        ACTIONS.didNotWorkWith,
        ACTIONS.giveEvaluation,
        ACTIONS.didNotWorkWith,
        REMINDER_ACTIONS.snoozeOneDay,
        REMINDER_ACTIONS.snoozeThreeDays,
      ]);
    });

    it('Snooze 3 days says "Snoozed until …" and stores the snooze; someone else’s press is refused', async () => {
      s.driver.clock.set('2026-11-03T20:30:00Z');
      const snoozed = asMessage(await s.driver.press('samuel.brooks', samuel, REMINDER_ACTIONS.snoozeThreeDays));
      expect(snoozed.text).toContain("Snoozed until Fri, Nov 6 — I'll remind you then.");
      expect(snoozed.buttons).toEqual([]);
      const snoozes = await s.db.select().from(reminderSnoozes);
      expect(snoozes).toEqual([expect.objectContaining({ subjectKind: 'rotation-prompt', personId: await s.driver.personId('samuel.brooks') })]);
      expect(snoozes[0]!.snoozedUntil.toISOString()).toBe('2026-11-06T06:00:00.000Z');

      const refused = await s.driver.press('ana.ruiz', samuel, REMINDER_ACTIONS.snoozeOneDay);
      expect(refused.kind).toBe('notice');
      expect(refused.text).toContain('Only the faculty who supervised this rotation can evaluate it.');
      expect(await s.db.select().from(reminderSnoozes)).toHaveLength(1);
    });

    it('the day-3 request reminder offers Answer / Can’t answer / Snooze; Snooze 1 day says until when', async () => {
      await day('2026-11-05', ['request-reminders']);
      await s.driver.deliver();
      const reminder = await s.driver.inbox('maya.lee', 'feedback-request-reminder');
      expect(reminder.text).toContain('Ana Ruiz');
      expect(reminder.text).toContain(SPECIFIC_QUESTION);
      expect(actionIdsOf(reminder)).toEqual([ACTIONS.answerRequest, ACTIONS.cannotAnswer, REMINDER_ACTIONS.snoozeOneDay, REMINDER_ACTIONS.snoozeThreeDays]);
      const snoozed = asMessage(await s.driver.press('maya.lee', reminder, REMINDER_ACTIONS.snoozeOneDay));
      expect(snoozed.text).toContain("Snoozed until Fri, Nov 6 — I'll remind you then.");
      expect(await s.db.select().from(reminderSnoozes).where(eq(reminderSnoozes.personId, await s.driver.personId('maya.lee')))).toHaveLength(1);
    });

    it('after the snooze the +7 reminders come as usual, to whoever still owes an answer', async () => {
      await day('2026-11-07', ['evaluation-reminders']);
      await s.driver.deliver();
      expect(await s.driver.received('samuel.brooks', 'evaluation-reminder')).toHaveLength(2);
    });

    it('Can’t answer on the request closes it, tells the resident, and stops its reminders', async () => {
      const original = await s.driver.inbox('maya.lee', 'feedback-request');
      expect(asMessage(await s.driver.press('maya.lee', original, ACTIONS.cannotAnswer)).text).toContain("You said you can't answer this one");
      expect((await s.db.select().from(feedbackRequests).where(eq(feedbackRequests.id, requestId)))[0]?.status).toBe('declined');
      const [later] = await day('2026-11-09', ['request-reminders']);
      expect(later).toMatchObject({ status: 'ran', result: { reminded: 0 } });
    });
  },
};

const QUESTION_TO_VICTOR = 'How can I make my morning presentation more concise?';

const home: Scenario = {
  title: 'home / dashboard for a resident and a faculty member',
  define(s) {
    beforeAll(async () => {
      const ports = { db: s.db, clock: s.driver.clock };
      const ana = await s.driver.personId('ana.ruiz');
      const maya = await s.driver.personId('maya.lee');
      await s.driver.link('ana.ruiz', 'maya.lee', 'victor.chen', 'chloe.nguyen');
      // Ana asked Maya (answered) and Victor (still open); the October block ended.
      expectSent(await s.driver.command('ana.ruiz', '@maya.lee How can I make my sign-out more concise?'), 'Maya Lee');
      const [asked] = await s.db.select().from(feedbackRequests);
      await answerFeedbackRequest({ ...ports, requestId: asked!.id, actorId: maya, reinforcing: 'You named the active problems first.', nextStep: 'Tonight, give each handoff in under 60 seconds.' });
      expectSent(await s.driver.command('ana.ruiz', `@victor.chen ${QUESTION_TO_VICTOR}`), 'Victor Chen');
      await promptAfterRotations({ ...ports, date: '2026-10-31' });
      await createGoal({ ...ports, residentId: ana, subcompetencyCode: 'ICS2', action: 'Close the loop with nursing on every discharge.', dueOn: '2026-11-20' });
    });

    let anasHome: Seen;

    it("a resident's home shows her open questions, recent feedback, plan and buttons for the common actions", async () => {
      anasHome = asMessage(await s.driver.command('ana.ruiz', 'home'));
      expect(anasHome.text).toContain('Hello, Ana');
      expect(anasHome.text).toContain('Your open questions');
      expect(anasHome.text).toContain(`Victor Chen, needed by Thu, Nov 5: “${QUESTION_TO_VICTOR}”`);
      expect(anasHome.text).toContain('Tonight, give each handoff in under 60 seconds.');
      expect(anasHome.text).toContain('Close the loop with nursing on every discharge.');
      expect(actionIdsOf(anasHome)).toEqual(expect.arrayContaining([HOME_ACTIONS.askForFeedback, PLAN_ACTIONS.addGoal]));
    });

    it("a faculty member's home shows what waits for them, and nothing of a resident's own", async () => {
      const victor = asMessage(await s.driver.command('victor.chen', 'home'));
      expect(victor.text).toContain('Hello, Victor');
      expect(victor.text).toContain('Waiting for you');
      expect(victor.text).toContain(`Ana Ruiz asks, needed by Thu, Nov 5: “${QUESTION_TO_VICTOR}”`);
      expect(victor.text).toContain('Medical ICU (ended Sat, Oct 31): feedback for Farah Haddad, Lena Fischer');
      expect(victor.text).not.toContain('Your learning plan');
    });

    it('Add a goal on the home opens the goal form; saving it shows the home with the new goal', async () => {
      const form = asForm(await s.driver.press('ana.ruiz', anasHome, PLAN_ACTIONS.addGoal));
      expect(form.fieldIds).toEqual(['subcompetency', 'goal_action', 'due']);
      const redrawn = asMessage(await s.driver.submit('ana.ruiz', form, { subcompetency: null, goal_action: 'Ask Dr. Chen to watch one family meeting.', due: '2026-12-10' }));
      expect(redrawn.text).toContain('Hello, Ana');
      expect(redrawn.text).toContain('Ask Dr. Chen to watch one family meeting.');
      expect((await s.db.select().from(learningGoals)).map((g) => g.action)).toContain('Ask Dr. Chen to watch one family meeting.');
    });

    it('Ask for feedback on the home opens the request form', async () => {
      expect(asForm(await s.driver.press('ana.ruiz', anasHome, HOME_ACTIONS.askForFeedback)).title).toBe('Ask for feedback');
    });

    it("a press on someone else's home button is refused and adds nothing", async () => {
      const before = await stored(s.db);
      expectNotice(await s.driver.press('chloe.nguyen', anasHome, PLAN_ACTIONS.addGoal), 'Only the resident can add goals to their plan.');
      expect(await stored(s.db)).toEqual(before);
    });
  },
};

const cccDigest: Scenario = {
  title: 'CCC digest: one header post, one thread reply per resident',
  options: { seed: 'ccc-digest', now: '2027-01-08T15:00:00Z' },
  define(s) {
    const deliverAll = async () => {
      let total = 0;
      for (let pass = 0; pass < 10; pass++) {
        const { sent, failed } = await s.driver.deliver();
        expect(failed).toBe(0);
        total += sent;
        if (sent === 0) return total;
      }
      throw new Error('the outbox never drained');
    };

    it('posts the header in the CCC channel and one reply per resident in its thread, flagged residents first', async () => {
      const [program] = await s.db.select().from(programs);
      expect(await postCccDigest({ db: s.db, clock: s.driver.clock, programId: program!.id, periodCode: '2026-mid' })).toEqual({ residents: 12, flagged: 10, enqueued: 13 });
      expect(await deliverAll()).toBeGreaterThanOrEqual(13);
      const posts = await s.driver.channelPosts('ccc');
      expect(posts).toHaveLength(1);
      const [{ post, replies }] = posts as [(typeof posts)[number]];
      expect(post.text).toContain('10 flagged');
      expect(replies).toHaveLength(12);
      // Each reply starts with the resident's name and year (flagged ones marked ⚑).
      const names = replies.map((r) => /^(?:⚑ )?(.+?) · PGY-\d/.exec(r.text)?.[1]);
      expect(names[0]).toBe('Isaac Mensah');
      expect(names.slice(-2)).toEqual(['Ben Okafor', 'Chloe Nguyen']);
      expect(new Set(names).size).toBe(12);
      expect(replies[0]!.text).toMatch(/^⚑ Isaac Mensah · PGY-3/);
      expect(replies[0]!.text).toContain('PROF1 low 360 from nurses');
      expect(replies.at(-1)!.text).not.toContain('⚑');
      const rows = await s.db.select().from(outboxMessages).where(like(outboxMessages.idempotencyKey, `ccc-digest:${program!.id}:2026-mid:%`));
      // One row per post (a chart sent after its text may add rows of its own); every one of them went out.
      expect(rows.filter((r) => /:(header|resident:[0-9a-f-]{36})$/.test(r.idempotencyKey))).toHaveLength(13);
      expect(rows.every((r) => r.status === 'sent')).toBe(true);
    });

    it('posting again (a repeated tick) sends nothing new', async () => {
      const [program] = await s.db.select().from(programs);
      expect((await postCccDigest({ db: s.db, clock: s.driver.clock, programId: program!.id, periodCode: '2026-mid' })).enqueued).toBe(0);
      expect(await deliverAll()).toBe(0);
      const posts = await s.driver.channelPosts('ccc');
      expect(posts.map((p) => p.replies.length)).toEqual([12]);
    });
  },
};

/** Every scenario, in the order the suite runs them. */
export const SCENARIOS: readonly Scenario[] = [
  askAnswerThank,
  quickAsk,
  cannotAnswer,
  rotationEvaluation,
  multisource,
  selfAssessment,
  learningPlan,
  remindersAndSnooze,
  home,
  cccDigest,
  whoMayAct,
];

/**
 * Runs every scenario against one platform's driver, each in a fresh database of its own, on every engine
 * (PGlite always; PostgreSQL when TEST_DATABASE_URL is set).
 */
export function runContractSuite(name: string, startDriver: StartDriver, scenarios: readonly Scenario[] = SCENARIOS): void {
  describe(`${name} contract`, () => {
    for (const scenario of scenarios) {
      describeOnEachEngine(`${name}: ${scenario.title}`, (ctx) => {
        let driver: ChatDriver | undefined;
        const s: ScenarioContext = {
          get driver() {
            if (!driver) throw new Error('the driver starts in beforeAll');
            return driver;
          },
          get db() {
            return ctx.db;
          },
          get engine() {
            return ctx.engine;
          },
        };
        beforeAll(async () => {
          driver = await startDriver(ctx.db, { seed: 'demo', ...scenario.options });
        });
        afterAll(async () => driver?.stop());
        scenario.define(s);
        it('logged no unexpected failure', () => {
          expect(s.driver.errors()).toEqual([]);
        });
      });
    }
  });
}
