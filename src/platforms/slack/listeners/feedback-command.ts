import { openFeedbackRequestForm } from '../../../core/feedback-requests/feedback-request-form.ts';
import { requestFeedback } from '../../../core/feedback-requests/request-feedback.ts';
import { UNKNOWN_USER_MESSAGE } from '../../../core/people/identify-chat-user.ts';
import { FEEDBACK_COMMAND, feedbackHelpMessage } from '../help.ts';
import { encodeResponseUrlNote, parseSlashCommand } from '../inbound.ts';
import { type CommandListener, identify, type SlackDeps, tell } from '../listener-kit.ts';
import { renderForm } from '../render/block-kit.ts';
import { failureText } from '../replies.ts';
import type { FeedbackSubcommand } from '../growth-kit.ts';
import { multisourceSummaryReply } from './multisource-summary-command.ts';

/** What the text after /feedback asks for. Mentions arrive as <@U123|name> because the command escapes them. */
export type FeedbackCommandIntent =
  | { kind: 'form' }
  | { kind: 'help'; hint?: string }
  | { kind: 'quick'; assessorUserId: string; question: string }
  /** `360`: the caller's own 360 results; `360 @resident`: the CCC's view of that resident. */
  | { kind: 'multisource'; residentUserId?: string };

const MENTION_FIRST = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>[\s,:–-]*([\s\S]*)$/;
const MULTISOURCE = /^360(?:\s+([\s\S]*))?$/i;
const MENTION_ONLY = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/;

export function readFeedbackCommand(text: string): FeedbackCommandIntent {
  const trimmed = text.trim();
  if (trimmed === '') return { kind: 'form' };
  if (/^(help|\?)$/i.test(trimmed)) return { kind: 'help' };
  const multisource = MULTISOURCE.exec(trimmed);
  if (multisource) {
    const rest = multisource[1]?.trim() ?? '';
    if (!rest) return { kind: 'multisource' };
    const resident = MENTION_ONLY.exec(rest);
    if (resident) return { kind: 'multisource', residentUserId: resident[1]! };
    return { kind: 'help', hint: `To see a resident’s 360 feedback, mention only them: ${FEEDBACK_COMMAND} 360 @name.` };
  }
  const mention = MENTION_FIRST.exec(trimmed);
  if (!mention) return { kind: 'help', hint: `Start with the person to ask, e.g. ${FEEDBACK_COMMAND} @Maya Lee and then your question.` };
  const question = mention[2]!.trim();
  if (!question) return { kind: 'help', hint: `Add your question after the name, or run ${FEEDBACK_COMMAND} alone to open the form.` };
  return { kind: 'quick', assessorUserId: mention[1]!, question };
}

/**
 * `/feedback`: no text opens the request modal; `help` explains; `@someone question` sends the request at once
 * when the question coach accepts it, and otherwise shows the coach's suggestion; `360 [@resident]` shows 360 results.
 */
export function feedbackCommand(deps: SlackDeps, subcommands: Readonly<Record<string, FeedbackSubcommand>> = {}): CommandListener {
  const runs = new Map(Object.entries(subcommands).map(([word, create]) => [word, create(deps)]));
  return async ({ ack, body, client, respond }) => {
    await ack();
    try {
      const command = parseSlashCommand(body);
      // `/feedback self`, `plan`, `ccc`, `compare`: subcommands of other surfaces, registered in listeners/index.ts.
      const [word = '', ...rest] = command.text.split(/\s+/);
      const subcommand = runs.get(word.toLowerCase());
      if (subcommand) return await subcommand({ command, args: rest.join(' ').trim(), client });
      const intent = readFeedbackCommand(command.text);
      if (intent.kind === 'help') return await tell(respond, feedbackHelpMessage(intent.hint), deps.log);
      const actor = await identify(deps, client, command.teamId, command.userId);
      if (!actor) return await tell(respond, UNKNOWN_USER_MESSAGE, deps.log);
      if (intent.kind === 'multisource') {
        const reply = await multisourceSummaryReply(deps, client, { teamId: command.teamId, actor, residentUserId: intent.residentUserId });
        return await tell(respond, reply, deps.log);
      }
      if (intent.kind === 'form') {
        const form = await openFeedbackRequestForm({ ...deps.ports, residentId: actor.personId });
        await client.views.open({
          trigger_id: command.triggerId,
          view: renderForm(form, { privateMetadata: encodeResponseUrlNote(command.responseUrl) }),
        });
        return;
      }
      const assessor = await identify(deps, client, command.teamId, intent.assessorUserId);
      if (!assessor) {
        return await tell(respond, 'The person you mentioned is not in Stepping Stones yet. Ask your coordinator to add them, or ask someone else.', deps.log);
      }
      const result = await requestFeedback({
        ...deps.ports,
        residentId: actor.personId,
        assessorId: assessor.personId,
        question: intent.question,
        // One command, one request, even if Slack delivers it twice.
        submissionKey: `slash:${command.triggerId}`,
      });
      deps.nudge();
      if (result.ok) return await tell(respond, result.confirmation, deps.log);
      const problems = Object.values(result.fieldErrors).join(' ');
      await tell(respond, `Not sent yet. ${problems} Run ${FEEDBACK_COMMAND} again with a new question, or ${FEEDBACK_COMMAND} alone for the form.`, deps.log);
    } catch (error) {
      await tell(respond, failureText(error, deps.log), deps.log);
    }
  };
}
