import { and, asc, eq, gte, inArray, isNull, lte, or } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { people, programMemberships, programs, reportingPeriods } from '../../db/schema/index.ts';
import { AppError } from '../errors.ts';
import { LEARNER_ROLES, type ProgramRow } from '../programs/program-context.ts';

export type PeriodRow = typeof reportingPeriods.$inferSelect;

/** A program's reporting period by its code (`2026-mid`); refuses an unknown one with the codes that exist. */
export async function periodOf(db: DbOrTx, programId: string, code: string): Promise<PeriodRow> {
  const [period] = await db
    .select()
    .from(reportingPeriods)
    .where(and(eq(reportingPeriods.programId, programId), eq(reportingPeriods.code, code)));
  if (period) return period;
  const known = await db
    .select({ code: reportingPeriods.code })
    .from(reportingPeriods)
    .where(eq(reportingPeriods.programId, programId))
    .orderBy(asc(reportingPeriods.startsOn));
  throw new AppError(
    'not_found',
    `There is no reporting period ${code}${known.length ? ` (known: ${known.map((k) => k.code).join(', ')})` : ''}.`,
  );
}

/** A program by id; refuses an unknown one (a job run with a stale id). */
export async function programById(db: DbOrTx, programId: string): Promise<ProgramRow> {
  const [program] = await db.select().from(programs).where(eq(programs.id, programId));
  if (!program) throw new AppError('not_found', 'That program does not exist.');
  return program;
}

/**
 * The residents and fellows of a program during a period: memberships that overlap it (no dates means always), so a
 * resident who graduated in June is not asked to self-assess in December.
 */
export async function residentsInPeriod(db: DbOrTx, programId: string, period: PeriodRow): Promise<{ id: string; name: string }[]> {
  const rows = await db
    .selectDistinct({ id: people.id, name: people.name })
    .from(programMemberships)
    .innerJoin(people, eq(people.id, programMemberships.personId))
    .where(learnerMembershipDuring(programId, period))
    .orderBy(people.name, people.id);
  return rows;
}

/** Residents' and fellows' memberships of a program that overlap a period (no dates means always). */
export function learnerMembershipDuring(programId: string, period: { startsOn: string; endsOn: string }) {
  return and(
    eq(programMemberships.programId, programId),
    inArray(programMemberships.role, [...LEARNER_ROLES]),
    or(isNull(programMemberships.startsOn), lte(programMemberships.startsOn, period.endsOn)),
    or(isNull(programMemberships.endsOn), gte(programMemberships.endsOn, period.startsOn)),
  );
}
