/**
 * The shapes of the adapter's immediate replies (ephemeral messages, a modal turned into a notice, field errors),
 * built from the neutral model through the renderer, so listeners never write Block Kit themselves.
 */
import { randomBytes } from 'node:crypto';
import type { types as SlackTypes } from '@slack/bolt';
import { AppError } from '../../core/errors.ts';
import { type Message, notice } from '../../messages/model.ts';
import { truncateLabel } from '../../messages/text.ts';
import { InboundError } from './inbound.ts';
import { renderMessage, SLACK_LIMITS } from './render/block-kit.ts';

/** Where the adapter writes what went wrong; one line per event, never shown to users. */
export type SlackLog = (line: string) => void;

export { notice };

/** A reply only the person who clicked or typed sees (for `respond()` / a response_url). */
export function ephemeral(content: Message | string) {
  const rendered = renderMessage(typeof content === 'string' ? notice(content) : content);
  return { response_type: 'ephemeral' as const, replace_original: false, ...rendered };
}

/** A modal replaced by a message (response_action "update"): for refusals that no field of the form can fix. */
export function noticeView(text: string, title = 'Stepping Stones'): SlackTypes.ModalView {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: truncateLabel(title, SLACK_LIMITS.modalTitle) },
    close: { type: 'plain_text', text: 'Close' },
    blocks: renderMessage(notice(text)).blocks,
  };
}

/**
 * Field errors for response_action "errors". Slack rejects the whole answer when a key is not an input block of
 * the view, so an error about something the form does not show is put on its first input instead of being lost.
 */
export function viewErrors(inputBlockIds: readonly string[], fieldErrors: Readonly<Record<string, string>>): Record<string, string> {
  const errors: Record<string, string> = {};
  const homeless: string[] = [];
  for (const [field, text] of Object.entries(fieldErrors)) {
    if (inputBlockIds.includes(field)) errors[field] = text;
    else homeless.push(text);
  }
  const first = inputBlockIds[0];
  if (homeless.length > 0 && first) errors[first] = [errors[first], ...homeless].filter(Boolean).join(' ');
  return errors;
}

/**
 * What the person sees when something fails. Refusals (AppError) and unreadable requests say what happened; any
 * other error is a bug: it is logged with a short reference, and the person gets the reference, never a stack.
 */
export function failureText(error: unknown, log: SlackLog): string {
  if (error instanceof AppError || error instanceof InboundError) return error.userMessage;
  // Slack's own transient refusals are not bugs: the person can simply try again.
  const slack = error as { code?: string; data?: { error?: string } };
  if (slack.code === 'slack_webapi_rate_limited_error') return 'Slack asked Stepping Stones to slow down. Please try again in a few seconds.';
  if (slack.data?.error === 'expired_trigger_id') return 'That took Slack too long to open. Please click again.';
  const ref = randomBytes(4).toString('hex');
  log(`Slack listener failed (ref ${ref}): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return `Something went wrong (ref ${ref}). Please try again; if it keeps happening, give this reference to your program coordinator.`;
}
