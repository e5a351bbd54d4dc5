import { eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../db/client.ts';
import { learningGoals, people, subcompetencies } from '../../db/schema/index.ts';
import { dateIn } from '../../domain/calendar.ts';
import type { GoalView } from '../../messages/learning-plans.ts';
import { AppError } from '../errors.ts';
import { type ProgramRow, type SubcompetencyView, subcompetenciesOf } from '../programs/program-context.ts';

export type GoalRow = typeof learningGoals.$inferSelect;

/** One action a resident can do and check; longer than a short paragraph is several goals. */
export const MAX_GOAL_ACTION_LENGTH = 500;

/** The action's field id: plain `action` is reserved (Teams merges input values into the action data). */
export const GOAL_ACTION_FIELD = 'goal_action';

/** What a closed goal's outcome may hold: a line or two for the resident and their mentor to read later. */
export const MAX_GOAL_OUTCOME_LENGTH = 500;

/** Chat surfaces for a list of goals, with subcompetency labels and closing dates in the program's time zone. */
export async function goalViews(db: DbOrTx, goals: readonly GoalRow[], timeZone: string): Promise<GoalView[]> {
  const subIds = [...new Set(goals.map((g) => g.subcompetencyId).filter((id): id is string => id !== null))];
  const subs = new Map(
    subIds.length
      ? (await db.select().from(subcompetencies).where(inArray(subcompetencies.id, subIds))).map((s) => [s.id, `${s.code} ${s.name}`])
      : [],
  );
  return goals.map((goal) => ({
    id: goal.id,
    subcompetency: goal.subcompetencyId ? (subs.get(goal.subcompetencyId) ?? null) : null,
    action: goal.action,
    dueOn: goal.dueOn,
    status: goal.status,
    source: goal.source,
    outcome: goal.outcome,
    closedOn: goal.closedAt ? dateIn(timeZone, goal.closedAt) : null,
  }));
}

/** One goal as chat surfaces show it. */
export async function goalView(db: DbOrTx, goal: GoalRow, timeZone: string): Promise<GoalView> {
  return (await goalViews(db, [goal], timeZone))[0]!;
}

/** The goal a resident acts on, after checking it is theirs: a plan is changed by its resident only. */
export async function goalForResident(db: DbOrTx, goalId: string, actorId: string): Promise<GoalRow> {
  const [goal] = z.uuid().safeParse(goalId).success ? await db.select().from(learningGoals).where(eq(learningGoals.id, goalId)) : [];
  if (!goal) throw new AppError('not_found', 'That goal no longer exists.');
  if (goal.residentId !== actorId) throw new AppError('not_allowed', 'Only the resident whose plan this is can change its goals.');
  return goal;
}

/**
 * Serializes changes to one resident's plan (a double click, a retried submission, two devices): the resident's
 * row is locked until the transaction ends. The plan has no natural key of its own to make these idempotent.
 */
export async function lockPlan(tx: DbOrTx, residentId: string): Promise<void> {
  await tx.select({ id: people.id }).from(people).where(eq(people.id, residentId)).for('update');
}

/** The sentence to show next to the action box, or null when the text is fine. */
export function actionProblem(action: string): string | null {
  if (action === '') return 'Write the action: one concrete thing you will do (e.g. "Present every new admission in under 3 minutes").';
  if (action.length > MAX_GOAL_ACTION_LENGTH) {
    return `Keep the action under ${MAX_GOAL_ACTION_LENGTH} characters (it has ${action.length}); split a bigger plan into several goals.`;
  }
  return null;
}

/** The sentence to show next to the due date, or null when it is fine. */
export function dueDateProblem(dueOn: string, today: string): string | null {
  if (!z.iso.date().safeParse(dueOn).success) return 'Pick a due date from the calendar.';
  if (dueOn < today) return 'The due date cannot be in the past.';
  return null;
}

/** A subcompetency of the resident's program by code; undefined when the program has no such code. */
export async function subcompetencyByCode(db: DbOrTx, program: ProgramRow, code: string): Promise<SubcompetencyView | undefined> {
  return (await subcompetenciesOf(db, program)).find((s) => s.code === code);
}
