/**
 * The CCC digest as messages: one header for the CCC channel and one thread reply per resident. Every reply reads on
 * its own — the chart repeats in words what its image shows — and names rater groups, never raters.
 */
import { type CccFlag, levelOnScale, SELF_FACULTY_GAP } from '../domain/ccc-flags.ts';
import type { RatingGap } from '../domain/gaps.ts';
import type { PeriodKind } from '../domain/periods.ts';
import { humanDate } from '../domain/calendar.ts';
import { summarizeGaps } from '../domain/gaps.ts';
import {
  chart,
  context,
  divider,
  fields,
  header,
  type LevelRow,
  levelGrid,
  type Message,
  message,
  paragraph,
  type TrendChartData,
} from './model.ts';
import { truncateLabel } from './text.ts';

// ---------------------------------------------------------------------------------------------------------------
// The digest as data (built by src/core/ccc-digest/build-ccc-digest.ts)
// ---------------------------------------------------------------------------------------------------------------

/** How much feedback a period holds, by where it came from. */
export interface EvidenceBySource {
  rotationEvaluations: number;
  requested: number;
  unsolicited: number;
  /** Entries (of any source) whose author saw the work directly. */
  directObservations: number;
  /** Observed subcompetency ratings inside those entries. */
  ratings: number;
}

/** One rater group's 360 for a resident this period. Scores only when the group reached the threshold. */
export interface DigestMultisourceGroup {
  group: string;
  label: string;
  asked: number;
  responses: number;
  didNotWorkWith: number;
  visible: boolean;
  /** Means per subcompetency of the items shown; empty when the group is hidden. */
  subcompetencies: { code: string; name: string; mean: number | null }[];
}

/** One subcompetency of one resident this period. Levels are numbers on the scale (0: not yet Level 1). */
export interface DigestSubcompetency {
  code: string;
  name: string;
  competencyCode: string;
  ratings: number;
  /** The scale point at or below the faculty's median this period; null without ratings. */
  suggested: number | null;
  /** The previous period's level: the CCC's rating, or that period's faculty median; null when neither exists. */
  previous: number | null;
  /** The resident's own rating this period (submitted self-assessments only). */
  self: number | null;
}

/** A faculty narrative excerpt: what to keep doing or what to change. */
export interface DigestNarrative {
  kind: 'reinforcing' | 'corrective';
  text: string;
  source: 'request' | 'rotation_evaluation' | 'unsolicited';
  /** The day it was written, in the program's time zone. */
  on: string;
}

/** Where the resident's learning plan stands. */
export interface DigestLearningPlan {
  open: number;
  overdue: number;
  done: number;
  dropped: number;
  /** The earliest due date of an open goal. */
  nextDueOn: string | null;
}

/** One resident's part of the digest. */
export interface DigestResident {
  residentId: string;
  name: string;
  /** PGY during the period (the roster's PGY is the current academic year's). */
  pgy: number | null;
  expectedLevel: number | null;
  flagged: boolean;
  flags: CccFlag[];
  evidence: EvidenceBySource;
  /** Observed ratings this period per core competency, in the set's order. */
  ratingsByCompetency: { code: string; name: string; ratings: number }[];
  multisource: DigestMultisourceGroup[];
  subcompetencies: DigestSubcompetency[];
  selfAssessmentSubmitted: boolean;
  /** Self minus faculty median where both exist, largest first (gaps.ts order). */
  selfGaps: RatingGap[];
  narratives: DigestNarrative[];
  learningPlan: DigestLearningPlan;
  trend: TrendChartData;
}

/** The digest of one program for one reporting period. */
export interface CccDigest {
  /** `cccChannel`: where the digest is posted on the program's platform, null while the program has none. */
  program: { id: string; slug: string; name: string; specialty: string; cccChannel: string | null };
  period: { id: string; code: string; kind: PeriodKind; academicYear: number; label: string; startsOn: string; endsOn: string };
  /** The day it was built, in the program's time zone. */
  builtOn: string;
  /** The program length the expected levels assume. */
  programYears: number;
  multisourceThreshold: number;
  totals: {
    residents: number;
    flagged: number;
    evidence: EvidenceBySource;
    multisourceResponses: number;
    multisourceByGroup: { group: string; label: string; responses: number }[];
  };
  /** Flagged residents first (most flags first), then by name. */
  residents: DigestResident[];
}

// ---------------------------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------------------------

/** Room for flag lines in one paragraph, under Slack's 3,000 characters per section with margin for escaping. */
const FLAGS_PER_PARAGRAPH = 2500;

/** A narrative excerpt is a taste of the words, not the whole evaluation. */
const EXCERPT_LENGTH = 280;

/** "2.5", "3", "<1": a level as the digest prints it. */
export function levelText(level: number | null): string {
  if (level === null) return '—';
  if (level < 1) return '<1';
  return Number.isInteger(level) ? String(level) : level.toFixed(level * 2 === Math.round(level * 2) ? 1 : 2);
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** One flag in a sentence the committee can act on. */
export function flagText(flag: CccFlag): string {
  switch (flag.kind) {
    case 'below_expected':
      return `*${flag.code}* below the expected band: median ${levelText(flag.median)}, expected about ${levelText(flag.expected)}`;
    case 'declining':
      return `*${flag.code}* declining: ${levelText(flag.current)} this period, ${levelText(flag.previous)} last period`;
    case 'low_multisource':
      return `*${flag.code}* low 360 from ${flag.groupLabel.toLowerCase()}: mean ${flag.mean.toFixed(1)} of 5 (3 is what a team expects)`;
    case 'no_evidence':
      return `*${flag.code}* no evidence this period`;
    case 'few_direct_observations':
      return `Few direct observations: ${flag.count} this period (at least ${flag.minimum} expected)`;
  }
}

function evidenceLine(evidence: EvidenceBySource): [string, string][] {
  return [
    ['Rotation evaluations', String(evidence.rotationEvaluations)],
    ['Requested feedback', String(evidence.requested)],
    ['Unsolicited feedback', String(evidence.unsolicited)],
    ['Direct observations', String(evidence.directObservations)],
    ['Milestone ratings', String(evidence.ratings)],
  ];
}

/** The digest's header message: period, residents, how many flagged, evidence totals. */
export function cccDigestHeaderMessage(digest: CccDigest): Message {
  const { totals } = digest;
  const byGroup = totals.multisourceByGroup.map((g) => `${g.label} ${g.responses}`).join(' · ');
  return message(
    `CCC digest for ${digest.period.label}: ${plural(totals.residents, 'resident')}, ${totals.flagged} flagged for discussion.`,
    header(`CCC digest · ${digest.period.label}`),
    paragraph(
      `*${digest.program.name}*: ${plural(totals.residents, 'resident')}, *${totals.flagged} flagged* for discussion. ` +
        `Evidence from ${humanDate(digest.period.startsOn)} to ${humanDate(digest.period.endsOn)} (period ${digest.period.code}), as of ${humanDate(digest.builtOn)}.`,
    ),
    fields(...evidenceLine(totals.evidence), ['360 responses', totals.multisourceResponses ? `${totals.multisourceResponses} (${byGroup})` : '0']),
    context(
      `One reply per resident in this thread, flagged residents first. Levels are the median of faculty ratings this period; ` +
        `expected levels assume Level 1 at entry and Level 4 at graduation over ${digest.programYears} years. ` +
        `360 results show per rater group only once ${digest.multisourceThreshold} different raters have answered.`,
    ),
  );
}

/** In words what the trend chart draws, so the text stands without the image. */
export function trendAltText(resident: DigestResident): string {
  const { trend } = resident;
  const first = trend.periods[0];
  const last = trend.periods.at(-1);
  if (trend.lines.length === 0) return `No ratings yet to chart for ${resident.name}.`;
  const lines = trend.lines.map((line) => {
    const known = line.levels.filter((l): l is number => l !== null);
    const now = line.levels.at(-1) ?? null;
    if (known.length === 1 || trend.periods.length === 1) return `${line.code} ${levelText(known.at(-1) ?? null)}${now === null ? ' (not rated this period)' : ''}`;
    return `${line.code} ${known.map(levelText).join(' → ')}${now === null ? ' (not rated this period)' : ''}`;
  });
  const expected = trend.expected?.at(-1);
  const span = first === last ? `${last}` : `${first} to ${last}`;
  const rated = resident.subcompetencies.filter((s) => s.suggested !== null || s.previous !== null).length;
  const which = trend.lines.length < rated ? ` (${trend.lines.length} of ${rated} rated subcompetencies, flagged ones first; all are in the grid above)` : '';
  return truncateLabel(
    `Milestone levels over ${span}${which}: ${lines.join('; ')}.${expected != null ? ` Expected now: about ${levelText(expected)}.` : ''}`,
    1500,
  );
}

function residentHeaderText(resident: DigestResident): string {
  return `${resident.flagged ? '⚑ ' : ''}${resident.name}${resident.pgy !== null ? ` · PGY-${resident.pgy}` : ''}`;
}

/** One resident's reply in the digest's thread. */
export function cccDigestResidentMessage(digest: CccDigest, resident: DigestResident): Message {
  const flagged = resident.flags.filter((f) => f.kind !== 'no_evidence');
  const missing = resident.flags.filter((f): f is Extract<CccFlag, { kind: 'no_evidence' }> => f.kind === 'no_evidence');
  const flagLines = [...flagged.map((f) => `- ${flagText(f)}`)];
  if (missing.length) flagLines.push(`- No evidence this period for ${missing.map((f) => `*${f.code}*`).join(', ')}`);
  // A resident behind everywhere can have forty flags: they go in as many paragraphs as it takes, so none is cut.
  const flagParagraphs: string[] = [];
  for (const line of flagLines) {
    const last = flagParagraphs.at(-1);
    if (last !== undefined && last.length + 1 + line.length <= FLAGS_PER_PARAGRAPH) flagParagraphs[flagParagraphs.length - 1] = `${last}\n${line}`;
    else flagParagraphs.push(last === undefined ? `*Flags*\n${line}` : line);
  }
  if (flagParagraphs.length === 0) flagParagraphs.push('*Flags*: none — on track against the expected band.');

  const e = resident.evidence;
  const byCompetency = resident.ratingsByCompetency.map((c) => `${c.code} ${c.ratings}`).join(' · ');
  const multisource = resident.multisource.length
    ? resident.multisource
        .map((g) => {
          const declined = g.didNotWorkWith ? `, ${g.didNotWorkWith} did not work with them` : '';
          const shown = g.visible
            ? g.subcompetencies
                .filter((s) => s.mean !== null)
                .map((s) => `${s.code} ${s.mean!.toFixed(1)}`)
                .join(', ')
            : // Distinct raters decide visibility: one nurse answering three rounds is still one voice.
              `by fewer than ${digest.multisourceThreshold} different raters: count only`;
          return `- ${g.label}: ${g.responses} of ${g.asked} answered${declined}${shown ? ` — ${shown}` : ''}`;
        })
        .join('\n')
    : '- No 360 requests this period.';

  const hasPrevious = resident.subcompetencies.some((s) => s.previous !== null);
  const rows: LevelRow[] = resident.subcompetencies.map((s) => {
    const marks = resident.flags
      .filter((f) => 'code' in f && f.code === s.code && f.kind !== 'no_evidence')
      .map((f) => (f.kind === 'below_expected' ? 'below expected' : f.kind === 'declining' ? 'declining' : 'low 360'));
    return {
      code: s.code,
      name: `${marks.length ? `⚑ ${[...new Set(marks)].join(', ')} · ` : ''}${s.name}${s.ratings ? ` (${plural(s.ratings, 'rating')})` : ''}`,
      ratings: {
        median: s.suggested === null ? null : levelOnScale(s.suggested),
        previous: s.previous === null ? null : levelOnScale(s.previous),
        self: s.self === null ? null : levelOnScale(s.self),
      },
    };
  });

  let selfText: string;
  if (!resident.selfAssessmentSubmitted) selfText = '*Self vs faculty*: no self-assessment submitted this period.';
  else {
    const summary = summarizeGaps(resident.selfGaps);
    if (summary.compared === 0) selfText = '*Self vs faculty*: self-assessment submitted; no subcompetency has both a self-rating and faculty ratings yet.';
    else {
    const large = resident.selfGaps.filter((g) => g.gap !== null && Math.abs(g.gap) >= SELF_FACULTY_GAP).slice(0, 3);
    const gapWords = large.map((g) => `${g.code} self ${levelText(g.self === null ? null : levelValue(g.self))} vs faculty ${levelText(g.ccc === null ? null : levelValue(g.ccc))} (${g.gap! > 0 ? '+' : ''}${g.gap})`);
    selfText =
      `*Self vs faculty*: ${plural(summary.compared, 'subcompetency', 'subcompetencies')} compared; rates self higher on ${summary.selfHigher}, lower on ${summary.selfLower}` +
      (summary.meanAbsoluteGap !== null ? `; mean gap ${summary.meanAbsoluteGap.toFixed(1)} levels` : '') +
      (gapWords.length ? `.\nLargest: ${gapWords.join('; ')}.` : '. No gap of a full level.');
    }
  }

  const narratives = resident.narratives.length
    ? `*From narrative feedback*\n${resident.narratives
        .map((n) => `- ${n.kind === 'reinforcing' ? 'Keep doing' : 'To change'}: “${truncateLabel(n.text.replace(/\s+/g, ' '), EXCERPT_LENGTH)}” _(${sourceWords(n.source)}, ${humanDate(n.on)})_`)
        .join('\n')}`
    : '*From narrative feedback*: none written this period.';

  const plan = resident.learningPlan;
  const planText =
    plan.open + plan.done + plan.dropped === 0
      ? '*Learning plan*: no goals.'
      : `*Learning plan*: ${plural(plan.open, 'open goal')}${plan.overdue ? ` (${plan.overdue} past due)` : ''}, ${plan.done} done, ${plan.dropped} dropped.` +
        (plan.nextDueOn ? ` Next due ${humanDate(plan.nextDueOn)}.` : '');

  const expected = resident.expectedLevel === null ? 'no expected level (no PGY on the roster)' : `expected about Level ${levelText(resident.expectedLevel)}`;
  const altText = trendAltText(resident);
  const summary =
    flagged.length || missing.length
      ? `${[flagged.length ? plural(flagged.length, 'flag') : '', missing.length ? `${missing.length} without evidence` : ''].filter(Boolean).join(', ')}`
      : 'no flags';
  return message(
    `${resident.name}${resident.pgy !== null ? ` (PGY-${resident.pgy})` : ''}: ${summary}.`,
    header(truncateLabel(residentHeaderText(resident), 150)),
    flagParagraphs.map((text) => paragraph(text)),
    fields(
      ...evidenceLine(e).slice(0, 4),
      ['360 responses', String(resident.multisource.reduce((sum, g) => sum + g.responses, 0))],
      ['Ratings by competency', byCompetency || '—'],
    ),
    paragraph(`*360 by rater group*\n${multisource}`),
    levelGrid({
      title: `Median faculty rating this period (${expected})${hasPrevious ? ', previous period' : ''}, self-assessment`,
      // A first period has nothing before it: the column would only say "no rating" twenty times.
      series: [
        { key: 'median', label: 'Median' },
        ...(hasPrevious ? [{ key: 'previous', label: 'Previous' }] : []),
        { key: 'self', label: 'Self' },
      ],
      rows,
    }),
    paragraph(selfText),
    paragraph(narratives),
    paragraph(planText),
    divider(),
    chart({ title: `${resident.name}: milestone trend`, altText, trend: resident.trend }),
  );
}

function levelValue(rating: string): number {
  return rating === 'not_yet_level_1' ? 0 : Number(rating);
}

function sourceWords(source: 'request' | 'rotation_evaluation' | 'unsolicited'): string {
  return source === 'rotation_evaluation' ? 'rotation evaluation' : source === 'request' ? 'requested feedback' : 'unsolicited feedback';
}

/** The digest as messages: the header and one reply per resident, in the digest's order (flagged first). */
export function cccDigestMessages(digest: CccDigest): {
  header: Message;
  residents: { residentId: string; flagged: boolean; message: Message }[];
} {
  return {
    header: cccDigestHeaderMessage(digest),
    residents: digest.residents.map((resident) => ({
      residentId: resident.residentId,
      flagged: resident.flagged,
      message: cccDigestResidentMessage(digest, resident),
    })),
  };
}
