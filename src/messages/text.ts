/**
 * Shortening text to a platform's limit, always visibly: a reader must be able to tell that something is missing
 * (a faculty member's narrative cut silently would read as complete).
 */

/** The mark left where text was cut. */
export const ELLIPSIS = '…';

/** Never cut between the two halves of a surrogate pair (an emoji would turn into garbage). */
function safeIndex(text: string, index: number): number {
  if (index <= 0) return 0;
  if (index >= text.length) return text.length;
  const code = text.charCodeAt(index - 1);
  return code >= 0xd800 && code <= 0xdbff ? index - 1 : index;
}

/** Fits text into `max` characters, ending with "…" when it had to be cut. For labels, titles and options. */
export function truncateLabel(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = safeIndex(text, max - ELLIPSIS.length);
  return `${text.slice(0, cut).trimEnd()}${ELLIPSIS}`;
}

/** The note appended to long text after "…"; it counts the characters the reader does not see. */
export function shortenedNote(omitted: number): string {
  return `\n_(Shortened to fit: ${omitted.toLocaleString('en-US')} more characters not shown.)_`;
}

export interface TruncateOptions {
  /** Moves the cut point backwards so markup (a link, an entity) is never split; returns the new cut. */
  adjustCut?: (text: string, cut: number) => number;
  note?: (omitted: number) => string;
}

/**
 * Fits running text into `max` characters: cuts at a word boundary near the limit, adds "…" and a note saying how
 * much was left out. The note is part of the budget, so the result never exceeds `max`.
 */
export function truncateText(text: string, max: number, options: TruncateOptions = {}): string {
  if (text.length <= max) return text;
  const note = options.note ?? shortenedNote;
  // The note's length depends on the number it prints; the longest possible number gives a safe budget.
  const budget = max - ELLIPSIS.length - note(text.length).length;
  if (budget <= 0) return truncateLabel(text, max);
  let cut = safeIndex(text, budget);
  const space = text.lastIndexOf(' ', cut);
  const newline = text.lastIndexOf('\n', cut);
  const boundary = Math.max(space, newline);
  // Prefer a word boundary unless that would throw away a large tail of the allowed text.
  if (boundary > budget * 0.8) cut = boundary;
  if (options.adjustCut) cut = safeIndex(text, options.adjustCut(text, cut));
  const kept = text.slice(0, cut).trimEnd();
  return `${kept}${ELLIPSIS}${note(text.length - kept.length)}`;
}

/** Splits items into consecutive groups of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
