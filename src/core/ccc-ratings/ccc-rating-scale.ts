import { isMilestoneRating, type MilestoneRating } from '../../domain/rating.ts';

const NOT_YET = new Set(['not_yet_level_1', 'not yet level 1', 'not yet', '<1', '0', '0.0']);
const NOT_A_RATING = new Set(['not_observed', 'not observed', 'n/a', 'na', 'none', '-']);

/**
 * Reads a CCC rating as spreadsheets and chat write it — "3", "3.0", "2.5", "Not yet Level 1", "<1" — into the
 * scale's value, or says what is wrong. "Not observed" is refused: the CCC reports a level for every
 * subcompetency, so a missing one is a row left out, not a rating.
 */
export function parseCccRating(value: string): { ok: true; rating: MilestoneRating } | { ok: false; message: string } {
  const text = value.trim().toLowerCase().replace(/\s+/g, ' ');
  if (text === '') return { ok: false, message: 'is required (not yet level 1, or 1 to 5 in half levels)' };
  if (NOT_YET.has(text)) return { ok: true, rating: 'not_yet_level_1' };
  if (NOT_A_RATING.has(text)) {
    return { ok: false, message: `must be a level: the CCC rates every subcompetency ("${value.trim()}" is not a rating; leave the row out instead)` };
  }
  const level = /^(?:level )?(\d(?:\.\d+)?)$/.exec(text);
  const canonical = level ? String(Number(level[1])) : text;
  if (isMilestoneRating(canonical) && canonical !== 'not_yet_level_1') return { ok: true, rating: canonical };
  return { ok: false, message: `must be a milestone level (not yet level 1, 1, 1.5 … 5), got "${value.trim()}"` };
}
