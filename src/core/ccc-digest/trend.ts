import { type CccFlag, expectedLevel } from '../../domain/ccc-flags.ts';
import type { PeriodKind } from '../../domain/periods.ts';
import type { TrendChartData } from '../../messages/model.ts';
import type { SubcompetencyView } from '../programs/program-context.ts';

/**
 * More lines than this turn a 800×450 chart into a tangle; the digest's text lists every subcompetency anyway, so the
 * chart keeps the ones the committee should look at first.
 */
export const MAX_TREND_LINES = 8;

/**
 * A resident's trend over the periods they were in the program: past periods at the CCC's rating (or that period's
 * faculty median), this period at the faculty median. Lines: the flagged subcompetencies first, then the lowest this
 * period, then milestone order — at most MAX_TREND_LINES. The expected level of each period is the dashed guide.
 */
export function trendFor(input: {
  periods: readonly { id: string; code: string; kind: PeriodKind; academicYear: number }[];
  currentPeriodId: string;
  /** The resident's year in the program this period (PGY for residents); null when unknown. */
  trainingYear: number | null;
  programYears: number;
  currentAcademicYear: number;
  subcompetencies: readonly SubcompetencyView[];
  flags: readonly CccFlag[];
  levelAt: (periodId: string, subcompetencyId: string) => number | null;
}): TrendChartData {
  const yearAt = (academicYear: number) => (input.trainingYear === null ? null : input.trainingYear - (input.currentAcademicYear - academicYear));
  const periods = input.periods.filter((p) => p.id === input.currentPeriodId || (yearAt(p.academicYear) ?? 1) >= 1);
  const rows = input.subcompetencies.map((sub, order) => {
    const levels = periods.map((p) => input.levelAt(p.id, sub.id));
    return { sub, order, levels, current: levels.at(-1) ?? null };
  });
  const flagRank = new Map<string, number>();
  input.flags.forEach((flag, index) => {
    if (flag.kind === 'no_evidence' || flag.kind === 'few_direct_observations') return;
    if (!flagRank.has(flag.code)) flagRank.set(flag.code, index);
  });
  const chosen = rows
    .filter((row) => row.levels.some((level) => level !== null))
    .sort(
      (a, b) =>
        (flagRank.get(a.sub.code) ?? Number.MAX_SAFE_INTEGER) - (flagRank.get(b.sub.code) ?? Number.MAX_SAFE_INTEGER) ||
        (a.current ?? 99) - (b.current ?? 99) ||
        a.order - b.order,
    )
    .slice(0, MAX_TREND_LINES)
    .sort((a, b) => (flagRank.has(b.sub.code) ? 1 : 0) - (flagRank.has(a.sub.code) ? 1 : 0) || a.order - b.order);
  return {
    periods: periods.map((p) => p.code),
    lines: chosen.map((row) => ({ code: row.sub.code, name: row.sub.name, levels: row.levels })),
    expected: periods.map((p) => {
      const year = yearAt(p.academicYear);
      return year === null ? null : expectedLevel({ trainingYear: year, periodKind: p.kind, programYears: input.programYears });
    }),
  };
}
