import { addDays, dateIn } from '../../domain/calendar.ts';
import { z } from 'zod';
import { GROWTH_SUBJECTS, PLAN_FORMS, SUBJECTS } from '../../messages/actions.ts';
import { choice, datePicker, type Form, form, payload, textArea } from '../../messages/model.ts';
import { AppError } from '../errors.ts';
import type { CorePorts } from '../ports.ts';
import { learnerProgramOf, subcompetenciesOf } from '../programs/program-context.ts';
import { GOAL_REVIEW_DAYS } from './add-next-step-to-plan.ts';
import { GOAL_ACTION_FIELD, goalForResident, MAX_GOAL_ACTION_LENGTH, MAX_GOAL_OUTCOME_LENGTH } from './goal-state.ts';

/**
 * The goal form of `/feedback plan` and "Add a goal" / "Edit": which milestone (optional), one concrete action, a
 * due date. With `goalId` it edits that goal (payload kind learning-goal → updateGoal); without, it adds one
 * (payload kind resident → createGoal).
 */
export async function openGoalForm(input: CorePorts & { residentId: string; goalId?: string }): Promise<Form> {
  const program = await learnerProgramOf(input.db, input.residentId);
  if (!program) throw new AppError('not_allowed', 'Only residents and fellows have a learning plan.');
  const goal = input.goalId ? await goalForResident(input.db, input.goalId, input.residentId) : undefined;
  if (goal && goal.status !== 'open') throw new AppError('already_closed', 'This goal is closed; add a new one instead.');
  const subs = await subcompetenciesOf(input.db, program);
  const groups = new Map<string, { label: string; options: { value: string; label: string }[] }>();
  for (const sub of subs) {
    const group = groups.get(sub.competencyCode) ?? { label: sub.competencyName, options: [] };
    group.options.push({ value: sub.code, label: `${sub.code} ${sub.name}` });
    groups.set(sub.competencyCode, group);
  }
  const current = goal?.subcompetencyId ? subs.find((s) => s.id === goal.subcompetencyId)?.code : undefined;
  const today = dateIn(program.timeZone, input.clock.now());
  return form({
    title: goal ? 'Edit goal' : 'Add a goal',
    submitLabel: goal ? 'Save goal' : 'Add goal',
    intro: 'One skill, one concrete action you can check, and a date. I will ask how it went on that day.',
    payload: goal ? payload(GROWTH_SUBJECTS.learningGoal, goal.id) : payload(SUBJECTS.resident, input.residentId),
    submitActionId: PLAN_FORMS.goal,
    fields: [
      ...(groups.size
        ? [
            choice({
              id: 'subcompetency',
              label: 'Which milestone is it about?',
              optional: true,
              groups: [...groups.values()],
              ...(current ? { initial: [current] } : {}),
            }),
          ]
        : []),
      textArea({
        id: GOAL_ACTION_FIELD,
        label: 'What will you do?',
        maxLength: MAX_GOAL_ACTION_LENGTH,
        placeholder: 'On my next ward block, present every new admission in under 3 minutes.',
        ...(goal ? { initial: goal.action } : {}),
      }),
      datePicker({ id: 'due', label: 'By when?', initial: goal?.dueOn ?? addDays(today, GOAL_REVIEW_DAYS) }),
    ],
  });
}

/** The outcome form behind Done / Drop: what came of the goal, in a line or two (optional). */
export async function openCloseGoalForm(input: CorePorts & { actorId: string; goalId: string; status: 'done' | 'dropped' }): Promise<Form> {
  const goal = await goalForResident(input.db, input.goalId, input.actorId);
  if (goal.status !== 'open') throw new AppError('already_closed', `This goal is already ${goal.status === 'done' ? 'done' : 'dropped'}.`);
  const done = input.status === 'done';
  return form({
    title: done ? 'Goal done' : 'Drop goal',
    submitLabel: done ? 'Mark done' : 'Drop goal',
    intro: `_${goal.action}_`,
    payload: payload(GROWTH_SUBJECTS.goalClosing, `${goal.id}:${input.status}`),
    submitActionId: PLAN_FORMS.closeGoal,
    fields: [
      textArea({
        id: 'outcome',
        label: done ? 'What came of it?' : 'Why drop it?',
        optional: true,
        maxLength: MAX_GOAL_OUTCOME_LENGTH,
        placeholder: done ? 'Presented 6 admissions in under 3 minutes; Dr. Chen noticed.' : 'No longer fits: I moved to clinic.',
        hint: 'A line helps you and your mentor when you refresh your plan.',
      }),
    ],
  });
}

const goalFormValues = z.object({ subcompetency: z.string().nullish(), [GOAL_ACTION_FIELD]: z.string(), due: z.string() });
const outcomeFormValues = z.object({ outcome: z.string().nullish() });

/** The goal form's checked values as a goal for createGoal / updateGoal. */
export function goalFromFormValues(values: Readonly<Record<string, unknown>>): { action: string; dueOn: string; subcompetencyCode: string | null } {
  const v = goalFormValues.parse(values);
  return { action: v[GOAL_ACTION_FIELD], dueOn: v.due, subcompetencyCode: v.subcompetency ?? null };
}

/** The outcome form's checked value (what came of a goal being closed), or null. */
export function outcomeFromFormValues(values: Readonly<Record<string, unknown>>): string | null {
  return outcomeFormValues.parse(values).outcome ?? null;
}
