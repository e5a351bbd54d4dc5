import { and, asc, count, desc, eq, inArray, lte } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { cccRatings, outboxMessages, reportingPeriods, selfAssessmentRatings, selfAssessments } from '../../db/schema/index.ts';
import { dateIn } from '../../domain/calendar.ts';
import { periodLabel } from '../../messages/self-assessment.ts';
import { AppError } from '../errors.ts';
import type { Clock } from '../ports.ts';
import { learnerProgramOf, type ProgramRow, subcompetenciesOf } from '../programs/program-context.ts';
import type { PeriodRow } from './period-context.ts';

/**
 * The period a command means when it names none: the one today falls in, else the latest that has started (a
 * program whose periods all lie ahead gets its first). Null when the program has no periods at all.
 */
export async function currentPeriodOf(db: DbOrTx, program: ProgramRow, now: Date): Promise<PeriodRow | null> {
  const today = dateIn(program.timeZone, now);
  const [started] = await db
    .select()
    .from(reportingPeriods)
    .where(and(eq(reportingPeriods.programId, program.id), lte(reportingPeriods.startsOn, today)))
    .orderBy(desc(reportingPeriods.startsOn))
    .limit(1);
  if (started) return started;
  const [first] = await db.select().from(reportingPeriods).where(eq(reportingPeriods.programId, program.id)).orderBy(asc(reportingPeriods.startsOn)).limit(1);
  return first ?? null;
}

/** A resident's self-assessment window as chat surfaces offer it: which period, and how far they got. */
export interface ActiveSelfAssessment {
  periodCode: string;
  periodLabel: string;
  status: 'not_started' | 'in_progress' | 'submitted';
  rated: number;
  total: number;
}

/**
 * The self-assessment a resident is asked for now: the latest period whose window is open for them — they were
 * invited (`jobs run self-assessment`), they already started, or the period's opening date has passed. A window that
 * opened later supersedes an older one left unfinished. Null before any window opened (or for a non-resident).
 */
export async function activeSelfAssessment(input: { db: DbOrTx; clock: Clock; residentId: string }): Promise<ActiveSelfAssessment | null> {
  const { db } = input;
  const program = await learnerProgramOf(db, input.residentId);
  if (!program) return null;
  const today = dateIn(program.timeZone, input.clock.now());
  const periods = await db.select().from(reportingPeriods).where(eq(reportingPeriods.programId, program.id)).orderBy(desc(reportingPeriods.startsOn));
  if (periods.length === 0) return null;
  const rows = await db.select().from(selfAssessments).where(eq(selfAssessments.residentId, input.residentId));
  // The invitation's key names the period (`self-assessment-invite:<period id>:<resident id>`): it is the record
  // that the window was opened for this resident.
  const invites = await db
    .select({ key: outboxMessages.idempotencyKey })
    .from(outboxMessages)
    .where(and(eq(outboxMessages.kind, 'self-assessment-invite'), eq(outboxMessages.recipientPersonId, input.residentId)));
  const invited = new Set(invites.map((i) => i.key.split(':')[1]));
  const period = periods.find(
    (p) => rows.some((r) => r.periodId === p.id) || invited.has(p.id) || (p.selfAssessmentOpensOn !== null && p.selfAssessmentOpensOn <= today),
  );
  if (!period) return null;
  const row = rows.find((r) => r.periodId === period.id);
  const [rated] = row ? await db.select({ n: count() }).from(selfAssessmentRatings).where(eq(selfAssessmentRatings.selfAssessmentId, row.id)) : [];
  return {
    periodCode: period.code,
    periodLabel: periodLabel(period),
    status: row ? (row.status === 'submitted' ? 'submitted' : 'in_progress') : 'not_started',
    rated: rated?.n ?? 0,
    total: (await subcompetenciesOf(db, program)).length,
  };
}

/**
 * The latest period a resident can compare: their self-assessment submitted and the CCC's ratings in. Null when
 * there is none yet. Which period it is says nothing about the ratings, so no access check is needed here; the
 * comparison itself (selfVsCcc) checks who is looking.
 */
export async function latestComparablePeriod(db: DbOrTx, residentId: string): Promise<PeriodRow | null> {
  const submitted = await db
    .select({ period: reportingPeriods })
    .from(selfAssessments)
    .innerJoin(reportingPeriods, eq(reportingPeriods.id, selfAssessments.periodId))
    .where(and(eq(selfAssessments.residentId, residentId), eq(selfAssessments.status, 'submitted')))
    .orderBy(desc(reportingPeriods.startsOn));
  if (submitted.length === 0) return null;
  const rated = await db
    .selectDistinct({ periodId: cccRatings.periodId })
    .from(cccRatings)
    .where(and(eq(cccRatings.residentId, residentId), inArray(cccRatings.periodId, submitted.map((s) => s.period.id))));
  const ratedIds = new Set(rated.map((r) => r.periodId));
  return submitted.find((s) => ratedIds.has(s.period.id))?.period ?? null;
}

/** The code of the period a command means for a resident when it names none: the one today falls in. */
export async function currentPeriodCodeOf(db: DbOrTx, residentId: string, now: Date): Promise<string> {
  const program = await learnerProgramOf(db, residentId);
  if (!program) throw new AppError('not_found', 'That person is not a resident or fellow here.');
  const period = await currentPeriodOf(db, program, now);
  if (!period) throw new AppError('not_found', `${program.name} has no reporting periods yet; ask your program coordinator.`);
  return period.code;
}
