import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import {
  feedbackEntries,
  feedbackRatings,
  feedbackRequests,
  learningGoals,
  people,
  rotationAssignments,
  rotations,
  subcompetencies,
} from '../../db/schema/index.ts';
import type { FeedbackView, RequestView } from '../../messages/feedback.ts';
import { AppError } from '../errors.ts';

export type FeedbackRequestRow = typeof feedbackRequests.$inferSelect;

/** The idempotency key a request is sent to its faculty member under (expiry and answers redraw it by it). */
export function feedbackRequestKey(requestId: string, assessorId: string): string {
  return `feedback-request:${requestId}:${assessorId}`;
}

export async function nameOf(db: DbOrTx, personId: string): Promise<string> {
  const [person] = await db.select({ name: people.name }).from(people).where(eq(people.id, personId));
  return person?.name ?? 'Someone';
}

export async function loadRequest(db: DbOrTx, requestId: string): Promise<FeedbackRequestRow> {
  const [request] = await db.select().from(feedbackRequests).where(eq(feedbackRequests.id, requestId));
  if (!request) throw new AppError('not_found', 'That feedback request no longer exists.');
  return request;
}

/** How a request reads to the faculty member it was sent to, in its current state. */
export async function requestView(db: DbOrTx, request: FeedbackRequestRow): Promise<RequestView> {
  let subcompetency: string | null = null;
  if (request.subcompetencyId) {
    const [sub] = await db.select().from(subcompetencies).where(eq(subcompetencies.id, request.subcompetencyId));
    if (sub) subcompetency = `${sub.code} ${sub.name}`;
  }
  return {
    id: request.id,
    residentName: await nameOf(db, request.residentId),
    question: request.question,
    context: request.context,
    encounterOn: request.encounterOn,
    subcompetency,
    dueOn: request.dueOn,
    status: request.status,
  };
}

/** How a piece of feedback reads to its resident, including whether they thanked and planned from it. */
export async function feedbackView(
  db: DbOrTx,
  entryId: string,
): Promise<FeedbackView & { residentId: string; authorId: string; residentName: string; about: string }> {
  const [entry] = await db.select().from(feedbackEntries).where(eq(feedbackEntries.id, entryId));
  if (!entry) throw new AppError('not_found', 'That feedback no longer exists.');
  const authorName = await nameOf(db, entry.authorId);
  const ratings = await db
    .select({ code: subcompetencies.code, name: subcompetencies.name, rating: feedbackRatings.rating, position: subcompetencies.position })
    .from(feedbackRatings)
    .innerJoin(subcompetencies, eq(subcompetencies.id, feedbackRatings.subcompetencyId))
    .where(eq(feedbackRatings.feedbackEntryId, entryId));
  ratings.sort((a, b) => a.position - b.position);
  let title = `${authorName} sent you feedback`;
  let question: string | undefined;
  let about = 'their work';
  if (entry.feedbackRequestId) {
    const [request] = await db.select().from(feedbackRequests).where(eq(feedbackRequests.id, entry.feedbackRequestId));
    question = request?.question;
    title = `${authorName} answered your question`;
    about = `“${question ?? ''}”`;
  } else if (entry.rotationAssignmentId) {
    const [rotation] = await db
      .select({ name: rotations.name })
      .from(rotationAssignments)
      .innerJoin(rotations, eq(rotations.id, rotationAssignments.rotationId))
      .where(eq(rotationAssignments.id, entry.rotationAssignmentId));
    title = `${authorName} evaluated your ${rotation?.name ?? ''} rotation`.replace('  ', ' ');
    about = `the ${rotation?.name ?? ''} rotation`;
  }
  const [goal] = await db
    .select({ dueOn: learningGoals.dueOn })
    .from(learningGoals)
    .where(and(eq(learningGoals.residentId, entry.residentId), eq(learningGoals.feedbackEntryId, entryId)));
  return {
    entryId,
    residentId: entry.residentId,
    residentName: await nameOf(db, entry.residentId),
    authorId: entry.authorId,
    about,
    authorName,
    title,
    ...(question ? { question } : {}),
    ratings: ratings.map((r) => ({ subcompetency: `${r.code} ${r.name}`, rating: r.rating })),
    directlyObserved: entry.directlyObserved,
    reinforcing: entry.reinforcing,
    corrective: entry.corrective,
    nextStep: entry.nextStep,
    thanked: entry.thankedAt !== null,
    goalDueOn: goal?.dueOn ?? null,
  };
}
