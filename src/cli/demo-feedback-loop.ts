import { createHash } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { answerFeedbackRequest, openAnswerForm } from '../core/feedback-requests/answer-feedback-request.ts';
import { openFeedbackRequestForm } from '../core/feedback-requests/feedback-request-form.ts';
import { requestFeedback } from '../core/feedback-requests/request-feedback.ts';
import { thankForFeedback } from '../core/feedback-requests/thank-for-feedback.ts';
import { addNextStepToPlan } from '../core/learning-plans/add-next-step-to-plan.ts';
import type { Clock } from '../core/ports.ts';
import { promptAfterRotations } from '../core/rotation-evaluations/prompt-after-rotations.ts';
import { declineRotationEvaluation, openRotationEvaluation, submitRotationEvaluation } from '../core/rotation-evaluations/rotation-evaluation.ts';
import type { Db } from '../db/client.ts';
import {
  assignmentSupervisors,
  feedbackEntries,
  outboxMessages,
  people,
  programMemberships,
  rotationAssignments,
  rotationSubcompetencies,
  subcompetencies,
} from '../db/schema/index.ts';
import { MILESTONE_RATINGS, NOT_OBSERVED, type ObservedRating } from '../domain/rating.ts';
import type { Message } from '../messages/model.ts';
import type { DemoCards } from './demo-cards.ts';

const DOMAIN = '@stelsewhere.example.org';

/** A number in [0, n) fixed by the words given: the demo's stand-in for people's choices, stable across runs. */
function pick(n: number, ...parts: string[]): number {
  return createHash('sha256').update(parts.join('|')).digest().readUInt32BE(0) % n;
}

// Mid-year, on the scale's half steps (index into MILESTONE_RATINGS): PGY-1 around 2, PGY-2 3, PGY-3 4 — a half level
// above what a three-year program expects then, so an ordinary spread of ratings stays inside the band.
const TYPICAL_STEP: Record<number, number> = { 1: 3, 2: 5, 3: 7 };

// The demo's stories for the CCC digest: one PGY-2 struggles with patient care, one PGY-3 with medical knowledge.
const STRUGGLES: Record<string, string> = { 'gabe.lindqvist': 'PC', 'kenji.watanabe': 'MK' };

const REINFORCING = [
  'Reliable, kind with families, and follows through on every task.',
  'Your presentations are organized and your plans are safe.',
  'Nurses trust you: you return pages quickly and explain changes.',
];
const CORRECTIVE = [
  'Commit to an assessment before presenting the plan.',
  'Your differential stops at the first likely answer; name two alternatives.',
  'Sign-outs miss contingencies; add an if/then for each sick patient.',
];

/** What a faculty member rates on an evaluation: each subcompetency the rotation assesses, near the resident's level. */
function demoRatings(codes: readonly string[], handle: string, pgy: number, seed: string): Record<string, ObservedRating> {
  const ratings: Record<string, ObservedRating> = {};
  for (const code of codes) {
    const roll = pick(8, seed, code);
    if (roll === 0) {
      ratings[code] = NOT_OBSERVED;
      continue;
    }
    const struggling = STRUGGLES[handle] !== undefined && code.startsWith(STRUGGLES[handle]!);
    const step = (TYPICAL_STEP[pgy] ?? 2) + (roll === 1 ? -1 : roll === 7 ? 1 : 0) - (struggling ? 2 : 0);
    ratings[code] = MILESTONE_RATINGS[Math.max(0, Math.min(MILESTONE_RATINGS.length - 1, step))]!;
  }
  return ratings;
}

async function personId(db: Db, handle: string): Promise<string> {
  const [person] = await db.select({ id: people.id }).from(people).where(eq(people.email, `${handle}${DOMAIN}`));
  return person!.id;
}

/**
 * The demo's half-year of feedback, driven through the same core use cases the chat adapters call: residents ask
 * (one vague question is coached), faculty answer, residents thank and plan, and at each month's end faculty are
 * prompted and evaluate. It prints each message that would be sent, as its plain-text fallback; `cards` also gets the
 * forms people open (the request, the answer, the first rotation evaluation).
 */
export async function runDemoFeedbackLoop(db: Db, out: (line: string) => void, cards?: DemoCards): Promise<void> {
  let now = new Date('2026-07-01T14:00:00Z');
  const clock: Clock = { now: () => now };
  const ports = { db, clock };
  const ana = await personId(db, 'ana.ruiz');
  const lee = await personId(db, 'maya.lee');

  out('\nA resident asks for feedback (the question coach at work):');
  now = new Date('2026-07-14T22:00:00Z');
  if (cards) await cards.form({ to: { personId: ana }, what: '/feedback' }, await openFeedbackRequestForm({ ...ports, residentId: ana }));
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
    if (cards) await cards.form({ to: { personId: lee }, what: 'Answer (feedback request)' }, await openAnswerForm({ ...ports, requestId: asked.requestId, actorId: lee }));
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
  let evaluationFormShown = false;
  for (const monthEnd of ['2026-07-31', '2026-08-31', '2026-09-30', '2026-10-31', '2026-11-30', '2026-12-31']) {
    now = new Date(`${monthEnd}T23:30:00Z`);
    const run = await promptAfterRotations({ ...ports, date: monthEnd });
    // Every supervisor answers the first resident on their list; one says they did not work together.
    const faculty = alias(people, 'faculty');
    const ended = await db
      .select({
        assignmentId: rotationAssignments.id,
        rotationId: rotationAssignments.rotationId,
        facultyId: assignmentSupervisors.facultyId,
        facultyEmail: faculty.email,
        email: people.email,
        pgy: programMemberships.pgy,
      })
      .from(rotationAssignments)
      .innerJoin(assignmentSupervisors, eq(assignmentSupervisors.assignmentId, rotationAssignments.id))
      .innerJoin(faculty, eq(faculty.id, assignmentSupervisors.facultyId))
      .innerJoin(people, eq(people.id, rotationAssignments.residentId))
      .innerJoin(programMemberships, and(eq(programMemberships.personId, people.id), eq(programMemberships.role, 'resident')))
      .where(eq(rotationAssignments.endsOn, monthEnd))
      .orderBy(asc(people.email), asc(faculty.email));
    const mapped = await db
      .select({ rotationId: rotationSubcompetencies.rotationId, code: subcompetencies.code })
      .from(rotationSubcompetencies)
      .innerJoin(subcompetencies, eq(subcompetencies.id, rotationSubcompetencies.subcompetencyId));
    let evaluations = 0;
    for (const [index, row] of ended.entries()) {
      // Who rates what is fixed by names and dates (not by database ids), so every run prints the same digest.
      const seed = `${row.email}|${row.facultyEmail}|${monthEnd}`;
      if (index % 3 === 2) {
        await declineRotationEvaluation({ ...ports, assignmentId: row.assignmentId, actorId: row.facultyId });
        continue;
      }
      if (cards && !evaluationFormShown) {
        evaluationFormShown = true;
        const form = await openRotationEvaluation({ ...ports, assignmentId: row.assignmentId, actorId: row.facultyId });
        await cards.form({ to: { personId: row.facultyId }, what: 'Give feedback (rotation prompt)' }, form);
      }
      const result = await submitRotationEvaluation({
        ...ports,
        assignmentId: row.assignmentId,
        actorId: row.facultyId,
        ratings: demoRatings(
          mapped.filter((m) => m.rotationId === row.rotationId).map((m) => m.code),
          row.email.replace(DOMAIN, ''),
          row.pgy ?? 1,
          seed,
        ),
        directlyObserved: pick(3, 'observed', seed) !== 0,
        reinforcing: REINFORCING[pick(REINFORCING.length, 'reinforcing', seed)]!,
        corrective: CORRECTIVE[pick(CORRECTIVE.length, 'corrective', seed)]!,
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
