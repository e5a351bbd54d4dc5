import { and, eq } from 'drizzle-orm';
import { learningGoals, programs } from '../../db/schema/index.ts';
import { dateIn } from '../../domain/calendar.ts';
import { goalSavedMessage, type GoalView } from '../../messages/learning-plans.ts';
import type { Message } from '../../messages/model.ts';
import { AppError, type FieldErrors } from '../errors.ts';
import type { CorePorts } from '../ports.ts';
import { actionProblem, GOAL_ACTION_FIELD, dueDateProblem, goalForResident, goalView, lockPlan, subcompetencyByCode } from './goal-state.ts';

/** An edit of an open goal; fields left undefined stay as they are, a null subcompetency unties the goal. */
export interface UpdateGoalInput {
  actorId: string;
  goalId: string;
  action?: string | undefined;
  dueOn?: string | undefined;
  subcompetencyCode?: string | null | undefined;
}

export type UpdateGoalResult = { ok: true; goal: GoalView; confirmation: Message } | FieldErrors;

/** The resident rewords, re-dates or re-files one of their open goals. */
export async function updateGoal(input: CorePorts & UpdateGoalInput): Promise<UpdateGoalResult> {
  const goal = await goalForResident(input.db, input.goalId, input.actorId);
  if (goal.status !== 'open') {
    throw new AppError('already_closed', `This goal is already ${goal.status === 'done' ? 'done' : 'dropped'}; add a new one instead.`);
  }
  const [program] = await input.db.select().from(programs).where(eq(programs.id, goal.programId));
  const today = dateIn(program!.timeZone, input.clock.now());
  const fieldErrors: Record<string, string> = {};
  const action = input.action === undefined ? goal.action : input.action.trim();
  const actionError = actionProblem(action);
  if (actionError) fieldErrors[GOAL_ACTION_FIELD] = actionError;
  const dueOn = input.dueOn ?? goal.dueOn;
  // An overdue goal keeps its date when only the wording changes; a date that is changed must not be in the past.
  const dueError = dueOn === goal.dueOn ? null : dueDateProblem(dueOn, today);
  if (dueError) fieldErrors.due = dueError;
  let subcompetencyId = goal.subcompetencyId;
  if (input.subcompetencyCode !== undefined) {
    const code = input.subcompetencyCode?.trim() || null;
    const sub = code ? await subcompetencyByCode(input.db, program!, code) : undefined;
    if (code && !sub) fieldErrors.subcompetency = `${code} is not in your program's milestones.`;
    subcompetencyId = sub?.id ?? null;
  }
  if (Object.keys(fieldErrors).length > 0) return { ok: false, fieldErrors };

  return input.db.transaction(async (tx) => {
    await lockPlan(tx, goal.residentId);
    const [updated] = await tx
      .update(learningGoals)
      .set({ action, dueOn, subcompetencyId })
      .where(and(eq(learningGoals.id, goal.id), eq(learningGoals.status, 'open')))
      .returning();
    // Closed meanwhile (on another device): editing a closed goal would change a record, not a plan.
    if (!updated) throw new AppError('already_closed', 'This goal was closed meanwhile.');
    const view = await goalView(tx, updated, program!.timeZone);
    return { ok: true as const, goal: view, confirmation: goalSavedMessage(view, 'updated') };
  });
}
