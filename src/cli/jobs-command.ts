import { hostname } from 'node:os';
import { asc } from 'drizzle-orm';
import { parseCalendarDate } from '../core/imports/csv.ts';
import { type Clock, systemClock } from '../core/ports.ts';
import type { Db } from '../db/client.ts';
import { programs } from '../db/schema/index.ts';
import { dateIn } from '../domain/calendar.ts';
import { DAILY_JOB_NAMES, DAILY_JOBS, type DailyJobOutcome, HAND_RUN_PREFIX, type ProgramRow, runDailyJob } from '../scheduler/daily-jobs.ts';
import { runSelfAssessmentJob } from './growth-jobs.ts';
import { runMultisourceJob } from './multisource-job.ts';

/** Jobs that can be run by hand: every daily job of the scheduler, `daily` for all of them, and two by period. */
export const JOB_NAMES = [...DAILY_JOB_NAMES, 'daily', 'multisource', 'self-assessment'] as const;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

// The two daily jobs that were run by hand before the scheduler existed keep the lines scripts already read.
const LEGACY_LINES: Readonly<Record<string, (date: string, r: Record<string, number>) => string>> = {
  'rotation-prompts': (date, r) =>
    `rotation-prompts ${date}: ${plural(r.residents ?? 0, 'resident assignment')} ended; ` +
    `${plural(r.prompted ?? 0, 'faculty prompt')} queued, ${r.alreadyPrompted ?? 0} already sent before.`,
  'goal-nudges': (date, r) => `goal-nudges ${date}: ${plural(r.nudged ?? 0, 'nudge')} queued for goals due that day, ${r.alreadyNudged ?? 0} already sent before.`,
};

function describeOutcome(outcome: DailyJobOutcome | undefined, before: DailyJobOutcome | undefined): string {
  const note =
    before?.status === 'claimed-before'
      ? ` — already run for this date (by ${before.claimedBy}, ${before.claimedAt.toISOString()}); ran again, which sends only what was missing`
      : '';
  if (!outcome || outcome.status === 'claimed-before') return `not run${note}`;
  if (outcome.status === 'failed') return `FAILED: ${outcome.error}${note}`;
  return `${Object.entries(outcome.result).map(([k, v]) => `${k}=${v}`).join(' ') || 'done'}${note}`;
}

/**
 * `stepping-stones jobs run NAME [--date YYYY-MM-DD] [--program SLUG]`; returns the exit code.
 *
 * Daily jobs go through the scheduler's claims (job, program, date): a hand run records the date as done, so the
 * scheduler's catch-up leaves it alone. A date claimed before (by the scheduler or an earlier hand run) is said so
 * and run again anyway: every daily job is idempotent (outbox keys, conditional updates), so running again only
 * sends what is missing — the way to finish a run that crashed half-way.
 */
export async function runJob(input: {
  db: Db;
  name: string | undefined;
  date: string | undefined;
  /** multisource: a rotation block (with --date) or a reporting period, and the program when there are several. */
  rotation?: string | undefined;
  period?: string | undefined;
  program?: string | undefined;
  clock?: Clock;
  out: (line: string) => void;
  err: (line: string) => void;
}): Promise<number> {
  if (!input.name || !(JOB_NAMES as readonly string[]).includes(input.name)) {
    input.err(`Usage: stepping-stones jobs run ${JOB_NAMES.join('|')} [--date YYYY-MM-DD] [--program SLUG]`);
    return 1;
  }
  if (input.name === 'multisource') {
    return runMultisourceJob({ ...input, rotation: input.rotation, period: input.period, program: input.program });
  }
  if (input.name === 'self-assessment') return runSelfAssessmentJob({ ...input, period: input.period, program: input.program });

  const date = input.date === undefined ? undefined : parseCalendarDate(input.date);
  if (input.date !== undefined && !date) {
    input.err(`--date must be a date like 2026-10-31, got "${input.date}".`);
    return 1;
  }
  const all = await input.db.select().from(programs).orderBy(asc(programs.slug));
  const chosen: ProgramRow[] = input.program === undefined ? all : all.filter((p) => p.slug === input.program);
  if (chosen.length === 0) {
    input.err(
      input.program === undefined
        ? 'There are no programs yet; import programs first.'
        : `There is no program "${input.program}"; known programs: ${all.map((p) => p.slug).join(', ') || 'none (import programs first)'}.`,
    );
    return 1;
  }
  const clock = input.clock ?? systemClock;
  const instance = `${HAND_RUN_PREFIX}${hostname()}:${process.pid}`;
  const jobs = input.name === 'daily' ? DAILY_JOBS : DAILY_JOBS.filter((job) => job.name === input.name);
  let failed = false;

  const legacy = LEGACY_LINES[input.name];
  if (legacy) {
    // One line over all programs, as before; the date defaults to today in the first program's time zone.
    const day = date ?? dateIn(chosen[0]!.timeZone, clock.now());
    const totals: Record<string, number> = {};
    for (const program of chosen) {
      const outcome = await runDailyJob({ db: input.db, clock, program, date: day, job: jobs[0]!, instance, again: true });
      if (outcome.status === 'failed') {
        input.err(`${program.slug}: ${outcome.error}`);
        failed = true;
      } else if (outcome.status === 'ran') {
        for (const [key, value] of Object.entries(outcome.result)) if (typeof value === 'number') totals[key] = (totals[key] ?? 0) + value;
      }
    }
    input.out(legacy(day, totals));
    return failed ? 1 : 0;
  }

  for (const program of chosen) {
    const day = date ?? dateIn(program.timeZone, clock.now());
    for (const job of jobs) {
      const first = await runDailyJob({ db: input.db, clock, program, date: day, job, instance });
      const outcome = first.status === 'claimed-before' ? await runDailyJob({ db: input.db, clock, program, date: day, job, instance, again: true }) : first;
      if (outcome.status === 'failed') failed = true;
      input.out(`${job.name} ${day} (${program.slug}): ${describeOutcome(outcome, first)}`);
    }
  }
  return failed ? 1 : 0;
}
