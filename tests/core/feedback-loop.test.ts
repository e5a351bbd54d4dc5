import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { answerFeedbackRequest, declineFeedbackRequest, openAnswerForm } from '../../src/core/feedback-requests/answer-feedback-request.ts';
import { openFeedbackRequestForm, submitFeedbackRequestForm } from '../../src/core/feedback-requests/feedback-request-form.ts';
import { requestFeedback } from '../../src/core/feedback-requests/request-feedback.ts';
import { thankForFeedback } from '../../src/core/feedback-requests/thank-for-feedback.ts';
import { addNextStepToPlan } from '../../src/core/learning-plans/add-next-step-to-plan.ts';
import { promptAfterRotations } from '../../src/core/rotation-evaluations/prompt-after-rotations.ts';
import {
  declineRotationEvaluation,
  openRotationEvaluation,
  submitRotationEvaluation,
} from '../../src/core/rotation-evaluations/rotation-evaluation.ts';
import {
  evaluationDeclines,
  feedbackEntries,
  feedbackRatings,
  feedbackRequests,
  learningGoals,
  outboxMessages,
  rotationAssignments,
  rotations,
} from '../../src/db/schema/index.ts';
import { describeOnEachEngine } from '../helpers/db.ts';
import { refusal } from '../helpers/refusal.ts';
import { demoPerson, fixedClock, seedDemoProgram } from '../helpers/demo-program.ts';

async function outboxKinds(db: Parameters<typeof seedDemoProgram>[0]) {
  return (await db.select({ kind: outboxMessages.kind, key: outboxMessages.idempotencyKey }).from(outboxMessages)).map((r) => r.kind);
}

describeOnEachEngine('the feedback loop in the core', (ctx) => {
  const clock = fixedClock('2026-11-02T15:00:00Z');
  let ana: string;
  let lee: string;
  let chen: string;
  beforeAll(async () => {
    await seedDemoProgram(ctx.db);
    ana = await demoPerson(ctx.db, 'ana.ruiz');
    lee = await demoPerson(ctx.db, 'maya.lee');
    chen = await demoPerson(ctx.db, 'victor.chen');
  });
  const ports = () => ({ db: ctx.db, clock });

  it('offers the resident a form with grouped subcompetencies, question templates and a due date 3 days out', async () => {
    const form = await openFeedbackRequestForm({ ...ports(), residentId: ana });
    const sub = form.fields.find((f) => f.id === 'subcompetency');
    expect(sub?.type === 'choice' && sub.source.kind === 'groups' ? sub.source.groups.map((g) => g.label) : []).toEqual([
      'Patient Care',
      'Medical Knowledge',
      'Systems-Based Practice',
      'Practice-Based Learning and Improvement',
      'Professionalism',
      'Interpersonal and Communication Skills',
    ]);
    const due = form.fields.find((f) => f.id === 'due');
    expect(due?.type === 'date' ? due.initial : undefined).toBe('2026-11-05');
    await expect(openFeedbackRequestForm({ ...ports(), residentId: lee })).rejects.toThrow('Only residents and fellows');
  });

  it('refuses "How am I doing?" with a suggestion for the chosen skill, and stores nothing', async () => {
    const result = await requestFeedback({
      ...ports(),
      residentId: ana,
      assessorId: lee,
      question: 'How am I doing?',
      subcompetencyCode: 'PC3',
      submissionKey: 'view-vague',
    });
    expect(result.ok).toBe(false);
    const message = result.ok ? '' : result.fieldErrors.question!;
    expect(message).toMatch(/^Make it more specific: /);
    expect(message.toLowerCase()).toContain('differential');
    expect(await ctx.db.select().from(feedbackRequests)).toHaveLength(0);
  });

  it('a template with its blanks becomes the question; a missing blank is named', async () => {
    const missing = await submitFeedbackRequestForm({
      ...ports(),
      residentId: ana,
      assessorId: lee,
      values: { subcompetency: 'ICS2', template: 'make-it-more', blanks: 'sign-out' },
      submissionKey: 'view-blanks',
    });
    expect(missing.ok ? '' : missing.fieldErrors.blanks).toMatch(/^Fill in both blanks, separated by ;/);
    const sent = await submitFeedbackRequestForm({
      ...ports(),
      residentId: ana,
      assessorId: lee,
      values: { subcompetency: 'ICS2', template: 'make-it-more', blanks: 'sign-out; concise', context: 'Night float handoff' },
      submissionKey: 'view-1',
    });
    expect(sent.ok).toBe(true);
    const [request] = await ctx.db.select().from(feedbackRequests);
    expect(request).toMatchObject({ question: 'How can I make my sign-out more concise?', dueOn: '2026-11-05', status: 'open', context: 'Night float handoff' });
    // The same submission again (a Slack retry) stores nothing new.
    await submitFeedbackRequestForm({
      ...ports(),
      residentId: ana,
      assessorId: lee,
      values: { subcompetency: 'ICS2', template: 'make-it-more', blanks: 'sign-out; concise' },
      submissionKey: 'view-1',
    });
    expect(await ctx.db.select().from(feedbackRequests)).toHaveLength(1);
    expect(await outboxKinds(ctx.db)).toEqual(['feedback-request']);
  });

  it('only the addressed faculty member can answer; the answer is stored once and reaches the resident', async () => {
    const [request] = await ctx.db.select().from(feedbackRequests);
    const requestId = request!.id;
    expect((await refusal(openAnswerForm({ ...ports(), requestId, actorId: chen }))).userMessage).toBe(
      'Only the person this request was sent to can answer it.',
    );
    expect((await refusal(answerFeedbackRequest({ ...ports(), requestId, actorId: ana, reinforcing: 'me' }))).userMessage).toBe(
      'You cannot answer your own request.',
    );
    const form = await openAnswerForm({ ...ports(), requestId, actorId: lee });
    expect(form.fields.map((f) => f.id)).toEqual(['level', 'reinforcing', 'corrective', 'next_step']);

    const nudged = await answerFeedbackRequest({ ...ports(), requestId, actorId: lee, reinforcing: 'Clear one-liners.' });
    expect(nudged.ok ? '' : nudged.fieldErrors.next_step).toMatch(/^Add one concrete next step/);

    const answer = { ...ports(), requestId, actorId: lee, level: '3' as const, reinforcing: 'Clear one-liners.', corrective: 'Drop the normal labs.', nextStep: 'Tonight, hand off each patient in under a minute.' };
    const first = await answerFeedbackRequest(answer);
    const second = await answerFeedbackRequest(answer);
    expect(first).toMatchObject({ ok: true, alreadyAnswered: false });
    expect(second).toMatchObject({ ok: true, alreadyAnswered: true });
    expect(first.ok && JSON.stringify(first.requestMessage)).toContain('Answered ✓');
    expect(await ctx.db.select().from(feedbackEntries)).toHaveLength(1);
    expect(await ctx.db.select().from(feedbackRatings)).toMatchObject([{ rating: '3' }]);
    // The faculty member's request DM is redrawn "Answered ✓" wherever it was sent (and any reminder about it).
    expect(await outboxKinds(ctx.db)).toEqual(['feedback-request', 'feedback-request-answered', 'feedback-answer']);
  });

  it('thank and add-to-plan act once however often they are clicked, and only for the resident', async () => {
    const [entry] = await ctx.db.select().from(feedbackEntries);
    const entryId = entry!.id;
    expect((await refusal(thankForFeedback({ ...ports(), entryId, actorId: chen }))).code).toBe('not_allowed');
    await thankForFeedback({ ...ports(), entryId, actorId: ana });
    const thanked = await thankForFeedback({ ...ports(), entryId, actorId: ana });
    expect(JSON.stringify(thanked.feedbackMessage)).toContain('You thanked Maya Lee ✓');
    const planned = await addNextStepToPlan({ ...ports(), entryId, actorId: ana });
    await addNextStepToPlan({ ...ports(), entryId, actorId: ana });
    expect(planned.goalDueOn).toBe('2026-12-02');
    const goals = await ctx.db.select().from(learningGoals);
    expect(goals).toMatchObject([{ action: 'Tonight, hand off each patient in under a minute.', source: 'feedback', status: 'open' }]);
    expect((await outboxKinds(ctx.db)).filter((k) => k === 'feedback-thanks')).toHaveLength(1);
  });

  it("can't answer closes the request and tells the resident once", async () => {
    const sent = await requestFeedback({
      ...ports(),
      residentId: ana,
      assessorId: chen,
      question: 'What is one thing I did well and one thing to change in the family meeting for bed 12?',
      subcompetencyCode: 'ICS1',
      submissionKey: 'view-2',
    });
    if (!sent.ok) throw new Error(JSON.stringify(sent.fieldErrors));
    const declined = await declineFeedbackRequest({ ...ports(), requestId: sent.requestId, actorId: chen });
    await declineFeedbackRequest({ ...ports(), requestId: sent.requestId, actorId: chen });
    expect(JSON.stringify(declined.requestMessage)).toContain("You said you can't answer this one");
    const [request] = await ctx.db.select().from(feedbackRequests).where(eq(feedbackRequests.id, sent.requestId));
    expect(request?.status).toBe('declined');
    expect((await outboxKinds(ctx.db)).filter((k) => k === 'feedback-declined')).toHaveLength(1);
  });

  it('prompts each supervising faculty member once per rotation that ended, and stores one evaluation per submission', async () => {
    const first = await promptAfterRotations({ ...ports(), date: '2026-10-31' });
    const again = await promptAfterRotations({ ...ports(), date: '2026-10-31' });
    expect(first.residents).toBe(12);
    expect(first.prompted).toBeGreaterThan(0);
    expect(again).toMatchObject({ prompted: 0, alreadyPrompted: first.prompted });
    const [micu] = await ctx.db
      .select({ id: rotationAssignments.id })
      .from(rotationAssignments)
      .innerJoin(rotations, eq(rotations.id, rotationAssignments.rotationId))
      .where(and(eq(rotations.code, 'MICU'), eq(rotationAssignments.endsOn, '2026-10-31'), eq(rotationAssignments.residentId, await demoPerson(ctx.db, 'farah.haddad'))));
    const assignmentId = micu!.id;
    // The demo schedule puts Farah on MICU in October, supervised by Victor Chen and Maya Lee.
        const raman = await demoPerson(ctx.db, 'priya.raman');
    expect((await refusal(openRotationEvaluation({ ...ports(), assignmentId, actorId: raman }))).userMessage).toBe(
      'Only the faculty who supervised this rotation can evaluate it.',
    );
    const form = await openRotationEvaluation({ ...ports(), assignmentId, actorId: chen });
    expect(form.fields.map((f) => f.id)).toEqual([
      'rating_PC3', 'rating_PC4', 'rating_MK1', 'rating_MK2', 'rating_SBP1', 'rating_ICS1', 'rating_ICS3',
      'directly_observed', 'reinforcing', 'corrective', 'next_step',
    ]);
    const evaluation = {
      ...ports(),
      assignmentId,
      actorId: chen,
      ratings: { PC3: '2.5', PC4: '3', MK1: 'not_observed' } as const,
      directlyObserved: true,
      reinforcing: 'Calm, organized family updates.',
      corrective: 'Commit to a plan before calling the fellow.',
      nextStep: 'On your next ICU block, present a plan for every problem before asking.',
    };
    const submitted = await submitRotationEvaluation(evaluation);
    const twice = await submitRotationEvaluation(evaluation);
    expect(submitted).toMatchObject({ ok: true, alreadySubmitted: false });
    expect(twice).toMatchObject({ ok: true, alreadySubmitted: true });
    expect(submitted.ok && JSON.stringify(submitted.promptMessage)).toContain('Farah Haddad* (PGY-2) — feedback sent ✓');
    const entries = await ctx.db.select().from(feedbackEntries).where(eq(feedbackEntries.rotationAssignmentId, assignmentId));
    expect(entries).toHaveLength(1);
    const ratings = await ctx.db.select({ n: sql<number>`count(*)::int` }).from(feedbackRatings).where(eq(feedbackRatings.feedbackEntryId, entries[0]!.id));
    expect(ratings[0]?.n).toBe(3);
    expect((await refusal(openRotationEvaluation({ ...ports(), assignmentId, actorId: chen }))).code).toBe('already_closed');

    const declined = await declineRotationEvaluation({ ...ports(), assignmentId, actorId: lee });
    await declineRotationEvaluation({ ...ports(), assignmentId, actorId: lee });
    expect(JSON.stringify(declined.promptMessage)).toContain('you did not work together');
    expect(await ctx.db.select().from(evaluationDeclines)).toHaveLength(1);
  });
});
