import { type GapSummary, gapDirection, type RatingGap } from '../domain/gaps.ts';
import type { MilestoneRating } from '../domain/rating.ts';
import { GROWTH_SUBJECTS, PLAN_ACTIONS, SELF_ASSESSMENT_ACTIONS, SUBJECTS } from './actions.ts';
import {
  actions,
  button,
  context,
  header,
  type LevelRow,
  levelGrid,
  type Message,
  message,
  type Payload,
  paragraph,
  payload,
} from './model.ts';

// ---------------------------------------------------------------------------------------------------------------
// Payloads: whose self-assessment, which period, which page. The adapter hands them back; the core checks that the
// person acting is the resident named here, so a forged or forwarded payload reaches nothing.
// ---------------------------------------------------------------------------------------------------------------

/** Which resident's self-assessment (or CCC ratings) for which period, and optionally which page. */
export interface SelfAssessmentRef {
  residentId: string;
  periodCode: string;
  page?: number;
}

/** The button payload of a self-assessment ("Start", "Compare with the CCC"). */
export function selfAssessmentPayload(residentId: string, periodCode: string): Payload {
  return payload(GROWTH_SUBJECTS.selfAssessment, `${residentId}:${periodCode}`);
}

/** The payload of one page's form, so the submission says which page it saves. */
export function selfAssessmentPagePayload(residentId: string, periodCode: string, page: number): Payload {
  return payload(GROWTH_SUBJECTS.selfAssessmentPage, `${residentId}:${periodCode}:${page}`);
}

/** The payload of the CCC rating form for one resident and period. */
export function cccRatingsPayload(residentId: string, periodCode: string): Payload {
  return payload(GROWTH_SUBJECTS.cccRatings, `${residentId}:${periodCode}`);
}

/** Reads a self-assessment, page or CCC payload back; null when it is not one or is malformed. */
export function readSelfAssessmentRef(p: Payload): SelfAssessmentRef | null {
  const parts = p.id.split(':');
  if (p.kind === GROWTH_SUBJECTS.selfAssessment || p.kind === GROWTH_SUBJECTS.cccRatings) {
    const [residentId, periodCode] = parts;
    return parts.length === 2 && residentId && periodCode ? { residentId, periodCode } : null;
  }
  if (p.kind === GROWTH_SUBJECTS.selfAssessmentPage) {
    const [residentId, periodCode, page] = parts;
    if (parts.length !== 3 || !residentId || !periodCode || !/^[1-9][0-9]?$/.test(page ?? '')) return null;
    return { residentId, periodCode, page: Number(page) };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// Texts
// ---------------------------------------------------------------------------------------------------------------

/** "Mid-year 2026–27": how a reporting period reads to people (its code, 2026-mid, is for commands). */
export function periodLabel(period: { kind: 'mid_year' | 'end_of_year'; academicYear: number }): string {
  const years = `${period.academicYear}–${String(period.academicYear + 1).slice(2)}`;
  return `${period.kind === 'mid_year' ? 'Mid-year' : 'End of year'} ${years}`;
}

/** A rating in a few words for running text: "Level 3", "Level 2.5", "not yet Level 1". */
export function levelWords(rating: MilestoneRating): string {
  return rating === 'not_yet_level_1' ? 'not yet Level 1' : `Level ${rating}`;
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** The DM that opens a resident's self-assessment window. */
export function selfAssessmentInviteMessage(input: {
  residentId: string;
  periodCode: string;
  periodLabel: string;
  subcompetencies: number;
  pages: number;
}): Message {
  return message(
    `Time for your ${input.periodLabel} self-assessment: rate yourself on your milestones before the CCC meets.`,
    header(`Your ${input.periodLabel} self-assessment`),
    paragraph(
      `Before the CCC meets, rate yourself on each of your ${input.subcompetencies} milestones, with the level descriptions at hand. ` +
        `It takes ${input.pages} short pages, one per competency.`,
    ),
    actions(button('Start self-assessment', SELF_ASSESSMENT_ACTIONS.start, selfAssessmentPayload(input.residentId, input.periodCode), 'primary')),
    context('Each page is saved as you go: stop at any time and press the button again to continue where you left off.'),
  );
}

/** What the resident sees after submitting. */
export function selfAssessmentSubmittedMessage(input: {
  residentId: string;
  periodCode: string;
  periodLabel: string;
  cccRatingsReady: boolean;
}): Message {
  const ref = selfAssessmentPayload(input.residentId, input.periodCode);
  return message(
    `Your ${input.periodLabel} self-assessment is submitted.`,
    paragraph(`Your *${input.periodLabel}* self-assessment is submitted ✓`),
    input.cccRatingsReady
      ? actions(button('Compare with the CCC', SELF_ASSESSMENT_ACTIONS.compare, ref, 'primary'))
      : context('Once the CCC has rated you for this period, you can compare its ratings with yours here.'),
  );
}

/** Who is looking at a resident's comparison or plan; the words change, the data does not. */
export type GrowthAudience = 'resident' | 'program_director' | 'mentor';

/** Everything the self vs CCC message shows. */
export interface SelfVsCccView {
  residentId: string;
  residentName: string;
  periodCode: string;
  periodLabel: string;
  audience: GrowthAudience;
  /** Largest gap first (gapsLargestFirst). */
  gaps: RatingGap[];
  summary: GapSummary;
  programDirectorNames: string[];
  mentorName: string | null;
}

function gapNote(gap: number | null): string {
  if (gap === null || gap === 0) return '';
  const size = Math.abs(gap);
  return ` (self ${size} level${size === 1 ? '' : 's'} ${gap > 0 ? 'above' : 'below'} CCC)`;
}

function names(list: readonly string[]): string {
  return list.length <= 1 ? (list[0] ?? '') : `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`;
}

/** The resident's self-ratings beside the CCC's, largest gaps first, with a prompt to talk them over. */
export function selfVsCccMessage(view: SelfVsCccView): Message {
  const you = view.audience === 'resident';
  const first = view.residentName.split(' ')[0] ?? view.residentName;
  const s = view.summary;
  const subject = you ? 'You' : first;
  const counts = `${subject} rated ${you ? 'yourself' : 'themselves'} higher than the CCC on *${s.selfHigher}*, lower on *${s.selfLower}* and the same on *${s.same}* of ${plural(s.compared, 'subcompetency', 'subcompetencies')}.`;
  const largest = s.largest
    ? ` Largest gap: *${s.largest.code} ${s.largest.name}* — ${you ? 'you' : 'self'} ${levelWords(s.largest.self!)}, CCC ${levelWords(s.largest.ccc!)}.`
    : ' No gaps: the ratings agree everywhere.';
  const missing = s.incomplete > 0 ? ` ${plural(s.incomplete, 'subcompetency', 'subcompetencies')} could not be compared yet.` : '';
  const rows: LevelRow[] = view.gaps.map((g) => ({
    code: g.code,
    name: `${g.name}${gapNote(g.gap)}`,
    ratings: { self: g.self, ccc: g.ccc },
  }));
  const pdList = view.programDirectorNames;
  const pds = pdList.length ? `${names(pdList)} (program director${pdList.length > 1 ? 's' : ''})` : 'your program director';
  // A program director who is also the mentor is named once.
  const mentorIsPd = view.mentorName !== null && pdList.includes(view.mentorName);
  const talkTo =
    mentorIsPd && pdList.length === 1
      ? `${view.mentorName}, your program director and mentor`
      : view.mentorName && !mentorIsPd
        ? `${pds} or your mentor, ${view.mentorName}`
        : pds;
  const biggest = view.gaps.filter((g) => g.gap !== null && g.gap !== 0).slice(0, 3);
  const direction = biggest[0] && gapDirection(biggest[0].gap!);
  const prompt = you
    ? `*Talk these over with ${talkTo}.* Start with the largest gaps: what did you see in your own work${
        direction === 'self_lower' ? ' that made you rate it lower' : ''
      }, what did the committee see, and what would show the next level?`
    : `*Talk these over with ${first}.* Start with the largest gaps${
        biggest.length ? ` (${biggest.map((g) => g.code).join(', ')})` : ''
      }: ask what ${first} saw in their own work, and agree on one thing that would show the next level.`;
  return message(
    `${you ? 'Your' : `${view.residentName}'s`} ${view.periodLabel} self-assessment beside the CCC's ratings. ${counts.replaceAll('*', '')}`,
    header(`Self-assessment vs CCC — ${view.periodLabel}`),
    paragraph(`${you ? '' : `*${view.residentName}*. `}${counts}${largest}${missing}`),
    levelGrid({ title: 'Largest gaps first', series: [{ key: 'self', label: 'Self' }, { key: 'ccc', label: 'CCC' }], rows }),
    paragraph(prompt),
    you
      ? actions(
          button('Add the largest gaps to my plan', SELF_ASSESSMENT_ACTIONS.goalsFromGaps, selfAssessmentPayload(view.residentId, view.periodCode), 'primary'),
          button('View my plan', PLAN_ACTIONS.view, payload(SUBJECTS.resident, view.residentId)),
        )
      : null,
    context(
      you
        ? 'Only you, your program director and your mentor can see this comparison.'
        : `You see this as ${first}'s ${view.audience === 'mentor' ? 'mentor' : 'program director'}; your view is recorded.`,
    ),
  );
}

/** Why there is no comparison to show yet. */
export function selfVsCccNotReadyMessage(input: {
  residentId: string;
  residentName: string;
  periodCode: string;
  periodLabel: string;
  audience: GrowthAudience;
  reason: 'self_assessment_not_submitted' | 'no_ccc_ratings';
}): Message {
  const you = input.audience === 'resident';
  const first = input.residentName.split(' ')[0] ?? input.residentName;
  if (input.reason === 'self_assessment_not_submitted') {
    return you
      ? message(
          `Submit your ${input.periodLabel} self-assessment to compare it with the CCC.`,
          paragraph(`Finish and submit your *${input.periodLabel}* self-assessment first; the CCC's ratings appear beside yours once it is in.`),
          actions(button('Continue self-assessment', SELF_ASSESSMENT_ACTIONS.start, selfAssessmentPayload(input.residentId, input.periodCode), 'primary')),
          context('Rating yourself before seeing the committee’s ratings keeps the comparison honest.'),
        )
      : message(
          `${input.residentName} has not submitted a ${input.periodLabel} self-assessment yet.`,
          paragraph(`*${input.residentName}* has not submitted a *${input.periodLabel}* self-assessment yet.`),
        );
  }
  return message(
    `The CCC has not rated ${you ? 'you' : input.residentName} for ${input.periodLabel} yet.`,
    paragraph(`The CCC has not rated ${you ? 'you' : `*${first}*`} for *${input.periodLabel}* yet; the comparison appears here once it has.`),
  );
}

/** The confirmation a CCC chair or member gets after entering one rating in chat. */
export function cccRatingRecordedMessage(input: {
  residentName: string;
  periodLabel: string;
  subcompetency: string;
  rating: MilestoneRating;
  previous: MilestoneRating | null;
  rated: number;
  total: number;
}): Message {
  const change = input.previous === null ? '' : input.previous === input.rating ? ' (unchanged)' : ` (was ${levelWords(input.previous)})`;
  return message(
    `Recorded ${input.subcompetency} for ${input.residentName}: ${levelWords(input.rating)}.`,
    paragraph(`Recorded for *${input.residentName}*, ${input.periodLabel}: *${input.subcompetency}* — ${levelWords(input.rating)}${change}.`),
    context(`${input.rated} of ${input.total} subcompetencies rated for this period.`),
  );
}
