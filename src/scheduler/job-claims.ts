import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import { jobClaims } from '../db/schema/index.ts';

/** Which job, for which program (or `*`), for which period or date: the unit of work done at most once. */
export interface JobPeriod {
  db: DbOrTx;
  job: string;
  scope: string;
  period: string;
}

/**
 * Claims one period of a job before the job acts. Returns true for exactly one caller per (job, scope, period).
 *
 * Why a single insert … on conflict do nothing returning, not a select then an insert: the primary key makes the
 * database the referee, so two instances (or a repeated tick, or a catch-up after downtime) racing for the same
 * period cannot both see "not claimed yet" and both act. The claim is not released on failure on purpose: a job
 * that died half-way is retried by hand (`jobs run`), and its effects are idempotent anyway (outbox keys).
 */
export async function claimJobPeriod(input: JobPeriod & { instance: string }): Promise<boolean> {
  const inserted = await input.db
    .insert(jobClaims)
    .values({ job: input.job, scope: input.scope, period: input.period, claimedBy: input.instance })
    .onConflictDoNothing({ target: [jobClaims.job, jobClaims.scope, jobClaims.period] })
    .returning({ job: jobClaims.job });
  return inserted.length === 1;
}

/**
 * Records that a claimed period finished, with a small summary (counts, not payloads) for `jobs` status output.
 * Kept apart from the claim so a claim without `finishedAt` shows a run that started and never completed.
 */
export async function finishJobPeriod(
  input: JobPeriod & { result: Record<string, unknown>; finishedAt?: Date },
): Promise<void> {
  await input.db
    .update(jobClaims)
    .set({ finishedAt: input.finishedAt ?? new Date(), result: input.result })
    .where(and(eq(jobClaims.job, input.job), eq(jobClaims.scope, input.scope), eq(jobClaims.period, input.period)));
}
