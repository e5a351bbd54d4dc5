/**
 * A rating drawn as five dots, one per milestone level: ●●◐○○ is 2.5 (Level 2 reached, part of Level 3). Text
 * rather than an image so it works in notifications, screen readers and both chat platforms alike.
 */
import { NOT_OBSERVED, type ObservedRating, ratingToNumber } from '../domain/rating.ts';
import type { LevelGridBlock, LevelRow } from './model.ts';

const FULL = '●';
const HALF = '◐';
const EMPTY = '○';
const NONE = '·';

/** Five dots for levels 1–5; a rating that is not on the scale (not observed, none yet) shows as dim dots. */
export function levelDots(rating: ObservedRating | null | undefined): string {
  const value = rating == null ? null : ratingToNumber(rating);
  if (value === null) return NONE.repeat(5);
  let dots = '';
  for (let level = 1; level <= 5; level++) {
    if (value >= level) dots += FULL;
    else if (value >= level - 0.5) dots += HALF;
    else dots += EMPTY;
  }
  return dots;
}

/** The rating in a few characters, after the dots: "2.5", "<1", "not observed", "no rating". */
export function shortRatingLabel(rating: ObservedRating | null | undefined): string {
  if (rating == null) return 'no rating';
  if (rating === NOT_OBSERVED) return 'not observed';
  if (rating === 'not_yet_level_1') return '<1';
  return rating;
}

/** One row's ratings as a line: "Self ●●◐○○ 2.5 · CCC ●●●○○ 3". */
export function levelRowLine(grid: Pick<LevelGridBlock, 'series'>, row: LevelRow): string {
  return grid.series
    .map((series) => {
      const rating = row.ratings[series.key];
      return `${series.label} ${levelDots(rating)} ${shortRatingLabel(rating)}`;
    })
    .join(' · ');
}

/** What the dots mean, shown once under each grid. */
export const LEVEL_DOTS_LEGEND = `${FULL} level reached  ${HALF} part of the next level  ${EMPTY} not yet  <1 not yet Level 1`;
