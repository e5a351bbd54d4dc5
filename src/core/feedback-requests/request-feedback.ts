import { and, eq } from 'drizzle-orm';
import { feedbackRequests, people, subcompetencies } from '../../db/schema/index.ts';
import { addDays, dateIn } from '../../domain/calendar.ts';
import { coachQuestion, MAX_QUESTION_LENGTH } from '../../domain/question-coach.ts';
import { feedbackRequestMessage, requestSentMessage } from '../../messages/feedback.ts';
import type { Message } from '../../messages/model.ts';
import { enqueueMessage } from '../../delivery/outbox.ts';
import { AppError, type FieldErrors } from '../errors.ts';
import type { CorePorts } from '../ports.ts';
import { ASSESSOR_ROLES, hasRoleIn, learnerProgramOf, subcompetenciesOf } from '../programs/program-context.ts';
import { questionTemplates } from './question-library.ts';
import { feedbackRequestKey, loadRequest, requestView } from './views.ts';

/** How long a resident gives faculty by default: soon enough to be timely, long enough for a busy week. */
export const DEFAULT_DAYS_TO_ANSWER = 3;

/** A resident's request as it arrives from a form or the quick command. */
export interface FeedbackRequestInput {
  residentId: string;
  assessorId: string;
  question: string;
  subcompetencyCode?: string | undefined;
  templateId?: string | undefined;
  context?: string | undefined;
  encounterOn?: string | undefined;
  dueOn?: string | undefined;
  /** The chat submission's own id (Slack view id, Teams activity id): a retried submission stores one request. */
  submissionKey: string;
}

export type RequestFeedbackResult = { ok: true; requestId: string; confirmation: Message } | FieldErrors;

/**
 * A resident asks one faculty member (or another assessor of their program) a specific question. Vague questions
 * are sent back with a suggestion; a good one is stored and the assessor gets a DM with Answer / Can't answer.
 */
export async function requestFeedback(input: FeedbackRequestInput & CorePorts): Promise<RequestFeedbackResult> {
  const { db, clock } = input;
  const program = await learnerProgramOf(db, input.residentId);
  if (!program) throw new AppError('not_allowed', 'Only residents and fellows can request feedback.');
  if (input.assessorId === input.residentId) {
    return { ok: false, fieldErrors: { assessor: 'Pick someone other than yourself.' } };
  }
  if (!(await hasRoleIn(db, input.assessorId, program.id, ASSESSOR_ROLES))) {
    const [person] = await db.select({ name: people.name }).from(people).where(eq(people.id, input.assessorId));
    return {
      ok: false,
      fieldErrors: {
        assessor: `${person?.name ?? 'That person'} is not faculty or an assessor in ${program.name}. Ask your coordinator to add them, or pick someone else.`,
      },
    };
  }

  let subcompetency: { id: string; code: string; name: string } | undefined;
  if (input.subcompetencyCode) {
    subcompetency = (await subcompetenciesOf(db, program)).find((s) => s.code === input.subcompetencyCode);
    if (!subcompetency) return { ok: false, fieldErrors: { subcompetency: `${input.subcompetencyCode} is not in your program's milestones.` } };
  }
  const question = input.question.trim();
  if (question.length > MAX_QUESTION_LENGTH) {
    return { ok: false, fieldErrors: { question: `Questions are limited to ${MAX_QUESTION_LENGTH} characters (this one has ${question.length}).` } };
  }
  const coached = coachQuestion({ question, templates: questionTemplates(), ...(subcompetency ? { subcompetency } : {}) });
  if (coached.verdict === 'vague') {
    return { ok: false, fieldErrors: { question: `Make it more specific: ${coached.reasons.join('; ')}. ${coached.suggestion}` } };
  }
  const today = dateIn(program.timeZone, clock.now());
  const dueOn = input.dueOn ?? addDays(today, DEFAULT_DAYS_TO_ANSWER);
  if (dueOn < today) return { ok: false, fieldErrors: { due: 'The date an answer is needed cannot be in the past.' } };
  if (input.encounterOn && input.encounterOn > today) {
    return { ok: false, fieldErrors: { encounter: 'The encounter date cannot be in the future.' } };
  }

  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(feedbackRequests)
      .values({
        programId: program.id,
        residentId: input.residentId,
        assessorId: input.assessorId,
        subcompetencyId: subcompetency?.id ?? null,
        templateId: input.templateId ?? null,
        question,
        context: input.context?.trim() || null,
        encounterOn: input.encounterOn ?? null,
        dueOn,
        submissionKey: input.submissionKey,
        // Reminders and expiry count days from here, on the same clock as every other rule (not the database's).
        createdAt: clock.now(),
      })
      .onConflictDoNothing({ target: [feedbackRequests.residentId, feedbackRequests.submissionKey] })
      .returning();
    const request =
      inserted[0] ??
      (
        await tx
          .select()
          .from(feedbackRequests)
          .where(and(eq(feedbackRequests.residentId, input.residentId), eq(feedbackRequests.submissionKey, input.submissionKey)))
      )[0]!;
    await enqueueMessage(tx, {
      idempotencyKey: feedbackRequestKey(request.id, request.assessorId),
      kind: 'feedback-request',
      recipientPersonId: request.assessorId,
      message: feedbackRequestMessage(await requestView(tx, request)),
    });
    const [assessor] = await tx.select({ name: people.name }).from(people).where(eq(people.id, request.assessorId));
    return { ok: true as const, requestId: request.id, confirmation: requestSentMessage(assessor?.name ?? 'them', request.question, request.dueOn) };
  });
}

/** Checks the one person allowed to act on a request: the assessor it was sent to, while it is open. */
export async function requestForAssessor(ports: CorePorts, requestId: string, actorId: string) {
  const request = await loadRequest(ports.db, requestId);
  if (request.assessorId !== actorId) {
    throw new AppError(
      'not_allowed',
      request.residentId === actorId ? 'You cannot answer your own request.' : 'Only the person this request was sent to can answer it.',
    );
  }
  return request;
}

/** Finds a subcompetency row by id (for labels in forms). */
export async function subcompetencyById(ports: CorePorts, id: string) {
  const [sub] = await ports.db.select().from(subcompetencies).where(eq(subcompetencies.id, id));
  return sub ?? null;
}
