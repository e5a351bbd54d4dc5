import { eq } from 'drizzle-orm';
import cron from 'node-cron';
import { expect, it } from 'vitest';
import { cronSlots } from '../../src/db/schema/index.ts';
import { createDatabaseRunCoordinator, parseCronSlotKey } from '../../src/scheduler/run-coordinator.ts';
import { describeOnEachEngine } from '../helpers/db.ts';

it('parses node-cron keys whose name and timestamp both contain colons', () => {
  expect(parseCronSlotKey('digest:program-1:2026-11-02T15:00:00.000Z')).toEqual({
    task: 'digest:program-1',
    slot: '2026-11-02T15:00:00.000Z',
  });
  expect(() => parseCronSlotKey('digest')).toThrow(/name:slotISO/);
  expect(() => parseCronSlotKey(':2026-11-02T15:00:00.000Z')).toThrow();
});

describeOnEachEngine('the database run coordinator', (ctx) => {
  it('says yes once per slot, whichever instance asks', async () => {
    const a = createDatabaseRunCoordinator({ db: ctx.db, instance: 'a' });
    const b = createDatabaseRunCoordinator({ db: ctx.db, instance: 'b' });
    expect(await a.shouldRun('reminders:2026-11-02T15:00:00.000Z', 30_000)).toBe(true);
    expect(await b.shouldRun('reminders:2026-11-02T15:00:00.000Z', 30_000)).toBe(false);
    expect(await a.shouldRun('reminders:2026-11-02T15:00:00.000Z', 30_000)).toBe(false);
    expect(await b.shouldRun('reminders:2026-11-02T15:01:00.000Z', 30_000)).toBe(true);
    expect(await a.shouldRun('expiry:2026-11-02T15:00:00.000Z', 30_000)).toBe(true);
    const rows = await ctx.db.select().from(cronSlots).where(eq(cronSlots.task, 'reminders'));
    expect(rows.map((r) => [r.slot, r.claimedBy]).sort()).toEqual([
      ['2026-11-02T15:00:00.000Z', 'a'],
      ['2026-11-02T15:01:00.000Z', 'b'],
    ]);
  });

  it('is consulted by node-cron on a scheduled fire: two instances of a task, one run per slot', async () => {
    // `task.execute()` bypasses coordination in node-cron 4.6 (only the scheduled heartbeat goes through
    // Runner.runCoordinated), so this lets two real tasks fire on an every-second schedule.
    const runs: string[] = [];
    const asked: string[] = [];
    const skipped: string[] = [];
    const tasks = ['a', 'b'].map((instance) => {
      const coordinator = createDatabaseRunCoordinator({ db: ctx.db, instance });
      const task = cron.createTask('* * * * * *', () => void runs.push(instance), {
        name: `coordinated-${ctx.engine}`,
        distributed: true,
        runCoordinator: {
          shouldRun: (key, ttlMs) => {
            asked.push(key);
            return coordinator.shouldRun(key, ttlMs);
          },
        },
      });
      task.on('execution:skipped', (context) => void skipped.push(`${instance}:${context.reason}`));
      return task;
    });
    try {
      for (const task of tasks) await task.start();
      await new Promise((resolve) => setTimeout(resolve, 2_300));
    } finally {
      for (const task of tasks) await task.destroy();
    }
    // A fire already asking the coordinator when the tasks stop still finishes: let it settle before counting.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const rows = await ctx.db.select().from(cronSlots).where(eq(cronSlots.task, `coordinated-${ctx.engine}`));
    const slots = rows.length;
    expect(slots).toBeGreaterThanOrEqual(2);
    // node-cron asked with its `name:slotISO` key; every slot asked about got exactly one row and exactly one run,
    // and every other ask was refused (not elected). The two tasks may start either side of a second boundary, so
    // the first slot can be asked about by one instance only; the later ones are asked by both.
    expect(asked.every((key) => key.startsWith(`coordinated-${ctx.engine}:`))).toBe(true);
    expect(new Set(asked).size).toBe(slots);
    expect(runs).toHaveLength(slots);
    expect(skipped).toHaveLength(asked.length - slots);
    expect(skipped.length).toBeGreaterThanOrEqual(1);
    expect(skipped.every((s) => s.endsWith(':not-elected'))).toBe(true);
  });
});
