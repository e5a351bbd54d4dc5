import { and, eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { importCccRatings } from '../../src/core/ccc-ratings/import-ccc-ratings.ts';
import { answerFeedbackRequest } from '../../src/core/feedback-requests/answer-feedback-request.ts';
import { requestFeedback } from '../../src/core/feedback-requests/request-feedback.ts';
import { addNextStepToPlan } from '../../src/core/learning-plans/add-next-step-to-plan.ts';
import { closeGoal } from '../../src/core/learning-plans/close-goal.ts';
import { createGoal } from '../../src/core/learning-plans/create-goal.ts';
import { openCloseGoalForm, openGoalForm } from '../../src/core/learning-plans/goal-form.ts';
import { goalsFromGaps } from '../../src/core/learning-plans/goals-from-gaps.ts';
import { keepWorkingOnGoal } from '../../src/core/learning-plans/keep-working-on-goal.ts';
import { learningPlanView } from '../../src/core/learning-plans/learning-plan-view.ts';
import { nudgeDueGoals } from '../../src/core/learning-plans/nudge-due-goals.ts';
import { openPlanRefresh } from '../../src/core/learning-plans/open-plan-refresh.ts';
import { updateGoal } from '../../src/core/learning-plans/update-goal.ts';
import { saveSelfAssessmentPage } from '../../src/core/self-assessment/save-self-assessment-page.ts';
import { selfAssessmentPage } from '../../src/core/self-assessment/self-assessment-page.ts';
import { submitSelfAssessment } from '../../src/core/self-assessment/submit-self-assessment.ts';
import type { Db } from '../../src/db/client.ts';
import { auditLog, learningGoals, outboxMessages, programs, subcompetencies } from '../../src/db/schema/index.ts';
import { GROWTH_SUBJECTS, PLAN_ACTIONS, PLAN_FORMS, SUBJECTS } from '../../src/messages/actions.ts';
import { readGoalClosingRef } from '../../src/messages/learning-plans.ts';
import { type Message, parseForm, parseMessage } from '../../src/messages/model.ts';
import { describeOnEachEngine } from '../helpers/db.ts';
import { refusal } from '../helpers/refusal.ts';
import { demoPerson, fixedClock, seedDemoProgram } from '../helpers/demo-program.ts';

const buttonsOf = (message: Message) => message.blocks.flatMap((b) => (b.type === 'actions' ? b.buttons : []));

async function goalsOf(db: Db, residentId: string) {
  return db
    .select({ goal: learningGoals, code: subcompetencies.code })
    .from(learningGoals)
    .leftJoin(subcompetencies, eq(subcompetencies.id, learningGoals.subcompetencyId))
    .where(eq(learningGoals.residentId, residentId))
    .orderBy(learningGoals.createdAt);
}

describeOnEachEngine('learning plans in the core', (ctx) => {
  // 9 a.m. in Chicago on Tuesday, December 1, 2026.
  const clock = fixedClock('2026-12-01T15:00:00Z');
  let ben: string;
  let ana: string;
  let lee: string;
  let haddad: string;
  let chen: string;
  let morgan: string;
  beforeAll(async () => {
    await seedDemoProgram(ctx.db);
    ben = await demoPerson(ctx.db, 'ben.okafor');
    ana = await demoPerson(ctx.db, 'ana.ruiz');
    lee = await demoPerson(ctx.db, 'maya.lee');
    haddad = await demoPerson(ctx.db, 'omar.haddad');
    chen = await demoPerson(ctx.db, 'victor.chen');
    morgan = await demoPerson(ctx.db, 'wendy.morgan');
  });
  const ports = () => ({ db: ctx.db, clock });

  it('refuses a goal with a past due date, an empty or overlong action, or an unknown milestone, and stores nothing', async () => {
    const goal = { ...ports(), residentId: ben, subcompetencyCode: 'PC3', action: 'Say my top three differentials before the plan.', dueOn: '2026-12-15' };
    expect(await createGoal({ ...goal, dueOn: '2026-11-30' })).toEqual({ ok: false, fieldErrors: { due: 'The due date cannot be in the past.' } });
    expect(await createGoal({ ...goal, action: '   ' })).toMatchObject({ ok: false, fieldErrors: { goal_action: expect.stringMatching(/^Write the action/) } });
    expect(await createGoal({ ...goal, action: 'x'.repeat(501) })).toEqual({
      ok: false,
      fieldErrors: { goal_action: 'Keep the action under 500 characters (it has 501); split a bigger plan into several goals.' },
    });
    expect(await createGoal({ ...goal, subcompetencyCode: 'PC9', dueOn: 'tomorrow' })).toEqual({
      ok: false,
      fieldErrors: { due: 'Pick a due date from the calendar.', subcompetency: "PC9 is not in your program's milestones." },
    });
    expect((await refusal(createGoal({ ...goal, residentId: lee }))).userMessage).toBe('Only residents and fellows have a learning plan.');
    expect(await ctx.db.select().from(learningGoals)).toHaveLength(0);
  });

  it('adds a goal from /feedback plan once, however often the submission arrives; today is not the past', async () => {
    const form = await openGoalForm({ ...ports(), residentId: ben });
    parseForm(form);
    expect(form.submitActionId).toBe(PLAN_FORMS.goal);
    expect(form.payload).toEqual({ kind: SUBJECTS.resident, id: ben, version: 1 });
    expect(form.fields.map((f) => f.id)).toEqual(['subcompetency', 'goal_action', 'due']);
    const due = form.fields[2]!;
    expect(due.type === 'date' && due.initial).toBe('2026-12-31');
    const goal = { ...ports(), residentId: ben, subcompetencyCode: 'PC3', action: ' Say my top three differentials before the plan. ', dueOn: '2026-12-01' };
    const first = await createGoal(goal);
    const retried = await createGoal(goal);
    expect(first).toMatchObject({ ok: true, created: true, goal: { subcompetency: 'PC3 Clinical Reasoning', action: 'Say my top three differentials before the plan.', dueOn: '2026-12-01', status: 'open', source: 'resident' } });
    expect(retried).toMatchObject({ ok: true, created: false });
    expect(first.ok && retried.ok && retried.goal.id).toBe(first.ok && first.goal.id);
    expect((await goalsOf(ctx.db, ben)).map((g) => [g.code, g.goal.source])).toEqual([['PC3', 'resident']]);
  });

  it('adds the next step of a piece of feedback with "Add to my plan"', async () => {
    const sent = await requestFeedback({
      ...ports(),
      residentId: ben,
      assessorId: chen,
      question: 'What is one thing I did well and one thing to change in the family meeting for bed 12?',
      subcompetencyCode: 'ICS1',
      submissionKey: 'view-ben-1',
    });
    if (!sent.ok) throw new Error(JSON.stringify(sent.fieldErrors));
    const answered = await answerFeedbackRequest({
      ...ports(),
      requestId: sent.requestId,
      actorId: chen,
      reinforcing: 'You let the daughter finish before answering.',
      nextStep: 'At the next family meeting, summarize the plan in plain words before leaving the room.',
    });
    expect(answered.ok).toBe(true);
    const [entry] = await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.kind, 'feedback-answer'));
    const add = buttonsOf(parseMessage(entry!.message)).find((b) => b.actionId === 'feedback.add-to-plan')!;
    const planned = await addNextStepToPlan({ ...ports(), entryId: add.payload.id, actorId: ben });
    expect(planned.goalDueOn).toBe('2026-12-31');
    expect((await goalsOf(ctx.db, ben)).map((g) => [g.code, g.goal.source, g.goal.action])).toEqual([
      ['PC3', 'resident', 'Say my top three differentials before the plan.'],
      ['ICS1', 'feedback', 'At the next family meeting, summarize the plan in plain words before leaving the room.'],
    ]);
    const plan = await learningPlanView({ ...ports(), residentId: ben, viewerId: ben });
    expect(JSON.stringify(plan)).toContain('*ICS1 Patient- and Family-Centered Communication* · due Thu, Dec 31 · from feedback');
  });

  it('turns the largest self vs CCC gaps into goals, once', async () => {
    const target = { ...ports(), actorId: ben, residentId: ben, periodCode: '2026-mid' };
    expect((await refusal(goalsFromGaps(target))).userMessage).toBe(
      'Submit your Mid-year 2026–27 self-assessment first; the gaps come from comparing it with the CCC.',
    );
    // Ben: 2 everywhere except PC1 4, ICS1 1, MK2 3, PROF2 2.5. The CCC: 2 everywhere except ICS1 3.
    const self: Record<string, string> = { PC1: '4', ICS1: '1', MK2: '3', PROF2: '2.5' };
    const codes: string[] = [];
    for (let page = 1; page <= 6; page++) {
      const form = await selfAssessmentPage({ ...target, page });
      const pageCodes = form.fields.map((f) => f.id.replace('rating_', ''));
      codes.push(...pageCodes);
      const ratings = Object.fromEntries(pageCodes.map((c) => [c, self[c] ?? '2']));
      if (page < 6) expect((await saveSelfAssessmentPage({ ...target, page, ratings })).ok).toBe(true);
      else expect((await submitSelfAssessment({ ...target, page, ratings })).ok).toBe(true);
    }
    const csv = ['program,period,resident_email,subcompetency,rating', ...codes.map((c) => `internal-medicine,2026-mid,ben.okafor@stelsewhere.example.org,${c},${c === 'ICS1' ? 3 : 2}`)];
    expect((await importCccRatings({ db: ctx.db, text: csv.join('\n'), file: 'ccc.csv', dryRun: false })).ok).toBe(true);

    expect((await refusal(goalsFromGaps({ ...target, actorId: ana }))).code).toBe('not_allowed');
    const first = await goalsFromGaps(target);
    expect(first.created.map((g) => [g.subcompetency, g.dueOn, g.source])).toEqual([
      ['PC1 History', '2027-03-01', 'self_assessment_gap'],
      ['ICS1 Patient- and Family-Centered Communication', '2027-03-01', 'self_assessment_gap'],
      ['MK2 Therapeutic Knowledge', '2027-03-01', 'self_assessment_gap'],
    ]);
    expect(first.created[0]!.action).toBe(
      'Close the gap on PC1 History: the CCC placed you at Level 2, you placed yourself at Level 4. Ask a faculty member to observe you on it directly and tell you what Level 3 would look like.',
    );
    expect(first.created[1]!.action).toBe(
      'Calibrate ICS1 Patient- and Family-Centered Communication: the CCC placed you at Level 3, above your own Level 1. Ask your mentor what the committee saw, and set a stretch goal toward Level 4.',
    );
    expect(first.message.text).toBe('Added 3 goals from your largest gaps to your plan.');
    const again = await goalsFromGaps(target);
    expect(again.created).toEqual([]);
    expect(again.existing.map((g) => g.subcompetency?.split(' ')[0]).sort()).toEqual(['ICS1', 'MK2', 'PC1']);
    expect(again.message.text).toBe('The goals from your largest gaps are already in your plan.');
    expect((await goalsOf(ctx.db, ben)).filter((g) => g.goal.source === 'self_assessment_gap')).toHaveLength(3);
  });

  it('asks "How did it go?" once on the due date, and follows Still working / Done / Drop', async () => {
    const [goal] = (await goalsOf(ctx.db, ben)).filter((g) => g.goal.source === 'resident');
    const goalId = goal!.goal.id;
    const first = await nudgeDueGoals({ ...ports(), date: '2026-12-01' });
    const again = await nudgeDueGoals({ ...ports(), date: '2026-12-01' });
    expect(first).toEqual({ date: '2026-12-01', nudged: 1, alreadyNudged: 0 });
    expect(again).toEqual({ date: '2026-12-01', nudged: 0, alreadyNudged: 1 });
    const nudges = await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.kind, 'goal-due'));
    expect(nudges.map((n) => [n.idempotencyKey, n.recipientPersonId])).toEqual([[`goal-due:${goalId}:2026-12-01`, ben]]);
    const nudge = parseMessage(nudges[0]!.message);
    expect(nudge.text).toBe('How did it go? Your goal: Say my top three differentials before the plan.');
    expect(buttonsOf(nudge).map((b) => [b.label, b.actionId, b.payload.kind, b.payload.id])).toEqual([
      ['Done', PLAN_ACTIONS.done, GROWTH_SUBJECTS.learningGoal, goalId],
      ['Still working on it', PLAN_ACTIONS.stillWorking, GROWTH_SUBJECTS.learningGoal, goalId],
      ['Drop', PLAN_ACTIONS.drop, GROWTH_SUBJECTS.learningGoal, goalId],
    ]);

    expect((await refusal(keepWorkingOnGoal({ ...ports(), actorId: ana, goalId }))).code).toBe('not_allowed');
    const still = await keepWorkingOnGoal({ ...ports(), actorId: ben, goalId });
    const doubleClick = await keepWorkingOnGoal({ ...ports(), actorId: ben, goalId });
    expect([still.extended, still.goal.dueOn, doubleClick.extended, doubleClick.goal.dueOn]).toEqual([true, '2026-12-15', false, '2026-12-15']);
    expect(still.goalMessage.blocks.at(-1)).toEqual({ type: 'context', text: 'Still working on it — I will ask again on Tue, Dec 15.' });
    expect(await nudgeDueGoals({ ...ports(), date: '2026-12-15' })).toMatchObject({ nudged: 1 });

    clock.set('2026-12-15T18:00:00Z');
    const form = await openCloseGoalForm({ ...ports(), actorId: ben, goalId, status: 'done' });
    expect(readGoalClosingRef(form.payload)).toEqual({ goalId, status: 'done' });
    expect(await closeGoal({ ...ports(), actorId: ben, goalId, status: 'done', outcome: 'x'.repeat(501) })).toMatchObject({ ok: false });
    const done = await closeGoal({ ...ports(), actorId: ben, goalId, status: 'done', outcome: 'Did it on six admissions; Dr. Chen noticed.' });
    expect(done).toMatchObject({ ok: true, alreadyClosed: false, goal: { status: 'done', outcome: 'Did it on six admissions; Dr. Chen noticed.', closedOn: '2026-12-15' } });
    expect(done.ok && buttonsOf(done.goalMessage)).toEqual([]);
    expect(await closeGoal({ ...ports(), actorId: ben, goalId, status: 'done' })).toMatchObject({ ok: true, alreadyClosed: true });
    expect((await refusal(closeGoal({ ...ports(), actorId: ben, goalId, status: 'dropped' }))).userMessage).toBe('This goal is already done.');
    expect((await refusal(updateGoal({ ...ports(), actorId: ben, goalId, action: 'Reopen' }))).code).toBe('already_closed');
    // Closed goals are not asked about again.
    expect(await nudgeDueGoals({ ...ports(), date: '2026-12-15' })).toMatchObject({ nudged: 0, alreadyNudged: 0 });
  });

  it("edits an open goal's wording and date; a changed date must not be in the past, and only the resident may edit", async () => {
    const [fromFeedback] = (await goalsOf(ctx.db, ben)).filter((g) => g.goal.source === 'feedback');
    const goalId = fromFeedback!.goal.id;
    const form = await openGoalForm({ ...ports(), residentId: ben, goalId });
    expect(form.payload).toEqual({ kind: GROWTH_SUBJECTS.learningGoal, id: goalId, version: 1 });
    expect(form.fields.map((f) => ('initial' in f ? f.initial : undefined))).toEqual([
      ['ICS1'],
      'At the next family meeting, summarize the plan in plain words before leaving the room.',
      '2026-12-31',
    ]);
    expect(await updateGoal({ ...ports(), actorId: ben, goalId, dueOn: '2026-12-01' })).toEqual({ ok: false, fieldErrors: { due: 'The due date cannot be in the past.' } });
    expect((await refusal(updateGoal({ ...ports(), actorId: lee, goalId, action: 'Mine now' }))).userMessage).toBe(
      'Only the resident whose plan this is can change its goals.',
    );
    expect((await refusal(updateGoal({ ...ports(), actorId: ben, goalId: 'not-a-goal', action: 'x' }))).code).toBe('not_found');
    const updated = await updateGoal({ ...ports(), actorId: ben, goalId, action: 'Summarize the plan in plain words at every family meeting.', dueOn: '2027-01-15', subcompetencyCode: null });
    expect(updated).toMatchObject({ ok: true, goal: { subcompetency: null, action: 'Summarize the plan in plain words at every family meeting.', dueOn: '2027-01-15' } });
  });

  it('the plan is visible to the resident, their program director and their mentor, and to nobody else', async () => {
    const own = await learningPlanView({ ...ports(), residentId: ben, viewerId: ben });
    parseMessage(own);
    expect(own.text).toBe('Your learning plan: 4 open goals.');
    const ownText = JSON.stringify(own);
    expect(ownText).toContain('Recently closed');
    expect(ownText).toContain('_Outcome: Did it on six admissions; Dr. Chen noticed._');
    expect(buttonsOf(own).filter((b) => b.actionId === PLAN_ACTIONS.done)).toHaveLength(4);
    expect(buttonsOf(own).at(-1)).toMatchObject({ label: 'Add a goal', actionId: PLAN_ACTIONS.addGoal });

    for (const [viewer, role] of [
      [lee, 'program director'],
      [haddad, 'mentor'],
    ] as const) {
      const seen = await learningPlanView({ ...ports(), residentId: ben, viewerId: viewer });
      expect(seen.text).toBe("Ben Okafor's learning plan: 4 open goals.");
      expect(buttonsOf(seen)).toEqual([]);
      expect(seen.blocks.at(-1)).toEqual({ type: 'context', text: `You see this as Ben's ${role}; your view is recorded.` });
    }
    const reads = await ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'read.learning_plan'), eq(auditLog.subjectId, ben)));
    expect(reads.map((r) => [r.actorId, (r.details as { audience: string }).audience])).toEqual([
      [lee, 'program_director'],
      [haddad, 'mentor'],
    ]);

    // Another faculty member, an associate program director who is not his mentor, and another resident.
    for (const stranger of [chen, morgan, ana]) {
      const error = await refusal(learningPlanView({ ...ports(), residentId: ben, viewerId: stranger }));
      expect(error).toMatchObject({ code: 'not_allowed', userMessage: 'Only Ben Okafor, their program director and their mentor can see this.' });
    }
    expect(await ctx.db.select().from(auditLog).where(eq(auditLog.action, 'read.learning_plan'))).toHaveLength(2);
  });

  it('asks every resident once a period to write or refresh their plan', async () => {
    const [program] = await ctx.db.select({ id: programs.id }).from(programs);
    const first = await openPlanRefresh({ ...ports(), programId: program!.id, periodCode: '2026-mid' });
    const again = await openPlanRefresh({ ...ports(), programId: program!.id, periodCode: '2026-mid' });
    expect(first).toEqual({ periodCode: '2026-mid', asked: 12, alreadyAsked: 0 });
    expect(again).toEqual({ periodCode: '2026-mid', asked: 0, alreadyAsked: 12 });
    const [toBen] = await ctx.db
      .select()
      .from(outboxMessages)
      .where(and(eq(outboxMessages.kind, 'plan-refresh'), eq(outboxMessages.recipientPersonId, ben)));
    const message = parseMessage(toBen!.message);
    expect(JSON.stringify(message)).toContain('You have 4 open goals: close what is done');
    expect(buttonsOf(message).map((b) => b.actionId)).toEqual([PLAN_ACTIONS.view, PLAN_ACTIONS.addGoal]);
  });
});
