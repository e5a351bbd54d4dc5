import type { WebClient } from '@slack/web-api';
import type { CorePorts } from '../../core/ports.ts';
import { deliverDueMessages } from '../../delivery/worker.ts';
import type { SlackLog } from './replies.ts';
import { createSlackAccountLookup, createSlackSender } from './slack-sender.ts';

/** A running delivery loop for Slack. */
export interface SlackDelivery {
  /** Run a pass soon (after a use case enqueued something) instead of at the next tick. */
  nudge(): void;
  /** Stops the timer and waits for a pass in progress, so the database can close after it. */
  stop(): Promise<void>;
}

/**
 * Sends due outbox messages through Slack every `intervalMs` and whenever nudged. Passes never overlap: a nudge
 * during a pass makes one more pass right after it, so a burst of clicks costs at most two passes.
 */
export function startSlackDelivery(input: CorePorts & { client: WebClient; log: SlackLog; intervalMs?: number }): SlackDelivery {
  const intervalMs = input.intervalMs ?? 1000;
  const senders = { slack: createSlackSender(input.client) };
  const lookups = { slack: createSlackAccountLookup(input.client) };
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
        try {
          await deliverDueMessages({ db: input.db, clock: input.clock, senders, lookups });
        } catch (error) {
          // A failed pass (database briefly away) is retried at the next tick; the rows stay pending.
          input.log(`Slack delivery pass failed: ${(error as Error).message}`);
        }
      } while (again && !stopped);
    })().finally(() => {
      running = undefined;
      schedule(intervalMs);
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
