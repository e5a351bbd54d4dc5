import type { CorePorts } from '../core/ports.ts';
import { type AccountLookup, deliverDueMessages, type MessageSender, nextDueAt } from './worker.ts';

type Platform = 'slack' | 'teams';

const MIN_DELAY_MS = 20;

/** A running delivery loop for one platform. */
export interface DeliveryLoop {
  /** Run a pass soon (after a use case enqueued something) instead of at the next tick. */
  nudge(): void;
  /** Stops the timer and waits for a pass in progress, so the database can close after it. */
  stop(): Promise<void>;
}

/** What a platform's loop is made of. */
export interface DeliveryLoopInput extends CorePorts {
  platform: Platform;
  sender: MessageSender;
  /** Finds and links a person's account by roster email before their first message (Slack). */
  lookup?: AccountLookup;
  log: (line: string) => void;
  /** Spacing of messages to one destination (a person's DMs, a channel): the platform's pace. */
  paceMs: number;
  /** Longest sleep between passes (default 1 s). */
  intervalMs?: number;
  /** Rows sent side by side, to different destinations (the worker's default when unset). */
  concurrency?: number;
  /** Runs before each pass, in it (the Teams loop holds messages for people who have not installed the app). */
  beforePass?: () => Promise<void>;
  /** Runs after each pass, in it (the Teams loop tells coordinators who could not be reached). */
  afterPass?: () => Promise<void>;
  /** Names the platform in the log (default: Slack / Teams). */
  label?: string;
}

/**
 * Sends one platform's due outbox messages every `intervalMs` and whenever nudged. Passes never overlap: a nudge
 * during a pass makes one more pass right after it, so a burst of clicks costs at most two passes. When a row
 * falls due before the next tick (the next message of a paced burst, a Retry-After), the pass is run then.
 */
export function startDeliveryLoop(input: DeliveryLoopInput): DeliveryLoop {
  const intervalMs = input.intervalMs ?? 1000;
  const label = input.label ?? (input.platform === 'slack' ? 'Slack' : 'Teams');
  const senders = { [input.platform]: input.sender };
  const lookups = input.lookup ? { [input.platform]: input.lookup } : undefined;
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
          await input.beforePass?.();
          await deliverDueMessages({
            db: input.db,
            clock: input.clock,
            senders,
            ...(lookups ? { lookups } : {}),
            log: input.log,
            paceMs: input.paceMs,
            ...(input.concurrency !== undefined ? { concurrency: input.concurrency } : {}),
          });
          await input.afterPass?.();
          const due = await nextDueAt(input.db, [input.platform]);
          // A short floor: a row due but not claimable just now (locked by another worker) must not spin the loop.
          if (due) delay = Math.min(intervalMs, Math.max(MIN_DELAY_MS, due.getTime() - input.clock.now().getTime()));
        } catch (error) {
          // A failed pass (database briefly away) is retried at the next tick; the rows stay pending.
          input.log(`${label} delivery pass failed: ${(error as Error).message}`);
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
