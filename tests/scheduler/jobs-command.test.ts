// `stepping-stones jobs run` for the scheduler's daily jobs: by hand, through the same claims as the scheduler.
import { and, eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { JOB_NAMES, runJob } from '../../src/cli/jobs-command.ts';
import { jobClaims, outboxMessages } from '../../src/db/schema/index.ts';
import { DAILY_JOB_NAMES } from '../../src/scheduler/daily-jobs.ts';
import { startScheduler } from '../../src/scheduler/scheduler.ts';
import { describeOnEachEngine } from '../helpers/db.ts';
import { fixedClock, seedDemoProgram } from '../helpers/demo-program.ts';

function terminal() {
  const lines: string[] = [];
  return { lines, out: (line: string) => lines.push(line), err: (line: string) => lines.push(`ERR ${line}`) };
}

describeOnEachEngine('jobs run for the daily jobs', (ctx) => {
  const clock = fixedClock('2026-11-03T14:00:00Z');
  const run = async (name: string, extra: { date?: string; program?: string } = {}) => {
    const t = terminal();
    const code = await runJob({ db: ctx.db, clock, name, date: extra.date, program: extra.program, ...t });
    return { code, lines: t.lines };
  };

  beforeAll(async () => {
    await seedDemoProgram(ctx.db);
  });

  it('lists every daily job (and daily) in its usage', async () => {
    const { code, lines } = await run('nope');
    expect(code).toBe(1);
    for (const name of [...DAILY_JOB_NAMES, 'daily', 'multisource', 'self-assessment']) expect(lines[0]).toContain(name);
    expect([...JOB_NAMES].sort()).toEqual([...DAILY_JOB_NAMES, 'daily', 'multisource', 'self-assessment'].sort());
  });

  it('runs one job for a date, claims it, and a second run says it ran before and sends nothing new', async () => {
    await run('rotation-prompts', { date: '2026-10-31' });
    const first = await run('evaluation-reminders', { date: '2026-11-03' });
    expect(first).toEqual({ code: 0, lines: ['evaluation-reminders 2026-11-03 (internal-medicine): reminded=8 alreadyReminded=0 snoozed=0'] });
    const [claim] = await ctx.db
      .select()
      .from(jobClaims)
      .where(and(eq(jobClaims.job, 'evaluation-reminders'), eq(jobClaims.period, '2026-11-03')));
    expect(claim?.claimedBy).toMatch(/^cli:/);
    expect(claim?.result).toMatchObject({ reminded: 8 });

    const again = await run('evaluation-reminders', { date: '2026-11-03', program: 'internal-medicine' });
    expect(again.code).toBe(0);
    expect(again.lines[0]).toMatch(
      /^evaluation-reminders 2026-11-03 \(internal-medicine\): reminded=0 alreadyReminded=8 snoozed=0 — already run for this date \(by cli:.+\); ran again, which sends only what was missing$/,
    );
    expect(await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.kind, 'evaluation-reminder'))).toHaveLength(8);
  });

  it('a hand-run date is left alone by the scheduler, and hand runs of past dates do not make it replay days before its first', async () => {
    const all = await run('daily', { date: '2026-11-04' });
    expect(all.code).toBe(0);
    expect(all.lines.map((l) => l.split(' ')[0])).toEqual([...DAILY_JOB_NAMES]);
    // Nov 4, 08:00 in Chicago: the scheduler's first day is Nov 4 itself (Oct 31 and Nov 3 were hand runs), and it is done.
    clock.set('2026-11-04T14:00:00Z');
    const scheduler = startScheduler({ db: ctx.db, clock, instance: 'scheduler', log: () => {}, refresh: false });
    try {
      expect(await scheduler.caughtUp).toEqual({});
    } finally {
      await scheduler.stop();
    }
  });

  it('refuses an unknown program or a bad date in a sentence', async () => {
    expect(await run('request-expiry', { program: 'surgery' })).toEqual({
      code: 1,
      lines: ['ERR There is no program "surgery"; known programs: internal-medicine.'],
    });
    expect(await run('daily', { date: '2026-02-30' })).toEqual({ code: 1, lines: ['ERR --date must be a date like 2026-10-31, got "2026-02-30".'] });
  });
});
