import { and, asc, count, desc, eq, gte, inArray, isNotNull, notInArray } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import {
  assignmentSupervisors,
  cccMeetings,
  cccRatings,
  evaluationDeclines,
  feedbackEntries,
  feedbackRequests,
  multisourceRequests,
  outboxMessages,
  people,
  programMemberships,
  programs,
  rotationAssignments,
  rotations,
  selfAssessments,
} from '../../db/schema/index.ts';
import { dateIn } from '../../domain/calendar.ts';
import { type HomeCcc, type HomeView, type HomeWaiting, homeMessage, RECENT_FEEDBACK_DAYS } from '../../messages/home.ts';
import type { Message } from '../../messages/model.ts';
import { periodLabel } from '../../messages/self-assessment.ts';
import { CCC_ROLES } from '../ccc-ratings/record-ccc-rating.ts';
import { feedbackView, nameOf } from '../feedback-requests/views.ts';
import { learningPlanView } from '../learning-plans/learning-plan-view.ts';
import type { CorePorts } from '../ports.ts';
import { LEARNER_ROLES, type ProgramRow, subcompetenciesOf } from '../programs/program-context.ts';
import { activeSelfAssessment, currentPeriodOf, latestComparablePeriod } from '../self-assessment/active-period.ts';
import { residentsInPeriod } from '../self-assessment/period-context.ts';
import { selfVsCcc } from '../self-assessment/self-vs-ccc.ts';

/** Roles that are asked for feedback as part of the job, so their Home always says what is waiting (even nothing). */
const ASKED_ROLES = ['faculty', 'rater', 'program_director', 'associate_program_director', 'ccc_member', 'ccc_chair'];

/** Input of homeView: whose Home, and how a platform links to a program's CCC channel (none: no link). */
export interface HomeViewInput extends CorePorts {
  personId: string;
  cccChannelUrl?: (program: Pick<ProgramRow, 'cccSlackChannelId' | 'cccTeamsConversationId'>) => string | null;
}

async function residentPart(input: HomeViewInput, residentId: string): Promise<NonNullable<HomeView['resident']>> {
  const { db, clock } = input;
  const open = await db
    .select({ question: feedbackRequests.question, dueOn: feedbackRequests.dueOn, assessorName: people.name })
    .from(feedbackRequests)
    .innerJoin(people, eq(people.id, feedbackRequests.assessorId))
    .where(and(eq(feedbackRequests.residentId, residentId), eq(feedbackRequests.status, 'open')))
    .orderBy(asc(feedbackRequests.dueOn), asc(feedbackRequests.createdAt));
  const since = new Date(clock.now().getTime() - RECENT_FEEDBACK_DAYS * 24 * 60 * 60 * 1000);
  const recent = await db
    .select({ id: feedbackEntries.id, createdAt: feedbackEntries.createdAt, programId: feedbackEntries.programId })
    .from(feedbackEntries)
    .where(and(eq(feedbackEntries.residentId, residentId), gte(feedbackEntries.createdAt, since)))
    .orderBy(desc(feedbackEntries.createdAt))
    .limit(5);
  const zones = new Map((await db.select({ id: programs.id, timeZone: programs.timeZone }).from(programs)).map((p) => [p.id, p.timeZone]));
  const recentFeedback = [];
  for (const entry of recent) {
    const view = await feedbackView(db, entry.id);
    recentFeedback.push({ title: view.title, receivedOn: dateIn(zones.get(entry.programId) ?? 'UTC', entry.createdAt), nextStep: view.nextStep });
  }
  const active = await activeSelfAssessment({ db, clock, residentId });
  // The resident looking at their own plan and comparison: no audit entry, and the same words as in their DMs.
  const plan = await learningPlanView({ db, clock, residentId, viewerId: residentId });
  const compared = await latestComparablePeriod(db, residentId);
  const comparison: Message | null = compared ? await selfVsCcc({ db, residentId, periodCode: compared.code, viewerId: residentId }) : null;
  return {
    residentId,
    openRequests: open,
    recentFeedback,
    selfAssessment: active ? { residentId, ...active } : null,
    plan,
    comparison,
  };
}

async function waitingPart(db: DbOrTx, personId: string): Promise<HomeWaiting> {
  const requests = await db
    .select({ question: feedbackRequests.question, dueOn: feedbackRequests.dueOn, residentName: people.name })
    .from(feedbackRequests)
    .innerJoin(people, eq(people.id, feedbackRequests.residentId))
    .where(and(eq(feedbackRequests.assessorId, personId), eq(feedbackRequests.status, 'open')))
    .orderBy(asc(feedbackRequests.dueOn), asc(feedbackRequests.createdAt));
  // Rotations the person was prompted about (`rotation-prompt:<faculty>:<rotation>:<end date>`), with the residents
  // still waiting for their feedback; a rotation nobody was prompted about yet is not "waiting" on anyone.
  const prompts = await db
    .select({ key: outboxMessages.idempotencyKey })
    .from(outboxMessages)
    .where(and(eq(outboxMessages.kind, 'rotation-prompt'), eq(outboxMessages.recipientPersonId, personId)));
  // NOT IN over a column with nulls matches nothing, so requests' entries (no assignment) are left out of the list.
  const evaluated = db
    .select({ id: feedbackEntries.rotationAssignmentId })
    .from(feedbackEntries)
    .where(and(eq(feedbackEntries.authorId, personId), isNotNull(feedbackEntries.rotationAssignmentId)));
  const declined = db.select({ id: evaluationDeclines.rotationAssignmentId }).from(evaluationDeclines).where(eq(evaluationDeclines.facultyId, personId));
  const rotationsWaiting: HomeWaiting['rotations'] = [];
  for (const { key } of prompts) {
    const [, , rotationId, endsOn] = key.split(':');
    if (!rotationId || !endsOn) continue;
    const rows = await db
      .select({ name: people.name, rotationName: rotations.name })
      .from(rotationAssignments)
      .innerJoin(assignmentSupervisors, eq(assignmentSupervisors.assignmentId, rotationAssignments.id))
      .innerJoin(rotations, eq(rotations.id, rotationAssignments.rotationId))
      .innerJoin(people, eq(people.id, rotationAssignments.residentId))
      .where(
        and(
          eq(rotationAssignments.rotationId, rotationId),
          eq(rotationAssignments.endsOn, endsOn),
          eq(assignmentSupervisors.facultyId, personId),
          notInArray(rotationAssignments.id, evaluated),
          notInArray(rotationAssignments.id, declined),
        ),
      )
      .orderBy(people.name);
    if (rows.length) rotationsWaiting.push({ rotationName: rows[0]!.rotationName, endsOn, residentNames: rows.map((r) => r.name) });
  }
  rotationsWaiting.sort((a, b) => a.endsOn.localeCompare(b.endsOn));
  const [multisource] = await db
    .select({ n: count() })
    .from(multisourceRequests)
    .where(and(eq(multisourceRequests.raterId, personId), eq(multisourceRequests.status, 'open')));
  return { requests, rotations: rotationsWaiting, multisource: multisource?.n ?? 0 };
}

async function cccPart(input: HomeViewInput, program: ProgramRow): Promise<HomeCcc | null> {
  const { db } = input;
  const period = await currentPeriodOf(db, program, input.clock.now());
  if (!period) return null;
  const residents = await residentsInPeriod(db, program.id, period);
  const ids = residents.map((r) => r.id);
  const statuses = new Map(
    ids.length
      ? (
          await db
            .select({ residentId: selfAssessments.residentId, status: selfAssessments.status })
            .from(selfAssessments)
            .where(and(eq(selfAssessments.periodId, period.id), inArray(selfAssessments.residentId, ids)))
        ).map((s) => [s.residentId, s.status])
      : [],
  );
  const rated = new Map(
    ids.length
      ? (
          await db
            .select({ residentId: cccRatings.residentId, n: count() })
            .from(cccRatings)
            .where(and(eq(cccRatings.periodId, period.id), inArray(cccRatings.residentId, ids)))
            .groupBy(cccRatings.residentId)
        ).map((r) => [r.residentId, r.n])
      : [],
  );
  const total = (await subcompetenciesOf(db, program)).length;
  const today = dateIn(program.timeZone, input.clock.now());
  const [meeting] = await db
    .select({ meetsOn: cccMeetings.meetsOn })
    .from(cccMeetings)
    .where(and(eq(cccMeetings.programId, program.id), gte(cccMeetings.meetsOn, today)))
    .orderBy(asc(cccMeetings.meetsOn))
    .limit(1);
  return {
    programName: program.name,
    periodLabel: periodLabel(period),
    // Progress only (submitted or not, how many ratings): the ratings themselves stay in the comparison and digest.
    residents: residents.map((r) => {
      const status = statuses.get(r.id);
      return {
        name: r.name,
        selfAssessment: status === 'submitted' ? 'submitted' : status === 'in_progress' ? 'in_progress' : 'not_started',
        cccRated: rated.get(r.id) ?? 0,
        total,
      };
    }),
    nextMeetingOn: meeting?.meetsOn ?? null,
    channelUrl: input.cccChannelUrl?.(program) ?? null,
  };
}

/**
 * A person's App Home as a neutral message, by role: a resident's questions, recent feedback, plan and latest self
 * vs CCC grid with buttons for the common actions; for anyone asked for feedback, what is waiting for them; for CCC
 * members, the current period's progress in their program. Everything shown is the person's own or, for the CCC,
 * counts of progress; no 360 rater identity appears.
 */
export async function homeView(input: HomeViewInput): Promise<Message> {
  const { db } = input;
  const name = await nameOf(db, input.personId);
  const memberships = await db
    .select({ role: programMemberships.role, program: programs })
    .from(programMemberships)
    .innerJoin(programs, eq(programs.id, programMemberships.programId))
    .where(eq(programMemberships.personId, input.personId));
  const isLearner = memberships.some((m) => (LEARNER_ROLES as readonly string[]).includes(m.role));
  const resident = isLearner ? await residentPart(input, input.personId) : null;
  const waiting = await waitingPart(db, input.personId);
  const anythingWaiting = waiting.requests.length + waiting.rotations.length + waiting.multisource > 0;
  const asked = memberships.some((m) => ASKED_ROLES.includes(m.role));
  const cccPrograms = new Map<string, ProgramRow>();
  for (const m of memberships) if ((CCC_ROLES as readonly string[]).includes(m.role)) cccPrograms.set(m.program.id, m.program);
  const ccc: HomeCcc[] = [];
  for (const program of cccPrograms.values()) {
    const part = await cccPart(input, program);
    if (part) ccc.push(part);
  }
  return homeMessage({ name, resident, waiting: asked || anythingWaiting ? waiting : null, ccc });
}
