import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '../../db/client.ts';
import { evaluationDeclines, feedbackEntries, feedbackRatings, outboxMessages, people, programs, rotationSubcompetencies } from '../../db/schema/index.ts';
import { enqueueMessage } from '../../delivery/outbox.ts';
import { type ObservedRating, RATING_VALUES } from '../../domain/rating.ts';
import { FORMS, SUBJECTS } from '../../messages/actions.ts';
import { feedbackMessage } from '../../messages/feedback.ts';
import { checkbox, type Form, form, levelPicker, type Message, payload, textArea } from '../../messages/model.ts';
import { AppError, type FieldErrors } from '../errors.ts';
import { feedbackView } from '../feedback-requests/views.ts';
import type { CorePorts } from '../ports.ts';
import { subcompetenciesOf } from '../programs/program-context.ts';
import { assignmentForSupervisor, rotationPromptFor, rotationPromptKey } from './prompt-state.ts';

/** Level pickers are keyed by subcompetency code, prefixed so they never collide with the narrative fields. */
export const RATING_FIELD_PREFIX = 'rating_';

async function mappedSubcompetencies(ports: CorePorts, rotationId: string, programId: string) {
  const [program] = await ports.db.select().from(programs).where(eq(programs.id, programId));
  const ids = (await ports.db.select().from(rotationSubcompetencies).where(eq(rotationSubcompetencies.rotationId, rotationId))).map(
    (l) => l.subcompetencyId,
  );
  return program ? subcompetenciesOf(ports.db, program, ids) : [];
}

/**
 * The end-of-rotation form: one level picker per mapped subcompetency (descriptors at hand, "not observed" allowed),
 * direct observation, what to keep doing, what to change, one next step. Opened with one click from the prompt.
 * `toReadSubmission`: the adapter rebuilds the form to read a submitted one; a second submission of the same view
 * must then reach submitRotationEvaluation (which stores one evaluation) instead of being refused here.
 */
export async function openRotationEvaluation(
  input: CorePorts & { assignmentId: string; actorId: string; toReadSubmission?: boolean },
): Promise<Form> {
  const { assignment, rotation } = await assignmentForSupervisor(input.db, input.assignmentId, input.actorId);
  const [existing] = await input.db
    .select({ id: feedbackEntries.id })
    .from(feedbackEntries)
    .where(and(eq(feedbackEntries.rotationAssignmentId, assignment.id), eq(feedbackEntries.authorId, input.actorId)));
  if (existing && !input.toReadSubmission) throw new AppError('already_closed', 'You already sent feedback for this rotation ✓');
  const [resident] = await input.db.select({ name: people.name }).from(people).where(eq(people.id, assignment.residentId));
  const subs = await mappedSubcompetencies(input, rotation.id, rotation.programId);
  return form({
    title: `Feedback: ${resident?.name ?? 'resident'}`.slice(0, 24),
    submitLabel: 'Send feedback',
    intro: `*${resident?.name}* on *${rotation.name}*. Pick a level only where you saw enough to judge; “Not observed” is fine.`,
    payload: payload(SUBJECTS.assignment, assignment.id),
    submitActionId: FORMS.rotationEvaluation,
    fields: [
      ...subs.map((sub) =>
        levelPicker({
          id: `${RATING_FIELD_PREFIX}${sub.code}`,
          label: `${sub.code} ${sub.name}`,
          allowNotObserved: true,
          optional: true,
          descriptors: Object.fromEntries(Object.entries(sub.descriptors).map(([level, text]) => [String(level), text])),
        }),
      ),
      checkbox({ id: 'directly_observed', label: 'Direct observation', text: 'I directly observed this resident with patients' }),
      textArea({ id: 'reinforcing', label: 'What should they keep doing?', optional: true, maxLength: 3000 }),
      textArea({ id: 'corrective', label: 'What should they change?', optional: true, maxLength: 3000 }),
      textArea({ id: 'next_step', label: 'One concrete next step', optional: true, maxLength: 500, hint: 'Type "none" to send without one.' }),
    ],
  });
}

/** A submitted end-of-rotation evaluation. */
export interface RotationEvaluationInput {
  assignmentId: string;
  actorId: string;
  /** By subcompetency code; omitted subcompetencies count as not observed. */
  ratings: Record<string, ObservedRating | null | undefined>;
  directlyObserved: boolean;
  reinforcing?: string | null | undefined;
  corrective?: string | null | undefined;
  nextStep?: string | null | undefined;
}

export type RotationEvaluationResult = { ok: true; promptMessage: Message; alreadySubmitted: boolean } | FieldErrors;

/**
 * Stores one evaluation per (assignment, faculty) — a double click or a retried submission lands on that key —
 * sends it to the resident, and returns the faculty member's prompt with this resident marked done.
 */
export async function submitRotationEvaluation(input: CorePorts & RotationEvaluationInput): Promise<RotationEvaluationResult> {
  const { assignment, rotation } = await assignmentForSupervisor(input.db, input.assignmentId, input.actorId);
  const subs = await mappedSubcompetencies(input, rotation.id, rotation.programId);
  const byCode = new Map(subs.map((s) => [s.code, s]));
  const unknown = Object.keys(input.ratings).filter((code) => !byCode.has(code));
  if (unknown.length) throw new AppError('invalid_input', `${unknown.join(', ')} is not assessed on ${rotation.name}.`);
  const reinforcing = input.reinforcing?.trim() || null;
  const corrective = input.corrective?.trim() || null;
  const nextStepText = input.nextStep?.trim() || null;
  const rated = Object.entries(input.ratings).filter((entry): entry is [string, ObservedRating] => !!entry[1]);
  if (!reinforcing && !corrective && rated.every(([, r]) => r === 'not_observed')) {
    return { ok: false, fieldErrors: { reinforcing: 'Pick at least one level or write one comment.' } };
  }
  if ((reinforcing || corrective) && !nextStepText) {
    return { ok: false, fieldErrors: { next_step: 'Add one concrete next step (e.g. "On your next ICU block, run the family update yourself"), or type "none".' } };
  }
  const nextStep = nextStepText && !/^(none|n\/a|no)$/i.test(nextStepText) ? nextStepText : null;

  const alreadySubmitted = await input.db.transaction(async (tx) => {
    const inserted = await tx
      .insert(feedbackEntries)
      .values({
        programId: rotation.programId,
        residentId: assignment.residentId,
        authorId: input.actorId,
        source: 'rotation_evaluation',
        rotationAssignmentId: assignment.id,
        reinforcing,
        corrective,
        nextStep,
        directlyObserved: input.directlyObserved,
        createdAt: input.clock.now(),
        updatedAt: input.clock.now(),
      })
      .onConflictDoNothing({ target: [feedbackEntries.rotationAssignmentId, feedbackEntries.authorId] })
      .returning({ id: feedbackEntries.id });
    const entry = inserted[0];
    if (!entry) return true;
    if (rated.length) {
      await tx
        .insert(feedbackRatings)
        .values(rated.map(([code, rating]) => ({ feedbackEntryId: entry.id, subcompetencyId: byCode.get(code)!.id, rating })));
    }
    await enqueueMessage(tx, {
      idempotencyKey: `rotation-evaluation:${entry.id}:${assignment.residentId}`,
      kind: 'rotation-evaluation',
      recipientPersonId: assignment.residentId,
      message: feedbackMessage(await feedbackView(tx, entry.id)),
    });
    await redrawRotationPrompt(tx, { facultyId: input.actorId, rotationId: rotation.id, endsOn: assignment.endsOn, change: `evaluated:${entry.id}` });
    return false;
  });
  return { ok: true, alreadySubmitted, promptMessage: await rotationPromptFor(input.db, input.actorId, rotation.id, assignment.endsOn) };
}

/** "Did not work with this resident": recorded once, so reminders stop and the CCC sees why there is no evaluation. */
export async function declineRotationEvaluation(input: CorePorts & { assignmentId: string; actorId: string }): Promise<{ promptMessage: Message }> {
  const { assignment, rotation } = await assignmentForSupervisor(input.db, input.assignmentId, input.actorId);
  await input.db.transaction(async (tx) => {
    const declined = await tx
      .insert(evaluationDeclines)
      .values({ rotationAssignmentId: assignment.id, facultyId: input.actorId, reason: 'did_not_work_with' })
      .onConflictDoNothing()
      .returning({ at: evaluationDeclines.declinedAt });
    if (declined.length === 0) return;
    const change = `declined:${assignment.id}`;
    await redrawRotationPrompt(tx, { facultyId: input.actorId, rotationId: rotation.id, endsOn: assignment.endsOn, change });
  });
  return { promptMessage: await rotationPromptFor(input.db, input.actorId, rotation.id, assignment.endsOn) };
}

/**
 * Redraws the faculty member's original rotation prompt with each resident's current state, however they acted (from
 * the prompt, from a reminder, from another device), so the DM they scroll back to never offers a finished evaluation.
 * One redraw per change, queued behind the ones before it; only when the prompt itself was queued.
 */
async function redrawRotationPrompt(tx: Tx, input: { facultyId: string; rotationId: string; endsOn: string; change: string }): Promise<void> {
  const promptKey = rotationPromptKey(input.facultyId, input.rotationId, input.endsOn);
  const [prompt] = await tx
    .select({ programId: outboxMessages.programId })
    .from(outboxMessages)
    .where(eq(outboxMessages.idempotencyKey, promptKey));
  if (!prompt) return;
  await enqueueMessage(tx, {
    idempotencyKey: `redraw:${input.change}:${promptKey}`,
    kind: 'rotation-prompt-redraw',
    recipientPersonId: input.facultyId,
    ...(prompt.programId ? { programId: prompt.programId } : {}),
    replacesKey: promptKey,
    message: await rotationPromptFor(tx, input.facultyId, input.rotationId, input.endsOn),
  });
}

const evaluationFormValues = z.looseObject({
  directly_observed: z.boolean(),
  reinforcing: z.string().nullish(),
  corrective: z.string().nullish(),
  next_step: z.string().nullish(),
});
const evaluationRating = z.enum(RATING_VALUES).nullish();

/** The evaluation form's checked values (any adapter's reading of openRotationEvaluation) as the evaluation's parts. */
export function evaluationFromFormValues(
  values: Readonly<Record<string, unknown>>,
): Pick<RotationEvaluationInput, 'ratings' | 'directlyObserved' | 'reinforcing' | 'corrective' | 'nextStep'> {
  const v = evaluationFormValues.parse(values);
  const ratings = Object.fromEntries(
    Object.entries(values)
      .filter(([field]) => field.startsWith(RATING_FIELD_PREFIX))
      .map(([field, value]) => [field.slice(RATING_FIELD_PREFIX.length), evaluationRating.parse(value)]),
  );
  return { ratings, directlyObserved: v.directly_observed, reinforcing: v.reinforcing, corrective: v.corrective, nextStep: v.next_step };
}
