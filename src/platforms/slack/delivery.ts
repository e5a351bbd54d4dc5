import type { WebClient } from '@slack/web-api';
import type { CorePorts } from '../../core/ports.ts';
import { type DeliveryLoop, startDeliveryLoop } from '../../delivery/delivery-loop.ts';
import { SLACK_PACE_MS } from '../../delivery/worker.ts';
import type { SlackLog } from './replies.ts';
import { type ChartRenderer, createSlackAccountLookup, createSlackSender } from './slack-sender.ts';

/** A running delivery loop for Slack. */
export type SlackDelivery = DeliveryLoop;

/**
 * Sends due outbox messages through Slack every `intervalMs` and whenever nudged (the platform-neutral delivery
 * loop with the Slack sender, the by-email account lookup and Slack's pace of about one message a second).
 */
export function startSlackDelivery(
  input: CorePorts & {
    client: WebClient;
    log: SlackLog;
    intervalMs?: number;
    /** Draws chart blocks as PNGs (default: the trend chart renderer). */
    renderChart?: ChartRenderer;
    /** Spacing of messages to one channel or person (default 1 s, Slack's pace per channel). */
    paceMs?: number;
  },
): SlackDelivery {
  return startDeliveryLoop({
    db: input.db,
    clock: input.clock,
    platform: 'slack',
    sender: createSlackSender(input.client, input.renderChart ? { renderChart: input.renderChart } : {}),
    lookup: createSlackAccountLookup(input.client),
    log: input.log,
    paceMs: input.paceMs ?? SLACK_PACE_MS,
    ...(input.intervalMs !== undefined ? { intervalMs: input.intervalMs } : {}),
  });
}
