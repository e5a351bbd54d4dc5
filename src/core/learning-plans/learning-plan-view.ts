import { and, asc, desc, eq, ne } from 'drizzle-orm';
import { learningGoals } from '../../db/schema/index.ts';
import { dateIn } from '../../domain/calendar.ts';
import { learningPlanMessage } from '../../messages/learning-plans.ts';
import type { Message } from '../../messages/model.ts';
import type { CorePorts } from '../ports.ts';
import { goalViews } from './goal-state.ts';
import { auditGrowthRead, growthAudienceOf, residentContext } from './plan-access.ts';

/** How many closed goals the plan shows: enough to remember what was worked on, few enough to stay a plan. */
const RECENTLY_CLOSED = 5;

/**
 * A resident's learning plan: open goals by due date (the resident gets Done / Edit / Drop on each), then the latest
 * closed ones. Readable by the resident, their program director(s) and their mentor only; anyone else is refused
 * with not_allowed, and every read by someone other than the resident is recorded in the audit log.
 */
export async function learningPlanView(input: CorePorts & { residentId: string; viewerId: string }): Promise<Message> {
  const resident = await residentContext(input.db, input.residentId);
  const audience = await growthAudienceOf(input.db, resident, input.viewerId);
  const open = await input.db
    .select()
    .from(learningGoals)
    .where(and(eq(learningGoals.residentId, input.residentId), eq(learningGoals.status, 'open')))
    .orderBy(asc(learningGoals.dueOn), asc(learningGoals.createdAt));
  const closed = await input.db
    .select()
    .from(learningGoals)
    .where(and(eq(learningGoals.residentId, input.residentId), ne(learningGoals.status, 'open')))
    .orderBy(desc(learningGoals.closedAt))
    .limit(RECENTLY_CLOSED);
  await auditGrowthRead(input.db, { viewerId: input.viewerId, audience, action: 'read.learning_plan', residentId: input.residentId });
  const timeZone = resident.program.timeZone;
  return learningPlanMessage({
    residentId: input.residentId,
    residentName: resident.residentName,
    audience,
    today: dateIn(timeZone, input.clock.now()),
    open: await goalViews(input.db, open, timeZone),
    closed: await goalViews(input.db, closed, timeZone),
  });
}
