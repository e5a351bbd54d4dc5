import type { WebClient } from '@slack/web-api';
import { type AccountLookup, DeliveryError, type MessageSender } from '../../delivery/worker.ts';
import { renderMessages } from './render/block-kit.ts';

/**
 * Sends neutral messages through Slack's Web API. Rate limits surface as DeliveryError with Slack's Retry-After, so
 * the outbox (not the SDK) owns retries; the client must be built with rejectRateLimitedCalls and retries: 0.
 */
export function createSlackSender(client: WebClient): MessageSender {
  return async (destination, message) => {
    const channel = destination.channelId ?? destination.userId;
    if (!channel) throw new DeliveryError('no Slack channel or user to send to', { permanent: true });
    let first: { channelId: string; messageId: string } | undefined;
    try {
      for (const part of renderMessages(message)) {
        const response = await client.chat.postMessage({ channel, text: part.text, blocks: part.blocks });
        first ??= { channelId: String(response.channel), messageId: String(response.ts) };
      }
    } catch (error) {
      const e = error as { code?: string; retryAfter?: number; data?: { error?: string } };
      if (e.code === 'slack_webapi_rate_limited_error') {
        throw new DeliveryError('Slack rate limited the message', { retryAfterSeconds: e.retryAfter ?? 30 });
      }
      const slackError = e.data?.error;
      const permanent = ['channel_not_found', 'user_not_found', 'not_in_channel', 'is_archived', 'invalid_blocks', 'account_inactive'].includes(
        slackError ?? '',
      );
      throw new DeliveryError(`Slack refused the message: ${slackError ?? (error as Error).message}`, { permanent });
    }
    if (!first) throw new DeliveryError('nothing to send', { permanent: true });
    return first;
  };
}

/**
 * Finds a roster person's Slack account by email, so faculty can be prompted before they ever used the bot.
 * "users_not_found" means they are not in this workspace: the message waits and the coordinator can follow up.
 */
export function createSlackAccountLookup(client: WebClient): AccountLookup {
  return async (email) => {
    try {
      const found = await client.users.lookupByEmail({ email });
      const id = found.user?.id;
      const team = found.user?.team_id ?? '';
      return id ? { userId: id, workspaceId: team } : undefined;
    } catch (error) {
      if ((error as { data?: { error?: string } }).data?.error === 'users_not_found') return undefined;
      throw error;
    }
  };
}
