import { and, asc, eq } from 'drizzle-orm';
import { AppError } from '../core/errors.ts';
import { openPlanRefresh } from '../core/learning-plans/open-plan-refresh.ts';
import { type Clock, systemClock } from '../core/ports.ts';
import { openSelfAssessmentWindow } from '../core/self-assessment/open-self-assessment-window.ts';
import type { Db } from '../db/client.ts';
import { programs, reportingPeriods } from '../db/schema/index.ts';

interface JobInput {
  db: Db;
  clock?: Clock;
  out: (line: string) => void;
  err: (line: string) => void;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The programs a job runs for: the one named, or every program (a period code names the same half-year in each). */
async function programsFor(db: Db, slug: string | undefined): Promise<{ id: string; slug: string; name: string }[] | string> {
  const all = await db.select({ id: programs.id, slug: programs.slug, name: programs.name }).from(programs).orderBy(asc(programs.slug));
  if (slug === undefined) return all.length ? all : 'There are no programs yet; import programs first.';
  const named = all.filter((p) => p.slug === slug);
  return named.length ? named : `There is no program "${slug}"; known programs: ${all.map((p) => p.slug).join(', ') || 'none (import programs first)'}.`;
}

/**
 * `stepping-stones jobs run self-assessment --period 2026-mid [--program SLUG]`: opens the period's self-assessment
 * window (one DM per resident with Start) and, with it, asks each resident to write or refresh their learning plan.
 * Safe to run again: both DMs are keyed by period and resident. Without --program it runs for every program that
 * has the period; one that cannot open (no milestone set loaded) is named and the others still run.
 */
export async function runSelfAssessmentJob(input: JobInput & { period: string | undefined; program: string | undefined }): Promise<number> {
  if (!input.period) {
    input.err('Usage: stepping-stones jobs run self-assessment --period CODE (e.g. 2026-mid) [--program SLUG]');
    return 1;
  }
  const code = input.period.trim().toLowerCase();
  const found = await programsFor(input.db, input.program);
  if (typeof found === 'string') {
    input.err(found);
    return 1;
  }
  const clock = input.clock ?? systemClock;
  let failed = false;
  let ran = 0;
  for (const program of found) {
    // Unnamed programs without this period are simply not part of the run; a named one must have it (periodOf says which exist).
    const [period] = await input.db
      .select({ id: reportingPeriods.id })
      .from(reportingPeriods)
      .where(and(eq(reportingPeriods.programId, program.id), eq(reportingPeriods.code, code)));
    if (input.program === undefined && !period) continue;
    try {
      const window = await openSelfAssessmentWindow({ db: input.db, clock, programId: program.id, periodCode: code });
      const plan = await openPlanRefresh({ db: input.db, clock, programId: program.id, periodCode: code });
      ran += 1;
      input.out(
        `self-assessment ${window.periodCode} (${program.name}): ${plural(window.invited, 'resident')} invited, ${window.alreadyInvited} already before; ` +
          `plan refresh asked of ${plural(plan.asked, 'resident')}, ${plan.alreadyAsked} already before.`,
      );
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      // The operator's to fix (unknown period, no milestone set): say so plainly, and carry on with the other programs.
      input.err(`${program.slug}: ${error.userMessage}`);
      failed = true;
    }
  }
  if (ran === 0 && !failed) {
    input.err(`No program has a reporting period ${code}.`);
    return 1;
  }
  return failed ? 1 : 0;
}
