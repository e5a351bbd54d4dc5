import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { selfAssessmentRatings, selfAssessments } from '../../db/schema/index.ts';
import { isMilestoneRating, type MilestoneRating, NOT_OBSERVED } from '../../domain/rating.ts';
import { SELF_ASSESSMENT_FORMS } from '../../messages/actions.ts';
import { type Form, form, levelPicker } from '../../messages/model.ts';
import { periodLabel, selfAssessmentPagePayload } from '../../messages/self-assessment.ts';
import { AppError } from '../errors.ts';
import { type ResidentContext, residentContext } from '../learning-plans/plan-access.ts';
import { type SubcompetencyView, subcompetenciesOf } from '../programs/program-context.ts';
import { type PeriodRow, periodOf } from './period-context.ts';

/** Level pickers are keyed by subcompetency code with this prefix (rating_PC1), as in the rotation evaluation. */
export const SELF_RATING_FIELD_PREFIX = 'rating_';

/** One page of the self-assessment: one competency and its subcompetencies, in the set's order. */
export interface SelfAssessmentPageSpec {
  number: number;
  competencyCode: string;
  competencyName: string;
  subcompetencies: SubcompetencyView[];
}

/** Whose self-assessment, for which period, paged how. */
export interface SelfAssessmentContext {
  resident: ResidentContext;
  period: PeriodRow;
  periodLabel: string;
  subcompetencies: SubcompetencyView[];
  pages: SelfAssessmentPageSpec[];
}

export type SelfAssessmentRow = typeof selfAssessments.$inferSelect;

/** A stored self-assessment (or none yet) with its ratings by subcompetency id. */
export interface StoredSelfAssessment {
  row: SelfAssessmentRow | null;
  ratings: Map<string, MilestoneRating>;
}

/**
 * A self-assessment opens only for its own resident. The check comes before any lookup, so a payload naming
 * someone else's self-assessment learns nothing about it and changes nothing.
 */
export async function ownSelfAssessment(db: DbOrTx, actorId: string, residentId: string, periodCode: string): Promise<SelfAssessmentContext> {
  if (actorId !== residentId) throw new AppError('not_allowed', 'This self-assessment belongs to someone else; only they can open it.');
  return selfAssessmentContext(db, residentId, periodCode);
}

/** The resident's program, the period and the pages, without an access check (for jobs and checked readers). */
export async function selfAssessmentContext(db: DbOrTx, residentId: string, periodCode: string): Promise<SelfAssessmentContext> {
  const resident = await residentContext(db, residentId);
  const period = await periodOf(db, resident.program.id, periodCode);
  const subcompetencies = await subcompetenciesOf(db, resident.program);
  if (subcompetencies.length === 0) {
    throw new AppError('invalid_input', `${resident.program.name} has no milestone set loaded yet; ask your program coordinator.`);
  }
  return { resident, period, periodLabel: periodLabel(period), subcompetencies, pages: pagesOf(subcompetencies) };
}

/**
 * One page per competency: a Slack modal holds 100 blocks and every picker brings its descriptors, so a whole
 * milestone set (18–25 subcompetencies) never fits one view, while the largest competency does.
 */
export function pagesOf(subcompetencies: readonly SubcompetencyView[]): SelfAssessmentPageSpec[] {
  const pages: SelfAssessmentPageSpec[] = [];
  for (const sub of subcompetencies) {
    let page = pages.find((p) => p.competencyCode === sub.competencyCode);
    if (!page) {
      page = { number: pages.length + 1, competencyCode: sub.competencyCode, competencyName: sub.competencyName, subcompetencies: [] };
      pages.push(page);
    }
    page.subcompetencies.push(sub);
  }
  return pages;
}

/** A page by number; a number outside 1..pages is a broken payload and refused. */
export function pageOf(context: SelfAssessmentContext, page: number): SelfAssessmentPageSpec {
  const spec = Number.isInteger(page) ? context.pages[page - 1] : undefined;
  if (!spec) throw new AppError('invalid_input', `The self-assessment has pages 1 to ${context.pages.length}; there is no page ${page}.`);
  return spec;
}

/** The resident's self-assessment for a period with its ratings; `lock` holds the row until the transaction ends. */
export async function storedSelfAssessment(db: DbOrTx, residentId: string, periodId: string, options: { lock?: boolean } = {}): Promise<StoredSelfAssessment> {
  const query = db
    .select()
    .from(selfAssessments)
    .where(and(eq(selfAssessments.residentId, residentId), eq(selfAssessments.periodId, periodId)));
  const [row] = options.lock ? await query.for('update') : await query;
  if (!row) return { row: null, ratings: new Map() };
  const ratings = await db.select().from(selfAssessmentRatings).where(eq(selfAssessmentRatings.selfAssessmentId, row.id));
  // The column admits 'not_observed' only to share the enum; a check constraint keeps it out of self-ratings.
  return { row, ratings: new Map(ratings.flatMap((r) => (isMilestoneRating(r.rating) ? [[r.subcompetencyId, r.rating] as const] : []))) };
}

/** The first page with a subcompetency left unrated; the last page when all are rated (that is where one submits). */
export function firstIncompletePage(context: SelfAssessmentContext, ratings: ReadonlyMap<string, MilestoneRating>): number {
  const page = context.pages.find((p) => p.subcompetencies.some((s) => !ratings.has(s.id)));
  return page?.number ?? context.pages.length;
}

/** One page as a form: a level picker per subcompetency with its descriptors, the saved ratings filled in. */
export function selfAssessmentForm(context: SelfAssessmentContext, page: number, ratings: ReadonlyMap<string, MilestoneRating>): Form {
  const spec = pageOf(context, page);
  const total = context.pages.length;
  const last = page === total;
  const rated = context.subcompetencies.filter((s) => ratings.has(s.id)).length;
  return form({
    title: `Self-assessment ${page} of ${total}`,
    submitLabel: last ? 'Submit' : 'Save and continue',
    closeLabel: 'Finish later',
    intro:
      `*${spec.competencyName}* — page ${page} of ${total} of your ${context.periodLabel} self-assessment.\n` +
      'Rate what you do now, not what you aim for: pick the level whose description fits most of your recent work, or the half level between two. ' +
      `${rated} of ${context.subcompetencies.length} rated so far; each page is saved when you ${last ? 'submit' : 'continue'}` +
      (last ? ', and every milestone needs a level before the self-assessment can be submitted.' : '.'),
    payload: selfAssessmentPagePayload(context.resident.residentId, context.period.code, page),
    submitActionId: last ? SELF_ASSESSMENT_FORMS.submit : SELF_ASSESSMENT_FORMS.page,
    fields: spec.subcompetencies.map((sub) => {
      const initial = ratings.get(sub.id);
      return levelPicker({
        id: `${SELF_RATING_FIELD_PREFIX}${sub.code}`,
        label: `${sub.code} ${sub.name}`,
        // Optional so a resident unsure about one milestone can move on and come back; submit insists on all.
        optional: true,
        allowNotObserved: false,
        descriptors: Object.fromEntries(Object.entries(sub.descriptors).map(([level, text]) => [String(level), text])),
        ...(initial ? { initial } : {}),
      });
    }),
  });
}

/** A page's submitted ratings by subcompetency code; null clears a rating, an absent code leaves it as it is. */
export type PageRatings = Readonly<Record<string, string | null | undefined>>;

/** Reads a submitted form's values (rating_PC1 → PC1) into PageRatings, for the adapters. */
export function pageRatingsFromFormValues(values: Readonly<Record<string, unknown>>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [id, value] of Object.entries(values)) {
    if (id.startsWith(SELF_RATING_FIELD_PREFIX)) out[id.slice(SELF_RATING_FIELD_PREFIX.length)] = typeof value === 'string' ? value : null;
  }
  return out;
}

/**
 * Checks a page's ratings against the scale: every value must be a milestone level ("not observed" is a faculty
 * answer: a resident has always observed their own work). A code that is not on the page is a broken payload, not a
 * form mistake, and is refused outright.
 */
export function checkPageRatings(
  spec: SelfAssessmentPageSpec,
  ratings: PageRatings,
): { ok: true; values: Map<string, MilestoneRating | null> } | { ok: false; fieldErrors: Record<string, string> } {
  const byCode = new Map(spec.subcompetencies.map((s) => [s.code, s]));
  const strangers = Object.keys(ratings).filter((code) => !byCode.has(code));
  if (strangers.length) {
    throw new AppError('invalid_input', `${strangers.join(', ')} ${strangers.length === 1 ? 'is' : 'are'} not on the ${spec.competencyName} page.`);
  }
  const values = new Map<string, MilestoneRating | null>();
  const fieldErrors: Record<string, string> = {};
  for (const [code, raw] of Object.entries(ratings)) {
    if (raw === undefined) continue;
    const sub = byCode.get(code)!;
    const value = typeof raw === 'string' ? raw.trim() : raw;
    if (value === null || value === '') values.set(sub.id, null);
    else if (isMilestoneRating(value)) values.set(sub.id, value);
    else {
      fieldErrors[`${SELF_RATING_FIELD_PREFIX}${code}`] =
        value === NOT_OBSERVED
          ? '“Not observed” is for faculty; rate yourself on every milestone, “Not yet Level 1” included.'
          : 'That is not a level on the milestone scale: pick Not yet Level 1, or Level 1 to 5 (half levels allowed).';
    }
  }
  return Object.keys(fieldErrors).length ? { ok: false, fieldErrors } : { ok: true, values };
}

/** The self-assessment row for (resident, period), created on first save and locked for the caller's transaction. */
export async function ensureSelfAssessment(tx: DbOrTx, residentId: string, periodId: string, now: Date): Promise<StoredSelfAssessment & { row: SelfAssessmentRow }> {
  await tx.insert(selfAssessments).values({ residentId, periodId, startedAt: now }).onConflictDoNothing();
  const stored = await storedSelfAssessment(tx, residentId, periodId, { lock: true });
  return stored as StoredSelfAssessment & { row: SelfAssessmentRow };
}

/** Writes a checked page: ratings upserted, cleared ones removed. */
export async function writePageRatings(tx: DbOrTx, selfAssessmentId: string, values: ReadonlyMap<string, MilestoneRating | null>): Promise<void> {
  const set = [...values].filter((entry): entry is [string, MilestoneRating] => entry[1] !== null);
  if (set.length) {
    await tx
      .insert(selfAssessmentRatings)
      .values(set.map(([subcompetencyId, rating]) => ({ selfAssessmentId, subcompetencyId, rating })))
      .onConflictDoUpdate({
        target: [selfAssessmentRatings.selfAssessmentId, selfAssessmentRatings.subcompetencyId],
        set: { rating: sql.raw('excluded.rating') },
      });
  }
  for (const [subcompetencyId] of [...values].filter(([, rating]) => rating === null)) {
    await tx
      .delete(selfAssessmentRatings)
      .where(and(eq(selfAssessmentRatings.selfAssessmentId, selfAssessmentId), eq(selfAssessmentRatings.subcompetencyId, subcompetencyId)));
  }
}

/** True when every value of a page equals what is stored: a retried submission of a page already saved. */
export function sameAsStored(values: ReadonlyMap<string, MilestoneRating | null>, stored: ReadonlyMap<string, MilestoneRating>): boolean {
  return [...values].every(([id, rating]) => (stored.get(id) ?? null) === rating);
}
