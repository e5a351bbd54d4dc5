import type { MilestoneRating } from '../../domain/rating.ts';
import type { Form } from '../../messages/model.ts';
import { AppError, type FieldErrors } from '../errors.ts';
import type { CorePorts } from '../ports.ts';
import type { SelfAssessmentTarget } from './self-assessment-page.ts';
import {
  checkPageRatings,
  ensureSelfAssessment,
  ownSelfAssessment,
  type PageRatings,
  pageOf,
  sameAsStored,
  selfAssessmentForm,
  writePageRatings,
} from './self-assessment-state.ts';

/** One page as submitted: its ratings by subcompetency code (null clears one; an absent code is left as stored). */
export interface SaveSelfAssessmentPageInput extends SelfAssessmentTarget {
  page: number;
  ratings: PageRatings;
}

export type SaveSelfAssessmentPageResult =
  | {
      ok: true;
      page: number;
      /** Subcompetencies rated so far, of `total`. */
      rated: number;
      total: number;
      /** The following page, for the adapter to show in place of this one (views.update); null after the last. */
      next: { page: number; form: Form } | null;
    }
  | FieldErrors;

/** Applies checked values to the stored ratings, as the database now holds them. */
export function mergeRatings(stored: ReadonlyMap<string, MilestoneRating>, values: ReadonlyMap<string, MilestoneRating | null>): Map<string, MilestoneRating> {
  const merged = new Map(stored);
  for (const [id, rating] of values) {
    if (rating === null) merged.delete(id);
    else merged.set(id, rating);
  }
  return merged;
}

/**
 * Saves one page of the resident's self-assessment so progress survives stopping halfway. A level off the scale
 * (or "not observed") comes back as a field error and nothing is stored. After submission the ratings are final:
 * a retried save of the same values is accepted, a change is refused.
 */
export async function saveSelfAssessmentPage(input: CorePorts & SaveSelfAssessmentPageInput): Promise<SaveSelfAssessmentPageResult> {
  const context = await ownSelfAssessment(input.db, input.actorId, input.residentId, input.periodCode);
  const spec = pageOf(context, input.page);
  const checked = checkPageRatings(spec, input.ratings);
  if (!checked.ok) return checked;
  const ratings = await input.db.transaction(async (tx) => {
    const stored = await ensureSelfAssessment(tx, input.residentId, context.period.id, input.clock.now());
    if (stored.row.status === 'submitted') {
      if (sameAsStored(checked.values, stored.ratings)) return stored.ratings;
      throw new AppError('already_closed', `You already submitted your ${context.periodLabel} self-assessment; it can no longer be changed.`);
    }
    await writePageRatings(tx, stored.row.id, checked.values);
    return mergeRatings(stored.ratings, checked.values);
  });
  const nextPage = input.page < context.pages.length ? input.page + 1 : null;
  return {
    ok: true,
    page: input.page,
    rated: context.subcompetencies.filter((s) => ratings.has(s.id)).length,
    total: context.subcompetencies.length,
    next: nextPage === null ? null : { page: nextPage, form: selfAssessmentForm(context, nextPage, ratings) },
  };
}
