import { and, eq, isNull } from 'drizzle-orm';
import { learningGoals } from '../../db/schema/index.ts';
import { dateIn } from '../../domain/calendar.ts';
import { goalSavedMessage, type GoalView } from '../../messages/learning-plans.ts';
import type { Message } from '../../messages/model.ts';
import { AppError, type FieldErrors } from '../errors.ts';
import type { CorePorts } from '../ports.ts';
import { learnerProgramOf } from '../programs/program-context.ts';
import { actionProblem, GOAL_ACTION_FIELD, dueDateProblem, goalView, lockPlan, subcompetencyByCode } from './goal-state.ts';

/** A goal as the resident writes it (`/feedback plan`, or "Add a goal" on the plan). */
export interface CreateGoalInput {
  /** The resident, who is also the one acting: nobody else writes goals into a resident's plan. */
  residentId: string;
  subcompetencyCode?: string | null | undefined;
  action: string;
  dueOn: string;
}

export type CreateGoalResult = { ok: true; goal: GoalView; created: boolean; confirmation: Message } | FieldErrors;

/**
 * Adds a goal of the resident's own to their plan. A retried submission with the same goal finds the open goal it
 * created instead of adding a second one.
 */
export async function createGoal(input: CorePorts & CreateGoalInput): Promise<CreateGoalResult> {
  const program = await learnerProgramOf(input.db, input.residentId);
  if (!program) throw new AppError('not_allowed', 'Only residents and fellows have a learning plan.');
  const today = dateIn(program.timeZone, input.clock.now());
  const action = input.action.trim();
  const fieldErrors: Record<string, string> = {};
  const actionError = actionProblem(action);
  if (actionError) fieldErrors[GOAL_ACTION_FIELD] = actionError;
  const dueError = dueDateProblem(input.dueOn, today);
  if (dueError) fieldErrors.due = dueError;
  const code = input.subcompetencyCode?.trim() || null;
  const sub = code ? await subcompetencyByCode(input.db, program, code) : undefined;
  if (code && !sub) fieldErrors.subcompetency = `${code} is not in your program's milestones.`;
  if (Object.keys(fieldErrors).length > 0) return { ok: false, fieldErrors };

  return input.db.transaction(async (tx) => {
    await lockPlan(tx, input.residentId);
    const [same] = await tx
      .select()
      .from(learningGoals)
      .where(
        and(
          eq(learningGoals.residentId, input.residentId),
          eq(learningGoals.status, 'open'),
          eq(learningGoals.action, action),
          eq(learningGoals.dueOn, input.dueOn),
          sub ? eq(learningGoals.subcompetencyId, sub.id) : isNull(learningGoals.subcompetencyId),
        ),
      );
    const goal =
      same ??
      (
        await tx
          .insert(learningGoals)
          .values({
            programId: program.id,
            residentId: input.residentId,
            subcompetencyId: sub?.id ?? null,
            action,
            dueOn: input.dueOn,
            source: 'resident',
          })
          .returning()
      )[0]!;
    const view = await goalView(tx, goal, program.timeZone);
    return { ok: true as const, goal: view, created: !same, confirmation: goalSavedMessage(view, 'added') };
  });
}
