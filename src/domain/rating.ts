/**
 * The milestone rating scale: ten points (not yet Level 1, then Levels 1–5 in half steps) and, for faculty,
 * "not observed". Stored as these strings so SQL and exports read the same as the chat surfaces.
 */
export const MILESTONE_RATINGS = [
  'not_yet_level_1',
  '1',
  '1.5',
  '2',
  '2.5',
  '3',
  '3.5',
  '4',
  '4.5',
  '5',
] as const;

/** A faculty member may say they did not see the behaviour; that is not a rating and never counts as one. */
export const NOT_OBSERVED = 'not_observed' as const;

/** One point on the ten-point milestone scale. */
export type MilestoneRating = (typeof MILESTONE_RATINGS)[number];

/** What a faculty member can answer for one subcompetency. */
export type ObservedRating = MilestoneRating | typeof NOT_OBSERVED;

/** Every value the storage accepts, in scale order. */
export const RATING_VALUES = [NOT_OBSERVED, ...MILESTONE_RATINGS] as const;

/** Level 4 is the usual graduation target; programs may set their own. */
export const DEFAULT_GRADUATION_TARGET = 4;

/** Numeric value for trends and gaps: 0 for "not yet Level 1", null for "not observed". */
export function ratingToNumber(rating: ObservedRating): number | null {
  if (rating === NOT_OBSERVED) return null;
  if (rating === 'not_yet_level_1') return 0;
  return Number(rating);
}

/** The words a faculty member or resident sees for a rating. */
export function ratingLabel(rating: ObservedRating): string {
  if (rating === NOT_OBSERVED) return 'Not observed';
  if (rating === 'not_yet_level_1') return 'Not yet Level 1';
  const value = Number(rating);
  if (Number.isInteger(value)) return `Level ${rating}`;
  return `Level ${rating} (between ${Math.floor(value)} and ${Math.ceil(value)})`;
}

export function isMilestoneRating(value: string): value is MilestoneRating {
  return (MILESTONE_RATINGS as readonly string[]).includes(value);
}
