import { and, eq } from 'drizzle-orm';
import { learningGoals, programs } from '../../db/schema/index.ts';
import { dateIn } from '../../domain/calendar.ts';
import { goalNudgeMessage, type GoalView } from '../../messages/learning-plans.ts';
import type { Message } from '../../messages/model.ts';
import { AppError, type FieldErrors } from '../errors.ts';
import type { CorePorts } from '../ports.ts';
import { goalForResident, goalView, lockPlan, MAX_GOAL_OUTCOME_LENGTH } from './goal-state.ts';

/** Closing a goal: done or dropped, with what came of it in the resident's words (optional). */
export interface CloseGoalInput {
  actorId: string;
  goalId: string;
  status: 'done' | 'dropped';
  outcome?: string | null | undefined;
}

export type CloseGoalResult = { ok: true; goal: GoalView; alreadyClosed: boolean; goalMessage: Message } | FieldErrors;

/**
 * The resident closes a goal. A second click on the same button finds it closed and changes nothing; closing it the
 * other way (done after dropped) is refused, so a record is never rewritten by a stale message.
 * `goalMessage` is the goal's due-date message in its new state, for the adapter to update the DM clicked in.
 */
export async function closeGoal(input: CorePorts & CloseGoalInput): Promise<CloseGoalResult> {
  const goal = await goalForResident(input.db, input.goalId, input.actorId);
  const outcome = input.outcome?.trim() || null;
  if (outcome && outcome.length > MAX_GOAL_OUTCOME_LENGTH) {
    return { ok: false, fieldErrors: { outcome: `Keep this under ${MAX_GOAL_OUTCOME_LENGTH} characters (it has ${outcome.length}).` } };
  }
  const [program] = await input.db.select().from(programs).where(eq(programs.id, goal.programId));
  const timeZone = program!.timeZone;
  const today = dateIn(timeZone, input.clock.now());
  return input.db.transaction(async (tx) => {
    await lockPlan(tx, goal.residentId);
    const [closed] = await tx
      .update(learningGoals)
      .set({ status: input.status, outcome, closedAt: input.clock.now() })
      .where(and(eq(learningGoals.id, goal.id), eq(learningGoals.status, 'open')))
      .returning();
    const current = closed ?? (await tx.select().from(learningGoals).where(eq(learningGoals.id, goal.id)))[0]!;
    if (!closed && current.status !== input.status) {
      throw new AppError('already_closed', `This goal is already ${current.status === 'done' ? 'done' : 'dropped'}.`);
    }
    const view = await goalView(tx, current, timeZone);
    return { ok: true as const, goal: view, alreadyClosed: !closed, goalMessage: goalNudgeMessage(view, today) };
  });
}
