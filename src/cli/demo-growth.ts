import { and, eq, gte } from 'drizzle-orm';
import { recordCccRating } from '../core/ccc-ratings/record-ccc-rating.ts';
import { goalsFromGaps } from '../core/learning-plans/goals-from-gaps.ts';
import { learningPlanView } from '../core/learning-plans/learning-plan-view.ts';
import { nudgeDueGoals } from '../core/learning-plans/nudge-due-goals.ts';
import { openPlanRefresh } from '../core/learning-plans/open-plan-refresh.ts';
import type { Clock } from '../core/ports.ts';
import { subcompetenciesOf } from '../core/programs/program-context.ts';
import { openSelfAssessmentWindow } from '../core/self-assessment/open-self-assessment-window.ts';
import { resumeSelfAssessment, selfAssessmentPage } from '../core/self-assessment/self-assessment-page.ts';
import { saveSelfAssessmentPage } from '../core/self-assessment/save-self-assessment-page.ts';
import { selfVsCcc } from '../core/self-assessment/self-vs-ccc.ts';
import { submitSelfAssessment } from '../core/self-assessment/submit-self-assessment.ts';
import type { Db } from '../db/client.ts';
import { learningGoals, people, programMemberships, programs } from '../db/schema/index.ts';
import { MILESTONE_RATINGS, type MilestoneRating } from '../domain/rating.ts';
import type { DemoCards } from './demo-cards.ts';
import { messageAsPlainText } from './demo-multisource.ts';

const PERIOD = '2026-mid';

// Where a resident of each PGY tends to sit mid-year; the demo spreads ratings around it so the gaps vary.
const TYPICAL_HALF_LEVELS: Record<number, number> = { 1: 2, 2: 4, 3: 6 };

function ratingAt(halfLevels: number): MilestoneRating {
  return MILESTONE_RATINGS[Math.max(0, Math.min(MILESTONE_RATINGS.length - 1, halfLevels))]!;
}

/**
 * The demo's mid-year: the self-assessment window opens, residents rate themselves page by page (one stops halfway
 * and resumes), the CCC rates everyone, the residents compare, plan from their largest gaps, and goal nudges go out.
 * Everything goes through the core use cases the chat adapters call; the output is what residents would read.
 * `cards` gets the first resident's self-assessment pages (the first, and where she resumes) and the two views.
 */
export async function runDemoGrowth(db: Db, out: (line: string) => void, cards?: DemoCards): Promise<void> {
  let now = new Date('2026-12-01T15:00:00Z');
  const clock: Clock = { now: () => now };
  const ports = { db, clock };
  const [program] = await db.select().from(programs);
  if (!program) return;
  const subs = await subcompetenciesOf(db, program);
  const pages = [...new Set(subs.map((s) => s.competencyCode))].map((code) => subs.filter((s) => s.competencyCode === code));
  const residents = await db
    .select({ id: people.id, name: people.name, pgy: programMemberships.pgy })
    .from(programMemberships)
    .innerJoin(people, eq(people.id, programMemberships.personId))
    .where(and(eq(programMemberships.programId, program.id), eq(programMemberships.role, 'resident')))
    .orderBy(people.name);
  const [chair] = await db
    .select({ id: programMemberships.personId })
    .from(programMemberships)
    .where(and(eq(programMemberships.programId, program.id), eq(programMemberships.role, 'ccc_chair')));

  out('\nMid-year self-assessment and learning plans:');
  const window = await openSelfAssessmentWindow({ ...ports, programId: program.id, periodCode: PERIOD });
  const refresh = await openPlanRefresh({ ...ports, programId: program.id, periodCode: PERIOD });
  out(`  ${PERIOD}: ${window.invited} residents invited to self-assess; ${refresh.asked ?? 0} asked to refresh their learning plan.`);

  for (const [r, resident] of residents.entries()) {
    const typical = TYPICAL_HALF_LEVELS[resident.pgy ?? 1] ?? 2;
    const target = { actorId: resident.id, residentId: resident.id, periodCode: PERIOD };
    const selfRating = (i: number) => ratingAt(typical + ((i + r) % 3) - 1);
    // One resident in four stops after two pages; the next day the button resumes where they left off.
    const stopAfter = r % 4 === 0 ? 2 : pages.length;
    if (cards && r === 0) await cards.form({ to: resident.name, what: 'Start self-assessment' }, await selfAssessmentPage({ ...ports, ...target, page: 1 }));
    for (let page = 1; page <= stopAfter && page < pages.length; page += 1) {
      const ratings = Object.fromEntries(pages[page - 1]!.map((s, i) => [s.code, selfRating(i)]));
      await saveSelfAssessmentPage({ ...ports, ...target, page, ratings });
    }
    if (stopAfter < pages.length) {
      const resumed = await resumeSelfAssessment({ ...ports, ...target });
      if (r === 0) out(`  ${resident.name} stopped after page ${stopAfter} of ${pages.length}; “Start self-assessment” resumes at page ${resumed.page}.`);
      if (r === 0) await cards?.form({ to: resident.name, what: `Start self-assessment (again: page ${resumed.page})` }, resumed.form);
      for (let page = resumed.page; page < pages.length; page += 1) {
        const ratings = Object.fromEntries(pages[page - 1]!.map((s, i) => [s.code, selfRating(i)]));
        await saveSelfAssessmentPage({ ...ports, ...target, page, ratings });
      }
    }
    const last = Object.fromEntries(pages[pages.length - 1]!.map((s, i) => [s.code, selfRating(i)]));
    await submitSelfAssessment({ ...ports, ...target, page: pages.length, ratings: last });
    // The CCC meets mid-December and rates every subcompetency; it sees some residents differently than they do.
    if (chair) {
      for (const [i, sub] of subs.entries()) {
        const delta = (i * 7 + r * 3) % 5 === 0 ? -2 : (i + r) % 4 === 0 ? 1 : 0;
        await recordCccRating({ ...ports, chairId: chair.id, residentId: resident.id, periodCode: PERIOD, subcompetencyCode: sub.code, rating: ratingAt(typical + delta) });
      }
    }
  }
  out(`  ${residents.length} self-assessments submitted; the CCC rated ${residents.length} residents on ${subs.length} subcompetencies.`);

  const ana = residents[0]!;
  now = new Date('2026-12-20T15:00:00Z');
  out(`\n  What ${ana.name} sees with /feedback compare (largest gaps first):`);
  const compare = await selfVsCcc({ db, residentId: ana.id, periodCode: PERIOD, viewerId: ana.id });
  for (const line of messageAsPlainText(compare).slice(0, 12)) out(line);
  await cards?.message({ to: ana.name, what: '/feedback compare', shownAs: 'reply' }, compare);
  let goals = 0;
  for (const resident of residents) {
    const planned = await goalsFromGaps({ ...ports, actorId: resident.id, residentId: resident.id, periodCode: PERIOD });
    goals += planned.created.length;
  }
  out(`\n  Residents turned their largest gaps into ${goals} learning-plan goals. ${ana.name}'s plan as her program director sees it:`);
  const [pd] = await db
    .select({ id: programMemberships.personId })
    .from(programMemberships)
    .where(and(eq(programMemberships.programId, program.id), eq(programMemberships.role, 'program_director')));
  const plan = await learningPlanView({ ...ports, residentId: ana.id, viewerId: pd?.id ?? ana.id });
  for (const line of messageAsPlainText(plan).slice(0, 10)) out(line);
  await cards?.message({ to: pd ? { personId: pd.id } : ana.name, what: `/feedback plan show @${ana.name}`, shownAs: 'reply' }, plan);
  const [firstDue] = await db.select({ dueOn: learningGoals.dueOn }).from(learningGoals).where(and(eq(learningGoals.status, 'open'), gte(learningGoals.dueOn, '2026-12-21'))).orderBy(learningGoals.dueOn).limit(1);
  if (firstDue) {
    const nudged = await nudgeDueGoals({ ...ports, date: firstDue.dueOn });
    out(`\n  On ${firstDue.dueOn}, the next goals fall due: ${nudged.nudged ?? 0} “How did it go?” nudges with Done / Still working on it / Drop.`);
  }
}
