import { and, eq, lte } from 'drizzle-orm';
import { learningGoals, programs } from '../../db/schema/index.ts';
import { addDays, dateIn } from '../../domain/calendar.ts';
import { goalNudgeMessage, type GoalView } from '../../messages/learning-plans.ts';
import type { Message } from '../../messages/model.ts';
import { AppError } from '../errors.ts';
import type { CorePorts } from '../ports.ts';
import { goalForResident, goalView, lockPlan } from './goal-state.ts';

/** Two weeks: about half a rotation, time to try the action a few more times before being asked again. */
export const STILL_WORKING_DAYS = 14;

/**
 * "Still working on it": the goal stays open and its due date moves two weeks past today, so the bot asks again
 * then. Only a goal that is due (or overdue) moves; a second click finds it already moved and changes nothing.
 */
export async function keepWorkingOnGoal(
  input: CorePorts & { actorId: string; goalId: string },
): Promise<{ goal: GoalView; extended: boolean; goalMessage: Message }> {
  const goal = await goalForResident(input.db, input.goalId, input.actorId);
  if (goal.status !== 'open') throw new AppError('already_closed', `This goal is already ${goal.status === 'done' ? 'done' : 'dropped'}.`);
  const [program] = await input.db.select().from(programs).where(eq(programs.id, goal.programId));
  const timeZone = program!.timeZone;
  const today = dateIn(timeZone, input.clock.now());
  return input.db.transaction(async (tx) => {
    await lockPlan(tx, goal.residentId);
    const [moved] = await tx
      .update(learningGoals)
      .set({ dueOn: addDays(today, STILL_WORKING_DAYS) })
      .where(and(eq(learningGoals.id, goal.id), eq(learningGoals.status, 'open'), lte(learningGoals.dueOn, today)))
      .returning();
    const current = moved ?? (await tx.select().from(learningGoals).where(eq(learningGoals.id, goal.id)))[0]!;
    if (current.status !== 'open') throw new AppError('already_closed', 'This goal was closed meanwhile.');
    const view = await goalView(tx, current, timeZone);
    return { goal: view, extended: !!moved, goalMessage: goalNudgeMessage(view, today) };
  });
}
