import { type AnyColumn, and, asc, eq, gte, inArray, isNull, lte, or, type SQL, sql } from 'drizzle-orm';
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
  rotations,
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
import { cccChannelOf, subcompetenciesOf } from '../programs/program-context.ts';
import { learnerMembershipDuring, periodOf, programById } from '../self-assessment/period-context.ts';
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

  const [periodsSoFar, subs, residents] = await Promise.all([
    db
      .select()
      .from(reportingPeriods)
      .where(and(eq(reportingPeriods.programId, program.id), lte(reportingPeriods.startsOn, period.startsOn)))
      .orderBy(asc(reportingPeriods.startsOn)),
    subcompetenciesOf(db, program),
    learnersOf(db, program.id, period),
  ]);
  const periods = periodsSoFar.slice(-TREND_PERIODS);
  const previousPeriod = periods.length > 1 ? periods[periods.length - 2]! : null;
  const periodIds = periods.map((p) => p.id);
  const windowStart = periods[0]!.startsOn;

  const residentIds = residents.map((r) => r.id);
  // The roster's PGY is this academic year's; a digest of an earlier period counts back from it.
  const yearsSince = Math.max(0, academicYearOf(today) - period.academicYear);
  const pgyOf = (r: { pgy: number | null }) => (r.pgy === null ? null : r.pgy - yearsSince);
  // Fellows enter after residency (PGY-4 of a cardiology fellowship is its first year): their year in the program
  // counts from the lowest PGY among the program's fellows, as fellowship milestones start again at Level 1.
  const fellowPgys = residents.filter((r) => r.role === 'fellow').flatMap((r) => (pgyOf(r) === null ? [] : [pgyOf(r)!]));
  const fellowEntry = fellowPgys.length ? Math.min(...fellowPgys) : null;
  const trainingYearOf = (r: { pgy: number | null; role: string }) => {
    const pgy = pgyOf(r);
    if (pgy === null) return null;
    return r.role === 'fellow' && fellowEntry !== null ? pgy - fellowEntry + 1 : pgy;
  };
  const programYears = programLengthYears(program.specialty, Math.max(0, ...residents.map((r) => trainingYearOf(r) ?? 0)));

  const dayOf = (column: SQL | AnyColumn) => sql`(${column} at time zone ${timeZone})::date`;
  // The reads below depend on nothing but the above, so they are sent together: on PostgreSQL the smaller ones run on
  // other connections of the pool while the feedback statement (most of the time) runs; PGlite runs them in turn.
  const [{ ratings, entryRows }, selfRows, cccRows, goalRows, multisource] = await Promise.all([
    feedbackEvidence(db, {
      programId: program.id,
      timeZone,
      trendFrom: windowStart,
      trendTo: period.startsOn,
      period,
      skip: residentIds.length === 0,
    }),
    !residentIds.length ? [] : db
    .select({ residentId: selfAssessments.residentId, subcompetencyId: selfAssessmentRatings.subcompetencyId, rating: selfAssessmentRatings.rating })
    .from(selfAssessmentRatings)
    .innerJoin(selfAssessments, eq(selfAssessments.id, selfAssessmentRatings.selfAssessmentId))
    // By resident first: that is how the unique index on self-assessments is ordered.
    .where(and(inArray(selfAssessments.residentId, residentIds), eq(selfAssessments.periodId, period.id), eq(selfAssessments.status, 'submitted'))),
    !residentIds.length ? [] : db
    .select({ residentId: cccRatings.residentId, periodId: cccRatings.periodId, subcompetencyId: cccRatings.subcompetencyId, rating: cccRatings.rating })
    .from(cccRatings)
    .where(and(inArray(cccRatings.residentId, residentIds), inArray(cccRatings.periodId, periodIds))),
    db
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
    .groupBy(learningGoals.residentId, learningGoals.status),
    multisourceForDigest({ db, programId: program.id, period, timeZone, threshold, subcompetencies: subs }),
  ]);

  // ------------------------------------------------------------------------------------------------------------
  // One pass in memory per resident, over maps keyed by resident (then period, then subcompetency: the trend looks
  // up every period of every subcompetency of every resident, too often to build a string key each time).
  // ------------------------------------------------------------------------------------------------------------
  const cccBy = new Map<string, Map<string, Map<string, number>>>();
  for (const row of cccRows) {
    if (!isMilestoneRating(row.rating)) continue;
    const byPeriod = cccBy.get(row.residentId) ?? new Map<string, Map<string, number>>();
    cccBy.set(row.residentId, byPeriod);
    const bySub = byPeriod.get(row.periodId) ?? new Map<string, number>();
    byPeriod.set(row.periodId, bySub);
    bySub.set(row.subcompetencyId, scaleValue(row.rating));
  }
  const selfBy = new Map<string, Map<string, number>>();
  for (const row of selfRows) {
    if (!isMilestoneRating(row.rating)) continue;
    const bySub = selfBy.get(row.residentId) ?? new Map<string, number>();
    selfBy.set(row.residentId, bySub);
    bySub.set(row.subcompetencyId, scaleValue(row.rating));
  }
  const selfSubmitted = new Set(selfRows.map((r) => r.residentId));
  const entriesBy = new Map(entryRows.map((row) => [row.residentId, row]));
  const goalsBy = new Map<string, typeof goalRows>();
  for (const row of goalRows) goalsBy.set(row.residentId, [...(goalsBy.get(row.residentId) ?? []), row]);
  const competencyOrder = [...new Set(subs.map((s) => s.competencyCode))];

  const levelAt = (residentId: string, periodId: string, subcompetencyId: string, current: boolean): number | null => {
    const faculty = suggestedLevel(ratings[residentId]?.[periodId]?.[subcompetencyId]?.[1] ?? null);
    if (current) return faculty;
    return cccBy.get(residentId)?.get(periodId)?.get(subcompetencyId) ?? faculty;
  };

  const built: DigestResident[] = residents.map((resident) => {
    const pgy = pgyOf(resident);
    const trainingYear = trainingYearOf(resident);
    const expected = trainingYear === null ? null : expectedLevel({ trainingYear, periodKind: period.kind, programYears });
    const counted = entriesBy.get(resident.id);
    const evidence: EvidenceBySource = counted
      ? {
          rotationEvaluations: counted.rotationEvaluations,
          requested: counted.requested,
          unsolicited: counted.unsolicited,
          directObservations: counted.directObservations,
          ratings: 0,
        }
      : noEvidence();
    const groups = multisource.byResident.get(resident.id) ?? [];
    const visibleAnswers = multisource.visibleAnswers.get(resident.id) ?? new Map<string, number>();
    const subcompetencies = subs.map((sub) => {
      const [count, median] = ratings[resident.id]?.[period.id]?.[sub.id] ?? [0, null];
      return {
        code: sub.code,
        name: sub.name,
        competencyCode: sub.competencyCode,
        ratings: count,
        median,
        suggested: suggestedLevel(median),
        previous: previousPeriod ? levelAt(resident.id, previousPeriod.id, sub.id, false) : null,
        self: selfBy.get(resident.id)?.get(sub.id) ?? null,
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
      narratives: counted ? pickNarratives(counted) : [],
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
        trainingYear,
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
    program: { id: program.id, slug: program.slug, name: program.name, specialty: program.specialty, cccChannel: cccChannelOf(program).channel },
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

/** The residents and fellows of a program during a period (memberships overlapping it), with their PGY and role. */
async function learnersOf(db: DbOrTx, programId: string, period: { startsOn: string; endsOn: string }) {
  const rows = await db
    .select({ id: people.id, name: people.name, pgy: programMemberships.pgy, role: programMemberships.role })
    .from(programMemberships)
    .innerJoin(people, eq(people.id, programMemberships.personId))
    .where(learnerMembershipDuring(programId, period))
    .orderBy(people.name, people.id);
  // Someone both resident and fellow of one program is listed once, with the higher PGY.
  const byId = new Map<string, { id: string; name: string; pgy: number | null; role: string }>();
  for (const row of rows) {
    const seen = byId.get(row.id);
    if (!seen || (row.pgy ?? 0) > (seen.pgy ?? 0)) byId.set(row.id, row);
  }
  return [...byId.values()];
}

/** Faculty ratings by resident, period and subcompetency id: [how many, their median]. */
type FacultyRatings = Record<string, Record<string, Record<string, [count: number, median: number]> | undefined> | undefined>;

interface EntryRow {
  residentId: string;
  rotationEvaluations: number;
  requested: number;
  unsolicited: number;
  directObservations: number;
  reinforcing: string[] | null;
  reinforcingSource: string[] | null;
  reinforcingDay: string[] | null;
  corrective: string[] | null;
  correctiveSource: string[] | null;
  correctiveDay: string[] | null;
}

/**
 * The program's faculty feedback in two statements sent together (on PostgreSQL they run side by side on two
 * connections; PGlite runs them in turn). Both read the program's entries through the (program, resident) index and
 * give each the day it is about — a rotation evaluation its block's last day (an evaluation of a December block written
 * in January counts for mid-year), requested feedback its encounter, anything else the day it was written — then
 * - ratings: count and median per resident, period and subcompetency over the trend's periods, nested in that order;
 * - entries: per resident this period, counts by source and direct observation, and the latest two reinforcing and
 *   two corrective comments with their source and day (same order).
 * Each comes back as one JSON text, which both drivers return alike.
 */
async function feedbackEvidence(
  db: DbOrTx,
  input: { programId: string; timeZone: string; trendFrom: string; trendTo: string; period: { startsOn: string; endsOn: string }; skip: boolean },
): Promise<{ ratings: FacultyRatings; entryRows: EntryRow[] }> {
  if (input.skip) return { ratings: {}, entryRows: [] };
  // Materialized: inlined into the ratings' join, the planner hashes every program's ratings instead of looking up
  // this program's entries' ratings by key.
  const entries = sql`
    program_assignments as (
      select a.id, a.ends_on from ${rotationAssignments} a join ${rotations} r on r.id = a.rotation_id where r.program_id = ${input.programId}
    ),
    e as materialized (
      select fe.id, fe.resident_id, fe.source, fe.directly_observed, fe.reinforcing, fe.corrective, fe.created_at,
        coalesce(pa.ends_on, rq.encounter_on, (fe.created_at at time zone ${input.timeZone})::date) as day
      from ${feedbackEntries} fe
      left join program_assignments pa on pa.id = fe.rotation_assignment_id
      left join ${feedbackRequests} rq on rq.id = fe.feedback_request_id
      where fe.program_id = ${input.programId}
    )`;
  const ratingsStatement = sql`
    with ${entries},
    rated as (
      select e.resident_id as "residentId", p.id as "periodId", fr.subcompetency_id as "subcompetencyId", count(*)::int as "count",
        percentile_cont(0.5) within group (order by case when fr.rating = 'not_yet_level_1' then 0 else fr.rating::text::float8 end) as "median"
      from e
      join ${feedbackRatings} fr on fr.feedback_entry_id = e.id
      join ${reportingPeriods} p on p.program_id = ${input.programId} and p.starts_on between ${input.trendFrom}::date and ${input.trendTo}::date
        and e.day between p.starts_on and p.ends_on
      where fr.rating <> 'not_observed'
      group by e.resident_id, p.id, fr.subcompetency_id
    ),
    -- Nested by resident and period, so each id is sent once per resident or period instead of on every rating row:
    -- the ratings are most of what the digest reads, and a third of the bytes is a third of the time.
    rated_by_period as (
      select "residentId", "periodId", json_object_agg("subcompetencyId", json_build_array("count", "median")) as subcompetencies
      from rated group by "residentId", "periodId"
    ),
    rated_by_resident as (
      select "residentId", json_object_agg("periodId", subcompetencies) as periods from rated_by_period group by "residentId"
    )
    select coalesce(json_object_agg("residentId", periods), '{}'::json)::text as json from rated_by_resident`;
  const latest = (column: string, of: 'reinforcing' | 'corrective') =>
    sql.raw(`(array_agg(${column} order by e.day desc, e.created_at desc, e.id) filter (where nullif(btrim(e.${of}), '') is not null))[1:2]`);
  const entriesStatement = sql`
    with ${entries},
    counted as (
      select e.resident_id as "residentId",
        (count(*) filter (where e.source = 'rotation_evaluation'))::int as "rotationEvaluations",
        (count(*) filter (where e.source = 'request'))::int as "requested",
        (count(*) filter (where e.source = 'unsolicited'))::int as "unsolicited",
        (count(*) filter (where e.directly_observed))::int as "directObservations",
        ${latest('e.reinforcing', 'reinforcing')} as "reinforcing",
        ${latest('e.source::text', 'reinforcing')} as "reinforcingSource",
        ${latest('e.day::text', 'reinforcing')} as "reinforcingDay",
        ${latest('e.corrective', 'corrective')} as "corrective",
        ${latest('e.source::text', 'corrective')} as "correctiveSource",
        ${latest('e.day::text', 'corrective')} as "correctiveDay"
      from e
      where e.day between ${input.period.startsOn}::date and ${input.period.endsOn}::date
      group by e.resident_id
    )
    select coalesce(json_agg(counted), '[]'::json)::text as json from counted`;
  const [ratings, entryRows] = await Promise.all([jsonOf<FacultyRatings>(db, ratingsStatement, {}), jsonOf<EntryRow[]>(db, entriesStatement, [])]);
  return { ratings, entryRows };
}

/** The one JSON text a statement answers (as `json`), parsed. */
async function jsonOf<T>(db: DbOrTx, statement: SQL, empty: T): Promise<T> {
  const result: unknown = await db.execute(statement);
  // postgres.js answers with the rows; PGlite with an object holding them.
  const [row] = (Array.isArray(result) ? result : ((result as { rows?: { json: string }[] }).rows ?? [])) as { json: string }[];
  return row ? (JSON.parse(row.json) as T) : empty;
}

/**
 * Two or three excerpts: the latest reinforcing comment, the latest corrective one, and the more recent of the
 * second of each — so the committee reads both what to keep and what to change, and the freshest of it.
 */
function pickNarratives(row: {
  reinforcing: string[] | null;
  reinforcingSource: string[] | null;
  reinforcingDay: string[] | null;
  corrective: string[] | null;
  correctiveSource: string[] | null;
  correctiveDay: string[] | null;
}): DigestNarrative[] {
  const of = (kind: DigestNarrative['kind'], texts: string[] | null, sources: string[] | null, days: string[] | null): DigestNarrative[] =>
    (texts ?? []).map((text, i) => ({ kind, text: text.trim(), source: (sources?.[i] ?? 'unsolicited') as DigestNarrative['source'], on: days?.[i] ?? '' }));
  const reinforcing = of('reinforcing', row.reinforcing, row.reinforcingSource, row.reinforcingDay);
  const corrective = of('corrective', row.corrective, row.correctiveSource, row.correctiveDay);
  const picked = [reinforcing[0], corrective[0]].filter((n) => n !== undefined);
  // Days are ISO dates, so comparing them as text orders them; on the same day the corrective one is kept.
  // The same words twice (a faculty member's stock phrase) would waste the third excerpt.
  const second = [corrective[1], reinforcing[1]]
    .filter((n) => n !== undefined && !picked.some((p) => p.text === n.text))
    .sort((a, b) => b!.on.localeCompare(a!.on))[0];
  if (second) picked.push(second);
  return picked;
}

/** The digest types live with their messages; they are re-exported here for callers of buildCccDigest. */
export type { CccDigest, DigestResident } from '../../messages/ccc-digest.ts';
