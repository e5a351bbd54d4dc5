import { and, count, eq, like } from 'drizzle-orm';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { cronSlots, jobClaims, outboxMessages, programs } from '../../src/db/schema/index.ts';
import { DAILY_JOB_NAMES } from '../../src/scheduler/daily-jobs.ts';
import { type Scheduler, startScheduler } from '../../src/scheduler/scheduler.ts';
import { describeOnEachEngine } from '../helpers/db.ts';
import { fixedClock, seedDemoProgram } from '../helpers/demo-program.ts';

const ZONE = 'America/Chicago';

describeOnEachEngine('the daily scheduler', (ctx) => {
  const clock = fixedClock('2026-11-03T14:00:00Z');
  const lines: string[] = [];
  const running: Scheduler[] = [];
  let programId: string;
  const start = (instance: string, extra: Partial<Parameters<typeof startScheduler>[0]> = {}) => {
    const scheduler = startScheduler({ db: ctx.db, clock, instance, log: (line) => lines.push(line), refresh: false, ...extra });
    running.push(scheduler);
    return scheduler;
  };

  async function claimsByDate(): Promise<Record<string, number>> {
    const rows = await ctx.db
      .select({ period: jobClaims.period, n: count() })
      .from(jobClaims)
      .where(eq(jobClaims.scope, programId))
      .groupBy(jobClaims.period)
      .orderBy(jobClaims.period);
    return Object.fromEntries(rows.map((r) => [r.period, r.n]));
  }

  beforeAll(async () => {
    await seedDemoProgram(ctx.db);
    const [program] = await ctx.db.select({ id: programs.id }).from(programs);
    programId = program!.id;
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.stop()));
  });

  it('a first start runs today once its tick time has passed, and never replays the days before it', async () => {
    // 08:00 in Chicago, after the 07:00 tick; the October block ended (and was never prompted) before this first day.
    const scheduler = start('a');
    expect(await scheduler.caughtUp).toEqual({ 'internal-medicine': ['2026-11-03'] });
    expect(scheduler.zones()).toEqual([ZONE]);
    expect(await claimsByDate()).toEqual({ '2026-11-03': DAILY_JOB_NAMES.length });
    const reminders = await ctx.db.select({ n: count() }).from(outboxMessages).where(like(outboxMessages.kind, 'evaluation-%'));
    expect(reminders[0]?.n).toBe(0);
  });

  it('after downtime each missed date runs once, today only after its tick, and a second start finds nothing to do', async () => {
    // Back on Nov 9 at 06:00 in Chicago: Nov 4–8 were missed; Nov 9's 07:00 tick has not come yet.
    clock.set('2026-11-09T12:00:00Z');
    const first = start('b');
    expect(await first.caughtUp).toEqual({ 'internal-medicine': ['2026-11-04', '2026-11-05', '2026-11-06', '2026-11-07', '2026-11-08'] });
    const again = start('c');
    expect(await again.caughtUp).toEqual({});
    expect(await claimsByDate()).toEqual(
      Object.fromEntries(['03', '04', '05', '06', '07', '08'].map((d) => [`2026-11-${d}`, DAILY_JOB_NAMES.length])),
    );
    const byInstance = await ctx.db.select({ claimedBy: jobClaims.claimedBy, n: count() }).from(jobClaims).groupBy(jobClaims.claimedBy);
    expect(Object.fromEntries(byInstance.map((r) => [r.claimedBy, r.n]))).toEqual({ a: DAILY_JOB_NAMES.length, b: 5 * DAILY_JOB_NAMES.length });

    clock.set('2026-11-09T13:30:00Z');
    expect(await first.catchUp()).toEqual({ 'internal-medicine': ['2026-11-09'] });
    expect(await again.catchUp()).toEqual({});
  });

  it('catches up at most the last 14 days of a long downtime', async () => {
    clock.set('2026-12-15T14:00:00Z');
    const dates = (await start('d').caughtUp)['internal-medicine'];
    expect(dates).toHaveLength(14);
    expect(dates?.[0]).toBe('2026-12-02');
    expect(dates?.at(-1)).toBe('2026-12-15');
    // The block ending Nov 30 fell in the gap: it is left to `jobs run` by hand, and no reminder goes out about it.
    expect(await ctx.db.select().from(outboxMessages).where(like(outboxMessages.idempotencyKey, 'rotation-prompt:%:2026-11-30'))).toEqual([]);
  });

  it('two schedulers fire one slot once: the run coordinator elects one instance, through node-cron’s own matcher', async () => {
    const fired: string[] = [];
    const one = start('one', { onFire: () => fired.push('one') });
    const two = start('two', { onFire: () => fired.push('two') });
    await Promise.all([one.caughtUp, two.caughtUp]);
    // 07:00 in Chicago on Dec 16 matches the task; 08:00 does not.
    const slot = new Date('2026-12-16T13:00:00.000Z');
    clock.set(slot.toISOString());
    await Promise.all([one.tick(slot), two.tick(slot), one.tick(slot), two.tick(slot)]);
    await Promise.all([one.tick(new Date('2026-12-16T14:00:00.000Z')), two.tick(new Date('2026-12-16T14:00:00.000Z'))]);
    expect(fired).toHaveLength(1);
    const slots = await ctx.db.select().from(cronSlots).where(eq(cronSlots.slot, slot.toISOString()));
    expect(slots).toEqual([expect.objectContaining({ task: one.taskName(ZONE), claimedBy: fired[0] })]);
    const claims = await ctx.db.select().from(jobClaims).where(and(eq(jobClaims.scope, programId), eq(jobClaims.period, '2026-12-16')));
    expect(claims).toHaveLength(DAILY_JOB_NAMES.length);
    expect(new Set(claims.map((c) => c.claimedBy))).toEqual(new Set(fired));
  });

  it('with real node-cron timers (every second), two schedulers run each fire once between them', async () => {
    const fired: { who: string; slot: string }[] = [];
    const every = { cronExpression: '* * * * * *' };
    const one = start('timer-one', { ...every, onFire: ({ slot }) => fired.push({ who: 'one', slot: slot.toISOString() }) });
    const two = start('timer-two', { ...every, onFire: ({ slot }) => fired.push({ who: 'two', slot: slot.toISOString() }) });
    await Promise.all([one.caughtUp, two.caughtUp]);
    const task = one.taskName(ZONE);
    // Wait (on real time: node-cron's timers) until three fires ran.
    for (let i = 0; i < 100 && fired.length < 3; i += 1) await new Promise((resolve) => setTimeout(resolve, 100));
    await Promise.all([one.stop(), two.stop()]);
    const slots = await ctx.db.select().from(cronSlots).where(eq(cronSlots.task, task));
    expect(fired.length).toBeGreaterThanOrEqual(3);
    // No slot ran twice, and each ran on the instance the coordinator elected for it.
    expect(new Set(fired.map((f) => f.slot)).size).toBe(fired.length);
    for (const fire of fired) expect(slots.find((s) => s.slot === fire.slot)?.claimedBy).toBe(`timer-${fire.who}`);
    // Every slot decided before the last fire ran (a slot decided while stopping may not have run).
    const lastFired = fired.map((f) => f.slot).sort().at(-1)!;
    expect(slots.filter((s) => s.slot <= lastFired).map((s) => s.slot).sort()).toEqual(fired.map((f) => f.slot).sort());
  });
});
