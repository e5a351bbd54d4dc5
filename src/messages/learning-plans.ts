import { humanDate } from '../domain/calendar.ts';
import { GROWTH_SUBJECTS, PLAN_ACTIONS, SUBJECTS } from './actions.ts';
import { actions, button, context, divider, header, type Message, message, paragraph, payload } from './model.ts';
import type { GrowthAudience } from './self-assessment.ts';

/** A learning-plan goal as chat surfaces show it. */
export interface GoalView {
  id: string;
  /** "PC3 Clinical Reasoning", or null for a goal not tied to one subcompetency. */
  subcompetency: string | null;
  action: string;
  dueOn: string;
  status: 'open' | 'done' | 'dropped';
  source: 'feedback' | 'self_assessment_gap' | 'resident';
  outcome: string | null;
  /** Calendar date the goal was closed on, in the program's time zone. */
  closedOn: string | null;
}

// One paragraph and one row of buttons per goal: twelve goals stay well inside Slack's 50 blocks per message, and a
// plan with more than that open at once has stopped being a plan.
export const MAX_GOALS_SHOWN = 12;
const MAX_CLOSED_SHOWN = 5;

const SOURCE_WORDS: Record<GoalView['source'], string> = {
  feedback: 'from feedback',
  self_assessment_gap: 'from the self-assessment gaps',
  resident: 'own goal',
};

function goalLine(goal: GoalView, today: string): string {
  const when =
    goal.status !== 'open'
      ? `${goal.status === 'done' ? 'done' : 'dropped'}${goal.closedOn ? ` ${humanDate(goal.closedOn)}` : ''}`
      : goal.dueOn < today
        ? `*overdue* since ${humanDate(goal.dueOn)}`
        : goal.dueOn === today
          ? '*due today*'
          : `due ${humanDate(goal.dueOn)}`;
  const about = goal.subcompetency ? `*${goal.subcompetency}* · ` : '';
  const outcome = goal.outcome ? `\n_Outcome: ${goal.outcome.replace(/\s*\n\s*/g, ' ')}_` : '';
  return `${about}${when} · ${SOURCE_WORDS[goal.source]}\n${goal.action}${outcome}`;
}

function goalButtons(goal: GoalView) {
  const ref = payload(GROWTH_SUBJECTS.learningGoal, goal.id);
  return actions(
    button('Done', PLAN_ACTIONS.done, ref, 'primary'),
    button('Edit', PLAN_ACTIONS.editGoal, ref),
    button('Drop', PLAN_ACTIONS.drop, ref, 'danger'),
  );
}

/** A resident's individualized learning plan: open goals by due date, then the latest closed ones. */
export function learningPlanMessage(input: {
  residentId: string;
  residentName: string;
  audience: GrowthAudience;
  today: string;
  open: GoalView[];
  closed: GoalView[];
}): Message {
  const you = input.audience === 'resident';
  const first = input.residentName.split(' ')[0] ?? input.residentName;
  const shown = input.open.slice(0, MAX_GOALS_SHOWN);
  const overdue = input.open.filter((g) => g.dueOn < input.today).length;
  const title = you ? 'Your learning plan' : `${input.residentName}'s learning plan`;
  const counts = `${input.open.length} open goal${input.open.length === 1 ? '' : 's'}${overdue ? `, ${overdue} overdue` : ''}`;
  return message(
    `${title}: ${counts}.`,
    header(title),
    input.open.length === 0
      ? paragraph(
          you
            ? 'No open goals. A good plan has two or three: one skill, one concrete action, one date.'
            : `${first} has no open goals.`,
        )
      : paragraph(`${counts}.`),
    shown.map((goal) => [paragraph(goalLine(goal, input.today)), you ? goalButtons(goal) : null]),
    input.open.length > shown.length ? context(`…and ${input.open.length - shown.length} more open goals, due later.`) : null,
    input.closed.length > 0
      ? [divider(), paragraph('*Recently closed*'), input.closed.slice(0, MAX_CLOSED_SHOWN).map((goal) => paragraph(goalLine(goal, input.today)))]
      : null,
    you ? actions(button('Add a goal', PLAN_ACTIONS.addGoal, payload(SUBJECTS.resident, input.residentId), 'primary')) : null,
    context(
      you
        ? 'Only you, your program director and your mentor can see your plan.'
        : `You see this as ${first}'s ${input.audience === 'mentor' ? 'mentor' : 'program director'}; your view is recorded.`,
    ),
  );
}

/** One goal on its own: the confirmation after adding or editing it. */
export function goalSavedMessage(goal: GoalView, verb: 'added' | 'updated'): Message {
  return message(
    `Goal ${verb}: ${goal.action} (due ${humanDate(goal.dueOn)}).`,
    paragraph(`Goal ${verb} ✓ ${goal.subcompetency ? `*${goal.subcompetency}* · ` : ''}due ${humanDate(goal.dueOn)}\n${goal.action}`),
    context('I will ask you how it went on the due date.'),
  );
}

/**
 * The due-date DM: "How did it go?" with Done / Still working on it / Drop. Rebuilt after a click, so the buttons
 * give way to what the resident chose.
 */
export function goalNudgeMessage(goal: GoalView, today: string): Message {
  const ref = payload(GROWTH_SUBJECTS.learningGoal, goal.id);
  const outcome =
    goal.status === 'done'
      ? context('Marked done ✓ — well done. It stays in your plan as a record of what you worked on.')
      : goal.status === 'dropped'
        ? context('Dropped. If it still matters, a smaller version of it may make a better goal.')
        : goal.dueOn > today
          ? context(`Still working on it — I will ask again on ${humanDate(goal.dueOn)}.`)
          : actions(
              button('Done', PLAN_ACTIONS.done, ref, 'primary'),
              button('Still working on it', PLAN_ACTIONS.stillWorking, ref),
              button('Drop', PLAN_ACTIONS.drop, ref, 'danger'),
            );
  return message(
    `How did it go? Your goal: ${goal.action}`,
    header('How did it go?'),
    paragraph(`${goal.subcompetency ? `*${goal.subcompetency}*\n` : ''}${goal.action}`),
    context(`Your learning-plan goal, due ${humanDate(goal.dueOn)}.`),
    outcome,
  );
}

/** The twice-yearly ask to write or refresh the plan, sent with the self-assessment. */
export function planRefreshMessage(input: {
  residentId: string;
  periodLabel: string;
  open: number;
  overdue: number;
}): Message {
  const ref = payload(SUBJECTS.resident, input.residentId);
  const state =
    input.open === 0
      ? 'You have no open goals yet.'
      : `You have ${input.open} open goal${input.open === 1 ? '' : 's'}${input.overdue ? `, ${input.overdue} overdue` : ''}: close what is done, drop what no longer fits, and keep the rest current.`;
  return message(
    `${input.periodLabel}: time to write or refresh your learning plan.`,
    header('Time to refresh your learning plan'),
    paragraph(
      `Twice a year, with your self-assessment, take ten minutes for your plan: two or three goals, each with one skill, one concrete action and a date. ${state}`,
    ),
    actions(button('Review my plan', PLAN_ACTIONS.view, ref, 'primary'), button('Add a goal', PLAN_ACTIONS.addGoal, ref)),
    context('Your program director and your mentor can see your plan, so it is easy to talk over at your next meeting.'),
  );
}

/** What "Add the largest gaps to my plan" did. */
export function goalsFromGapsMessage(input: { residentId: string; created: GoalView[]; existing: GoalView[] }): Message {
  const ref = payload(SUBJECTS.resident, input.residentId);
  if (input.created.length === 0 && input.existing.length === 0) {
    return message(
      'Your self-ratings are within half a level of the CCC everywhere; no gap goals to add.',
      paragraph(
        'Your self-ratings are within half a level of the CCC everywhere — no gap to turn into a goal. Pick one area to grow in with your mentor instead.',
      ),
      actions(button('Add a goal', PLAN_ACTIONS.addGoal, ref, 'primary')),
    );
  }
  const lines = [...input.created, ...input.existing].map((g) => `- *${g.subcompetency ?? 'Goal'}* (due ${humanDate(g.dueOn)}): ${g.action}`);
  return message(
    input.created.length
      ? `Added ${input.created.length} goal${input.created.length === 1 ? '' : 's'} from your largest gaps to your plan.`
      : 'The goals from your largest gaps are already in your plan.',
    paragraph(
      `${input.created.length ? `Added ${input.created.length} goal${input.created.length === 1 ? '' : 's'} from your largest gaps` : 'These goals from your largest gaps are already in your plan'}:\n${lines.join('\n')}`,
    ),
    actions(button('View my plan', PLAN_ACTIONS.view, ref, 'primary')),
    context('Edit the wording or the dates to make them yours.'),
  );
}

/** Reads the outcome form's payload (`goalId:done|dropped`) back; null when it is not one. */
export function readGoalClosingRef(p: { kind: string; id: string }): { goalId: string; status: 'done' | 'dropped' } | null {
  if (p.kind !== GROWTH_SUBJECTS.goalClosing) return null;
  const [goalId, status, ...rest] = p.id.split(':');
  if (!goalId || rest.length || (status !== 'done' && status !== 'dropped')) return null;
  return { goalId, status };
}
