/**
 * Two academic years of assessment data for the benchmark institution (bench/institution.ts), loaded with batched
 * inserts: end-of-rotation evaluations and unsolicited feedback with milestone ratings (~300k entries), 360 rounds
 * answered by nurses (~60k item scores), CCC ratings of past periods, submitted self-assessments and learning goals.
 * Deterministic: the same institution gets the same rows (ids included) in every run.
 */
import { readFileSync } from 'node:fs';
import { and, eq } from 'drizzle-orm';
import { importMilestoneSet } from '../src/core/milestone-sets/import-milestone-set.ts';
import { importPeople } from '../src/core/people/import-people.ts';
import { importPrograms } from '../src/core/programs/import-programs.ts';
import { importRotationSchedule } from '../src/core/rotations/import-rotation-schedule.ts';
import type { Db } from '../src/db/client.ts';
import {
  assignmentSupervisors,
  cccRatings,
  feedbackEntries,
  feedbackRatings,
  learningGoals,
  milestoneSets,
  multisourceAnswers,
  multisourceInstruments,
  multisourceItems,
  multisourceRequests,
  multisourceResponses,
  multisourceRounds,
  programMemberships,
  programs,
  reportingPeriods,
  rotationAssignments,
  rotations,
  selfAssessmentRatings,
  selfAssessments,
  subcompetencies,
} from '../src/db/schema/index.ts';
import { levelOnScale, programLengthYears } from '../src/domain/ccc-flags.ts';
import { MILESTONE_RATINGS, type MilestoneRating } from '../src/domain/rating.ts';
import { uuidFrom } from './ids.ts';
import { type InstitutionFiles, prng } from './institution.ts';

/** Feedback entries per resident over the two years, rotation evaluations included (~200 × 1,500 = 300k). */
const ENTRIES_PER_RESIDENT = 200;
/** 360 raters (nurses) asked about each resident in each period. */
const NURSES_PER_RESIDENT = 3;
const NURSES_PER_PROGRAM = 12;
const BATCH = 1000;

/** How many rows of each kind were loaded. */
export interface DigestDataCounts {
  feedbackEntries: number;
  feedbackRatings: number;
  multisourceResponses: number;
  multisourceAnswers: number;
  cccRatings: number;
  selfAssessmentRatings: number;
  learningGoals: number;
}

/** The period whose digest is built, and the day it is built on (a week before the June CCC meeting). */
export const DIGEST_PERIOD = (files: InstitutionFiles) => `${files.size.firstAcademicYear + files.size.academicYears - 1}-end`;
export const DIGEST_DAY = (files: InstitutionFiles) => `${files.size.firstAcademicYear + files.size.academicYears}-06-03`;

/** Imports the institution's files and the Internal Medicine milestone set every program uses here. */
export async function importInstitution(db: Db, files: InstitutionFiles): Promise<void> {
  for (const file of ['harmonized-2.0.yaml', 'internal-medicine-2.0.yaml']) {
    const text = readFileSync(new URL(`../content/milestones/${file}`, import.meta.url), 'utf8');
    const result = await importMilestoneSet({ db, text, file, dryRun: false });
    if (!result.ok) throw new Error(`milestone set ${file} was refused: ${JSON.stringify(result.problems.slice(0, 3))}`);
  }
  const steps = [
    () => importPrograms({ db, text: files.programsYaml, file: 'programs.yaml', dryRun: false }),
    () => importPeople({ db, text: files.peopleCsv, file: 'people.csv', dryRun: false }),
    () => importRotationSchedule({ db, text: files.scheduleCsv, file: 'schedule.csv', dryRun: false }),
  ];
  for (const step of steps) {
    const result = await step();
    if (!result.ok) throw new Error(`the institution import was refused: ${JSON.stringify(result.problems.slice(0, 3))}`);
  }
  // The shipped content has one specialty set (IM 2.0); the generated specialties name sets that are not shipped.
  await db.update(programs).set({ milestoneSetCode: 'IM', milestoneSetVersion: '2.0' });
}

/** Loads the two years of assessment data into an imported institution. */
export async function loadAssessmentData(db: Db, files: InstitutionFiles): Promise<DigestDataCounts> {
  const random = prng(files.size.seed + 1);
  const counts: DigestDataCounts = {
    feedbackEntries: 0,
    feedbackRatings: 0,
    multisourceResponses: 0,
    multisourceAnswers: 0,
    cccRatings: 0,
    selfAssessmentRatings: 0,
    learningGoals: 0,
  };
  const [set] = await db
    .select({ id: milestoneSets.id })
    .from(milestoneSets)
    .where(and(eq(milestoneSets.code, 'IM'), eq(milestoneSets.version, '2.0')));
  const subs = await db.select({ id: subcompetencies.id, code: subcompetencies.code }).from(subcompetencies).where(eq(subcompetencies.milestoneSetId, set!.id));
  const multisourceCodes = subs.map((s) => s.code).filter((code) => /^(ICS|PROF)\d/.test(code)).slice(0, 5);
  const programRows = await db.select({ id: programs.id, slug: programs.slug, specialty: programs.specialty }).from(programs).orderBy(programs.slug);
  const memberships = await db.select().from(programMemberships);
  const periods = await db.select().from(reportingPeriods);
  const lastDay = DIGEST_DAY(files);
  const firstDay = `${files.size.firstAcademicYear}-07-01`;
  const span = Date.parse(`${lastDay}T00:00:00Z`) - Date.parse(`${firstDay}T00:00:00Z`);
  const digestPeriod = DIGEST_PERIOD(files);
  // Periods up to and including the one the digest is for, oldest first.
  const periodsSoFar = (programId: string) =>
    periods.filter((p) => p.programId === programId && p.startsOn < lastDay).sort((a, b) => a.startsOn.localeCompare(b.startsOn));

  // A resident's level on a day: on the expected path (Level 1 at entry to Level 4 at graduation, see
  // expectedLevel) with a little more for most, and a level behind for one resident in seventeen, who get flagged.
  const levelOf = (pgyNow: number, programYears: number, behind: boolean, day: number): number => {
    const yearsIn = pgyNow - 1 + (day - Date.parse(`${files.size.firstAcademicYear}-07-01T00:00:00Z`)) / (365 * 86_400_000);
    return Math.max(0, Math.min(5, 1.25 + (3 * yearsIn) / programYears - (behind ? 1 : 0)));
  };
  const ratingNear = (level: number): MilestoneRating => {
    const index = Math.round(level * 2 + (random() - 0.5) * 2) - 1;
    return MILESTONE_RATINGS[Math.max(0, Math.min(MILESTONE_RATINGS.length - 1, index))]!;
  };

  for (const [p, program] of programRows.entries()) {
    const learners = memberships.filter((m) => m.programId === program.id && m.role === 'resident');
    const faculty = [...new Set(memberships.filter((m) => m.programId === program.id && m.role === 'faculty').map((m) => m.personId))];
    const learnerIds = learners.map((l) => l.personId);
    const pgyOf = new Map(learners.map((l) => [l.personId, l.pgy]));
    const programYears = programLengthYears(program.specialty, Math.max(0, ...learners.map((l) => l.pgy ?? 0)));
    const behind = new Set(learnerIds.filter((_, i) => i % 17 === 3));

    // End-of-rotation evaluations: one per supervised assignment that ended, most of them given.
    const pairs = learnerIds.length
      ? await db
          .select({ assignmentId: rotationAssignments.id, residentId: rotationAssignments.residentId, facultyId: assignmentSupervisors.facultyId, endsOn: rotationAssignments.endsOn })
          .from(rotationAssignments)
          .innerJoin(rotations, eq(rotations.id, rotationAssignments.rotationId))
          .innerJoin(assignmentSupervisors, eq(assignmentSupervisors.assignmentId, rotationAssignments.id))
          .where(eq(rotations.programId, program.id))
      : [];
    const entries: (typeof feedbackEntries.$inferInsert)[] = [];
    const ratings: (typeof feedbackRatings.$inferInsert)[] = [];
    const perResident = new Map<string, number>();
    const addEntry = (residentId: string, authorId: string, at: number, assignmentId: string | null) => {
      const id = uuidFrom(`entry-${program.slug}`, entries.length);
      const level = levelOf(pgyOf.get(residentId) ?? 1, programYears, behind.has(residentId), at);
      const rated = assignmentId ? 4 + Math.floor(random() * 3) : 1 + Math.floor(random() * 2);
      const first = Math.floor(random() * subs.length);
      entries.push({
        id,
        programId: program.id,
        residentId,
        authorId,
        source: assignmentId ? 'rotation_evaluation' : 'unsolicited',
        rotationAssignmentId: assignmentId,
        reinforcing: random() < 0.7 ? 'Clear, organised presentations; patients felt listened to.' : null,
        corrective: random() < 0.5 ? 'Commit to a leading diagnosis before asking for help.' : null,
        nextStep: random() < 0.4 ? 'Present two new admissions a day with a plan.' : null,
        directlyObserved: random() < 0.3,
        createdAt: new Date(at),
        updatedAt: new Date(at),
      });
      for (let r = 0; r < rated; r += 1) {
        ratings.push({ feedbackEntryId: id, subcompetencyId: subs[(first + r * 5) % subs.length]!.id, rating: random() < 0.05 ? 'not_observed' : ratingNear(level) });
      }
      perResident.set(residentId, (perResident.get(residentId) ?? 0) + 1);
    };
    for (const pair of pairs) {
      if (pair.endsOn >= lastDay || random() < 0.1) continue;
      addEntry(pair.residentId, pair.facultyId, Date.parse(`${pair.endsOn}T15:00:00Z`) + Math.floor(random() * 5) * 86_400_000, pair.assignmentId);
    }
    for (const residentId of learnerIds) {
      for (let k = perResident.get(residentId) ?? 0; k < ENTRIES_PER_RESIDENT; k += 1) {
        addEntry(residentId, faculty[Math.floor(random() * faculty.length)]!, Date.parse(`${firstDay}T12:00:00Z`) + Math.floor(random() * span), null);
      }
    }
    await insertInBatches(db, feedbackEntries, entries);
    await insertInBatches(db, feedbackRatings, ratings);
    counts.feedbackEntries += entries.length;
    counts.feedbackRatings += ratings.length;

    // 360: a nurse instrument of the program, a round per past period, three nurses answer about each resident.
    const instrumentId = uuidFrom(`instrument-${program.slug}`, 0);
    await db.insert(multisourceInstruments).values({ id: instrumentId, programId: program.id, raterRole: 'nurse', title: 'Nursing colleagues' });
    const items = multisourceCodes.map((code, position) => ({
      id: uuidFrom(`item-${program.slug}`, position),
      instrumentId,
      position: position + 1,
      subcompetencyCode: code,
      prompt: `How well does the resident show ${code}?`,
      anchors: ['Rarely', 'Sometimes', 'Usually', 'Consistently', 'Role model'],
    }));
    await db.insert(multisourceItems).values(items);
    const nurses = faculty.slice(0, Math.min(faculty.length, NURSES_PER_PROGRAM));
    const requests: (typeof multisourceRequests.$inferInsert)[] = [];
    const responses: (typeof multisourceResponses.$inferInsert)[] = [];
    const answers: (typeof multisourceAnswers.$inferInsert)[] = [];
    for (const period of periodsSoFar(program.id)) {
      const roundId = uuidFrom(`round-${program.slug}`, requests.length);
      await db.insert(multisourceRounds).values({
        id: roundId,
        programId: program.id,
        periodId: period.id,
        roundKey: `period:${period.code}`,
        openedAt: new Date(`${period.startsOn}T15:00:00Z`),
      });
      learnerIds.forEach((residentId, i) => {
        const raters = new Set(Array.from({ length: NURSES_PER_RESIDENT }, (_, k) => nurses[(i + k * 5) % nurses.length]!));
        for (const raterId of raters) {
          const requestId = uuidFrom(`request-${program.slug}`, requests.length);
          requests.push({ id: requestId, roundId, residentId, raterId, raterRole: 'nurse', instrumentId, status: 'answered' });
          const responseId = uuidFrom(`response-${program.slug}`, responses.length);
          responses.push({ id: responseId, requestId, comment: random() < 0.3 ? 'Kind with patients and families.' : null });
          // Teams mostly see what they expect of a resident or better (3–5); residents behind score lower (2–4).
          const low = behind.has(residentId) ? 2 : 3;
          for (const item of items) if (random() < 0.85) answers.push({ responseId, itemId: item.id, score: low + Math.floor(random() * 3) });
        }
      });
    }
    await insertInBatches(db, multisourceRequests, requests);
    await insertInBatches(db, multisourceResponses, responses);
    await insertInBatches(db, multisourceAnswers, answers);
    counts.multisourceResponses += responses.length;
    counts.multisourceAnswers += answers.length;

    // CCC ratings for every period before the one being prepared; self-assessments for that one and the one before.
    const soFar = periodsSoFar(program.id);
    const reviewed = soFar.filter((period) => period.code !== digestPeriod);
    const ccc: (typeof cccRatings.$inferInsert)[] = [];
    for (const period of reviewed) {
      const day = Date.parse(`${period.endsOn}T00:00:00Z`);
      for (const learner of learners) {
        for (const sub of subs) {
          const rating = levelOnScale(levelOf(learner.pgy ?? 1, programYears, behind.has(learner.personId), day));
          ccc.push({ residentId: learner.personId, periodId: period.id, subcompetencyId: sub.id, rating, source: 'import' });
        }
      }
    }
    await insertInBatches(db, cccRatings, ccc);
    counts.cccRatings += ccc.length;
    const selfRows: (typeof selfAssessments.$inferInsert)[] = [];
    const selfRatings: (typeof selfAssessmentRatings.$inferInsert)[] = [];
    for (const period of soFar.slice(-2)) {
      const day = Math.min(Date.parse(`${period.endsOn}T00:00:00Z`), Date.parse(`${lastDay}T00:00:00Z`));
      for (const learner of learners) {
        const id = uuidFrom(`self-${program.slug}`, selfRows.length);
        selfRows.push({ id, residentId: learner.personId, periodId: period.id, status: 'submitted', submittedAt: new Date(day) });
        for (const sub of subs) {
          selfRatings.push({ selfAssessmentId: id, subcompetencyId: sub.id, rating: levelOnScale(levelOf(learner.pgy ?? 1, programYears, false, day) + 0.5) });
        }
      }
    }
    await insertInBatches(db, selfAssessments, selfRows);
    await insertInBatches(db, selfAssessmentRatings, selfRatings);
    counts.selfAssessmentRatings += selfRatings.length;
    const goals: (typeof learningGoals.$inferInsert)[] = [];
    for (const learner of learners) {
      for (let k = 0; k < 4; k += 1) {
        const status = k < 2 ? 'done' : k === 2 ? 'open' : 'dropped';
        goals.push({
          programId: program.id,
          residentId: learner.personId,
          subcompetencyId: subs[(k * 7 + p) % subs.length]!.id,
          action: `Goal ${k + 1}: present a focused plan on rounds`,
          dueOn: k === 2 ? `${lastDay.slice(0, 4)}-07-15` : `${lastDay.slice(0, 4)}-0${k + 1}-15`,
          status,
          source: 'resident',
          closedAt: status === 'open' ? null : new Date(`${lastDay.slice(0, 4)}-0${k + 1}-20T12:00:00Z`),
        });
      }
    }
    await insertInBatches(db, learningGoals, goals);
    counts.learningGoals += goals.length;
  }
  return counts;
}

// biome-ignore lint/suspicious/noExplicitAny: one helper over every drizzle table the generator fills
async function insertInBatches(db: Db, table: any, rows: readonly object[]): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) await db.insert(table).values(rows.slice(i, i + BATCH));
}

