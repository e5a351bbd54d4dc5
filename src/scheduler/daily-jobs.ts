import { and, asc, between, eq, exists, inArray, min, notLike } from 'drizzle-orm';
import { cccDigestHeaderKey, postCccDigest } from '../core/ccc-digest/post-ccc-digest.ts';
import { cccChannelOf } from '../core/programs/program-context.ts';
import { warnDigestWithoutChannel } from '../core/ccc-digest/warn-digest-without-channel.ts';
import { nudgeDueGoals } from '../core/learning-plans/nudge-due-goals.ts';
import { openPlanRefresh } from '../core/learning-plans/open-plan-refresh.ts';
import { openMultisourceRound } from '../core/multisource/open-multisource-round.ts';
import type { Clock } from '../core/ports.ts';
import { escalateOverdueEvaluations } from '../core/reminders/escalate-evaluations.ts';
import { expireFeedbackRequests } from '../core/reminders/expire-feedback-requests.ts';
import { remindOutstandingEvaluations } from '../core/reminders/remind-evaluations.ts';
import { remindOpenFeedbackRequests } from '../core/reminders/remind-feedback-requests.ts';
import { promptAfterRotations } from '../core/rotation-evaluations/prompt-after-rotations.ts';
import { openSelfAssessmentWindow } from '../core/self-assessment/open-self-assessment-window.ts';
import type { Db } from '../db/client.ts';
import { cccMeetings, jobClaims, outboxMessages, type programs, reportingPeriods, rotationAssignments, rotationRaters, rotations } from '../db/schema/index.ts';
import { addDays } from '../domain/calendar.ts';
import { claimJobPeriod, finishJobPeriod } from './job-claims.ts';

export type ProgramRow = typeof programs.$inferSelect;

/** Claims made by `jobs run` carry this prefix in their instance name. */
export const HAND_RUN_PREFIX = 'cli:';

/** What a daily job is given: the program and the program-local date it runs for (today, or a missed day). */
export interface DailyJobContext {
  db: Db;
  clock: Clock;
  program: ProgramRow;
  date: string;
}

/** A job the scheduler runs once per program and local date; its result is counts, kept with its claim. */
export interface DailyJob {
  name: string;
  /** One line for `jobs` usage and the README. */
  summary: string;
  run(context: DailyJobContext): Promise<Record<string, number | string>>;
}

/**
 * With no date of its own, a period's self-assessment window opens this many days before the period's CCC meeting:
 * two weeks for residents to rate themselves before the digest goes out (7 days before the meeting by default).
 */
export const SELF_ASSESSMENT_DAYS_BEFORE_CCC = 21;

/** Rotation blocks of a program ending on a date that have 360 raters: one 360 round each. */
async function rotationsWithRatersEndingOn(db: Db, programId: string, date: string): Promise<string[]> {
  const rows = await db
    .selectDistinct({ code: rotations.code })
    .from(rotations)
    .innerJoin(rotationAssignments, eq(rotationAssignments.rotationId, rotations.id))
    .where(
      and(
        eq(rotations.programId, programId),
        eq(rotationAssignments.endsOn, date),
        exists(db.select({ one: rotationRaters.raterId }).from(rotationRaters).where(eq(rotationRaters.rotationId, rotations.id))),
      ),
    )
    .orderBy(asc(rotations.code));
  return rows.map((r) => r.code);
}

/** A program's reporting periods with the CCC meeting that reviews each (the earliest one linked to it). */
async function periodsWithMeetings(db: Db, programId: string) {
  const periods = await db.select().from(reportingPeriods).where(eq(reportingPeriods.programId, programId)).orderBy(asc(reportingPeriods.startsOn));
  const meetings = await db.select().from(cccMeetings).where(eq(cccMeetings.programId, programId)).orderBy(asc(cccMeetings.meetsOn));
  return periods.map((period) => ({ period, meetsOn: meetings.find((m) => m.periodId === period.id)?.meetsOn ?? null }));
}

/**
 * The daily jobs, in the order a day runs them: prompts and rounds first, so a block ending today is prompted before
 * anything older is reminded of. Each one is idempotent on its own (outbox keys, conditional updates), so a job run
 * again for a date (by hand, or after a crash between its effects and its claim's finish) sends nothing twice.
 */
export const DAILY_JOBS: readonly DailyJob[] = [
  {
    name: 'rotation-prompts',
    summary: 'prompt faculty about rotation blocks ending that day (the block’s last day)',
    async run({ db, clock, program, date }) {
      // Narrowed to this program's blocks, so each program's faculty are prompted at its own local hour.
      const args = { db, clock, date, programId: program.id };
      const result = await promptAfterRotations(args);
      return { prompted: result.prompted, alreadyPrompted: result.alreadyPrompted, residents: result.residents };
    },
  },
  {
    name: 'multisource-rounds',
    summary: '360 round for each rotation block with raters ending that day',
    async run({ db, clock, program, date }) {
      let rounds = 0;
      let requested = 0;
      for (const rotationCode of await rotationsWithRatersEndingOn(db, program.id, date)) {
        const round = await openMultisourceRound({ db, clock, programId: program.id, rotationCode, endsOn: date });
        rounds += 1;
        requested += round.requested;
      }
      return { rounds, requested };
    },
  },
  {
    name: 'evaluation-reminders',
    summary: 'remind faculty of unanswered rotation prompts 3 and 7 days after the block ended',
    run: ({ db, clock, program, date }) => remindOutstandingEvaluations({ db, clock, programId: program.id, date }).then((r) => ({ ...r })),
  },
  {
    name: 'evaluation-escalation',
    summary: 'tell the coordinator who still owes rotation feedback 14 days after the block ended',
    run: ({ db, clock, program, date }) => escalateOverdueEvaluations({ db, clock, programId: program.id, date }).then((r) => ({ ...r })),
  },
  {
    name: 'request-reminders',
    summary: 'remind faculty of residents’ open feedback requests 3 and 7 days after they were asked',
    run: ({ db, clock, program, date }) => remindOpenFeedbackRequests({ db, clock, programId: program.id, date }).then((r) => ({ ...r })),
  },
  {
    name: 'request-expiry',
    summary: 'close requests unanswered after the program’s request expiry days (14 by default) and tell the resident',
    run: ({ db, clock, program, date }) => expireFeedbackRequests({ db, clock, programId: program.id, date }).then((r) => ({ ...r })),
  },
  {
    name: 'self-assessment-window',
    summary: `open the self-assessment and plan refresh from the period's opening date (default: ${SELF_ASSESSMENT_DAYS_BEFORE_CCC} days before its CCC meeting) until the meeting`,
    async run({ db, clock, program, date }) {
      let invited = 0;
      let planAsked = 0;
      const opened: string[] = [];
      for (const { period, meetsOn } of await periodsWithMeetings(db, program.id)) {
        const opensOn = period.selfAssessmentOpensOn ?? (meetsOn ? addDays(meetsOn, -SELF_ASSESSMENT_DAYS_BEFORE_CCC) : null);
        const closesOn = meetsOn ?? period.endsOn;
        // Every day of the window, not only its first: a scheduler down that day, or a resident who joined since,
        // still gets the invitation; the invitations' keys make the other days no-ops.
        if (!opensOn || date < opensOn || date >= closesOn) continue;
        const window = await openSelfAssessmentWindow({ db, clock, programId: program.id, periodCode: period.code });
        const plan = await openPlanRefresh({ db, clock, programId: program.id, periodCode: period.code });
        invited += window.invited;
        planAsked += plan.asked;
        opened.push(period.code);
      }
      return { periods: opened.join(',') || 'none', invited, planAsked };
    },
  },
  {
    name: 'goal-nudges',
    summary: 'ask residents how their learning goals due that day went',
    run: ({ db, clock, program, date }) =>
      nudgeDueGoals({ db, clock, date, programId: program.id }).then((r) => ({ nudged: r.nudged, alreadyNudged: r.alreadyNudged })),
  },
  {
    name: 'ccc-digest',
    summary: 'post the CCC digest to the CCC channel the program’s digest lead days (7 by default) before each meeting',
    async run({ db, clock, program, date }) {
      let posted = 0;
      let enqueued = 0;
      let warned = 0;
      for (const { period, meetsOn } of await periodsWithMeetings(db, program.id)) {
        // From the lead day until the meeting, so a scheduler down on the lead day still posts it on its first day
        // back; once the header is queued the other days do not even build it.
        if (!meetsOn || date < addDays(meetsOn, -program.cccDigestLeadDays) || date >= meetsOn) continue;
        const [queued] = await db
          .select({ key: outboxMessages.idempotencyKey })
          .from(outboxMessages)
          .where(eq(outboxMessages.idempotencyKey, cccDigestHeaderKey(program.id, period.code)));
        if (queued) continue;
        if (!cccChannelOf(program).channel) {
          // Nowhere to post: the coordinator hears once per period, in time to add the channel before the meeting.
          warned += await warnDigestWithoutChannel({ db, clock, programId: program.id, periodCode: period.code, meetsOn });
          continue;
        }
        const digest = await postCccDigest({ db, clock, programId: program.id, periodCode: period.code });
        posted += 1;
        enqueued += digest.enqueued;
      }
      return { posted, enqueued, warned };
    },
  },
];

export const DAILY_JOB_NAMES = DAILY_JOBS.map((job) => job.name);

/** How a claimed run went, or who ran that (job, program, date) before. */
export type DailyJobOutcome =
  | { job: string; status: 'ran'; result: Record<string, number | string> }
  | { job: string; status: 'failed'; error: string }
  | { job: string; status: 'claimed-before'; claimedBy: string; claimedAt: Date; finishedAt: Date | null; result: unknown };

/**
 * Runs one daily job for one program and local date if this caller wins its claim `(job, programId, date)`. The
 * scheduler's ticks, its catch-up and `jobs run` all come through here, so a date is acted on once whoever asks.
 * `again` (hand runs) runs a date claimed before anyway: safe because every job is idempotent, and it is the way to
 * finish a run that crashed half-way.
 */
export async function runDailyJob(input: DailyJobContext & { job: DailyJob; instance: string; again?: boolean }): Promise<DailyJobOutcome> {
  const period = { db: input.db, job: input.job.name, scope: input.program.id, period: input.date };
  const claimed = await claimJobPeriod({ ...period, instance: input.instance });
  if (!claimed) {
    const [before] = await input.db
      .select()
      .from(jobClaims)
      .where(and(eq(jobClaims.job, period.job), eq(jobClaims.scope, period.scope), eq(jobClaims.period, period.period)));
    const outcome = {
      job: input.job.name,
      status: 'claimed-before' as const,
      claimedBy: before?.claimedBy ?? 'unknown',
      claimedAt: before?.claimedAt ?? new Date(0),
      finishedAt: before?.finishedAt ?? null,
      result: before?.result ?? null,
    };
    if (!input.again) return outcome;
  }
  try {
    const result = await input.job.run(input);
    await finishJobPeriod({ ...period, result: { ...result, by: input.instance }, finishedAt: input.clock.now() });
    return { job: input.job.name, status: 'ran', result };
  } catch (error) {
    const message = (error as Error).message;
    // The claim stays (no second instance should pile onto a failing job); the error is kept with it for `jobs run`.
    await finishJobPeriod({ ...period, result: { error: message.slice(0, 500), by: input.instance }, finishedAt: input.clock.now() }).catch(() => {});
    return { job: input.job.name, status: 'failed', error: message };
  }
}

/** Every daily job (or the named ones) for one program and local date, in order; a failing job does not stop the next. */
export async function runDailyJobs(
  input: DailyJobContext & { instance: string; only?: readonly string[]; again?: boolean },
): Promise<DailyJobOutcome[]> {
  const outcomes: DailyJobOutcome[] = [];
  for (const job of DAILY_JOBS) {
    if (input.only && !input.only.includes(job.name)) continue;
    outcomes.push(await runDailyJob({ ...input, job }));
  }
  return outcomes;
}

/**
 * The first date any daily job ran for each program (the scheduler's first day there, before which nothing is ever
 * caught up), by program id; a program absent from the map has never run a daily job.
 */
export async function firstClaimedDates(db: Db, programIds: string[]): Promise<Map<string, string>> {
  if (programIds.length === 0) return new Map();
  const rows = await db
    .select({ scope: jobClaims.scope, first: min(jobClaims.period) })
    .from(jobClaims)
    // Hand runs (`jobs run`, instance `cli:…`) of past dates are not the scheduler's days: they must not make it
    // replay the days before its own first one.
    .where(and(inArray(jobClaims.scope, programIds), inArray(jobClaims.job, [...DAILY_JOB_NAMES]), notLike(jobClaims.claimedBy, `${HAND_RUN_PREFIX}%`)))
    .groupBy(jobClaims.scope);
  return new Map(rows.flatMap((r) => (r.first ? [[r.scope, r.first] as const] : [])));
}

/** The (job, date) pairs of a program already claimed between two dates, as `job date`. */
export async function claimedBetween(db: Db, programId: string, from: string, to: string): Promise<Set<string>> {
  const rows = await db
    .select({ job: jobClaims.job, period: jobClaims.period })
    .from(jobClaims)
    .where(and(eq(jobClaims.scope, programId), inArray(jobClaims.job, [...DAILY_JOB_NAMES]), between(jobClaims.period, from, to)));
  return new Set(rows.map((r) => `${r.job} ${r.period}`));
}
