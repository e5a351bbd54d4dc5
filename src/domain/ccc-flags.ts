/**
 * The rules behind the semiannual CCC digest: the level a resident is expected to have reached at a reporting period,
 * the median of the faculty's ratings, and the flags that put a resident at the top of the committee's list. Pure
 * functions, so the digest, its tests and any other surface agree on what "behind" means.
 */
import { MEANINGFUL_GAP } from './gaps.ts';
import { DEFAULT_GRADUATION_TARGET, MILESTONE_RATINGS, type MilestoneRating } from './rating.ts';
import type { PeriodKind } from './periods.ts';

/** Most residencies that do not say otherwise (internal medicine, pediatrics, family medicine) take three years. */
export const DEFAULT_PROGRAM_YEARS = 3;

// ACGME program lengths of common specialties (core residency, years including any required preliminary year the
// program itself runs). Keys are lower-case, punctuation-free specialty names as programs write them.
const PROGRAM_YEARS_BY_SPECIALTY: Readonly<Record<string, number>> = {
  'internal medicine': 3,
  pediatrics: 3,
  'family medicine': 3,
  'emergency medicine': 3,
  'physical medicine and rehabilitation': 4,
  neurology: 4,
  'child neurology': 5,
  psychiatry: 4,
  'obstetrics and gynecology': 4,
  anesthesiology: 4,
  pathology: 4,
  dermatology: 4,
  ophthalmology: 4,
  'diagnostic radiology': 5,
  radiology: 5,
  'general surgery': 5,
  surgery: 5,
  'orthopaedic surgery': 5,
  'orthopedic surgery': 5,
  urology: 5,
  otolaryngology: 5,
  'otolaryngology head and neck surgery': 5,
  'plastic surgery': 6,
  'vascular surgery': 5,
  'thoracic surgery': 6,
  neurosurgery: 7,
  'neurological surgery': 7,
  'radiation oncology': 5,
  'internal medicine pediatrics': 4,
};

/**
 * How many years a program takes: its specialty's usual length (three when the specialty is not known), but never
 * fewer years than the highest PGY a resident of the program holds — a roster with PGY-4s is at least four years long.
 */
export function programLengthYears(specialty: string, highestPgy = 0): number {
  const key = specialty
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const known = PROGRAM_YEARS_BY_SPECIALTY[key] ?? DEFAULT_PROGRAM_YEARS;
  return Math.max(known, Math.min(7, Math.floor(highestPgy)));
}

/**
 * The level a resident is expected to have reached at the end of a reporting period. Milestones describe growth from
 * about Level 1 at entry to Level 4 — the usual graduation target — at the end of the program, so over an L-year
 * program the expectation rises by 3/L a year: 1 + 3·n/L at the end of year n, halfway between at mid-year. For a
 * three-year program that is 1.5, 2, 2.5, 3, 3.5, 4. Null for a year before the program (no expectation).
 */
export function expectedLevel(input: { trainingYear: number; periodKind: PeriodKind; programYears: number }): number | null {
  if (!Number.isFinite(input.trainingYear) || input.trainingYear < 1) return null;
  const years = Math.max(1, input.programYears);
  const elapsed = Math.min(years, input.trainingYear - (input.periodKind === 'mid_year' ? 0.5 : 0));
  const start = 1;
  return Math.round((start + ((DEFAULT_GRADUATION_TARGET - start) * elapsed) / years) * 100) / 100;
}

/**
 * Half a level (one step of the scale) below the expectation is the edge of the band. At the end of PGY-2 of a
 * three-year program that is 1 + 3·2/3 − 0.5 = 2.5: a resident at or below it then is unlikely to reach Level 4 by
 * graduation, the early warning a committee wants.
 */
export const BELOW_EXPECTED_MARGIN = 0.5;

/** Whether a median sits at or below the bottom of the expected band. */
export function isBelowExpected(median: number, expected: number): boolean {
  return median <= expected - BELOW_EXPECTED_MARGIN + 1e-9;
}

/**
 * Milestone levels describe development, which should not go backwards; one step of the scale down from the previous
 * period is worth the committee's look even if it turns out to be one rotation's hard month.
 */
export const DECLINE_STEP = 0.5;

/** Whether this period's level is at least one scale step below the previous period's. */
export function isDeclining(current: number, previous: number): boolean {
  return current <= previous - DECLINE_STEP + 1e-9;
}

/** 360 answers are on a 1–5 scale where 3 is "what a team expects of a resident"; a group mean below it is low. */
export const LOW_MULTISOURCE_MEAN = 3;

/** The competencies whose 360 results are flagged when low: other professionals and patients see them best. */
export const MULTISOURCE_FLAGGED_COMPETENCIES = ['PROF', 'ICS'] as const;

/**
 * About one directly observed encounter every two months of a six-month period: fewer means the ratings rest on
 * hearsay and case presentations rather than on someone watching the resident work.
 */
export const MIN_DIRECT_OBSERVATIONS = 3;

/** The median of some levels (mean of the middle two for an even count); null when there are none. */
export function medianLevel(levels: readonly number[]): number | null {
  if (levels.length === 0) return null;
  const sorted = [...levels].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * A level as a point of the rating scale: down to the half level below, so a median between two scale points (2 and
 * 2.5 → 2.25) is suggested at the lower one. The committee rates on the scale, and a suggestion should not round a
 * resident up past what half the raters saw.
 */
export function levelOnScale(level: number): MilestoneRating {
  const steps = Math.max(0, Math.min(10, Math.floor(level * 2 + 1e-9)));
  // Below Level 1 the scale has one point, "not yet Level 1".
  if (steps < 2) return 'not_yet_level_1';
  return MILESTONE_RATINGS[steps - 1]!;
}

/** One subcompetency of one resident, as the flags read it. Levels are numbers (0 is "not yet Level 1"). */
export interface SubcompetencyEvidence {
  code: string;
  name: string;
  /** How many faculty ratings (observed only) this period. */
  ratingCount: number;
  /** Their median (medianLevel; the database computes the same with percentile_cont); null without ratings. */
  median: number | null;
  /** Scored 360 answers this period from rater groups visible under the anonymity rule; they are evidence too. */
  multisourceAnswers: number;
  /** The level at the previous period: the CCC's rating, or failing that that period's faculty median. */
  previous: number | null;
}

/** One rater group's 360 results for a resident this period, after the anonymity rule. */
export interface MultisourceGroupEvidence {
  group: string;
  label: string;
  /** False below the program's threshold: then only counts are known, never scores. */
  visible: boolean;
  subcompetencies: readonly { code: string; name: string; mean: number | null }[];
}

/** Everything the flags look at for one resident and period. */
export interface ResidentEvidence {
  subcompetencies: readonly SubcompetencyEvidence[];
  /** The expected level at this period; null when it is not known (no PGY), and then nobody is "below". */
  expected: number | null;
  multisource: readonly MultisourceGroupEvidence[];
  directObservations: number;
}

/** Why a resident is put in front of the committee. */
export type CccFlag =
  | { kind: 'below_expected'; code: string; name: string; median: number; expected: number }
  | { kind: 'declining'; code: string; name: string; current: number; previous: number }
  | { kind: 'low_multisource'; code: string; name: string; group: string; groupLabel: string; mean: number }
  | { kind: 'no_evidence'; code: string; name: string }
  | { kind: 'few_direct_observations'; count: number; minimum: number };

/** The kinds of flag, in the order the digest lists them (most pressing first). */
export const CCC_FLAG_KINDS = ['below_expected', 'declining', 'low_multisource', 'no_evidence', 'few_direct_observations'] as const;

export type CccFlagKind = (typeof CCC_FLAG_KINDS)[number];

/** The suggested level of a subcompetency this period: the scale point of the faculty's median; null without ratings. */
export function suggestedLevel(median: number | null): number | null {
  return median === null ? null : scaleValue(levelOnScale(median));
}

/** A scale point as a number: 0 for "not yet Level 1". */
export function scaleValue(rating: MilestoneRating): number {
  return rating === 'not_yet_level_1' ? 0 : Number(rating);
}

/**
 * The flags of one resident for one period, most pressing kind first and in milestone order within a kind:
 * - below_expected: the suggested level (median on the scale) is at or under expected − 0.5;
 * - declining: the suggested level is a scale step or more under the previous period's level;
 * - low_multisource: a visible rater group's mean on a PROF or ICS subcompetency is under 3 (hidden groups never flag,
 *   or the flag would reveal what the threshold hides);
 * - no_evidence: neither a faculty rating nor a visible 360 answer this period;
 * - few_direct_observations: fewer than MIN_DIRECT_OBSERVATIONS directly observed encounters.
 */
export function cccFlags(evidence: ResidentEvidence): CccFlag[] {
  const flags: CccFlag[] = [];
  for (const sub of evidence.subcompetencies) {
    const level = suggestedLevel(sub.median);
    if (level === null) continue;
    if (evidence.expected !== null && isBelowExpected(level, evidence.expected)) {
      flags.push({ kind: 'below_expected', code: sub.code, name: sub.name, median: level, expected: evidence.expected });
    }
  }
  for (const sub of evidence.subcompetencies) {
    const level = suggestedLevel(sub.median);
    if (level !== null && sub.previous !== null && isDeclining(level, sub.previous)) {
      flags.push({ kind: 'declining', code: sub.code, name: sub.name, current: level, previous: sub.previous });
    }
  }
  const order = new Map(evidence.subcompetencies.map((s, i) => [s.code, i]));
  const low: Extract<CccFlag, { kind: 'low_multisource' }>[] = [];
  for (const group of evidence.multisource) {
    if (!group.visible) continue;
    for (const sub of group.subcompetencies) {
      const competency = sub.code.replace(/[0-9]+$/, '');
      if (!(MULTISOURCE_FLAGGED_COMPETENCIES as readonly string[]).includes(competency)) continue;
      if (sub.mean !== null && sub.mean < LOW_MULTISOURCE_MEAN) {
        low.push({ kind: 'low_multisource', code: sub.code, name: sub.name, group: group.group, groupLabel: group.label, mean: sub.mean });
      }
    }
  }
  low.sort((a, b) => (order.get(a.code) ?? 999) - (order.get(b.code) ?? 999) || a.group.localeCompare(b.group));
  flags.push(...low);
  for (const sub of evidence.subcompetencies) {
    if (sub.ratingCount === 0 && sub.multisourceAnswers === 0) flags.push({ kind: 'no_evidence', code: sub.code, name: sub.name });
  }
  if (evidence.directObservations < MIN_DIRECT_OBSERVATIONS) {
    flags.push({ kind: 'few_direct_observations', count: evidence.directObservations, minimum: MIN_DIRECT_OBSERVATIONS });
  }
  return flags;
}

/**
 * Whether a resident goes to the top of the digest. A missing subcompetency alone does not: early in a year most
 * residents have some the rotations have not reached yet, and the committee would learn to ignore the flag. It still
 * shows under the resident.
 */
export function needsDiscussion(flags: readonly CccFlag[]): boolean {
  return flags.some((flag) => flag.kind !== 'no_evidence');
}

/** Self-rating gaps against the faculty median worth raising: a full level or more, as for self vs CCC. */
export const SELF_FACULTY_GAP = MEANINGFUL_GAP;
