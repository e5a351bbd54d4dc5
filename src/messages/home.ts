import { humanDate } from '../domain/calendar.ts';
import { HOME_ACTIONS, PLAN_ACTIONS, SELF_ASSESSMENT_ACTIONS, SUBJECTS } from './actions.ts';
import { actions, type Block, type Button, button, context, divider, header, type Message, message, paragraph, payload } from './model.ts';
import { selfAssessmentPayload } from './self-assessment.ts';

/** A question the resident asked that is still waiting for its answer. */
export interface HomeOpenRequest {
  assessorName: string;
  question: string;
  dueOn: string;
}

/** A piece of feedback the resident received lately. */
export interface HomeFeedback {
  title: string;
  receivedOn: string;
  nextStep: string | null;
}

/** The resident's self-assessment window, when one is open (see activeSelfAssessment). */
export interface HomeSelfAssessment {
  residentId: string;
  periodCode: string;
  periodLabel: string;
  status: 'not_started' | 'in_progress' | 'submitted';
  rated: number;
  total: number;
}

/** What a faculty member (or any assessor) is asked for and has not answered yet. */
export interface HomeWaiting {
  requests: { residentName: string; question: string; dueOn: string }[];
  rotations: { rotationName: string; endsOn: string; residentNames: string[] }[];
  /** Open 360 questions sent to this person (counted only: the DMs hold the one-click answers). */
  multisource: number;
}

/** One resident as a CCC member sees the period's progress: whether the pieces for the meeting are in. */
export interface HomeCccResident {
  name: string;
  selfAssessment: 'not_started' | 'in_progress' | 'submitted';
  cccRated: number;
  total: number;
}

/** A program whose CCC the person sits on, for its current period. */
export interface HomeCcc {
  programName: string;
  periodLabel: string;
  residents: HomeCccResident[];
  nextMeetingOn: string | null;
  /** A link to the committee's channel, where the digests are posted (when the platform has one). */
  channelUrl: string | null;
}

/** Everything the Home shows; each part is present only for the people it concerns. */
export interface HomeView {
  name: string;
  resident: {
    residentId: string;
    openRequests: HomeOpenRequest[];
    recentFeedback: HomeFeedback[];
    selfAssessment: HomeSelfAssessment | null;
    /** The learning plan (open goals with their buttons), as learningPlanMessage builds it. */
    plan: Message;
    /** The latest self vs CCC comparison (selfVsCccMessage), when one exists. */
    comparison: Message | null;
  } | null;
  waiting: HomeWaiting | null;
  ccc: HomeCcc[];
}

// The Home is a dashboard, not an archive: a handful of each, with the full lists one click away.
export const HOME_LIST_LIMIT = 5;
/** Days feedback counts as recent on the Home. */
export const RECENT_FEEDBACK_DAYS = 30;

const quote = (text: string) => `_“${text.replace(/\s*\n\s*/g, ' ')}”_`;

function bullets(lines: readonly string[], more: number): string {
  return [...lines.map((line) => `- ${line}`), ...(more > 0 ? [`- …and ${more} more`] : [])].join('\n');
}

/** The blocks of an embedded message without its own header, under a header of the Home's. */
function section(title: string, embedded: Message): Block[] {
  const rest = embedded.blocks[0]?.type === 'header' ? embedded.blocks.slice(1) : embedded.blocks;
  return [header(title), ...rest];
}

function selfAssessmentButton(s: HomeSelfAssessment): Button | null {
  if (s.status === 'submitted') return null;
  const label = s.status === 'not_started' ? 'Start self-assessment' : `Continue self-assessment (${s.rated} of ${s.total})`;
  return button(label, SELF_ASSESSMENT_ACTIONS.start, selfAssessmentPayload(s.residentId, s.periodCode));
}

function residentBlocks(r: NonNullable<HomeView['resident']>): Block[] {
  const ref = payload(SUBJECTS.resident, r.residentId);
  const sa = r.selfAssessment;
  const saButton = sa ? selfAssessmentButton(sa) : null;
  const blocks: Block[] = [
    actions(
      button('Ask for feedback', HOME_ACTIONS.askForFeedback, ref, 'primary'),
      ...(saButton ? [saButton] : []),
      button('Add a goal', PLAN_ACTIONS.addGoal, ref),
    ),
    divider(),
    header('Your open questions'),
    paragraph(
      r.openRequests.length
        ? bullets(
            r.openRequests.slice(0, HOME_LIST_LIMIT).map((q) => `*${q.assessorName}*, needed by ${humanDate(q.dueOn)}: ${quote(q.question)}`),
            r.openRequests.length - HOME_LIST_LIMIT,
          )
        : 'No questions waiting for an answer. Ask one specific question about your work: one skill, one situation.',
    ),
    header('Feedback you received'),
    paragraph(
      r.recentFeedback.length
        ? bullets(
            r.recentFeedback.map((f) => `*${f.title}* (${humanDate(f.receivedOn)})${f.nextStep ? ` — next step: ${f.nextStep.replace(/\s*\n\s*/g, ' ')}` : ''}`),
            0,
          )
        : `No feedback in the last ${RECENT_FEEDBACK_DAYS} days. Answers and rotation evaluations arrive as direct messages.`,
    ),
    divider(),
    ...section('Your learning plan', r.plan),
  ];
  if (r.comparison) {
    // The plan is right above, so the comparison's "View my plan" would only post a copy of it as a DM.
    const comparison = r.comparison.blocks.flatMap((block): Block[] => {
      if (block.type !== 'actions') return [block];
      const buttons = block.buttons.filter((b) => b.actionId !== PLAN_ACTIONS.view);
      return buttons.length ? [{ ...block, buttons }] : [];
    });
    blocks.push(divider(), ...comparison);
  } else if (sa) {
    blocks.push(
      divider(),
      header(`Self-assessment — ${sa.periodLabel}`),
      paragraph(
        sa.status === 'submitted'
          ? `Submitted ✓ The comparison with the CCC's ratings appears here once the committee has rated you for ${sa.periodLabel}.`
          : `${sa.rated} of ${sa.total} milestones rated. Each page is saved as you go; continue where you left off.`,
      ),
    );
  }
  return blocks;
}

function waitingBlocks(w: HomeWaiting): Block[] {
  const lines = [
    ...w.requests.slice(0, HOME_LIST_LIMIT).map((q) => `*${q.residentName}* asks, needed by ${humanDate(q.dueOn)}: ${quote(q.question)}`),
    ...(w.requests.length > HOME_LIST_LIMIT ? [`…and ${w.requests.length - HOME_LIST_LIMIT} more questions`] : []),
    ...w.rotations
      .slice(0, HOME_LIST_LIMIT)
      .map((r) => `*${r.rotationName}* (ended ${humanDate(r.endsOn)}): feedback for ${r.residentNames.join(', ')}`),
    ...(w.multisource > 0 ? [`${w.multisource} 360 question${w.multisource === 1 ? '' : 's'} about residents you worked with`] : []),
  ];
  return [
    header('Waiting for you'),
    lines.length
      ? paragraph(lines.map((line) => `- ${line}`).join('\n'))
      : paragraph('Nothing waiting for you ✓ Thank you for keeping your residents’ feedback flowing.'),
    ...(lines.length ? [context('Each one is a direct message from Stepping Stones with its buttons: about a minute each.')] : []),
  ];
}

const SELF_WORDS: Record<HomeCccResident['selfAssessment'], string> = {
  submitted: 'self-assessment submitted',
  in_progress: 'self-assessment in progress',
  not_started: 'self-assessment not started',
};

function cccBlocks(c: HomeCcc): Block[] {
  const submitted = c.residents.filter((r) => r.selfAssessment === 'submitted').length;
  const rated = c.residents.filter((r) => r.total > 0 && r.cccRated >= r.total).length;
  const where = c.channelUrl ? `in [the CCC channel](${c.channelUrl})` : 'in the CCC channel';
  return [
    header(`CCC — ${c.periodLabel}`),
    paragraph(
      `*${c.programName}*${c.nextMeetingOn ? `, next meeting ${humanDate(c.nextMeetingOn)}` : ''}: ` +
        `${submitted} of ${c.residents.length} residents submitted their self-assessment; the CCC has rated ${rated} of ${c.residents.length} in full.`,
    ),
    ...(c.residents.length
      ? [paragraph(c.residents.map((r) => `- *${r.name}* — ${SELF_WORDS[r.selfAssessment]} · CCC ratings ${r.cccRated} of ${r.total}`).join('\n'))]
      : []),
    context(`Digests for the meeting are posted ${where}. Ratings can be entered in chat or imported from the committee's spreadsheet.`),
  ];
}

/**
 * The App Home: what a person can do and what waits for them, by role. Residents get their questions, recent
 * feedback, plan and latest self vs CCC grid with buttons for the common actions; anyone asked for feedback gets
 * what is waiting; CCC members get the current period's progress. Never shows a 360 rater's identity.
 */
export function homeMessage(view: HomeView): Message {
  const first = view.name.split(' ')[0] ?? view.name;
  const blocks: Block[] = [header(`Hello, ${first}`)];
  if (view.resident) blocks.push(...residentBlocks(view.resident));
  if (view.waiting) blocks.push(...(blocks.length > 1 ? [divider()] : []), ...waitingBlocks(view.waiting));
  for (const c of view.ccc) blocks.push(divider(), ...cccBlocks(c));
  if (!view.resident && !view.waiting && view.ccc.length === 0) {
    blocks.push(paragraph('Nothing here for you yet. Stepping Stones sends what needs you as direct messages.'));
  }
  return message(`Stepping Stones — ${first}'s home`, ...blocks);
}
