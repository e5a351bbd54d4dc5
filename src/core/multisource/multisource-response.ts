import { eq } from 'drizzle-orm';
import { multisourceAnswers, multisourceInstruments, multisourceRequests, multisourceResponses } from '../../db/schema/index.ts';
import { MULTISOURCE_SCORES, parseMultisourceScore } from '../../domain/multisource-instrument.ts';
import { NOT_OBSERVED } from '../../domain/rating.ts';
import { MULTISOURCE_FORMS, MULTISOURCE_SUBJECTS } from '../../messages/actions.ts';
import { type Form, choice, form, type Message, payload, textArea } from '../../messages/model.ts';
import { multisourceRequestMessage } from '../../messages/multisource.ts';
import { AppError, type FieldErrors } from '../errors.ts';
import type { CorePorts } from '../ports.ts';
import { itemsOf } from './instruments.ts';
import { requestForRater, requestView } from './requests.ts';

/** Item menus are keyed `item_<item id>`: field ids must start with a letter, and UUIDs may not. */
export const ITEM_FIELD_PREFIX = 'item_';

/** The one optional free-text field. */
export const COMMENT_FIELD = 'comment';

/** Comments are read in chat; Slack's text limit applies. */
export const MAX_MULTISOURCE_COMMENT_LENGTH = 3000;

/** A point of the scale as a menu value, or "not observed". */
export type MultisourceAnswerValue = number | string | null | undefined;

/** Turns submitted form values (keyed by field id) into answers keyed by item id, for submitMultisourceResponse. */
export function multisourceAnswersFromForm(values: Readonly<Record<string, unknown>>): {
  answers: Record<string, MultisourceAnswerValue>;
  comment: string | null;
} {
  const answers: Record<string, MultisourceAnswerValue> = {};
  for (const [field, value] of Object.entries(values)) {
    if (field.startsWith(ITEM_FIELD_PREFIX)) answers[field.slice(ITEM_FIELD_PREFIX.length)] = value as MultisourceAnswerValue;
  }
  const comment = values[COMMENT_FIELD];
  return { answers, comment: typeof comment === 'string' ? comment : null };
}

/**
 * The 360 form: one menu per item (its five anchors and "Not observed"), then one optional comment. Only the rater
 * the request was sent to may open it. Once answered it opens filled in with the stored answer, so a rater who
 * answers again changes their answer rather than adding a second one.
 */
export async function openMultisourceForm(input: CorePorts & { requestId: string; actorId: string }): Promise<Form> {
  const request = await requestForRater(input.db, input.requestId, input.actorId);
  const view = await requestView(input.db, request);
  const items = await itemsOf(input.db, request.instrumentId);
  const [instrument] = await input.db.select().from(multisourceInstruments).where(eq(multisourceInstruments.id, request.instrumentId));
  const [response] = await input.db.select().from(multisourceResponses).where(eq(multisourceResponses.requestId, request.id));
  const stored = new Map<string, number>();
  if (response && !response.didNotWorkWith) {
    for (const a of await input.db.select().from(multisourceAnswers).where(eq(multisourceAnswers.responseId, response.id))) stored.set(a.itemId, a.score);
  }
  const answered = response !== undefined && !response.didNotWorkWith;
  const forPatient = request.raterRole === 'patient_family';
  return form({
    title: '360 feedback',
    submitLabel: answered ? 'Update answer' : 'Send',
    intro: `*${view.residentName}* — ${instrument?.title ?? 'working together'}. Pick what you saw most often; “Not observed” is fine. ${view.groupLabel} are shown together, only once at least ${view.threshold} have answered, never with your name.`,
    payload: payload(MULTISOURCE_SUBJECTS.request, request.id),
    submitActionId: MULTISOURCE_FORMS.response,
    fields: [
      ...items.map((item) =>
        choice({
          id: `${ITEM_FIELD_PREFIX}${item.id}`,
          label: item.prompt,
          options: [
            ...MULTISOURCE_SCORES.map((point) => ({ value: String(point), label: `${point} · ${item.anchors[point - 1]}` })),
            { value: NOT_OBSERVED, label: 'Not observed' },
          ],
          ...(answered ? { initial: [stored.has(item.id) ? String(stored.get(item.id)) : NOT_OBSERVED] } : {}),
        }),
      ),
      textArea({
        id: COMMENT_FIELD,
        label: forPatient ? 'Anything else you would like this doctor to know? (optional)' : 'One thing to keep doing or to change (optional)',
        optional: true,
        maxLength: MAX_MULTISOURCE_COMMENT_LENGTH,
        hint: 'Shown word for word, without your name, mixed in with others’ comments. Leave out details that would identify you.',
        ...(answered && response.comment ? { initial: response.comment } : {}),
      }),
    ],
  });
}

/** A submitted 360 form. Answers are keyed by item id; "not_observed" (or nothing) stores no score. */
export interface MultisourceResponseInput {
  requestId: string;
  actorId: string;
  answers: Readonly<Record<string, MultisourceAnswerValue>>;
  comment?: string | null | undefined;
}

export type MultisourceResponseResult = { ok: true; updated: boolean; raterMessage: Message } | FieldErrors;

/**
 * Stores a rater's answer: one response row per request, so answering again replaces the scores and the comment
 * (and "did not work with", if given before). Bad input changes nothing: an item from another instrument is
 * refused outright (the form was tampered with or is stale), a point outside 1–5 is sent back to its field.
 */
export async function submitMultisourceResponse(input: CorePorts & MultisourceResponseInput): Promise<MultisourceResponseResult> {
  const request = await requestForRater(input.db, input.requestId, input.actorId);
  const items = await itemsOf(input.db, request.instrumentId);
  const itemIds = new Set(items.map((i) => i.id));
  const foreign = Object.keys(input.answers).filter((id) => !itemIds.has(id));
  if (foreign.length > 0) {
    throw new AppError('invalid_input', 'That answer names a question that is not on this 360 form. Please open the form again from the message.');
  }
  const fieldErrors: Record<string, string> = {};
  const scores: { itemId: string; score: number }[] = [];
  for (const item of items) {
    const value = input.answers[item.id];
    const field = `${ITEM_FIELD_PREFIX}${item.id}`;
    if (value === undefined || value === null || value === '') fieldErrors[field] = 'Choose a point from 1 to 5, or “Not observed”.';
    else if (value === NOT_OBSERVED) continue;
    else {
      const score = parseMultisourceScore(value);
      if (score === undefined) fieldErrors[field] = `“${String(value)}” is not on the scale: choose a point from 1 to 5, or “Not observed”.`;
      else scores.push({ itemId: item.id, score });
    }
  }
  const comment = input.comment?.trim() || null;
  if (comment && comment.length > MAX_MULTISOURCE_COMMENT_LENGTH) {
    fieldErrors[COMMENT_FIELD] = `Comments are limited to ${MAX_MULTISOURCE_COMMENT_LENGTH} characters (this one has ${comment.length}).`;
  }
  if (Object.keys(fieldErrors).length > 0) return { ok: false, fieldErrors };
  if (scores.length === 0 && !comment) {
    return {
      ok: false,
      fieldErrors: {
        [items[0] ? `${ITEM_FIELD_PREFIX}${items[0].id}` : COMMENT_FIELD]:
          'Choose a point for at least one question or write a comment. If you did not work with this resident, use that button in the message instead.',
      },
    };
  }

  const now = input.clock.now();
  const updated = await input.db.transaction(async (tx) => {
    // The unique request id makes this an upsert: a double click or a changed mind lands on the same row.
    const [before] = await tx.select({ id: multisourceResponses.id }).from(multisourceResponses).where(eq(multisourceResponses.requestId, request.id));
    const [response] = await tx
      .insert(multisourceResponses)
      .values({ requestId: request.id, didNotWorkWith: false, comment, submittedAt: now, updatedAt: now })
      .onConflictDoUpdate({ target: multisourceResponses.requestId, set: { didNotWorkWith: false, comment, updatedAt: now } })
      .returning({ id: multisourceResponses.id });
    await tx.delete(multisourceAnswers).where(eq(multisourceAnswers.responseId, response!.id));
    if (scores.length > 0) await tx.insert(multisourceAnswers).values(scores.map((s) => ({ responseId: response!.id, ...s })));
    await tx.update(multisourceRequests).set({ status: 'answered' }).where(eq(multisourceRequests.id, request.id));
    return before !== undefined;
  });
  return { ok: true, updated, raterMessage: multisourceRequestMessage(await requestView(input.db, { ...request, status: 'answered' })) };
}

/**
 * "I did not work with this resident": recorded as the rater's response (so reminders stop and the CCC can see
 * why), replacing any earlier answer; it never counts toward a group's results.
 */
export async function declineMultisource(input: CorePorts & { requestId: string; actorId: string }): Promise<{ raterMessage: Message }> {
  const request = await requestForRater(input.db, input.requestId, input.actorId);
  if (request.status !== 'did_not_work_with') {
    const now = input.clock.now();
    await input.db.transaction(async (tx) => {
      const [response] = await tx
        .insert(multisourceResponses)
        .values({ requestId: request.id, didNotWorkWith: true, comment: null, submittedAt: now, updatedAt: now })
        .onConflictDoUpdate({ target: multisourceResponses.requestId, set: { didNotWorkWith: true, comment: null, updatedAt: now } })
        .returning({ id: multisourceResponses.id });
      await tx.delete(multisourceAnswers).where(eq(multisourceAnswers.responseId, response!.id));
      await tx.update(multisourceRequests).set({ status: 'did_not_work_with' }).where(eq(multisourceRequests.id, request.id));
    });
  }
  return { raterMessage: multisourceRequestMessage(await requestView(input.db, { ...request, status: 'did_not_work_with' })) };
}
