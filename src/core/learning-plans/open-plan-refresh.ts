import { and, eq, inArray } from 'drizzle-orm';
import { learningGoals } from '../../db/schema/index.ts';
import { enqueueMessage } from '../../delivery/outbox.ts';
import { dateIn } from '../../domain/calendar.ts';
import { planRefreshMessage } from '../../messages/learning-plans.ts';
import { periodLabel } from '../../messages/self-assessment.ts';
import type { CorePorts } from '../ports.ts';
import { periodOf, programById, residentsInPeriod } from '../self-assessment/period-context.ts';

/** What one run did: residents asked now, and those an earlier run for the same period had already asked. */
export interface PlanRefreshResult {
  periodCode: string;
  asked: number;
  alreadyAsked: number;
}

/**
 * Twice a year, with the self-assessment, each resident of the program is asked to write or refresh their learning
 * plan (with their open and overdue goals counted). One DM per resident and period, however often it runs.
 */
export async function openPlanRefresh(input: CorePorts & { programId: string; periodCode: string }): Promise<PlanRefreshResult> {
  const program = await programById(input.db, input.programId);
  const period = await periodOf(input.db, program.id, input.periodCode);
  const residents = await residentsInPeriod(input.db, program.id, period);
  const today = dateIn(program.timeZone, input.clock.now());
  const open = residents.length
    ? await input.db
        .select({ residentId: learningGoals.residentId, dueOn: learningGoals.dueOn })
        .from(learningGoals)
        .where(and(inArray(learningGoals.residentId, residents.map((r) => r.id)), eq(learningGoals.status, 'open')))
    : [];
  let asked = 0;
  for (const resident of residents) {
    const goals = open.filter((g) => g.residentId === resident.id);
    const fresh = await input.db.transaction(async (tx) =>
      enqueueMessage(tx, {
        idempotencyKey: `plan-refresh:${period.id}:${resident.id}`,
        kind: 'plan-refresh',
        recipientPersonId: resident.id,
        message: planRefreshMessage({
          residentId: resident.id,
          periodLabel: periodLabel(period),
          open: goals.length,
          overdue: goals.filter((g) => g.dueOn < today).length,
        }),
      }),
    );
    if (fresh) asked += 1;
  }
  return { periodCode: period.code, asked, alreadyAsked: residents.length - asked };
}
