import { type AnyColumn, and, asc, eq, gte, inArray, isNull, lte, ne, or, type SQL, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import {
  cccRatings,
  feedbackEntries,
  feedbackRatings,
  feedbackRequests,
  learningGoals,
  people,
  programMemberships,
  reportingPeriods,
  rotationAssignments,
  selfAssessmentRatings,
  selfAssessments,
} from '../../db/schema/index.ts';
import { effectiveThreshold } from '../../domain/anonymity.ts';
import { dateIn } from '../../domain/calendar.ts';
import {
  cccFlags,
  expectedLevel,
  levelOnScale,
  needsDiscussion,
  programLengthYears,
  scaleValue,
  suggestedLevel,
} from '../../domain/ccc-flags.ts';
import { COMPETENCY_NAMES, isCompetencyCode } from '../../domain/milestone-set.ts';
import { gapsLargestFirst } from '../../domain/gaps.ts';
import { academicYearOf } from '../../domain/periods.ts';
import { isMilestoneRating } from '../../domain/rating.ts';
import { periodLabel } from '../../messages/self-assessment.ts';
import type { CorePorts } from '../ports.ts';
import { LEARNER_ROLES, subcompetenciesOf } from '../programs/program-context.ts';
import { periodOf, programById } from '../self-assessment/period-context.ts';
import type { CccDigest, DigestNarrative, DigestResident, EvidenceBySource } from '../../messages/ccc-digest.ts';
import { multisourceForDigest } from './multisource-evidence.ts';
import { trendFor } from './trend.ts';

/** How many reporting periods a trend chart reaches back: three years, as long as most residencies. */
const TREND_PERIODS = 6;

const noEvidence = (): EvidenceBySource => ({ rotationEvaluations: 0, requested: 0, unsolicited: 0, directObservations: 0, ratings: 0 });

/**
 * The CCC digest of one program for one reporting period, as plain values. Every resident's evidence comes from a
 * handful of set-based queries over the whole program (aggregated in SQL where it can be), never from queries per
 * resident or subcompetency: an institution builds every program's digest at once.
 *
 * Feedback and 360 rounds count in the period their day (in the program's time zone) falls in. The previous period's
 * level is the CCC's rating, or that period's faculty median where the committee left none.
 */
export async function buildCccDigest(input: Pick<CorePorts, 'db' | 'clock'> & { programId: string; periodCode: string }): Promise<CccDigest> {
  const { db, clock } = input;
  const program = await programById(db, input.programId);
  const period = await periodOf(db, program.id, input.periodCode);
  const timeZone = program.timeZone;
  const today = dateIn(timeZone, clock.now());
  const threshold = effectiveThreshold(program.multisourceThreshold);

  const periods = (
    await db
      .select()
      .from(reportingPeriods)
      .where(and(eq(reportingPeriods.programId, program.id), lte(reportingPeriods.startsOn, period.startsOn)))
      .orderBy(asc(reportingPeriods.startsOn))
  ).slice(-TREND_PERIODS);
  const previousPeriod = periods.length > 1 ? periods[periods.length - 2]! : null;
  const periodIds = periods.map((p) => p.id);
  const windowStart = periods[0]!.startsOn;

  const subs = await subcompetenciesOf(db, program);
  const residents = await learnersOf(db, program.id, period);
  const residentIds = residents.map((r) => r.id);
  // The roster's PGY is this academic year's; a digest of an earlier period counts back from it.
  const yearsSince = Math.max(0, academicYearOf(today) - period.academicYear);
  const programYears = programLengthYears(program.specialty, Math.max(0, ...residents.map((r) => (r.pgy ?? 0) - yearsSince)));

  const dayOf = (column: SQL | AnyColumn) => sql`(${column} at time zone ${timeZone})::date`;
  // The day a piece of feedback is about: a rotation evaluation belongs to its block (an evaluation of a December
  // block written in January counts for mid-year), requested feedback to its encounter, anything else to its day.
  const evidenceDay = sql<string>`coalesce(${rotationAssignments.endsOn}, ${feedbackRequests.encounterOn}, ${dayOf(feedbackEntries.createdAt)})`;
  const between = (day: SQL, from: string | AnyColumn, to: string | AnyColumn) =>
    and(gte(day, typeof from === 'string' ? sql`${from}::date` : from), lte(day, typeof to === 'string' ? sql`${to}::date` : to));

  // Faculty ratings: count and median per resident, subcompetency and period, for the whole trend window at once.
  const ratingValue = sql`case when ${feedbackRatings.rating} = 'not_yet_level_1' then 0 else ${feedbackRatings.rating}::text::float8 end`;
  const ratingRows = residentIds.length
    ? await db
        .select({
          residentId: feedbackEntries.residentId,
          periodId: reportingPeriods.id,
          subcompetencyId: feedbackRatings.subcompetencyId,
          count: sql<number>`count(*)::int`,
          median: sql<number>`percentile_cont(0.5) within group (order by ${ratingValue})`,
        })
        .from(feedbackRatings)
        .innerJoin(feedbackEntries, eq(feedbackEntries.id, feedbackRatings.feedbackEntryId))
        .leftJoin(rotationAssignments, eq(rotationAssignments.id, feedbackEntries.rotationAssignmentId))
        .leftJoin(feedbackRequests, eq(feedbackRequests.id, feedbackEntries.feedbackRequestId))
        .innerJoin(
          reportingPeriods,
          and(eq(reportingPeriods.programId, feedbackEntries.programId), between(evidenceDay, reportingPeriods.startsOn, reportingPeriods.endsOn)),
        )
        .where(
          and(
            eq(feedbackEntries.programId, program.id),
            inArray(reportingPeriods.id, periodIds),
            ne(feedbackRatings.rating, 'not_observed'),
            between(evidenceDay, windowStart, period.endsOn),
          ),
        )
        .groupBy(feedbackEntries.residentId, reportingPeriods.id, feedbackRatings.subcompetencyId)
    : [];

  // This period's entries by source and direct observation.
  const thisPeriod = and(eq(feedbackEntries.programId, program.id), between(evidenceDay, period.startsOn, period.endsOn));
  const entryCounts = await db
    .select({
      residentId: feedbackEntries.residentId,
      source: feedbackEntries.source,
      directlyObserved: feedbackEntries.directlyObserved,
      count: sql<number>`count(*)::int`,
    })
    .from(feedbackEntries)
    .leftJoin(rotationAssignments, eq(rotationAssignments.id, feedbackEntries.rotationAssignmentId))
    .leftJoin(feedbackRequests, eq(feedbackRequests.id, feedbackEntries.feedbackRequestId))
    .where(thisPeriod)
    .groupBy(feedbackEntries.residentId, feedbackEntries.source, feedbackEntries.directlyObserved);

  // The latest two reinforcing and two corrective comments of each resident this period.
  const ranked = db
    .select({
      residentId: feedbackEntries.residentId,
      source: feedbackEntries.source,
      createdAt: feedbackEntries.createdAt,
      on: sql<string>`(${evidenceDay})::text`.as('evidence_day'),
      reinforcing: feedbackEntries.reinforcing,
      corrective: feedbackEntries.corrective,
      reinforcingRank: sql<number>`row_number() over (partition by ${feedbackEntries.residentId} order by (nullif(btrim(${feedbackEntries.reinforcing}), '') is null), ${evidenceDay} desc, ${feedbackEntries.createdAt} desc, ${feedbackEntries.id})`.as('reinforcing_rank'),
      correctiveRank: sql<number>`row_number() over (partition by ${feedbackEntries.residentId} order by (nullif(btrim(${feedbackEntries.corrective}), '') is null), ${evidenceDay} desc, ${feedbackEntries.createdAt} desc, ${feedbackEntries.id})`.as('corrective_rank'),
    })
    .from(feedbackEntries)
    .leftJoin(rotationAssignments, eq(rotationAssignments.id, feedbackEntries.rotationAssignmentId))
    .leftJoin(feedbackRequests, eq(feedbackRequests.id, feedbackEntries.feedbackRequestId))
    .where(thisPeriod)
    .as('ranked');
  const narrativeRows = await db
    .select()
    .from(ranked)
    .where(or(lte(ranked.reinforcingRank, 2), lte(ranked.correctiveRank, 2)));

  const selfRows = await db
    .select({ residentId: selfAssessments.residentId, subcompetencyId: selfAssessmentRatings.subcompetencyId, rating: selfAssessmentRatings.rating })
    .from(selfAssessmentRatings)
    .innerJoin(selfAssessments, eq(selfAssessments.id, selfAssessmentRatings.selfAssessmentId))
    .where(and(eq(selfAssessments.periodId, period.id), eq(selfAssessments.status, 'submitted')));

  const cccRows = await db
    .select({ residentId: cccRatings.residentId, periodId: cccRatings.periodId, subcompetencyId: cccRatings.subcompetencyId, rating: cccRatings.rating })
    .from(cccRatings)
    .where(inArray(cccRatings.periodId, periodIds));

  const goalRows = await db
    .select({
      residentId: learningGoals.residentId,
      status: learningGoals.status,
      count: sql<number>`count(*)::int`,
      overdue: sql<number>`(count(*) filter (where ${learningGoals.dueOn} < ${today}::date))::int`,
      nextDueOn: sql<string | null>`min(${learningGoals.dueOn})::text`,
    })
    .from(learningGoals)
    .where(
      and(
        eq(learningGoals.programId, program.id),
        lte(dayOf(learningGoals.createdAt), sql`${period.endsOn}::date`),
        or(isNull(learningGoals.closedAt), gte(dayOf(learningGoals.closedAt), sql`${period.startsOn}::date`)),
      ),
    )
    .groupBy(learningGoals.residentId, learningGoals.status);

  const multisource = await multisourceForDigest({ db, programId: program.id, period, timeZone, threshold, subcompetencies: subs });

  // ------------------------------------------------------------------------------------------------------------
  // One pass in memory per resident, over maps keyed by resident.
  // ------------------------------------------------------------------------------------------------------------
  const key = (...parts: string[]) => parts.join('|');
  const ratingsBy = new Map(ratingRows.map((r) => [key(r.residentId, r.periodId, r.subcompetencyId), r]));
  const cccBy = new Map(cccRows.flatMap((r) => (isMilestoneRating(r.rating) ? [[key(r.residentId, r.periodId, r.subcompetencyId), scaleValue(r.rating)] as const] : [])));
  const selfBy = new Map(selfRows.flatMap((r) => (isMilestoneRating(r.rating) ? [[key(r.residentId, r.subcompetencyId), scaleValue(r.rating)] as const] : [])));
  const selfSubmitted = new Set(selfRows.map((r) => r.residentId));
  const evidenceBy = new Map<string, EvidenceBySource>();
  for (const row of entryCounts) {
    const evidence = evidenceBy.get(row.residentId) ?? noEvidence();
    if (row.source === 'rotation_evaluation') evidence.rotationEvaluations += row.count;
    else if (row.source === 'request') evidence.requested += row.count;
    else evidence.unsolicited += row.count;
    if (row.directlyObserved) evidence.directObservations += row.count;
    evidenceBy.set(row.residentId, evidence);
  }
  const narrativesBy = new Map<string, typeof narrativeRows>();
  for (const row of narrativeRows) narrativesBy.set(row.residentId, [...(narrativesBy.get(row.residentId) ?? []), row]);
  const goalsBy = new Map<string, typeof goalRows>();
  for (const row of goalRows) goalsBy.set(row.residentId, [...(goalsBy.get(row.residentId) ?? []), row]);
  const competencyOrder = [...new Set(subs.map((s) => s.competencyCode))];

  const levelAt = (residentId: string, periodId: string, subcompetencyId: string, current: boolean): number | null => {
    const faculty = suggestedLevel(ratingsBy.get(key(residentId, periodId, subcompetencyId))?.median ?? null);
    if (current) return faculty;
    return cccBy.get(key(residentId, periodId, subcompetencyId)) ?? faculty;
  };

  const built: DigestResident[] = residents.map((resident) => {
    const pgy = resident.pgy === null ? null : resident.pgy - yearsSince;
    const expected = pgy === null ? null : expectedLevel({ trainingYear: pgy, periodKind: period.kind, programYears });
    const evidence = { ...(evidenceBy.get(resident.id) ?? noEvidence()) };
    const groups = multisource.byResident.get(resident.id) ?? [];
    const visibleAnswers = multisource.visibleAnswers.get(resident.id) ?? new Map<string, number>();
    const subcompetencies = subs.map((sub) => {
      const current = ratingsBy.get(key(resident.id, period.id, sub.id));
      return {
        code: sub.code,
        name: sub.name,
        competencyCode: sub.competencyCode,
        ratings: current?.count ?? 0,
        median: current?.median ?? null,
        suggested: suggestedLevel(current?.median ?? null),
        previous: previousPeriod ? levelAt(resident.id, previousPeriod.id, sub.id, false) : null,
        self: selfBy.get(key(resident.id, sub.id)) ?? null,
      };
    });
    evidence.ratings = subcompetencies.reduce((sum, s) => sum + s.ratings, 0);
    const flags = cccFlags({
      subcompetencies: subcompetencies.map((s) => ({
        code: s.code,
        name: s.name,
        ratingCount: s.ratings,
        median: s.median,
        multisourceAnswers: visibleAnswers.get(s.code) ?? 0,
        previous: s.previous,
      })),
      expected,
      multisource: groups,
      directObservations: evidence.directObservations,
    });
    const selfGaps = gapsLargestFirst(
      subcompetencies
        .filter((s) => s.self !== null && s.suggested !== null)
        // RatingPair calls its second rating "ccc"; here it holds the faculty's suggested level.
        .map((s) => ({ code: s.code, name: s.name, self: levelOnScale(s.self!), ccc: levelOnScale(s.suggested!) })),
    );
    const goals = goalsBy.get(resident.id) ?? [];
    const open = goals.find((g) => g.status === 'open');
    return {
      residentId: resident.id,
      name: resident.name,
      pgy,
      expectedLevel: expected,
      flagged: needsDiscussion(flags),
      flags,
      evidence,
      ratingsByCompetency: competencyOrder.map((code) => ({
        code,
        name: isCompetencyCode(code) ? COMPETENCY_NAMES[code] : code,
        ratings: subcompetencies.filter((s) => s.competencyCode === code).reduce((sum, s) => sum + s.ratings, 0),
      })),
      multisource: groups,
      subcompetencies: subcompetencies.map(({ median: _median, ...rest }) => rest),
      selfAssessmentSubmitted: selfSubmitted.has(resident.id),
      selfGaps,
      narratives: pickNarratives(narrativesBy.get(resident.id) ?? []),
      learningPlan: {
        open: open?.count ?? 0,
        overdue: open?.overdue ?? 0,
        done: goals.find((g) => g.status === 'done')?.count ?? 0,
        dropped: goals.find((g) => g.status === 'dropped')?.count ?? 0,
        nextDueOn: open?.nextDueOn ?? null,
      },
      trend: trendFor({
        periods,
        currentPeriodId: period.id,
        pgy,
        programYears,
        currentAcademicYear: period.academicYear,
        subcompetencies: subs,
        flags,
        levelAt: (periodId, subcompetencyId) => levelAt(resident.id, periodId, subcompetencyId, periodId === period.id),
      }),
    };
  });
  // Flagged residents first, the most flagged of them at the top; then by name.
  const pressing = (r: DigestResident) => r.flags.filter((f) => f.kind !== 'no_evidence').length;
  built.sort(
    (a, b) =>
      Number(b.flagged) - Number(a.flagged) || pressing(b) - pressing(a) || a.name.localeCompare(b.name) || a.residentId.localeCompare(b.residentId),
  );

  const totals = noEvidence();
  for (const resident of built) {
    for (const field of Object.keys(totals) as (keyof EvidenceBySource)[]) totals[field] += resident.evidence[field];
  }
  const byGroup = new Map<string, { group: string; label: string; responses: number }>();
  for (const resident of built) {
    for (const group of resident.multisource) {
      const entry = byGroup.get(group.group) ?? { group: group.group, label: group.label, responses: 0 };
      entry.responses += group.responses;
      byGroup.set(group.group, entry);
    }
  }
  const multisourceByGroup = multisource.groupOrder.flatMap((group) => (byGroup.get(group) ? [byGroup.get(group)!] : []));
  return {
    program: { id: program.id, slug: program.slug, name: program.name, specialty: program.specialty, cccSlackChannelId: program.cccSlackChannelId },
    period: {
      id: period.id,
      code: period.code,
      kind: period.kind,
      academicYear: period.academicYear,
      label: periodLabel(period),
      startsOn: period.startsOn,
      endsOn: period.endsOn,
    },
    builtOn: today,
    programYears,
    multisourceThreshold: threshold,
    totals: {
      residents: built.length,
      flagged: built.filter((r) => r.flagged).length,
      evidence: totals,
      multisourceResponses: multisourceByGroup.reduce((sum, g) => sum + g.responses, 0),
      multisourceByGroup,
    },
    residents: built,
  };
}

/** The residents and fellows of a program during a period (memberships overlapping it), with their PGY. */
async function learnersOf(db: DbOrTx, programId: string, period: { startsOn: string; endsOn: string }) {
  const rows = await db
    .select({ id: people.id, name: people.name, pgy: programMemberships.pgy })
    .from(programMemberships)
    .innerJoin(people, eq(people.id, programMemberships.personId))
    .where(
      and(
        eq(programMemberships.programId, programId),
        inArray(programMemberships.role, [...LEARNER_ROLES]),
        or(isNull(programMemberships.startsOn), lte(programMemberships.startsOn, period.endsOn)),
        or(isNull(programMemberships.endsOn), gte(programMemberships.endsOn, period.startsOn)),
      ),
    )
    .orderBy(people.name, people.id);
  // Someone both resident and fellow of one program is listed once, with the higher PGY.
  const byId = new Map<string, { id: string; name: string; pgy: number | null }>();
  for (const row of rows) {
    const seen = byId.get(row.id);
    if (!seen || (row.pgy ?? 0) > (seen.pgy ?? 0)) byId.set(row.id, row);
  }
  return [...byId.values()];
}

type NarrativeRow = {
  source: DigestNarrative['source'];
  on: string;
  createdAt: Date;
  reinforcing: string | null;
  corrective: string | null;
  reinforcingRank: number;
  correctiveRank: number;
};

/**
 * Two or three excerpts: the latest reinforcing comment, the latest corrective one, and the more recent of the
 * second of each — so the committee reads both what to keep and what to change, and the freshest of it.
 */
function pickNarratives(rows: readonly NarrativeRow[]): DigestNarrative[] {
  const candidates = (kind: DigestNarrative['kind']) =>
    rows
      .filter((r) => (r[kind] ?? '').trim() !== '')
      .sort((a, b) => Number(kind === 'reinforcing' ? a.reinforcingRank : a.correctiveRank) - Number(kind === 'reinforcing' ? b.reinforcingRank : b.correctiveRank))
      .slice(0, 2)
      .map((r): DigestNarrative & { rank: string } => ({
        kind,
        text: r[kind]!.trim(),
        source: r.source,
        on: r.on,
        rank: `${r.on}|${new Date(r.createdAt).toISOString()}`,
      }));
  const reinforcing = candidates('reinforcing');
  const corrective = candidates('corrective');
  const picked = [reinforcing[0], corrective[0]].filter((n) => n !== undefined);
  const seconds = [reinforcing[1], corrective[1]].filter((n) => n !== undefined).sort((a, b) => b.rank.localeCompare(a.rank));
  if (seconds[0]) picked.push(seconds[0]);
  return picked.map(({ rank: _rank, ...narrative }) => narrative);
}

/** The digest types live with their messages; they are re-exported here for callers of buildCccDigest. */
export type { CccDigest, DigestResident } from '../../messages/ccc-digest.ts';
