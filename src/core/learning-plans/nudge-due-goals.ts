import { and, eq } from 'drizzle-orm';
import { learningGoals, programs } from '../../db/schema/index.ts';
import { enqueueMessage } from '../../delivery/outbox.ts';
import { goalNudgeMessage } from '../../messages/learning-plans.ts';
import type { CorePorts } from '../ports.ts';
import { goalView } from './goal-state.ts';

/** What one run did: nudges enqueued now, and those an earlier run for the same date had already enqueued. */
export interface NudgeRunResult {
  date: string;
  nudged: number;
  alreadyNudged: number;
}

/**
 * For open goals due on `date`, sends each resident one DM per goal: "How did it go?" with Done / Still working on
 * it / Drop. Safe to run twice for a date: each nudge is keyed by goal and date. A goal moved by "Still working on
 * it" gets a new date, so it is asked about again then. `programId` limits the run to one program, for a scheduler
 * that ticks in each program's time zone (a due date is a day where the program is).
 */
export async function nudgeDueGoals(input: CorePorts & { date: string; programId?: string }): Promise<NudgeRunResult> {
  const due = await input.db
    .select({ goal: learningGoals, timeZone: programs.timeZone })
    .from(learningGoals)
    .innerJoin(programs, eq(programs.id, learningGoals.programId))
    .where(
      and(
        eq(learningGoals.dueOn, input.date),
        eq(learningGoals.status, 'open'),
        input.programId ? eq(learningGoals.programId, input.programId) : undefined,
      ),
    );
  let nudged = 0;
  for (const { goal, timeZone } of due) {
    const fresh = await input.db.transaction(async (tx) =>
      enqueueMessage(tx, {
        idempotencyKey: `goal-due:${goal.id}:${input.date}`,
        kind: 'goal-due',
        recipientPersonId: goal.residentId,
        // Built for the due date itself, so the buttons are there even when a missed day is caught up later.
        message: goalNudgeMessage(await goalView(tx, goal, timeZone), input.date),
      }),
    );
    if (fresh) nudged += 1;
  }
  return { date: input.date, nudged, alreadyNudged: due.length - nudged };
}
