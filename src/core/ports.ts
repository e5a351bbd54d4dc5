import type { Db } from '../db/client.ts';

/** Time as the core sees it; tests move it instead of waiting. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** What every use case receives: the store and the clock. The outbox is written through the store's transaction. */
export interface CorePorts {
  db: Db;
  clock: Clock;
}
