/**
 * The anonymity rule of 360 (multisource) feedback, as pure functions. Raters speak freely only if a resident cannot
 * tell who said what, so a rater group's aggregate and comments stay hidden until enough different people have
 * answered. Programs may raise the bar, never lower it below three.
 */

/** Fewest raters a group needs before anyone sees its aggregate; no program setting goes below it. */
export const MIN_ANONYMITY_THRESHOLD = 3;

/**
 * The threshold actually applied: the program's setting, but never below MIN_ANONYMITY_THRESHOLD. A missing or
 * nonsensical setting falls back to the minimum rather than to zero, so a bad value can only hide, never reveal.
 */
export function effectiveThreshold(programThreshold: number | null | undefined): number {
  if (programThreshold === null || programThreshold === undefined || !Number.isFinite(programThreshold)) {
    return MIN_ANONYMITY_THRESHOLD;
  }
  return Math.max(MIN_ANONYMITY_THRESHOLD, Math.ceil(programThreshold));
}

/**
 * Whether a group's aggregate and comments may be shown. The threshold passes through effectiveThreshold again, so
 * a caller that forgot to clamp (or passed 0) still cannot reveal a group of one or two.
 */
export function groupVisible(responseCount: number, threshold: number): boolean {
  return responseCount >= effectiveThreshold(threshold);
}

// FNV-1a (32 bit) with murmur3's final mix: tiny and stable across runs and engines. The final mix matters:
// plain FNV barely moves the high bits when only the last characters differ, so similar comments would sort
// next to each other.
function scatter(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/**
 * Orders items by a hash of (seed, key) instead of by when they arrived: the same comments always come out in the
 * same order, and a comment's place says nothing about when it was written (so it cannot be matched to the day a
 * particular rater worked with the resident). Ties, which only equal keys produce, keep their key order.
 */
export function anonymousOrder<T>(items: readonly T[], seed: string, keyOf: (item: T) => string): T[] {
  return items
    .map((item) => ({ item, key: keyOf(item), rank: scatter(`${seed}\u0000${keyOf(item)}`) }))
    .sort((a, b) => a.rank - b.rank || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((entry) => entry.item);
}

/** The mean of 1–5 scores, rounded to one decimal as chat shows it; null when there are none. */
export function meanScore(scores: readonly number[]): number | null {
  if (scores.length === 0) return null;
  const sum = scores.reduce((total, score) => total + score, 0);
  return Math.round((sum / scores.length) * 10) / 10;
}
