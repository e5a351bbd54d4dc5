import { and, eq, inArray } from 'drizzle-orm';
import { learningGoals } from '../../db/schema/index.ts';
import { addDays, dateIn } from '../../domain/calendar.ts';
import { gapDirection, gapsWorthAGoal, nextLevel, type RatingGap } from '../../domain/gaps.ts';
import { goalsFromGapsMessage, type GoalView } from '../../messages/learning-plans.ts';
import type { Message } from '../../messages/model.ts';
import { levelWords } from '../../messages/self-assessment.ts';
import { AppError } from '../errors.ts';
import type { CorePorts } from '../ports.ts';
import { subcompetenciesOf } from '../programs/program-context.ts';
import { comparisonOf, ratingPairs } from '../self-assessment/self-vs-ccc.ts';
import { ownSelfAssessment, storedSelfAssessment } from '../self-assessment/self-assessment-state.ts';
import { goalViews, lockPlan } from './goal-state.ts';

/**
 * Goals from gaps are due in about three months: time for several rotations of direct observation, and a check
 * before the next semiannual CCC review.
 */
export const GAP_GOAL_DAYS = 90;

/** The goal's action in our own words; the direction of the gap decides what is worth doing about it. */
export function gapGoalAction(gap: RatingGap): string {
  const self = levelWords(gap.self!);
  const ccc = levelWords(gap.ccc!);
  // Either way the aim is the level above the committee's: the CCC's rating is the one reported to ACGME.
  const target = nextLevel(gap.ccc!);
  return gapDirection(gap.gap!) === 'self_higher'
    ? `Close the gap on ${gap.code} ${gap.name}: the CCC placed you at ${ccc}, you placed yourself at ${self}. ` +
        `Ask a faculty member to observe you on it directly and tell you what Level ${target} would look like.`
    : `Calibrate ${gap.code} ${gap.name}: the CCC placed you at ${ccc}, above your own ${self}. ` +
        `Ask your mentor what the committee saw, and set a stretch goal toward Level ${target}.`;
}

/**
 * "Add the largest gaps to my plan": turns the largest self vs CCC gaps (a full level or more, at most three) into
 * goals due in three months. Idempotent: a subcompetency that already has a gap goal for this period is reported,
 * not added again, however often the button is pressed.
 */
export async function goalsFromGaps(
  input: CorePorts & { actorId: string; residentId: string; periodCode: string },
): Promise<{ created: GoalView[]; existing: GoalView[]; message: Message }> {
  // Only the resident writes their plan; the same check as opening their self-assessment.
  const context = await ownSelfAssessment(input.db, input.actorId, input.residentId, input.periodCode);
  const { program } = context.resident;
  const { submitted, self, ccc } = await comparisonOf(input.db, input.residentId, context.period);
  if (!submitted) throw new AppError('invalid_input', `Submit your ${context.periodLabel} self-assessment first; the gaps come from comparing it with the CCC.`);
  if (ccc.size === 0) throw new AppError('invalid_input', `The CCC has not rated you for ${context.periodLabel} yet, so there are no gaps to plan from.`);
  const worth = gapsWorthAGoal(await ratingPairs(input.db, program, self, ccc));
  const subIds = new Map((await subcompetenciesOf(input.db, program)).map((s) => [s.code, s.id]));
  const today = dateIn(program.timeZone, input.clock.now());

  const { created, existing } = await input.db.transaction(async (tx) => {
    await lockPlan(tx, input.residentId);
    // The self-assessment row is the comparison's anchor; locking it too keeps the check below and the insert together.
    await storedSelfAssessment(tx, input.residentId, context.period.id, { lock: true });
    const ids = worth.map((g) => subIds.get(g.code)!);
    const already = ids.length
      ? await tx
          .select()
          .from(learningGoals)
          .where(
            and(
              eq(learningGoals.residentId, input.residentId),
              eq(learningGoals.periodId, context.period.id),
              eq(learningGoals.source, 'self_assessment_gap'),
              inArray(learningGoals.subcompetencyId, ids),
            ),
          )
      : [];
    const missing = worth.filter((g) => !already.some((a) => a.subcompetencyId === subIds.get(g.code)));
    const inserted = missing.length
      ? await tx
          .insert(learningGoals)
          .values(
            missing.map((gap) => ({
              programId: program.id,
              residentId: input.residentId,
              subcompetencyId: subIds.get(gap.code)!,
              action: gapGoalAction(gap),
              dueOn: addDays(today, GAP_GOAL_DAYS),
              source: 'self_assessment_gap' as const,
              periodId: context.period.id,
            })),
          )
          .returning()
      : [];
    return { created: await goalViews(tx, inserted, program.timeZone), existing: await goalViews(tx, already, program.timeZone) };
  });
  return { created, existing, message: goalsFromGapsMessage({ residentId: input.residentId, created, existing }) };
}
