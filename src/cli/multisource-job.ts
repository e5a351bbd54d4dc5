import { asc, eq } from 'drizzle-orm';
import { AppError } from '../core/errors.ts';
import { parseCalendarDate } from '../core/imports/csv.ts';
import { openMultisourceRound } from '../core/multisource/open-multisource-round.ts';
import { systemClock } from '../core/ports.ts';
import type { Db } from '../db/client.ts';
import { programs } from '../db/schema/index.ts';

const USAGE = 'Usage: stepping-stones jobs run multisource (--rotation CODE [--date YYYY-MM-DD] | --period CODE) [--program SLUG]';

/** The program a job is for: the one named, or the only one there is (naming it then is optional). */
async function programFor(db: Db, slug: string | undefined): Promise<{ id: string; name: string } | string> {
  const all = await db.select({ id: programs.id, slug: programs.slug, name: programs.name }).from(programs).orderBy(asc(programs.slug));
  if (slug !== undefined) {
    const [named] = await db.select({ id: programs.id, name: programs.name }).from(programs).where(eq(programs.slug, slug));
    return named ?? `There is no program "${slug}"; known programs: ${all.map((p) => p.slug).join(', ') || 'none (import programs first)'}.`;
  }
  if (all.length === 1) return all[0]!;
  if (all.length === 0) return 'There are no programs yet; import programs first.';
  return `There are ${all.length} programs; name one with --program (${all.map((p) => p.slug).join(', ')}).`;
}

/**
 * `stepping-stones jobs run multisource`: opens a 360 round for a rotation block (its assignments ending on
 * --date, today by default) or for a reporting period, and says what it queued. Running it again is safe: the
 * round and its requests have natural keys, so only raters or residents added since are asked.
 */
export async function runMultisourceJob(input: {
  db: Db;
  rotation: string | undefined;
  date: string | undefined;
  period: string | undefined;
  program: string | undefined;
  out: (line: string) => void;
  err: (line: string) => void;
}): Promise<number> {
  if ((input.rotation === undefined) === (input.period === undefined) || (input.period !== undefined && input.date !== undefined)) {
    input.err(`${USAGE}\nOpen a round either for a rotation block (--rotation, with the date it ends) or for a reporting period (--period), not both.`);
    return 1;
  }
  const endsOn = input.rotation === undefined ? undefined : input.date === undefined ? new Date().toISOString().slice(0, 10) : parseCalendarDate(input.date);
  if (input.rotation !== undefined && !endsOn) {
    input.err(`--date must be a date like 2026-07-31, got "${input.date}".`);
    return 1;
  }
  const program = await programFor(input.db, input.program);
  if (typeof program === 'string') {
    input.err(program);
    return 1;
  }
  try {
    const round = await openMultisourceRound({
      db: input.db,
      clock: systemClock,
      programId: program.id,
      rotationCode: input.rotation,
      endsOn,
      periodCode: input.period,
    });
    const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    input.out(
      `multisource ${round.roundKey} (${program.name}): ${plural(round.residents, 'resident')}, ${plural(round.raters, 'rater')}; ` +
        `${plural(round.requested, 'request')} queued (one DM per rater per resident), ${round.alreadyRequested} already sent before.`,
    );
    if (round.ratersWithoutInstrument > 0) {
      input.out(`  ${plural(round.ratersWithoutInstrument, 'rater')} left out: their rater role has no 360 instrument.`);
    }
    return 0;
  } catch (error) {
    // Refusals (no such rotation, no block ending that day, unknown period) are the operator's to fix: say so plainly.
    if (error instanceof AppError) {
      input.err(error.userMessage);
      return 1;
    }
    throw error;
  }
}
