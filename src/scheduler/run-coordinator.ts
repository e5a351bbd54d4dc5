import type { RunCoordinator } from 'node-cron';
import type { Db } from '../db/client.ts';
import { cronSlots } from '../db/schema/index.ts';

/** A node-cron coordination key split into the task's name and its fire slot. */
export interface CronSlotKey {
  task: string;
  slot: string;
}

// node-cron 4.6 forms the key as `${name}:${slot.toISOString()}` (Runner.runCoordinated in dist/_shared.js). The
// ISO timestamp itself contains colons and a name may too, so the slot is matched from the end, by its exact shape.
const KEY = /^(.+):(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)$/;

/** Parses node-cron's `name:slotISO` key; throws on anything else, so node-cron fails closed and skips the fire. */
export function parseCronSlotKey(key: string): CronSlotKey {
  const match = KEY.exec(key);
  if (!match) throw new Error(`not a node-cron coordination key (name:slotISO): ${key}`);
  return { task: match[1]!, slot: match[2]! };
}

/**
 * node-cron's run coordinator backed by one `cron_slots` row per (task, slot): the first instance to insert the
 * row runs that fire, every other instance is told no. A row, not a lease, because the slot never comes back:
 * `ttlMs` (node-cron's lease length) is not needed and ignored. This elects one runner per fire; it does not make
 * a job exactly-once across crashes, which is why jobs also claim their period (job-claims.ts).
 */
export function createDatabaseRunCoordinator(options: { db: Db; instance: string }): RunCoordinator {
  return {
    async shouldRun(key: string, _ttlMs: number): Promise<boolean> {
      const { task, slot } = parseCronSlotKey(key);
      const inserted = await options.db
        .insert(cronSlots)
        .values({ task, slot, claimedBy: options.instance })
        .onConflictDoNothing({ target: [cronSlots.task, cronSlots.slot] })
        .returning({ task: cronSlots.task });
      return inserted.length === 1;
    },
  };
}
