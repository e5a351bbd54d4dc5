import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { cccRatings } from '../../db/schema/index.ts';
import { gapsLargestFirst, type RatingPair, summarizeGaps } from '../../domain/gaps.ts';
import { isMilestoneRating, type MilestoneRating } from '../../domain/rating.ts';
import type { Message } from '../../messages/model.ts';
import { periodLabel, selfVsCccMessage, selfVsCccNotReadyMessage } from '../../messages/self-assessment.ts';
import { auditGrowthRead, growthAudienceOf, programDirectorNames, residentContext } from '../learning-plans/plan-access.ts';
import { nameOf } from '../feedback-requests/views.ts';
import type { CorePorts } from '../ports.ts';
import { type ProgramRow, subcompetenciesOf } from '../programs/program-context.ts';
import { periodOf, type PeriodRow } from './period-context.ts';
import { storedSelfAssessment } from './self-assessment-state.ts';

/** The CCC's ratings of one resident for one period, by subcompetency id. */
export async function cccRatingsOf(db: DbOrTx, residentId: string, periodId: string): Promise<Map<string, MilestoneRating>> {
  const rows = await db
    .select({ subcompetencyId: cccRatings.subcompetencyId, rating: cccRatings.rating })
    .from(cccRatings)
    .where(and(eq(cccRatings.residentId, residentId), eq(cccRatings.periodId, periodId)));
  return new Map(rows.flatMap((r) => (isMilestoneRating(r.rating) ? [[r.subcompetencyId, r.rating] as const] : [])));
}

/** Self and CCC side by side for every subcompetency of the program's set, in the set's order. */
export async function ratingPairs(
  db: DbOrTx,
  program: ProgramRow,
  self: ReadonlyMap<string, MilestoneRating>,
  ccc: ReadonlyMap<string, MilestoneRating>,
): Promise<RatingPair[]> {
  return (await subcompetenciesOf(db, program)).map((s) => ({ code: s.code, name: s.name, self: self.get(s.id) ?? null, ccc: ccc.get(s.id) ?? null }));
}

/** The resident's submitted self-ratings and the CCC's for a period; null parts say what is missing. */
export async function comparisonOf(db: DbOrTx, residentId: string, period: PeriodRow) {
  const stored = await storedSelfAssessment(db, residentId, period.id);
  const submitted = stored.row?.status === 'submitted';
  const ccc = await cccRatingsOf(db, residentId, period.id);
  return { submitted, self: stored.ratings, ccc };
}

/**
 * Self vs CCC for one period: a level grid (series Self and CCC) with the largest gaps first, a summary line, and a
 * prompt to talk it over with the program director or mentor. Visible to the resident, their program director(s)
 * and mentor only. Nothing is compared until the resident has submitted: seeing the committee's ratings first would
 * anchor the self-ratings and defeat the exercise.
 */
export async function selfVsCcc(input: Pick<CorePorts, 'db'> & { residentId: string; periodCode: string; viewerId: string }): Promise<Message> {
  const resident = await residentContext(input.db, input.residentId);
  const audience = await growthAudienceOf(input.db, resident, input.viewerId);
  const period = await periodOf(input.db, resident.program.id, input.periodCode);
  const label = periodLabel(period);
  const { submitted, self, ccc } = await comparisonOf(input.db, input.residentId, period);
  const base = { residentId: input.residentId, residentName: resident.residentName, periodCode: period.code, periodLabel: label, audience };
  if (!submitted) return selfVsCccNotReadyMessage({ ...base, reason: 'self_assessment_not_submitted' });
  if (ccc.size === 0) return selfVsCccNotReadyMessage({ ...base, reason: 'no_ccc_ratings' });
  const gaps = gapsLargestFirst(await ratingPairs(input.db, resident.program, self, ccc));
  await auditGrowthRead(input.db, {
    viewerId: input.viewerId,
    audience,
    action: 'read.self_vs_ccc',
    residentId: input.residentId,
    details: { period: period.code },
  });
  return selfVsCccMessage({
    ...base,
    gaps,
    summary: summarizeGaps(gaps),
    programDirectorNames: await programDirectorNames(input.db, resident.program.id),
    mentorName: resident.mentorId ? await nameOf(input.db, resident.mentorId) : null,
  });
}
