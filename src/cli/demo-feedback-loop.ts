import { and, asc, eq } from 'drizzle-orm';
import { answerFeedbackRequest } from '../core/feedback-requests/answer-feedback-request.ts';
import { requestFeedback } from '../core/feedback-requests/request-feedback.ts';
import { thankForFeedback } from '../core/feedback-requests/thank-for-feedback.ts';
import { addNextStepToPlan } from '../core/learning-plans/add-next-step-to-plan.ts';
import type { Clock } from '../core/ports.ts';
import { promptAfterRotations } from '../core/rotation-evaluations/prompt-after-rotations.ts';
import { declineRotationEvaluation, submitRotationEvaluation } from '../core/rotation-evaluations/rotation-evaluation.ts';
import type { Db } from '../db/client.ts';
import { assignmentSupervisors, feedbackEntries, outboxMessages, people, rotationAssignments } from '../db/schema/index.ts';
import type { Message } from '../messages/model.ts';

const DOMAIN = '@stelsewhere.example.org';

async function personId(db: Db, handle: string): Promise<string> {
  const [person] = await db.select({ id: people.id }).from(people).where(eq(people.email, `${handle}${DOMAIN}`));
  return person!.id;
}

/**
 * The demo's half-year of feedback, driven through the same core use cases the chat adapters call: residents ask
 * (one vague question is coached), faculty answer, residents thank and plan, and at each month's end faculty are
 * prompted and evaluate. It prints each message that would be sent, as its plain-text fallback.
 */
export async function runDemoFeedbackLoop(db: Db, out: (line: string) => void): Promise<void> {
  let now = new Date('2026-07-01T14:00:00Z');
  const clock: Clock = { now: () => now };
  const ports = { db, clock };
  const ana = await personId(db, 'ana.ruiz');
  const lee = await personId(db, 'maya.lee');

  out('\nA resident asks for feedback (the question coach at work):');
  now = new Date('2026-07-14T22:00:00Z');
  const vague = await requestFeedback({ ...ports, residentId: ana, assessorId: lee, question: 'How am I doing?', subcompetencyCode: 'PC3', submissionKey: 'demo-1' });
  if (!vague.ok) out(`  Ana asks "How am I doing?" → refused: ${vague.fieldErrors.question}`);
  const asked = await requestFeedback({
    ...ports,
    residentId: ana,
    assessorId: lee,
    question: 'How can I make my morning presentations more concise?',
    subcompetencyCode: 'ICS2',
    context: 'Ward rounds this week',
    submissionKey: 'demo-2',
  });
  if (asked.ok) {
    out(`  Ana asks "How can I make my morning presentations more concise?" → sent.`);
    now = new Date('2026-07-15T18:00:00Z');
    await answerFeedbackRequest({
      ...ports,
      requestId: asked.requestId,
      actorId: lee,
      level: '2',
      reinforcing: 'Your one-liner is crisp and your plan is organized by problem.',
      corrective: 'You read every normal lab aloud; it buries what matters.',
      nextStep: 'Tomorrow, present each patient in under three minutes: one-liner, overnight events, changes, plan.',
    });
    const [entry] = await db.select({ id: feedbackEntries.id }).from(feedbackEntries).where(eq(feedbackEntries.feedbackRequestId, asked.requestId));
    await thankForFeedback({ ...ports, entryId: entry!.id, actorId: ana });
    await addNextStepToPlan({ ...ports, entryId: entry!.id, actorId: ana });
  }

  out('\nEnd of each rotation block: faculty are prompted, and most evaluate within days:');
  for (const monthEnd of ['2026-07-31', '2026-08-31', '2026-09-30', '2026-10-31', '2026-11-30', '2026-12-31']) {
    now = new Date(`${monthEnd}T23:30:00Z`);
    const run = await promptAfterRotations({ ...ports, date: monthEnd });
    // Every supervisor answers the first resident on their list; one says they did not work together.
    const ended = await db
      .select({ assignmentId: rotationAssignments.id, facultyId: assignmentSupervisors.facultyId })
      .from(rotationAssignments)
      .innerJoin(assignmentSupervisors, eq(assignmentSupervisors.assignmentId, rotationAssignments.id))
      .where(eq(rotationAssignments.endsOn, monthEnd))
      .orderBy(asc(rotationAssignments.id));
    let evaluations = 0;
    for (const [index, row] of ended.entries()) {
      if (index % 3 === 2) {
        await declineRotationEvaluation({ ...ports, assignmentId: row.assignmentId, actorId: row.facultyId });
        continue;
      }
      const result = await submitRotationEvaluation({
        ...ports,
        assignmentId: row.assignmentId,
        actorId: row.facultyId,
        ratings: {},
        directlyObserved: index % 2 === 0,
        reinforcing: 'Reliable, kind with families, and follows through on every task.',
        corrective: 'Commit to an assessment before presenting the plan.',
        nextStep: 'On your next block, state your leading diagnosis first when you present.',
      });
      if (result.ok && !result.alreadySubmitted) evaluations += 1;
    }
    out(`  ${monthEnd}: ${run.residents} residents finished a block; ${run.prompted} faculty prompts; ${evaluations} evaluations sent.`);
  }

  const queued = await db
    .select({ kind: outboxMessages.kind, message: outboxMessages.message, name: people.name })
    .from(outboxMessages)
    .leftJoin(people, eq(people.id, outboxMessages.recipientPersonId))
    .where(and(eq(outboxMessages.status, 'pending')))
    .orderBy(asc(outboxMessages.createdAt));
  out(`\nMessages that would be sent (${queued.length}, plain-text fallbacks; the first of each kind shown in full):`);
  const shown = new Set<string>();
  const counts = new Map<string, number>();
  for (const row of queued) {
    counts.set(row.kind, (counts.get(row.kind) ?? 0) + 1);
    if (shown.has(row.kind)) continue;
    shown.add(row.kind);
    out(`  [${row.kind}] to ${row.name}: ${(row.message as Message).text}`);
  }
  out(`  By kind: ${[...counts].map(([kind, n]) => `${kind} ${n}`).join(', ')}`);
}
