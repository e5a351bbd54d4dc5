/**
 * Self-assessment against the CCC: where a resident sees themselves differently from the committee. Pure rules, so
 * the grid's order, the summary and the goals suggested from gaps all agree.
 */
import { type MilestoneRating, ratingToNumber } from './rating.ts';

/** One subcompetency with the resident's own rating and the CCC's for the same period (null: not rated). */
export interface RatingPair {
  code: string;
  name: string;
  self: MilestoneRating | null;
  ccc: MilestoneRating | null;
}

/** A pair with its gap in levels: self minus CCC (positive: the resident rated themselves higher); null when a rating is missing. */
export interface RatingGap extends RatingPair {
  gap: number | null;
}

/** Which way a gap points; the words differ (a blind spot and under-confidence call for different talks). */
export type GapDirection = 'self_higher' | 'self_lower' | 'same';

/**
 * Half a level is one step of the scale, and raters often disagree by that much; a full level is a difference worth
 * a conversation and a goal.
 */
export const MEANINGFUL_GAP = 1;

/** Self minus CCC in levels ("not yet Level 1" counts as 0); null when either is missing. */
export function ratingGap(self: MilestoneRating | null, ccc: MilestoneRating | null): number | null {
  if (self === null || ccc === null) return null;
  return (ratingToNumber(self) ?? 0) - (ratingToNumber(ccc) ?? 0);
}

/** Which way a gap points (zero: the same). */
export function gapDirection(gap: number): GapDirection {
  return gap > 0 ? 'self_higher' : gap < 0 ? 'self_lower' : 'same';
}

/**
 * Largest absolute gap first. On equal size a self-rating above the CCC's comes first (a blind spot is the more
 * urgent talk); after that the milestone order is kept. Pairs missing a rating go last, in milestone order.
 */
export function gapsLargestFirst(pairs: readonly RatingPair[]): RatingGap[] {
  return pairs
    .map((pair, index) => ({ gap: { ...pair, gap: ratingGap(pair.self, pair.ccc) }, index }))
    .sort((a, b) => {
      const ga = a.gap.gap;
      const gb = b.gap.gap;
      if (ga === null || gb === null) return ga === gb ? a.index - b.index : ga === null ? 1 : -1;
      return Math.abs(gb) - Math.abs(ga) || Number(gb > 0) - Number(ga > 0) || a.index - b.index;
    })
    .map((entry) => entry.gap);
}

/** Counts for the summary line under a self vs CCC grid. */
export interface GapSummary {
  /** Subcompetencies with both ratings. */
  compared: number;
  selfHigher: number;
  selfLower: number;
  same: number;
  /** Subcompetencies where one of the two ratings is missing. */
  incomplete: number;
  /** The first of the largest gaps (by the order of gapsLargestFirst), if any pair differs. */
  largest: RatingGap | null;
  /** Mean absolute gap over the compared pairs, in levels; null when nothing could be compared. */
  meanAbsoluteGap: number | null;
}

/** Counts and the largest gap, for the line above the grid. */
export function summarizeGaps(gaps: readonly RatingGap[]): GapSummary {
  const compared = gaps.filter((g): g is RatingGap & { gap: number } => g.gap !== null);
  const ordered = gapsLargestFirst(compared);
  const largest = ordered[0] && ordered[0].gap !== 0 ? ordered[0] : null;
  return {
    compared: compared.length,
    selfHigher: compared.filter((g) => g.gap > 0).length,
    selfLower: compared.filter((g) => g.gap < 0).length,
    same: compared.filter((g) => g.gap === 0).length,
    incomplete: gaps.length - compared.length,
    largest,
    meanAbsoluteGap: compared.length ? compared.reduce((sum, g) => sum + Math.abs(g.gap), 0) / compared.length : null,
  };
}

/** The gaps a learning plan should start from: the largest ones of at least `minimum` levels, at most `limit`. */
export function gapsWorthAGoal(gaps: readonly RatingPair[], options: { limit?: number; minimum?: number } = {}): RatingGap[] {
  const minimum = options.minimum ?? MEANINGFUL_GAP;
  // Two or three goals is what a resident can work on in half a year; more turns a plan into a list.
  const limit = options.limit ?? 3;
  return gapsLargestFirst(gaps)
    .filter((g) => g.gap !== null && Math.abs(g.gap) >= minimum)
    .slice(0, limit);
}

/** The next whole level above a rating, capped at 5: what a goal aims for. */
export function nextLevel(rating: MilestoneRating): number {
  return Math.min(5, Math.floor(ratingToNumber(rating) ?? 0) + 1);
}
