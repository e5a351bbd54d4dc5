import { and, eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { databaseFromPostgresUrl, type Db } from '../../src/db/client.ts';
import { jobClaims } from '../../src/db/schema/index.ts';
import { claimJobPeriod, finishJobPeriod } from '../../src/scheduler/job-claims.ts';
import { describeOnEachEngine, describeOnPostgres } from '../helpers/db.ts';

describeOnEachEngine('job period claims', (ctx) => {
  const period = { job: 'rotation-prompts', scope: 'program-1', period: '2026-10-31' };

  it('grants a period once, refuses it again, and grants another period', async () => {
    expect(await claimJobPeriod({ db: ctx.db, ...period, instance: 'a' })).toBe(true);
    expect(await claimJobPeriod({ db: ctx.db, ...period, instance: 'b' })).toBe(false);
    expect(await claimJobPeriod({ db: ctx.db, ...period, instance: 'a' })).toBe(false);
    expect(await claimJobPeriod({ db: ctx.db, ...period, period: '2026-11-01', instance: 'b' })).toBe(true);
    expect(await claimJobPeriod({ db: ctx.db, ...period, scope: 'program-2', instance: 'b' })).toBe(true);
    const [row] = await ctx.db
      .select()
      .from(jobClaims)
      .where(and(eq(jobClaims.job, period.job), eq(jobClaims.scope, period.scope), eq(jobClaims.period, period.period)));
    expect(row).toMatchObject({ claimedBy: 'a', finishedAt: null, result: null });
  });

  it('records when a claimed period finished and what it did', async () => {
    const finishedAt = new Date('2026-10-31T12:00:05Z');
    await finishJobPeriod({ db: ctx.db, ...period, result: { prompted: 3 }, finishedAt });
    const [row] = await ctx.db
      .select()
      .from(jobClaims)
      .where(and(eq(jobClaims.job, period.job), eq(jobClaims.scope, period.scope), eq(jobClaims.period, period.period)));
    expect(row).toMatchObject({ claimedBy: 'a', finishedAt, result: { prompted: 3 } });
  });
});

type Claimer = (db: Db, period: string, instance: string) => Promise<boolean>;

/** Four claimers on two pools race for each of `periods` periods; returns the number of winners per period. */
async function race(dbs: [Db, Db], claim: Claimer, periods: number): Promise<number[]> {
  const winners: number[] = [];
  for (let p = 0; p < periods; p += 1) {
    const period = `2026-11-${String(p + 1).padStart(2, '0')}`;
    const results = await Promise.all(
      [0, 1, 2, 3].map((i) => claim(dbs[i % 2]!, period, `instance-${i}`)),
    );
    winners.push(results.filter(Boolean).length);
  }
  return winners;
}

describeOnPostgres('job period claims in parallel', (ctx) => {
  it('four claimers on two connection pools: exactly one wins each period', async () => {
    const other = databaseFromPostgresUrl(ctx.database.url!);
    try {
      const claim: Claimer = (db, period, instance) =>
        claimJobPeriod({ db, job: 'parallel', scope: '*', period, instance });
      expect(await race([ctx.db, other.db], claim, 20)).toEqual(Array(20).fill(1));
      const rows = await ctx.db.select().from(jobClaims).where(eq(jobClaims.job, 'parallel'));
      expect(rows).toHaveLength(20);
    } finally {
      await other.close();
    }
  });

  it('the same race catches a select-then-insert claim (so the test above can fail)', async () => {
    const other = databaseFromPostgresUrl(ctx.database.url!);
    try {
      // A naive claim: look, then insert. All four look before anyone inserts (the barrier makes the interleaving
      // that happens under load certain), so all four think they won.
      let looked = 0;
      let release: () => void = () => {};
      const allLooked = new Promise<void>((resolve) => {
        release = resolve;
      });
      const naive: Claimer = async (db, period, instance) => {
        const key = and(eq(jobClaims.job, 'naive'), eq(jobClaims.scope, '*'), eq(jobClaims.period, period));
        const seen = await db.select().from(jobClaims).where(key);
        looked += 1;
        if (looked === 4) release();
        await allLooked;
        if (seen.length > 0) return false;
        await db
          .insert(jobClaims)
          .values({ job: 'naive', scope: '*', period, claimedBy: instance })
          .onConflictDoNothing();
        return true;
      };
      const winners = await race([ctx.db, other.db], naive, 1);
      expect(winners).not.toEqual([1]);
      expect(winners[0]).toBeGreaterThan(1);
    } finally {
      await other.close();
    }
  });
});
