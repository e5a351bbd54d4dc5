/**
 * Typed commands: Teams has no slash commands, so the first word of a message to the bot (typed, or picked from the
 * command menu) says what is wanted — `feedback`, `plan`, `self-assessment`, `home`, `help` — and the rest works as
 * after Slack's `/feedback`. Slack's subcommand words (`feedback self`, `feedback plan show`…) work here too.
 */
import { openCccRatingForm } from '../../core/ccc-ratings/record-ccc-rating.ts';
import { AppError } from '../../core/errors.ts';
import { openFeedbackRequestForm } from '../../core/feedback-requests/feedback-request-form.ts';
import { requestFeedback } from '../../core/feedback-requests/request-feedback.ts';
import { homeView } from '../../core/home/home-view.ts';
import { openGoalForm } from '../../core/learning-plans/goal-form.ts';
import { learningPlanView } from '../../core/learning-plans/learning-plan-view.ts';
import { MULTISOURCE_CCC_ROLES, multisourceSummaryForCcc, multisourceSummaryForResident } from '../../core/multisource/multisource-summary.ts';
import type { Actor } from '../../core/people/identify-chat-user.ts';
import { learnerProgramOf } from '../../core/programs/program-context.ts';
import { activeSelfAssessment, currentPeriodCodeOf, latestComparablePeriod } from '../../core/self-assessment/active-period.ts';
import { resumeSelfAssessment } from '../../core/self-assessment/self-assessment-page.ts';
import { selfVsCcc } from '../../core/self-assessment/self-vs-ccc.ts';
import { type Form, type Message, notice } from '../../messages/model.ts';
import { teamsHelpMessage } from './help.ts';
import type { TeamsMessage } from './inbound.ts';
import { type MemberLookup, mentionedPerson, type TeamsDeps } from './turn-kit.ts';

/** What a command answers with, in the conversation it was typed in. */
export type CommandReply = { reply: Message; home?: true } | { form: Form };

const PERIOD_CODE = /^\d{4}-(mid|end)$/i;
const SHOW_WORDS = new Set(['show', 'view', 'list']);
// A typed name is at most this many words (titles included): "@Dr Maya de la Cruz".
const MAX_NAME_WORDS = 5;

/** A Teams link to a program's CCC channel, for the dashboard. */
function cccChannelUrl(tenantId: string) {
  return (program: { cccTeamsConversationId: string | null }) =>
    program.cccTeamsConversationId
      ? `https://teams.microsoft.com/l/channel/${encodeURIComponent(program.cccTeamsConversationId)}/CCC?tenantId=${tenantId}`
      : null;
}

/** The actor's dashboard: the Teams counterpart of Slack's App Home. */
export async function dashboard(deps: TeamsDeps, actor: Actor, tenantId: string): Promise<Message> {
  return homeView({ ...deps.ports, personId: actor.personId, cccChannelUrl: cccChannelUrl(tenantId) });
}

/** The words of a command, a real mention (`<at>…</at>`) one word however many words its name has. */
function wordsOf(text: string): string[] {
  const words: string[] = [];
  for (const part of text.split(/(<at>[^<]*<\/at>)/)) {
    if (/^<at>/.test(part)) words.push(part);
    else words.push(...part.split(/\s+/).filter(Boolean));
  }
  return words;
}

interface Context {
  deps: TeamsDeps;
  members: MemberLookup;
  message: TeamsMessage;
  actor: Actor;
}

/**
 * The person a command names at `words[start]` (a real mention, or "@" and a typed name) and where the words after
 * the name begin. A typed name is matched against the roster, the longest run of words that names one person.
 */
async function personAt(c: Context, words: string[], start: number): Promise<{ person: Actor; next: number } | null> {
  const first = words[start];
  if (!first) return null;
  if (/^<at>/.test(first)) {
    const mention = c.message.mentions.find((m) => m.text === first);
    const typed = first.replace(/<\/?at>/g, '');
    const person = await mentionedPerson(c.deps, c.members, c.message, c.actor, mention ?? { typed });
    return { person, next: start + 1 };
  }
  if (!first.startsWith('@')) return null;
  let lastError: unknown;
  for (let n = Math.min(MAX_NAME_WORDS, words.length - start); n >= 1; n -= 1) {
    const typed = words.slice(start, start + n).join(' ');
    try {
      return { person: await mentionedPerson(c.deps, c.members, c.message, c.actor, { typed }), next: start + n };
    } catch (error) {
      // The shortest name that matched no one explains best what went wrong.
      lastError = error;
    }
  }
  throw lastError;
}

/** An optional person and an optional period code, in either order, and the other words. */
async function readArgs(c: Context, words: string[]) {
  let person: Actor | null = null;
  let periodCode: string | null = null;
  const rest: string[] = [];
  for (let i = 0; i < words.length; ) {
    const word = words[i]!;
    if (!person && (word.startsWith('@') || word.startsWith('<at>'))) {
      const found = await personAt(c, words, i);
      if (found) {
        person = found.person;
        i = found.next;
        continue;
      }
    }
    if (!periodCode && PERIOD_CODE.test(word)) periodCode = word.toLowerCase();
    else rest.push(word);
    i += 1;
  }
  return { person, periodCode, rest };
}

async function selfAssessmentReply(c: Context, words: string[]): Promise<CommandReply> {
  const { periodCode } = await readArgs(c, words);
  const active = periodCode ? null : await activeSelfAssessment({ ...c.deps.ports, residentId: c.actor.personId });
  const code = periodCode ?? active?.periodCode;
  if (!code) return { reply: notice('No self-assessment is open for you right now. You will get a message when the next one opens.') };
  const resumed = await resumeSelfAssessment({ ...c.deps.ports, actorId: c.actor.personId, residentId: c.actor.personId, periodCode: code });
  return { form: resumed.form };
}

async function compareReply(c: Context, words: string[]): Promise<CommandReply> {
  const args = await readArgs(c, words);
  const residentId = args.person?.personId ?? c.actor.personId;
  const db = c.deps.ports.db;
  const periodCode =
    args.periodCode ?? (await latestComparablePeriod(db, residentId))?.code ?? (await currentPeriodCodeOf(db, residentId, c.deps.ports.clock.now()));
  return { reply: await selfVsCcc({ db, residentId, periodCode, viewerId: c.actor.personId }) };
}

async function cccReply(c: Context, words: string[]): Promise<CommandReply> {
  const args = await readArgs(c, words);
  if (!args.person) return { reply: notice('Name the resident: ccc @resident (and a period such as 2026-mid if not the current one).') };
  const resident = args.person;
  const periodCode = args.periodCode ?? (await currentPeriodCodeOf(c.deps.ports.db, resident.personId, c.deps.ports.clock.now()));
  return { form: await openCccRatingForm({ ...c.deps.ports, chairId: c.actor.personId, residentId: resident.personId, periodCode }) };
}

async function planReply(c: Context, words: string[]): Promise<CommandReply> {
  const args = await readArgs(c, words);
  const show = args.person !== null || args.rest.some((word) => SHOW_WORDS.has(word.toLowerCase()));
  if (!show) return { form: await openGoalForm({ ...c.deps.ports, residentId: c.actor.personId }) };
  const residentId = args.person?.personId ?? c.actor.personId;
  return { reply: await learningPlanView({ ...c.deps.ports, residentId, viewerId: c.actor.personId }) };
}

async function multisourceReply(c: Context, words: string[]): Promise<CommandReply> {
  const { actor } = c;
  const args = await readArgs(c, words);
  if (!args.person) {
    try {
      return { reply: (await multisourceSummaryForResident({ ...c.deps.ports, residentId: actor.personId, viewerId: actor.personId })).message };
    } catch (error) {
      const reviewer = actor.memberships.some((m) => (MULTISOURCE_CCC_ROLES as readonly string[]).includes(m.role));
      if (error instanceof AppError && error.code === 'not_allowed' && reviewer) {
        return { reply: notice(`${error.userMessage} To see a resident’s, mention them: 360 @name.`) };
      }
      throw error;
    }
  }
  const resident = args.person;
  const program = await learnerProgramOf(c.deps.ports.db, resident.personId);
  if (!program) return { reply: notice(`${resident.name} is not a resident or fellow, so there is no 360 feedback about them.`) };
  const { message } = await multisourceSummaryForCcc({
    ...c.deps.ports,
    programId: program.id,
    residentId: resident.personId,
    viewerId: actor.personId,
    channel: 'teams',
  });
  return { reply: message };
}

/** `feedback …`: the request form, help, a quick question to someone, 360 results, or one of Slack's subcommands. */
async function feedbackReply(c: Context, words: string[]): Promise<CommandReply> {
  const [first = '', ...rest] = words;
  const word = first.toLowerCase();
  if (word === '') return { form: await openFeedbackRequestForm({ ...c.deps.ports, residentId: c.actor.personId }) };
  if (word === 'help' || word === '?') return { reply: teamsHelpMessage() };
  const sub = SUBCOMMANDS[word];
  if (sub) return sub(c, rest);
  const found = await personAt(c, words, 0);
  if (!found) return { reply: teamsHelpMessage('Start with the person to ask, e.g. feedback @Maya Lee and then your question.') };
  const question = words.slice(found.next).join(' ').replace(/^[\s,:–-]+/, '').trim();
  if (!question) return { reply: teamsHelpMessage('Add your question after the name, or type feedback alone to open the form.') };
  const result = await requestFeedback({
    ...c.deps.ports,
    residentId: c.actor.personId,
    assessorId: found.person.personId,
    question,
    // One message, one request, even if Teams delivers it twice.
    submissionKey: `teams-message:${c.message.conversationId}:${c.message.activityId ?? question}`,
  });
  c.deps.nudge();
  if (result.ok) return { reply: result.confirmation };
  const problems = Object.values(result.fieldErrors).join(' ');
  return { reply: notice(`Not sent yet. ${problems} Type feedback again with a new question, or feedback alone for the form.`) };
}

const SUBCOMMANDS: Readonly<Record<string, (c: Context, words: string[]) => Promise<CommandReply>>> = {
  self: selfAssessmentReply,
  'self-assessment': selfAssessmentReply,
  compare: compareReply,
  ccc: cccReply,
  plan: planReply,
  '360': multisourceReply,
};

/** Runs a typed command for a known person. */
export async function runTeamsCommand(deps: TeamsDeps, members: MemberLookup, message: TeamsMessage, actor: Actor): Promise<CommandReply> {
  const c: Context = { deps, members, message, actor };
  const words = wordsOf(message.text);
  const [first = '', ...rest] = words;
  const word = first.toLowerCase().replace(/^\//, '');
  if (word === '' || word === 'help' || word === '?') return { reply: teamsHelpMessage() };
  if (word === 'home' || word === 'dashboard') return { reply: await dashboard(deps, actor, message.tenantId), home: true };
  if (word === 'feedback') return feedbackReply(c, rest);
  const sub = SUBCOMMANDS[word];
  if (sub) return sub(c, rest);
  return { reply: teamsHelpMessage(`I did not understand "${first}".`) };
}
