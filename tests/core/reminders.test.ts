import { and, eq, like } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { answerFeedbackRequest, declineFeedbackRequest } from '../../src/core/feedback-requests/answer-feedback-request.ts';
import { formatProblem } from '../../src/core/imports/problems.ts';
import { importPrograms } from '../../src/core/programs/import-programs.ts';
import { requestFeedback } from '../../src/core/feedback-requests/request-feedback.ts';
import { escalateOverdueEvaluations } from '../../src/core/reminders/escalate-evaluations.ts';
import { expireFeedbackRequests } from '../../src/core/reminders/expire-feedback-requests.ts';
import { remindOutstandingEvaluations } from '../../src/core/reminders/remind-evaluations.ts';
import { remindOpenFeedbackRequests } from '../../src/core/reminders/remind-feedback-requests.ts';
import { reminderStageDue } from '../../src/core/reminders/reminder-rules.ts';
import { snoozeReminder } from '../../src/core/reminders/snooze-reminder.ts';
import { zonedInstant } from '../../src/domain/calendar.ts';
import { promptAfterRotations } from '../../src/core/rotation-evaluations/prompt-after-rotations.ts';
import { declineRotationEvaluation, submitRotationEvaluation } from '../../src/core/rotation-evaluations/rotation-evaluation.ts';
import {
  feedbackRequests,
  outboxMessages,
  programs,
  reminderSnoozes,
  rotationAssignments,
  rotations,
} from '../../src/db/schema/index.ts';
import { parseMessage } from '../../src/messages/model.ts';
import { describeOnEachEngine } from '../helpers/db.ts';
import { demoPerson, fixedClock, seedDemoProgram } from '../helpers/demo-program.ts';
import { refusal } from '../helpers/refusal.ts';

describe('reminder rules', () => {
  const rule = (runDate: string, extra: { today?: string; snoozedUntil?: string; horizon?: number } = {}) =>
    reminderStageDue({ startedOn: '2026-11-01', runDate, today: extra.today ?? runDate, horizon: extra.horizon ?? 14, snoozedUntil: extra.snoozedUntil });

  it('+3 from day 3, +7 from day 7, nothing from the horizon on', () => {
    expect(['2026-11-03', '2026-11-04', '2026-11-08', '2026-11-10', '2026-11-14', '2026-11-15'].map((d) => rule(d))).toEqual([
      undefined,
      3,
      7,
      7,
      7,
      undefined,
    ]);
  });

  it('a snooze holds reminders until its date, then the one due is sent on the first run after it', () => {
    expect(rule('2026-11-08', { snoozedUntil: '2026-11-10' })).toBeUndefined();
    expect(rule('2026-11-10', { snoozedUntil: '2026-11-10' })).toBe(7);
  });

  it('a caught-up past day does not send a reminder that today has overtaken', () => {
    expect(rule('2026-11-04', { today: '2026-11-09' })).toBeUndefined();
    expect(rule('2026-11-08', { today: '2026-11-16' })).toBeUndefined();
    expect(rule('2026-11-08', { today: '2026-11-10' })).toBe(7);
  });

  it('a short expiry (5 days) has only the +3 reminder', () => {
    expect(rule('2026-11-04', { horizon: 5 })).toBe(3);
    expect(rule('2026-11-06', { horizon: 5 })).toBeUndefined();
  });

  it('local midnight in the program time zone, across the end of daylight saving time', () => {
    expect(zonedInstant('America/Chicago', '2026-10-31').toISOString()).toBe('2026-10-31T05:00:00.000Z');
    expect(zonedInstant('America/Chicago', '2026-11-02').toISOString()).toBe('2026-11-02T06:00:00.000Z');
    expect(zonedInstant('America/Chicago', '2026-11-01', 7).toISOString()).toBe('2026-11-01T13:00:00.000Z');
  });
});

describeOnEachEngine('reminders, escalation and expiry in the core', (ctx) => {
  const clock = fixedClock('2026-10-31T14:00:00Z');
  let programId: string;
  const person: Record<string, string> = {};
  // Mornings in Chicago: the day the run is for is the local date.
  const on = (date: string) => clock.set(`${date}T14:00:00Z`);
  const ports = () => ({ db: ctx.db, clock });

  async function keys(prefix: string): Promise<string[]> {
    return (await ctx.db.select({ key: outboxMessages.idempotencyKey }).from(outboxMessages).where(like(outboxMessages.idempotencyKey, `${prefix}%`)))
      .map((r) => r.key)
      .sort();
  }

  async function assignment(code: string, handle: string): Promise<string> {
    const [row] = await ctx.db
      .select({ id: rotationAssignments.id })
      .from(rotationAssignments)
      .innerJoin(rotations, eq(rotations.id, rotationAssignments.rotationId))
      .where(and(eq(rotations.code, code), eq(rotationAssignments.residentId, person[handle]!), eq(rotationAssignments.endsOn, '2026-10-31')));
    return row!.id;
  }

  async function rotationId(code: string): Promise<string> {
    const [row] = await ctx.db.select({ id: rotations.id }).from(rotations).where(eq(rotations.code, code));
    return row!.id;
  }

  beforeAll(async () => {
    await seedDemoProgram(ctx.db);
    for (const handle of [
      'ana.ruiz', 'gabe.lindqvist', 'farah.haddad', 'lena.fischer', 'dev.patel', 'maya.lee', 'victor.chen', 'wendy.morgan',
      'samuel.brooks', 'teresa.alvarez', 'yusuf.adeyemi', 'omar.haddad', 'grace.kim',
    ]) {
      person[handle] = await demoPerson(ctx.db, handle);
    }
    const [program] = await ctx.db.select({ id: programs.id }).from(programs);
    programId = program!.id;
    on('2026-10-31');
    expect(await promptAfterRotations({ ...ports(), date: '2026-10-31' })).toMatchObject({ prompted: 8 });
  });

  it('reminds faculty who have neither evaluated nor declined every resident at +3, once, and only about those still waiting', async () => {
    on('2026-11-01');
    // Maya declines both MICU residents, Wendy both in clinic; Victor evaluates Farah but not Lena.
    for (const handle of ['farah.haddad', 'lena.fischer']) {
      await declineRotationEvaluation({ ...ports(), assignmentId: await assignment('MICU', handle), actorId: person['maya.lee']! });
    }
    for (const handle of ['ana.ruiz', 'gabe.lindqvist']) {
      await declineRotationEvaluation({ ...ports(), assignmentId: await assignment('CLINIC', handle), actorId: person['wendy.morgan']! });
    }
    const evaluated = await submitRotationEvaluation({
      ...ports(),
      assignmentId: await assignment('MICU', 'farah.haddad'),
      actorId: person['victor.chen']!,
      ratings: { PC3: '3' },
      directlyObserved: true,
      reinforcing: 'Calm family updates.',
      nextStep: 'Present a plan for every problem before asking.',
    });
    expect(evaluated.ok).toBe(true);

    on('2026-11-02');
    expect(await remindOutstandingEvaluations({ ...ports(), programId, date: '2026-11-02' })).toEqual({ reminded: 0, alreadyReminded: 0, snoozed: 0 });
    on('2026-11-03');
    expect(await remindOutstandingEvaluations({ ...ports(), programId, date: '2026-11-03' })).toEqual({ reminded: 6, alreadyReminded: 0, snoozed: 0 });
    expect(await remindOutstandingEvaluations({ ...ports(), programId, date: '2026-11-03' })).toEqual({ reminded: 0, alreadyReminded: 6, snoozed: 0 });
    const reminded = await keys('reminder:rotation-prompt:');
    expect(reminded).toHaveLength(6);
    expect(reminded.every((k) => k.endsWith(':3'))).toBe(true);
    for (const who of ['maya.lee', 'wendy.morgan']) {
      // Maya is still reminded about cardiology, Wendy about wards A; neither about the rotation they finished.
      expect(reminded.filter((k) => k.includes(person[who]!))).toHaveLength(1);
    }
    const micu = await rotationId('MICU');
    expect(reminded.some((k) => k.includes(`${micu}:2026-10-31:${person['maya.lee']}`))).toBe(false);
    const [victor] = await ctx.db
      .select()
      .from(outboxMessages)
      .where(and(eq(outboxMessages.kind, 'evaluation-reminder'), eq(outboxMessages.recipientPersonId, person['victor.chen']!)));
    const text = JSON.stringify(parseMessage(victor!.message));
    expect(text).toContain('Lena Fischer');
    expect(text).not.toContain('Farah Haddad');
    expect(text).toContain('Snooze 3 days');
    expect(victor!.programId).toBe(programId);
  });

  it('a snooze that outlives day 7 delays the +7 reminder to the first run after it, and sends it once', async () => {
    on('2026-11-06');
    const snoozed = await snoozeReminder({
      ...ports(),
      subject: 'rotation-prompt',
      id: await assignment('WARDS-A', 'dev.patel'),
      actorId: person['samuel.brooks']!,
      days: 3,
    });
    expect(snoozed.snoozedUntil).toBe('2026-11-09');
    expect(JSON.stringify(snoozed.reminder)).toContain('Snoozed until Mon, Nov 9 — I');
    expect(JSON.stringify(snoozed.reminder)).not.toContain('Snooze 1 day');
    const [row] = await ctx.db.select().from(reminderSnoozes).where(eq(reminderSnoozes.personId, person['samuel.brooks']!));
    expect(row?.snoozedUntil.toISOString()).toBe('2026-11-09T06:00:00.000Z');
    // Only the faculty member reminded may snooze it.
    expect(
      (await refusal(snoozeReminder({ ...ports(), subject: 'rotation-prompt', id: await assignment('WARDS-A', 'dev.patel'), actorId: person['ana.ruiz']!, days: 1 })))
        .code,
    ).toBe('not_allowed');

    on('2026-11-07');
    expect(await remindOutstandingEvaluations({ ...ports(), programId, date: '2026-11-07' })).toEqual({ reminded: 5, alreadyReminded: 0, snoozed: 1 });
    on('2026-11-08');
    expect(await remindOutstandingEvaluations({ ...ports(), programId, date: '2026-11-08' })).toEqual({ reminded: 0, alreadyReminded: 5, snoozed: 1 });
    on('2026-11-09');
    expect(await remindOutstandingEvaluations({ ...ports(), programId, date: '2026-11-09' })).toEqual({ reminded: 1, alreadyReminded: 5, snoozed: 0 });
    expect(await remindOutstandingEvaluations({ ...ports(), programId, date: '2026-11-09' })).toEqual({ reminded: 0, alreadyReminded: 6, snoozed: 0 });
    expect((await keys('reminder:rotation-prompt:')).filter((k) => k.endsWith(':7'))).toHaveLength(6);
    expect((await keys('reminder:rotation-prompt:')).filter((k) => k.includes(person['samuel.brooks']!))).toHaveLength(2);
  });

  it('escalates at +14 to the coordinator: one message per rotation block listing who still owes whom, once', async () => {
    on('2026-11-13');
    expect(await escalateOverdueEvaluations({ ...ports(), programId, date: '2026-11-13' })).toEqual({ escalated: 0, alreadyEscalated: 0, rotations: 0 });
    // Teresa catches up on Elena before the deadline; Kenji is still waiting.
    on('2026-11-14');
    expect(await remindOutstandingEvaluations({ ...ports(), programId, date: '2026-11-14' })).toEqual({ reminded: 0, alreadyReminded: 0, snoozed: 0 });
    expect(await escalateOverdueEvaluations({ ...ports(), programId, date: '2026-11-14' })).toEqual({ escalated: 5, alreadyEscalated: 0, rotations: 5 });
    on('2026-11-15');
    expect(await escalateOverdueEvaluations({ ...ports(), programId, date: '2026-11-15' })).toEqual({ escalated: 0, alreadyEscalated: 5, rotations: 5 });
    const rows = await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.kind, 'evaluation-escalation'));
    expect(new Set(rows.map((r) => r.recipientPersonId))).toEqual(new Set([person['grace.kim']]));
    const wards = rows.map((r) => parseMessage(r.message)).find((m) => m.text.startsWith('General Medicine Wards A'));
    expect(wards?.text).toBe('General Medicine Wards A (ended Sat, Oct 31): feedback still outstanding from Samuel Brooks, Wendy Morgan.');
    expect(JSON.stringify(wards)).toContain('*Samuel Brooks* — Dev Patel, Julia Costa');
    const micu = rows.map((r) => parseMessage(r.message)).find((m) => m.text.startsWith('Medical ICU'));
    expect(micu?.text).toBe('Medical ICU (ended Sat, Oct 31): feedback still outstanding from Victor Chen.');
    expect(JSON.stringify(micu)).toContain('*Victor Chen* — Lena Fischer');
  });

  describe('feedback requests', () => {
    const requestIds: Record<string, string> = {};

    beforeAll(async () => {
      on('2026-11-02');
      for (const [handle, n] of [['maya.lee', 1], ['victor.chen', 2], ['omar.haddad', 3], ['samuel.brooks', 4]] as const) {
        const sent = await requestFeedback({
          ...ports(),
          residentId: person['ana.ruiz']!,
          assessorId: person[handle]!,
          question: `What is one thing I did well and one thing to change in my handoff of bed ${n} last night?`,
          submissionKey: `reminders-${n}`,
        });
        if (!sent.ok) throw new Error(JSON.stringify(sent.fieldErrors));
        requestIds[handle] = sent.requestId;
      }
      on('2026-11-03');
      const answered = await answerFeedbackRequest({
        ...ports(),
        requestId: requestIds['victor.chen']!,
        actorId: person['victor.chen']!,
        reinforcing: 'Clear one-liners.',
        nextStep: 'Tonight, hand off each patient in under a minute.',
      });
      expect(answered.ok).toBe(true);
      await declineFeedbackRequest({ ...ports(), requestId: requestIds['omar.haddad']!, actorId: person['omar.haddad']! });
    });

    it('reminds the asked faculty at +3 and +7 while the request is open; none for answered or declined; a snooze delays the +7', async () => {
      on('2026-11-04');
      expect(await remindOpenFeedbackRequests({ ...ports(), programId, date: '2026-11-04' })).toEqual({ reminded: 0, alreadyReminded: 0, snoozed: 0 });
      on('2026-11-05');
      expect(await remindOpenFeedbackRequests({ ...ports(), programId, date: '2026-11-05' })).toEqual({ reminded: 2, alreadyReminded: 0, snoozed: 0 });
      expect(await remindOpenFeedbackRequests({ ...ports(), programId, date: '2026-11-05' })).toEqual({ reminded: 0, alreadyReminded: 2, snoozed: 0 });
      expect(await keys('reminder:feedback-request:')).toEqual(
        [`reminder:feedback-request:${requestIds['maya.lee']}:${person['maya.lee']}:3`, `reminder:feedback-request:${requestIds['samuel.brooks']}:${person['samuel.brooks']}:3`].sort(),
      );
      const [reminder] = await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, `reminder:feedback-request:${requestIds['maya.lee']}:${person['maya.lee']}:3`));
      const text = JSON.stringify(parseMessage(reminder!.message));
      for (const label of ['Answer', "Can't answer", 'Snooze 1 day', 'Snooze 3 days', 'Unanswered requests close on Mon, Nov 16.']) expect(text).toContain(label);

      on('2026-11-08');
      const snoozed = await snoozeReminder({ ...ports(), subject: 'feedback-request', id: requestIds['samuel.brooks']!, actorId: person['samuel.brooks']!, days: 3 });
      expect(snoozed.snoozedUntil).toBe('2026-11-11');
      expect(
        (await refusal(snoozeReminder({ ...ports(), subject: 'feedback-request', id: requestIds['victor.chen']!, actorId: person['victor.chen']!, days: 1 }))).userMessage,
      ).toBe('You already answered this request ✓');
      on('2026-11-09');
      expect(await remindOpenFeedbackRequests({ ...ports(), programId, date: '2026-11-09' })).toEqual({ reminded: 1, alreadyReminded: 0, snoozed: 1 });
      on('2026-11-10');
      expect(await remindOpenFeedbackRequests({ ...ports(), programId, date: '2026-11-10' })).toEqual({ reminded: 0, alreadyReminded: 1, snoozed: 1 });
      on('2026-11-11');
      expect(await remindOpenFeedbackRequests({ ...ports(), programId, date: '2026-11-11' })).toEqual({ reminded: 1, alreadyReminded: 1, snoozed: 0 });
      expect(await keys('reminder:feedback-request:')).toHaveLength(4);
    });

    it('expires requests open after the program’s expiry days: the resident is told, the faculty DMs lose their buttons, once', async () => {
      on('2026-11-15');
      expect(await expireFeedbackRequests({ ...ports(), programId, date: '2026-11-15' })).toEqual({ expired: 0 });
      on('2026-11-16');
      expect(await remindOpenFeedbackRequests({ ...ports(), programId, date: '2026-11-16' })).toEqual({ reminded: 0, alreadyReminded: 0, snoozed: 0 });
      expect(await expireFeedbackRequests({ ...ports(), programId, date: '2026-11-16' })).toEqual({ expired: 2 });
      expect(await expireFeedbackRequests({ ...ports(), programId, date: '2026-11-16' })).toEqual({ expired: 0 });
      const statuses = await ctx.db.select({ id: feedbackRequests.id, status: feedbackRequests.status }).from(feedbackRequests);
      expect(Object.fromEntries(Object.entries(requestIds).map(([who, id]) => [who, statuses.find((s) => s.id === id)?.status]))).toEqual({
        'maya.lee': 'expired',
        'victor.chen': 'answered',
        'omar.haddad': 'declined',
        'samuel.brooks': 'expired',
      });
      const notes = await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.kind, 'feedback-expired'));
      expect(notes.map((n) => n.recipientPersonId)).toEqual([person['ana.ruiz'], person['ana.ruiz']]);
      const note = parseMessage(notes[0]!.message);
      expect(JSON.stringify(note)).toContain('got no answer in 14 days');
      expect(JSON.stringify(note)).toContain('Try asking someone else');
      const replaced = await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.kind, 'feedback-request-expired'));
      // The request DM and both reminders, for each of the two.
      expect(replaced.map((r) => r.replacesKey).sort()).toEqual(
        ['maya.lee', 'samuel.brooks']
          .flatMap((who) => [
            `feedback-request:${requestIds[who]}:${person[who]}`,
            `reminder:feedback-request:${requestIds[who]}:${person[who]}:3`,
            `reminder:feedback-request:${requestIds[who]}:${person[who]}:7`,
          ])
          .sort(),
      );
      expect(JSON.stringify(parseMessage(replaced[0]!.message))).toContain('This request has expired.');
      expect(JSON.stringify(parseMessage(replaced[0]!.message))).not.toContain('feedback.answer');
    });

    it('answering from a reminder redraws the request DM and the reminder "Answered ✓", once', async () => {
      on('2026-11-20');
      const sent = await requestFeedback({
        ...ports(),
        residentId: person['ana.ruiz']!,
        assessorId: person['maya.lee']!,
        question: 'What should I change so my family meeting summaries are shorter and clearer?',
        submissionKey: 'reminders-answered',
      });
      if (!sent.ok) throw new Error(JSON.stringify(sent.fieldErrors));
      on('2026-11-23');
      expect(await remindOpenFeedbackRequests({ ...ports(), programId, date: '2026-11-23' })).toMatchObject({ reminded: 1 });
      on('2026-11-24');
      const answer = { ...ports(), requestId: sent.requestId, actorId: person['maya.lee']!, corrective: 'Lead with the decision.', nextStep: 'Open with the plan next time.' };
      expect(await answerFeedbackRequest(answer)).toMatchObject({ ok: true, alreadyAnswered: false });
      expect(await answerFeedbackRequest(answer)).toMatchObject({ ok: true, alreadyAnswered: true });
      const redraws = (await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.kind, 'feedback-request-answered'))).filter((r) =>
        r.replacesKey?.includes(sent.requestId),
      );
      expect(redraws.map((r) => r.replacesKey).sort()).toEqual(
        [`feedback-request:${sent.requestId}:${person['maya.lee']}`, `reminder:feedback-request:${sent.requestId}:${person['maya.lee']}:3`].sort(),
      );
      expect(redraws.every((r) => r.recipientPersonId === person['maya.lee'])).toBe(true);
      expect(JSON.stringify(parseMessage(redraws[0]!.message))).toContain('Answered ✓');
      expect(JSON.stringify(parseMessage(redraws[0]!.message))).not.toContain('feedback.answer');
    });

    it('a program’s own expiry days: 5 days means no +7 reminder and expiry on day 5', async () => {
      await ctx.db.update(programs).set({ requestExpiryDays: 5 }).where(eq(programs.id, programId));
      try {
        on('2026-11-20');
        const sent = await requestFeedback({
          ...ports(),
          residentId: person['dev.patel']!,
          assessorId: person['maya.lee']!,
          question: 'What is one thing I did well and one thing to change in my family meeting for bed 7?',
          submissionKey: 'reminders-short',
        });
        if (!sent.ok) throw new Error(JSON.stringify(sent.fieldErrors));
        await ctx.db.update(feedbackRequests).set({ createdAt: new Date('2026-11-20T15:00:00Z') }).where(eq(feedbackRequests.id, sent.requestId));
        on('2026-11-23');
        expect(await remindOpenFeedbackRequests({ ...ports(), programId, date: '2026-11-23' })).toMatchObject({ reminded: 1 });
        on('2026-11-24');
        expect(await expireFeedbackRequests({ ...ports(), programId, date: '2026-11-24' })).toEqual({ expired: 0 });
        on('2026-11-25');
        expect(await remindOpenFeedbackRequests({ ...ports(), programId, date: '2026-11-25' })).toMatchObject({ reminded: 0 });
        expect(await expireFeedbackRequests({ ...ports(), programId, date: '2026-11-25' })).toEqual({ expired: 1 });
        const [note] = await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, `feedback-expired:${sent.requestId}:${person['dev.patel']}`));
        expect(JSON.stringify(parseMessage(note!.message))).toContain('got no answer in 5 days');
      } finally {
        await ctx.db.update(programs).set({ requestExpiryDays: 14 }).where(eq(programs.id, programId));
      }
    });
  });
});

describeOnEachEngine('the programs file sets request expiry and digest lead days', (ctx) => {
  const file = (extra: string) =>
    [
      'institution: { slug: st-elsewhere, name: St. Elsewhere Medical Center }',
      'programs:',
      '  - slug: surgery',
      '    name: St. Elsewhere Surgery',
      '    specialty: Surgery',
      '    time_zone: America/Denver',
      extra,
      '',
    ].join('\n');

  it('stores them, defaults them to 14 and 7, and refuses values out of range in a sentence', async () => {
    const defaults = await importPrograms({ db: ctx.db, text: file(''), file: 'programs.yaml', dryRun: false });
    expect(defaults.ok).toBe(true);
    expect(await ctx.db.select({ expiry: programs.requestExpiryDays, lead: programs.cccDigestLeadDays }).from(programs)).toEqual([{ expiry: 14, lead: 7 }]);
    const set = await importPrograms({ db: ctx.db, text: file('    request_expiry_days: 10\n    ccc_digest_lead_days: 3'), file: 'programs.yaml', dryRun: false });
    expect(set.ok).toBe(true);
    expect(await ctx.db.select({ expiry: programs.requestExpiryDays, lead: programs.cccDigestLeadDays }).from(programs)).toEqual([{ expiry: 10, lead: 3 }]);
    const refused = await importPrograms({ db: ctx.db, text: file('    request_expiry_days: 0\n    ccc_digest_lead_days: 61'), file: 'programs.yaml', dryRun: false });
    expect(refused.ok ? [] : refused.problems.map(formatProblem)).toEqual([
      'programs.yaml:7: programs.0.request_expiry_days must be between 1 and 90 days',
      'programs.yaml:8: programs.0.ccc_digest_lead_days must be between 0 and 60 days',
    ]);
  });
});
