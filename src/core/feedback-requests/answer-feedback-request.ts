import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { feedbackEntries, feedbackRatings, feedbackRequests, programs } from '../../db/schema/index.ts';
import { enqueueMessage } from '../../delivery/outbox.ts';
import { type ObservedRating, RATING_VALUES } from '../../domain/rating.ts';
import { ACTIONS, FORMS, SUBJECTS } from '../../messages/actions.ts';
import { feedbackMessage, feedbackRequestMessage, requestDeclinedMessage } from '../../messages/feedback.ts';
import { type Form, form, levelPicker, type Message, payload, textArea } from '../../messages/model.ts';
import { AppError, type FieldErrors } from '../errors.ts';
import type { CorePorts } from '../ports.ts';
import { subcompetenciesOf } from '../programs/program-context.ts';
import { replaceRequestMessages } from './replace-request-messages.ts';
import { requestForAssessor } from './request-feedback.ts';
import { feedbackView, nameOf, requestView } from './views.ts';

/** Comments are for a person to read in chat; Slack's text limit applies to each. */
export const MAX_COMMENT_LENGTH = 3000;

/** What the faculty member typed when the request is answered with "none" as next step. */
const NO_NEXT_STEP = /^(none|n\/a|no)$/i;

function alreadyClosed(status: string): AppError {
  return new AppError(
    'already_closed',
    status === 'answered' ? 'You already answered this request ✓' : status === 'declined' ? 'You already said you cannot answer this one.' : 'This request has expired.',
  );
}

/**
 * The answer form: an optional level (descriptors shown), what to keep doing, what to change, one next step.
 * `toReadSubmission`: the adapter rebuilds the form to read a submitted one; a retried submission of an answered
 * request must then reach answerFeedbackRequest (which finds the stored answer) instead of being refused here.
 */
export async function openAnswerForm(input: CorePorts & { requestId: string; actorId: string; toReadSubmission?: boolean }): Promise<Form> {
  const request = await requestForAssessor(input, input.requestId, input.actorId);
  if (request.status !== 'open' && !(input.toReadSubmission && request.status === 'answered')) throw alreadyClosed(request.status);
  const view = await requestView(input.db, request);
  const [program] = await input.db.select().from(programs).where(eq(programs.id, request.programId));
  const sub = request.subcompetencyId && program ? (await subcompetenciesOf(input.db, program, [request.subcompetencyId]))[0] : undefined;
  return form({
    title: 'Answer feedback request',
    submitLabel: 'Send feedback',
    intro: `*${view.residentName}* asks: “${request.question}”`,
    payload: payload(SUBJECTS.feedbackRequest, request.id),
    submitActionId: FORMS.answerRequest,
    fields: [
      ...(sub
        ? [
            levelPicker({
              id: 'level',
              label: `Level for ${sub.code} ${sub.name} (optional)`,
              optional: true,
              allowNotObserved: true,
              descriptors: Object.fromEntries(Object.entries(sub.descriptors).map(([level, text]) => [String(level), text])),
            }),
          ]
        : []),
      textArea({ id: 'reinforcing', label: 'What should they keep doing?', optional: true, maxLength: MAX_COMMENT_LENGTH, placeholder: 'Your one-line summary set up the plan clearly.' }),
      textArea({ id: 'corrective', label: 'What should they change?', optional: true, maxLength: MAX_COMMENT_LENGTH, placeholder: 'Lead with the active problems; trim the normal labs.' }),
      textArea({
        id: 'next_step',
        label: 'One concrete next step',
        optional: true,
        maxLength: 500,
        hint: 'The part residents use most. Type "none" to send without one.',
        placeholder: 'Tomorrow, present your first patient in under 3 minutes.',
      }),
    ],
  });
}

/** The answer as submitted. */
export interface AnswerInput {
  requestId: string;
  actorId: string;
  level?: ObservedRating | null | undefined;
  reinforcing?: string | null | undefined;
  corrective?: string | null | undefined;
  nextStep?: string | null | undefined;
}

export type AnswerResult = { ok: true; requestMessage: Message; alreadyAnswered: boolean } | FieldErrors;

/**
 * Stores the answer once (a double click or a retried submission finds the existing one), sends it to the resident
 * with Thank / Add to my plan, and returns the faculty member's request message with "Answered ✓" in place of buttons.
 */
export async function answerFeedbackRequest(input: CorePorts & AnswerInput): Promise<AnswerResult> {
  const request = await requestForAssessor(input, input.requestId, input.actorId);
  if (request.status === 'answered') {
    return { ok: true, requestMessage: feedbackRequestMessage(await requestView(input.db, request)), alreadyAnswered: true };
  }
  if (request.status !== 'open') throw alreadyClosed(request.status);
  const reinforcing = input.reinforcing?.trim() || null;
  const corrective = input.corrective?.trim() || null;
  const nextStepText = input.nextStep?.trim() || null;
  if (!reinforcing && !corrective) {
    return { ok: false, fieldErrors: { reinforcing: 'Write at least one comment: what to keep doing, or what to change.' } };
  }
  if (!nextStepText) {
    return {
      ok: false,
      fieldErrors: { next_step: 'Add one concrete next step (e.g. "Next admission, say your top 3 differentials before the plan"), or type "none".' },
    };
  }
  for (const [field, text] of [['reinforcing', reinforcing], ['corrective', corrective]] as const) {
    if (text && text.length > MAX_COMMENT_LENGTH) {
      return { ok: false, fieldErrors: { [field]: `Comments are limited to ${MAX_COMMENT_LENGTH} characters (this one has ${text.length}).` } };
    }
  }
  const nextStep = NO_NEXT_STEP.test(nextStepText) ? null : nextStepText;

  const result = await input.db.transaction(async (tx) => {
    const inserted = await tx
      .insert(feedbackEntries)
      .values({
        programId: request.programId,
        residentId: request.residentId,
        authorId: request.assessorId,
        source: 'request',
        feedbackRequestId: request.id,
        reinforcing,
        corrective,
        nextStep,
        // The day feedback was given decides which reporting period it counts for: the core's clock, like every rule.
        createdAt: input.clock.now(),
        updatedAt: input.clock.now(),
      })
      .onConflictDoNothing({ target: feedbackEntries.feedbackRequestId })
      .returning({ id: feedbackEntries.id });
    const entry = inserted[0];
    if (!entry) return { alreadyAnswered: true };
    if (input.level && request.subcompetencyId) {
      await tx.insert(feedbackRatings).values({ feedbackEntryId: entry.id, subcompetencyId: request.subcompetencyId, rating: input.level });
    }
    const [answered] = await tx
      .update(feedbackRequests)
      .set({ status: 'answered', closedAt: input.clock.now() })
      .where(eq(feedbackRequests.id, request.id))
      .returning();
    await replaceRequestMessages(tx, answered!, 'answered');
    await enqueueMessage(tx, {
      idempotencyKey: `feedback-answer:${entry.id}:${request.residentId}`,
      kind: 'feedback-answer',
      recipientPersonId: request.residentId,
      message: feedbackMessage(await feedbackView(tx, entry.id)),
    });
    return { alreadyAnswered: false };
  });
  const updated = { ...request, status: 'answered' as const };
  return { ok: true, requestMessage: feedbackRequestMessage(await requestView(input.db, updated)), alreadyAnswered: result.alreadyAnswered };
}

/** "Can't answer": the request closes, the resident is told, and the faculty message shows the outcome. */
export async function declineFeedbackRequest(input: CorePorts & { requestId: string; actorId: string }): Promise<{ requestMessage: Message }> {
  const request = await requestForAssessor(input, input.requestId, input.actorId);
  if (request.status === 'open') {
    await input.db.transaction(async (tx) => {
      const closed = await tx
        .update(feedbackRequests)
        .set({ status: 'declined', closedAt: input.clock.now() })
        .where(eq(feedbackRequests.id, request.id))
        .returning();
      if (closed.length === 0) return;
      await replaceRequestMessages(tx, closed[0]!, 'declined');
      await enqueueMessage(tx, {
        idempotencyKey: `feedback-declined:${request.id}:${request.residentId}`,
        kind: 'feedback-declined',
        recipientPersonId: request.residentId,
        message: requestDeclinedMessage(await nameOf(tx, request.assessorId), request.question),
      });
    });
  }
  const current = { ...request, status: request.status === 'open' ? ('declined' as const) : request.status };
  return { requestMessage: feedbackRequestMessage(await requestView(input.db, current)) };
}

export { ACTIONS };

const answerFormValues = z.object({
  level: z.enum(RATING_VALUES).nullish(),
  reinforcing: z.string().nullish(),
  corrective: z.string().nullish(),
  next_step: z.string().nullish(),
});

/** The answer form's checked values (any adapter's reading of openAnswerForm) as the answer's parts. */
export function answerFromFormValues(values: Readonly<Record<string, unknown>>): Pick<AnswerInput, 'level' | 'reinforcing' | 'corrective' | 'nextStep'> {
  const v = answerFormValues.parse(values);
  return { level: v.level, reinforcing: v.reinforcing, corrective: v.corrective, nextStep: v.next_step };
}
