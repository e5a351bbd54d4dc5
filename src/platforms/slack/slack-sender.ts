import type { WebClient } from '@slack/web-api';
import {
  type AccountLookup,
  DeliveryError,
  type Destination,
  type SendContext,
  type Sent,
  type SentMessageRef,
} from '../../delivery/worker.ts';
import { type Block, type ChartBlock, type Message, messageSchema } from '../../messages/model.ts';
import { renderBlocks, renderMessage, renderMessages } from './render/block-kit.ts';

/** Draws a chart block as a PNG (the trend chart renderer by default). */
export type ChartRenderer = (chart: ChartBlock) => Promise<Uint8Array>;

/** Options of the Slack sender. */
export interface SlackSenderOptions {
  /** Defaults to the trend chart renderer, loaded on first use (it brings a canvas library along). */
  renderChart?: ChartRenderer;
  /** How long the upload of a chart's bytes may take (default 30 s). */
  uploadTimeoutMs?: number;
  /** How long a channel's privacy, once checked, is trusted (default 60 s). */
  channelCacheMs?: number;
}

/** The Slack sender: posts, thread replies and chart uploads (send), and in-place replacements (update). */
export interface SlackSender {
  send(destination: Destination, message: Message, context: SendContext): Promise<Sent>;
  update(target: SentMessageRef, message: Message, context: SendContext): Promise<SentMessageRef>;
}

const SLACK_MESSAGE_BLOCKS = 50;

const defaultRenderChart: ChartRenderer = async (chart) => {
  const { renderTrendChartPng } = await import('../../charts/trend-chart.ts');
  return renderTrendChartPng(chart);
};

/**
 * Sends neutral messages through Slack's Web API. Failures surface as DeliveryError (429 with Slack's Retry-After,
 * server errors and timeouts as retryable), so the outbox, not the SDK, owns retries: the client must be built with
 * rejectRateLimitedCalls and retries: 0 (createSlackWebClient does).
 *
 * A message is posted as text first; each chart in it comes back as a follow-up part (stored by the worker as its
 * own outbox row) and is uploaded as a PNG by a later send into the same channel and thread. So a failed upload is
 * retried on its own and never posts the text a second time. The same holds for a message too long for one post.
 */
export function createSlackSender(client: WebClient, options: SlackSenderOptions = {}): SlackSender {
  const renderChart = options.renderChart ?? defaultRenderChart;
  const uploadTimeoutMs = options.uploadTimeoutMs ?? 30_000;
  const channelCacheMs = options.channelCacheMs ?? 60_000;
  const privateChannels = new Map<string, number>();

  /** CCC digests hold learners' assessments: they go only to private channels, checked before each post. */
  async function checkPrivate(channelId: string): Promise<void> {
    const checkedAt = privateChannels.get(channelId);
    if (checkedAt !== undefined && Date.now() - checkedAt < channelCacheMs) return;
    const info = await client.conversations.info({ channel: channelId });
    const channel = info.channel;
    if (channel?.is_im || channel?.is_mpim || channel?.is_private || channel?.is_group) {
      privateChannels.set(channelId, Date.now());
      return;
    }
    privateChannels.delete(channelId);
    const name = channel?.name ? `#${channel.name}` : channelId;
    throw new DeliveryError(
      `The CCC channel ${name} is public. CCC digests hold learners' assessments, so Stepping Stones posts them only to private channels: make the channel private or pick a private one.`,
      { permanent: true },
    );
  }

  async function dmChannel(userId: string): Promise<string> {
    const opened = await client.conversations.open({ users: userId });
    const id = opened.channel?.id;
    if (!id) throw new DeliveryError(`Slack opened no DM with ${userId}`);
    return id;
  }

  async function uploadChart(channelId: string, threadId: string | undefined, chart: ChartBlock, comment: string | undefined): Promise<string> {
    let png: Uint8Array;
    try {
      png = await renderChart(chart);
    } catch (error) {
      throw new DeliveryError(`the chart "${chart.title ?? chart.altText}" could not be drawn: ${(error as Error).message}`, { permanent: true });
    }
    const filename = `${slug(chart.title ?? 'chart')}.png`;
    // Slack's method reference names the alt text `alt_txt`; the SDK's types call it `alt_text`. Send both.
    const target = await client.files.getUploadURLExternal({
      filename,
      length: png.byteLength,
      alt_text: chart.altText,
      ...({ alt_txt: chart.altText } as object),
    });
    if (!target.upload_url || !target.file_id) throw new DeliveryError('Slack gave no upload URL for the chart');
    let response: Response;
    try {
      response = await fetch(target.upload_url, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: png,
        signal: AbortSignal.timeout(uploadTimeoutMs),
      });
    } catch (error) {
      throw new DeliveryError(`the chart upload did not complete: ${(error as Error).message}`);
    }
    if (response.status === 429) {
      throw new DeliveryError('Slack rate limited the chart upload', { retryAfterSeconds: retryAfter(response), rateLimited: true });
    }
    // Even a 4xx (an upload URL that expired) is worth a retry: the next try asks for a fresh URL.
    if (!response.ok) throw new DeliveryError(`the chart upload was refused with HTTP ${response.status}`);
    // Until completed, the file is shared nowhere: a retry after a failure here leaves no visible duplicate.
    await client.files.completeUploadExternal({
      files: [{ id: target.file_id, title: chart.title ?? chart.altText }],
      channel_id: channelId,
      ...(threadId ? { thread_ts: threadId } : {}),
      ...(comment ? { initial_comment: comment } : {}),
    });
    return target.file_id;
  }

  return {
    async send(destination, message, context) {
      const channel = destination.channelId ?? destination.userId;
      if (!channel) throw new DeliveryError('no Slack channel or user to send to', { permanent: true });
      return slackCall(async () => {
        if (context.kind.startsWith('ccc-digest') && destination.channelId) await checkPrivate(destination.channelId);
        const charts = message.blocks.filter((block): block is ChartBlock => block.type === 'chart');
        if (charts.length > 0 && charts.length === message.blocks.length) {
          // Only charts (a follow-up part has one): the first is uploaded with the message's text as its caption, any
          // others follow as parts of their own, so a failure never uploads an image twice.
          const channelId = destination.channelId ?? (await dmChannel(destination.userId!));
          const fileId = await uploadChart(channelId, destination.threadId, charts[0]!, message.text);
          const followUps = charts.slice(1).map((chart) => ({ text: chart.title ?? chart.altText, blocks: [chart] }));
          return followUps.length > 0 ? { channelId, messageId: fileId, followUps } : { channelId, messageId: fileId };
        }
        const [first, ...rest] = neutralParts(message);
        const parts = renderMessages(first!);
        let posted: { channelId: string; messageId: string } | undefined;
        // One neutral part normally renders to one post; a single block too large for a post (a long level grid)
        // renders to several, which then go together.
        for (const part of parts) {
          const response = await client.chat.postMessage({
            channel,
            text: part.text,
            blocks: part.blocks,
            ...(destination.threadId ? { thread_ts: destination.threadId } : {}),
          });
          posted ??= { channelId: String(response.channel), messageId: String(response.ts) };
        }
        if (!posted) throw new DeliveryError('nothing to send', { permanent: true });
        // Each part's charts follow that part (a later part brings its own when it is sent).
        const firstCharts = first!.blocks.filter((block): block is ChartBlock => block.type === 'chart');
        const followUps = [...firstCharts.map((chart) => ({ text: chart.title ?? chart.altText, blocks: [chart] })), ...rest];
        return followUps.length > 0 ? { ...posted, followUps } : posted;
      });
    },

    async update(target, message) {
      return slackCall(async () => {
        // Charts in a replacement keep their words only: a message's files cannot be swapped in place.
        const { text, blocks } = renderMessage(message);
        const response = await client.chat.update({ channel: target.channelId, ts: target.messageId, text, blocks });
        return { channelId: String(response.channel ?? target.channelId), messageId: String(response.ts ?? target.messageId) };
      });
    },
  };
}

/**
 * Splits a message into parts that each fit one Slack post, at block boundaries of the neutral model, so the
 * parts after the first can be delivered (and retried) on their own. Later parts say "(part 2 of 3)".
 */
function neutralParts(message: Message): Message[] {
  messageSchema.parse(message);
  const groups: Block[][] = [];
  let current: Block[] = [];
  let size = 0;
  for (const block of message.blocks) {
    const rendered = renderBlocks([block]).length;
    if (current.length > 0 && size + rendered > SLACK_MESSAGE_BLOCKS) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(block);
    size += rendered;
  }
  groups.push(current);
  if (groups.length === 1) return [message];
  return groups.map((blocks, index) => ({
    text: index === 0 ? message.text : `${message.text} (part ${index + 1} of ${groups.length})`,
    blocks,
  }));
}

// Slack errors that no retry can fix: the message is dead-lettered at once and the coordinator told.
const PERMANENT_ERRORS = new Set([
  'channel_not_found',
  'user_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_blocks',
  'account_inactive',
  'msg_too_long',
  'no_text',
  'cant_update_message',
  'message_not_found',
  'edit_window_closed',
  'file_uploads_disabled',
  'restricted_action',
]);

/** Runs Slack calls, turning the WebClient's errors into the outbox's DeliveryError. */
async function slackCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toDeliveryError(error);
  }
}

function toDeliveryError(error: unknown): Error {
  if (error instanceof DeliveryError) return error;
  const e = error as { code?: string; retryAfter?: number; statusCode?: number; original?: Error; data?: { error?: string } };
  switch (e.code) {
    case 'slack_webapi_rate_limited_error':
      return new DeliveryError('Slack rate limited the message', { retryAfterSeconds: e.retryAfter ?? 30, rateLimited: true });
    case 'slack_webapi_http_error':
      return new DeliveryError(`Slack answered HTTP ${e.statusCode}`, { permanent: (e.statusCode ?? 500) < 500 && e.statusCode !== 408 });
    case 'slack_webapi_request_error': {
      const original = e.original;
      const timedOut = original?.name === 'TimeoutError' || original?.name === 'AbortError';
      // Slack may have acted on a request it did not answer in time: the retry can post the message a second time.
      return new DeliveryError(timedOut ? 'Slack did not answer in time' : `Slack could not be reached: ${original?.message ?? 'network error'}`);
    }
    case 'slack_webapi_platform_error': {
      const slackError = e.data?.error ?? 'unknown_error';
      return new DeliveryError(`Slack refused the message: ${slackError}`, { permanent: PERMANENT_ERRORS.has(slackError) });
    }
    default:
      return new DeliveryError(`Slack call failed: ${(error as Error).message}`);
  }
}

function retryAfter(response: Response): number {
  const seconds = Number(response.headers.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds : 30;
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || 'chart'
  );
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
      throw toDeliveryError(error);
    }
  };
}
