import type { WebClient } from '@slack/web-api';
import type { CorePorts } from '../../core/ports.ts';
import { deliverDueMessages, nextDueAt, SLACK_PACE_MS } from '../../delivery/worker.ts';
import type { SlackLog } from './replies.ts';
import { type ChartRenderer, createSlackAccountLookup, createSlackSender } from './slack-sender.ts';

const MIN_DELAY_MS = 20;

/** A running delivery loop for Slack. */
export interface SlackDelivery {
  /** Run a pass soon (after a use case enqueued something) instead of at the next tick. */
  nudge(): void;
  /** Stops the timer and waits for a pass in progress, so the database can close after it. */
  stop(): Promise<void>;
}

/**
 * Sends due outbox messages through Slack every `intervalMs` and whenever nudged. Passes never overlap: a nudge
 * during a pass makes one more pass right after it, so a burst of clicks costs at most two passes. When a row
 * falls due before the next tick (the next message of a paced burst, a Retry-After), the pass is run then.
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
  const intervalMs = input.intervalMs ?? 1000;
  const senders = { slack: createSlackSender(input.client, input.renderChart ? { renderChart: input.renderChart } : {}) };
  const lookups = { slack: createSlackAccountLookup(input.client) };
  let delay = intervalMs;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  const schedule = (delay: number) => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(pass, delay);
  };

  function pass(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        delay = intervalMs;
        try {
          await deliverDueMessages({
            db: input.db,
            clock: input.clock,
            senders,
            lookups,
            log: input.log,
            paceMs: input.paceMs ?? SLACK_PACE_MS,
          });
          const due = await nextDueAt(input.db, ['slack']);
          // A short floor: a row due but not claimable just now (locked by another worker) must not spin the loop.
          if (due) delay = Math.min(intervalMs, Math.max(MIN_DELAY_MS, due.getTime() - input.clock.now().getTime()));
        } catch (error) {
          // A failed pass (database briefly away) is retried at the next tick; the rows stay pending.
          input.log(`Slack delivery pass failed: ${(error as Error).message}`);
        }
      } while (again && !stopped);
    })().finally(() => {
      running = undefined;
      schedule(delay);
    });
  }

  schedule(0);
  return {
    nudge: () => schedule(0),
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
