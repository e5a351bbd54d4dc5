// What the fake chat servers (fake-slack.ts, fake-teams.ts) share: waiting for recorded calls, and the seeded
// generator their random faults are drawn from, so a failing run can be replayed.

/** Waits for calls a fake records; `wake()` after each recorded (or answered) call lets waiters look again. */
export function callWaiters<Call>(fake: string, describe: (call: Call) => string, calls: () => readonly Call[]) {
  let waiters: Array<() => void> = [];
  return {
    wake(): void {
      for (const waiter of waiters) waiter();
    },
    /** Resolves once `matching()` finds at least `count` calls; rejects after `timeoutMs`, naming what came. */
    waitForCount(matching: () => Call[], what: string, count: number, timeoutMs = 2000): Promise<Call[]> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = matching();
          if (found.length < count) return false;
          resolve(found);
          return true;
        };
        if (check()) return;
        const waiter = () => {
          if (check()) done();
        };
        const timer = setTimeout(() => {
          done();
          const seen = calls().map(describe).join(', ') || 'none';
          reject(
            new Error(`${fake}: expected ${count} matching ${what} call(s) within ${timeoutMs} ms, got ${matching().length}; calls seen: ${seen}`),
          );
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters = waiters.filter((w) => w !== waiter);
        };
        waiters.push(waiter);
      });
    },
  };
}

/** A small seeded generator (mulberry32): the same seed gives the same faults. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
