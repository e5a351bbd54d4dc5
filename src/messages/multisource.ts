/**
 * The texts of 360 (multisource) feedback. Rater-facing messages name the resident; resident- and CCC-facing ones
 * are built only from the anonymity-safe summary below, whose types carry no field for a rater's name, id or
 * email, so no such value can reach them by accident.
 */
import { MULTISOURCE_ACTIONS, MULTISOURCE_SUBJECTS } from './actions.ts';
import { actions, button, context, divider, fields, header, type Message, message, paragraph, payload } from './model.ts';

/** What a rater sees of one request: who it is about, where they worked together, and its state. */
export interface MultisourceRequestView {
  requestId: string;
  residentName: string;
  pgy: number | null;
  /** Where and when they worked together, in the limited markdown: "on *Medical ICU* (Wed, Jul 1 – Fri, Jul 31)". */
  workedTogether: string;
  /** The rater's group as the resident will see it ("Nurses"): raters should know what they are part of. */
  groupLabel: string;
  itemCount: number;
  threshold: number;
  status: 'open' | 'answered' | 'did_not_work_with' | 'expired';
}

/**
 * The rater's DM: one per resident, answerable with one click to open and one submit. Once answered it offers to
 * change the answer (the same form, filled in); after "did not work with" it still lets the rater answer.
 */
export function multisourceRequestMessage(view: MultisourceRequestView): Message {
  const ref = payload(MULTISOURCE_SUBJECTS.request, view.requestId);
  const who = `*${view.residentName}*${view.pgy ? ` (PGY-${view.pgy})` : ''}`;
  const anonymity = `Anonymous: ${view.residentName} sees only what ${view.groupLabel.toLowerCase()} said together, once at least ${view.threshold} have answered — never your name.`;
  const questions = `${view.itemCount} quick question${view.itemCount === 1 ? '' : 's'}, under a minute`;
  let outcome: Message['blocks'];
  switch (view.status) {
    case 'open':
      outcome = [
        context(anonymity),
        actions(
          button('Answer', MULTISOURCE_ACTIONS.answer, ref, 'primary'),
          button('I did not work with this resident', MULTISOURCE_ACTIONS.didNotWorkWith, ref),
        ),
      ];
      break;
    case 'answered':
      outcome = [context('Answered ✓ — thank you. You can change your answer while the round is open.'), actions(button('Change my answer', MULTISOURCE_ACTIONS.answer, ref))];
      break;
    case 'did_not_work_with':
      outcome = [
        context(`You said you did not work with ${view.residentName}. If that was a mistake, you can still answer.`),
        actions(button('Answer anyway', MULTISOURCE_ACTIONS.answer, ref)),
      ];
      break;
    case 'expired':
      outcome = [context('This 360 round has closed.')];
      break;
  }
  return message(
    view.status === 'open'
      ? `360 feedback for ${view.residentName}: ${questions}.`
      : `360 feedback for ${view.residentName}: ${view.status === 'answered' ? 'answered' : view.status === 'expired' ? 'closed' : 'did not work together'}.`,
    header(`360 feedback: ${view.residentName}`),
    paragraph(`You worked with ${who} ${view.workedTogether}. How did it go? ${questions}.`),
    outcome,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Summaries for the resident and the CCC
// ---------------------------------------------------------------------------------------------------------------

/** One item's average in a visible group; `mean` is null while too few raters scored that item. */
export interface MultisourceItemResult {
  prompt: string;
  subcompetency: string;
  mean: number | null;
}

/** One subcompetency's average over the items about it; null while too few raters scored any of them. */
export interface MultisourceSubcompetencyResult {
  code: string;
  name: string;
  mean: number | null;
}

/**
 * One rater group. While `visible` is false the items, subcompetencies and comments are empty; the resident's view
 * then also leaves `responses` null, so not even the trickle of answers can be followed.
 */
export interface MultisourceGroupResult {
  label: string;
  visible: boolean;
  responses: number | null;
  /** CCC only: how many of the group were asked, answered no, or said they did not work with the resident. */
  asked?: number;
  didNotWorkWith?: number;
  subcompetencies: MultisourceSubcompetencyResult[];
  items: MultisourceItemResult[];
  comments: string[];
}

/** A resident's 360 results by rater group, already reduced to what the audience may see. */
export interface MultisourceSummary {
  audience: 'resident' | 'ccc';
  residentName: string;
  threshold: number;
  groups: MultisourceGroupResult[];
}

function score(mean: number | null): string {
  return mean === null ? 'too few ratings yet' : `${mean.toFixed(1)} of 5`;
}

// Comments are free text from many people; an italic quotation on one line reads the same on every platform.
function quote(text: string): string {
  return `_“${text.replace(/\s*\n\s*/g, ' ')}”_`;
}

function groupBlocks(group: MultisourceGroupResult, audience: MultisourceSummary['audience'], threshold: number): Message['blocks'] {
  if (!group.visible) {
    const counts =
      audience === 'ccc'
        ? ` (${group.responses ?? 0} of ${group.asked ?? 0} answered${group.didNotWorkWith ? `, ${group.didNotWorkWith} did not work with the resident` : ''}; results show at ${threshold})`
        : '';
    return [divider(), paragraph(`*${group.label}* — not enough responses yet${counts}`)];
  }
  const counts =
    audience === 'ccc'
      ? `${group.responses} of ${group.asked} answered${group.didNotWorkWith ? `, ${group.didNotWorkWith} did not work with the resident` : ''}`
      : `${group.responses} responses`;
  return [
    divider(),
    paragraph(`*${group.label}* — ${counts}`),
    group.subcompetencies.length > 0 ? fields(...group.subcompetencies.map((s) => [`${s.code} ${s.name}`, score(s.mean)] as const)) : null,
    group.items.length > 0 ? paragraph(group.items.map((item) => `- ${item.prompt}: *${score(item.mean)}*`).join('\n')) : null,
    group.comments.length > 0 ? paragraph(`*Comments*\n${group.comments.map((c) => `- ${quote(c)}`).join('\n')}`) : null,
  ].filter((block) => block !== null);
}

/** The resident's own 360 results, or the CCC's view of one resident; both follow the same threshold rule. */
export function multisourceSummaryMessage(summary: MultisourceSummary): Message {
  const visible = summary.groups.filter((g) => g.visible).length;
  const forResident = summary.audience === 'resident';
  const title = forResident ? 'Your 360 feedback' : `360 feedback: ${summary.residentName}`;
  const rule = `A group's averages and comments appear once at least ${summary.threshold} people in it have answered, so no one's answers can be picked out. Scores run from 1 (a concern) to 5 (a model for others).`;
  if (summary.groups.length === 0) {
    return message(
      `${title}: nothing yet.`,
      header(title),
      paragraph(forResident ? 'No one has been asked for 360 feedback about you yet.' : `No one has been asked for 360 feedback about ${summary.residentName} yet.`),
    );
  }
  return message(
    `${title}: ${visible} of ${summary.groups.length} rater group${summary.groups.length === 1 ? '' : 's'} with enough responses to show.`,
    header(title),
    context(
      forResident
        ? `What nurses, pharmacists and others who worked with you said, by group. ${rule}`
        : `By rater group. ${rule} Counts are shown to the CCC only.`,
    ),
    summary.groups.map((group) => groupBlocks(group, summary.audience, summary.threshold)),
  );
}
