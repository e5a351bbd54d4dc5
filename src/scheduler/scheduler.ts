import cron, { type ScheduledTask } from 'node-cron';
import { asc, eq } from 'drizzle-orm';
import type { Clock } from '../core/ports.ts';
import { addDays, dateIn, datesFrom, zonedInstant } from '../domain/calendar.ts';
import type { Db } from '../db/client.ts';
import { programs } from '../db/schema/index.ts';
import { claimedBetween, DAILY_JOBS, type DailyJobOutcome, firstClaimedDates, type ProgramRow, runDailyJobs } from './daily-jobs.ts';
import { createDatabaseRunCoordinator } from './run-coordinator.ts';

/** The local hour the daily jobs run at in each program's time zone: before the day's work starts. */
export const DEFAULT_DAILY_HOUR = 7;
/** How far back a start-up catch-up looks: older missed days are left to `jobs run` by hand. */
export const CATCH_UP_DAYS = 14;
/**
 * When the scheduler looks again for programs: a new time zone gets its task, and a program imported after its
 * zone's tick today has its day caught up (its first day, which is the day it is first seen).
 */
export const REFRESH_CRON = '30 * * * *';

export interface SchedulerOptions {
  db: Db;
  clock: Clock;
  /** Names this instance in claims and cron slots (hostname:pid by default, see config.ts). */
  instance: string;
  log: (line: string) => void;
  hour?: number;
  /** Tests: a cron expression of their own (e.g. every second) instead of `0 {hour} * * *`. */
  cronExpression?: string;
  /** Tests: no hourly refresh task. */
  refresh?: boolean;
  /** Called when this instance runs a zone's fire (after the coordinator said yes), e.g. to count fires in tests. */
  onFire?: (fire: { timeZone: string; slot: Date }) => void;
}

/** What a catch-up ran: per program slug, the dates it ran daily jobs for. */
export type CatchUpResult = Record<string, string[]>;

export interface Scheduler {
  /** The time zones with a daily task. */
  zones(): string[];
  /** The node-cron task name of a zone's daily task (its cron_slots rows carry it). */
  taskName(timeZone: string): string;
  /**
   * One fire of a zone's task exactly as node-cron's distributed mode makes it — the run coordinator decides on
   * `name:slotISO`, then the zone's programs run their daily jobs for the slot's local date. Returns whether this
   * instance ran it. Tests drive a simulated clock through here instead of waiting for wall-clock minutes.
   */
  fire(timeZone: string, slot: Date): Promise<boolean>;
  /** Fires every zone task whose expression matches the instant (node-cron's own matcher). */
  tick(instant: Date): Promise<void>;
  /** Runs the daily jobs of every local date missed since the last run (bounded), each date once. */
  catchUp(): Promise<CatchUpResult>;
  /** The catch-up started with the scheduler. */
  readonly caughtUp: Promise<CatchUpResult>;
  /** Adds tasks for time zones of programs added since, and catches up. */
  refresh(): Promise<CatchUpResult>;
  /** Stops the tasks and waits for runs in progress (call before closing the database). */
  stop(): Promise<void>;
}

function summarize(program: ProgramRow, date: string, outcomes: DailyJobOutcome[]): string | undefined {
  const parts = outcomes.flatMap((o) => {
    if (o.status === 'failed') return [`${o.job} FAILED: ${o.error}`];
    if (o.status !== 'ran') return [];
    const counts = Object.entries(o.result).filter(([, v]) => typeof v === 'number' && v > 0);
    return counts.length ? [`${o.job} ${counts.map(([k, v]) => `${k}=${v}`).join(' ')}`] : [];
  });
  return parts.length ? `Daily jobs for ${program.slug} on ${date}: ${parts.join('; ')}` : undefined;
}

/**
 * Starts the daily scheduler: one node-cron task per distinct program time zone, firing at `hour`:00 local time in
 * distributed mode with the database run coordinator (one instance runs each fire), each fire running the daily jobs
 * of the zone's programs for that local date; then a catch-up of missed days. Every job also claims its
 * (job, program, date), so fires, catch-ups of several instances and hand runs never act twice.
 */
export function startScheduler(options: SchedulerOptions): Scheduler {
  const { db, clock, instance, log } = options;
  const hour = options.hour ?? DEFAULT_DAILY_HOUR;
  const expression = options.cronExpression ?? `0 ${hour} * * *`;
  const coordinator = createDatabaseRunCoordinator({ db, instance });
  const tasks = new Map<string, ScheduledTask>();
  const running = new Set<Promise<unknown>>();
  let stopped = false;
  let refreshTask: ScheduledTask | undefined;
  let caughtUp: Promise<CatchUpResult> = Promise.resolve({});

  // Runs in this instance go one after another: a fire, a catch-up and a refresh never interleave their jobs.
  let queue: Promise<unknown> = Promise.resolve();
  function serial<T>(work: () => Promise<T>): Promise<T> {
    const next = queue.then(work, work);
    queue = next.catch(() => {});
    running.add(next);
    void next.finally(() => running.delete(next)).catch(() => {});
    return next;
  }

  const taskName = (timeZone: string) => `stepping-stones:daily:${timeZone}`;

  async function programsIn(timeZone?: string): Promise<ProgramRow[]> {
    return db
      .select()
      .from(programs)
      .where(timeZone ? eq(programs.timeZone, timeZone) : undefined)
      .orderBy(asc(programs.slug));
  }

  async function runDay(program: ProgramRow, date: string, only?: readonly string[]): Promise<void> {
    const outcomes = await runDailyJobs({ db, clock, program, date, instance, ...(only ? { only } : {}) });
    const line = summarize(program, date, outcomes);
    if (line) log(line);
  }

  async function runZone(timeZone: string, slot: Date): Promise<void> {
    options.onFire?.({ timeZone, slot });
    const date = dateIn(timeZone, slot);
    for (const program of await programsIn(timeZone)) await runDay(program, date);
  }

  function addZone(timeZone: string): void {
    if (tasks.has(timeZone) || stopped) return;
    const task = cron.schedule(
      expression,
      async (context) => {
        // A fire elected while stopping: the database may be closing under it.
        if (stopped) return;
        try {
          await serial(() => runZone(timeZone, context.date));
        } catch (error) {
          log(`Daily jobs for ${timeZone} failed: ${(error as Error).message}`);
        }
      },
      { name: taskName(timeZone), timezone: timeZone, distributed: true, runCoordinator: coordinator, noOverlap: true },
    );
    tasks.set(timeZone, task);
  }

  async function addZones(): Promise<void> {
    const zones = await db.selectDistinct({ timeZone: programs.timeZone }).from(programs);
    for (const { timeZone } of zones) addZone(timeZone);
  }

  async function catchUpNow(): Promise<CatchUpResult> {
    if (stopped) return {};
    const all = await programsIn();
    const firsts = await firstClaimedDates(
      db,
      all.map((p) => p.id),
    );
    const now = clock.now();
    const result: CatchUpResult = {};
    for (const program of all) {
      const today = dateIn(program.timeZone, now);
      const lastDue = now >= zonedInstant(program.timeZone, today, hour) ? today : addDays(today, -1);
      // Never before the scheduler's first day for the program: a fresh install does not replay the past.
      const first = firsts.get(program.id) ?? today;
      const windowStart = addDays(today, -(CATCH_UP_DAYS - 1));
      const from = first > windowStart ? first : windowStart;
      if (from > lastDue) continue;
      const claimed = await claimedBetween(db, program.id, from, lastDue);
      for (const date of datesFrom(from, lastDue)) {
        const missing = DAILY_JOBS.filter((job) => !claimed.has(`${job.name} ${date}`)).map((job) => job.name);
        if (missing.length === 0) continue;
        await runDay(program, date, missing);
        result[program.slug] = [...(result[program.slug] ?? []), date];
      }
    }
    return result;
  }

  const scheduler: Scheduler = {
    zones: () => [...tasks.keys()].sort(),
    taskName,
    async fire(timeZone, slot) {
      // node-cron's Runner.runCoordinated: the coordinator decides on `${name}:${slot.toISOString()}`.
      const allowed = await coordinator.shouldRun(`${taskName(timeZone)}:${slot.toISOString()}`, 0);
      if (allowed) await serial(() => runZone(timeZone, slot));
      return allowed;
    },
    async tick(instant) {
      await Promise.all(
        [...tasks.entries()].filter(([, task]) => task.match(instant)).map(([timeZone]) => scheduler.fire(timeZone, instant)),
      );
    },
    catchUp: () => serial(catchUpNow),
    get caughtUp() {
      return caughtUp;
    },
    async refresh() {
      if (stopped) return {};
      await addZones();
      return scheduler.catchUp();
    },
    async stop() {
      stopped = true;
      for (const task of [...tasks.values(), ...(refreshTask ? [refreshTask] : [])]) await task.destroy();
      tasks.clear();
      await Promise.allSettled([...running]);
    },
  };

  caughtUp = scheduler.refresh().catch((error: unknown) => {
    log(`Scheduler catch-up failed: ${(error as Error).message}`);
    return {} as CatchUpResult;
  });
  if (options.refresh !== false) {
    refreshTask = cron.schedule(REFRESH_CRON, () => {
      scheduler.refresh().catch((error: unknown) => log(`Scheduler refresh failed: ${(error as Error).message}`));
    });
  }
  return scheduler;
}
