import { and, count, eq } from 'drizzle-orm';
import { cccRatings, selfAssessments } from '../../db/schema/index.ts';
import type { Message } from '../../messages/model.ts';
import { selfAssessmentSubmittedMessage } from '../../messages/self-assessment.ts';
import { AppError } from '../errors.ts';
import type { CorePorts } from '../ports.ts';
import { mergeRatings } from './save-self-assessment-page.ts';
import type { SelfAssessmentTarget } from './self-assessment-page.ts';
import {
  checkPageRatings,
  ensureSelfAssessment,
  ownSelfAssessment,
  type PageRatings,
  pageOf,
  SELF_RATING_FIELD_PREFIX,
  sameAsStored,
  writePageRatings,
} from './self-assessment-state.ts';

/** A subcompetency still without a self-rating, and the page it is on. */
export interface MissingRating {
  code: string;
  name: string;
  page: number;
}

export type SubmitSelfAssessmentResult =
  | { ok: true; alreadySubmitted: boolean; confirmation: Message }
  | {
      ok: false;
      fieldErrors: Record<string, string>;
      /** Every subcompetency still unrated (empty when the refusal is about a level off the scale). */
      missing: MissingRating[];
      /** The page to show next: the first with something unrated, or the submitted page for a bad level. */
      resumePage: number;
    };

/**
 * The last page's "Submit": saves that page (defaults to the last) and marks the self-assessment submitted, only
 * when every subcompetency is rated. Otherwise the page is kept (progress is never thrown away) and the field errors
 * name each milestone still unrated — on this page beside its picker, on earlier pages in one line at the top.
 */
export async function submitSelfAssessment(
  input: CorePorts & SelfAssessmentTarget & { page?: number; ratings?: PageRatings },
): Promise<SubmitSelfAssessmentResult> {
  const context = await ownSelfAssessment(input.db, input.actorId, input.residentId, input.periodCode);
  const page = input.page ?? context.pages.length;
  const spec = pageOf(context, page);
  const checked = checkPageRatings(spec, input.ratings ?? {});
  if (!checked.ok) return { ...checked, missing: [], resumePage: page };

  const outcome = await input.db.transaction(async (tx) => {
    const stored = await ensureSelfAssessment(tx, input.residentId, context.period.id, input.clock.now());
    if (stored.row.status === 'submitted') {
      // A retried submission (Slack resends after 3 seconds) finds its own result.
      if (sameAsStored(checked.values, stored.ratings)) return { missing: [], alreadySubmitted: true };
      throw new AppError('already_closed', `You already submitted your ${context.periodLabel} self-assessment; it can no longer be changed.`);
    }
    await writePageRatings(tx, stored.row.id, checked.values);
    const ratings = mergeRatings(stored.ratings, checked.values);
    const missing = context.pages.flatMap((p) =>
      p.subcompetencies.filter((s) => !ratings.has(s.id)).map((s) => ({ code: s.code, name: s.name, page: p.number })),
    );
    if (missing.length) return { missing, alreadySubmitted: false };
    await tx
      .update(selfAssessments)
      .set({ status: 'submitted', submittedAt: input.clock.now() })
      .where(and(eq(selfAssessments.id, stored.row.id), eq(selfAssessments.status, 'in_progress')));
    return { missing: [], alreadySubmitted: false };
  });

  if (outcome.missing.length) {
    const fieldErrors: Record<string, string> = {};
    const elsewhere = outcome.missing.filter((m) => m.page !== page);
    for (const m of outcome.missing.filter((m) => m.page === page)) {
      fieldErrors[`${SELF_RATING_FIELD_PREFIX}${m.code}`] = 'Pick a level for this milestone before submitting.';
    }
    if (elsewhere.length) {
      // Slack can only mark inputs of the open view, so milestones of other pages are named at its first picker.
      const first = `${SELF_RATING_FIELD_PREFIX}${spec.subcompetencies[0]!.code}`;
      const list = elsewhere.map((m) => `${m.code} ${m.name} (page ${m.page})`).join(', ');
      const note = `Still unrated on other pages: ${list}. This page is saved; rate those, then submit.`;
      fieldErrors[first] = fieldErrors[first] ? `${fieldErrors[first]} ${note}` : note;
    }
    return { ok: false, fieldErrors, missing: outcome.missing, resumePage: outcome.missing[0]!.page };
  }
  const [ccc] = await input.db
    .select({ n: count() })
    .from(cccRatings)
    .where(and(eq(cccRatings.residentId, input.residentId), eq(cccRatings.periodId, context.period.id)));
  return {
    ok: true,
    alreadySubmitted: outcome.alreadySubmitted,
    confirmation: selfAssessmentSubmittedMessage({
      residentId: input.residentId,
      periodCode: context.period.code,
      periodLabel: context.periodLabel,
      cccRatingsReady: (ccc?.n ?? 0) > 0,
    }),
  };
}
