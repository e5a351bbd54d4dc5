import { and, eq } from 'drizzle-orm';
import type { Db } from '../../src/db/client.ts';
import {
  cccRatings,
  feedbackEntries,
  feedbackRatings,
  milestoneSets,
  multisourceAnswers,
  multisourceInstruments,
  multisourceItems,
  multisourceRequests,
  multisourceResponses,
  multisourceRounds,
  programs,
  reportingPeriods,
  rotationAssignments,
  subcompetencies,
} from '../../src/db/schema/index.ts';
import type { ObservedRating } from '../../src/domain/rating.ts';
import { demoPerson, seedDemoProgram } from './demo-program.ts';

/**
 * The demo program with known answers for the CCC digest of 2026-mid (PGY-2 expects 2.5, PGY-3 3.5, PGY-1 1.5):
 * - Elena (PGY-2): PC3 rated 2, 2, 2.5 → median 2, below the band (≤ 2). Three direct observations. One of her
 *   ratings is a rotation evaluation of her July block written in January: it counts for mid-year.
 * - Farah (PGY-2): MK1 rated 2.5 three times after the CCC gave 3 in 2025-end → declining (not below).
 * - Isaac (PGY-3): nurses (3 different raters) score PROF1 2, 2, 3 → low 360; the one pharmacist's low ICS2 stays
 *   hidden (below the threshold) and flags nothing. PC1 3.5 now after a faculty median of 4 in 2025-end (no CCC
 *   rating there) → declining.
 * - Ana (PGY-1): two entries, one directly observed → few direct observations.
 * - Ben and Chloe (PGY-1): three observed entries in the band → no flag but missing subcompetencies; not flagged.
 * - The other six residents: nothing at all → no evidence anywhere and no direct observations.
 */
export interface CccDigestProgram {
  programId: string;
  ids: Record<'ana' | 'ben' | 'chloe' | 'elena' | 'farah' | 'isaac', string>;
}

export async function seedCccDigestProgram(db: Db): Promise<CccDigestProgram> {
  await seedDemoProgram(db);
  const [program] = await db.select().from(programs);
  const programId = program!.id;
  const ids = {
    ana: await demoPerson(db, 'ana.ruiz'),
    ben: await demoPerson(db, 'ben.okafor'),
    chloe: await demoPerson(db, 'chloe.nguyen'),
    elena: await demoPerson(db, 'elena.petrova'),
    farah: await demoPerson(db, 'farah.haddad'),
    isaac: await demoPerson(db, 'isaac.mensah'),
  };
  const faculty = await demoPerson(db, 'maya.lee');
  const [set] = await db
    .select({ id: milestoneSets.id })
    .from(milestoneSets)
    .where(and(eq(milestoneSets.code, program!.milestoneSetCode!), eq(milestoneSets.version, program!.milestoneSetVersion!)));
  const subs = new Map(
    (await db.select({ id: subcompetencies.id, code: subcompetencies.code }).from(subcompetencies).where(eq(subcompetencies.milestoneSetId, set!.id))).map((s) => [s.code, s.id]),
  );
  const sub = (code: string) => {
    const id = subs.get(code);
    if (!id) throw new Error(`no ${code}`);
    return id;
  };

  const [previous] = await db
    .insert(reportingPeriods)
    .values({ programId, academicYear: 2025, kind: 'end_of_year', code: '2025-end', startsOn: '2026-01-01', endsOn: '2026-06-30' })
    .returning();

  let authorTurn = 0;
  const authors = [faculty, await demoPerson(db, 'omar.haddad'), await demoPerson(db, 'priya.raman'), await demoPerson(db, 'victor.chen')];
  const entry = async (input: {
    residentId: string;
    at: string;
    observed: boolean;
    ratings?: Record<string, ObservedRating>;
    reinforcing?: string;
    corrective?: string;
    rotationAssignmentId?: string;
  }) => {
    const [row] = await db
      .insert(feedbackEntries)
      .values({
        programId,
        residentId: input.residentId,
        authorId: authors[authorTurn++ % authors.length]!,
        source: input.rotationAssignmentId ? 'rotation_evaluation' : 'unsolicited',
        rotationAssignmentId: input.rotationAssignmentId ?? null,
        directlyObserved: input.observed,
        reinforcing: input.reinforcing ?? null,
        corrective: input.corrective ?? null,
        createdAt: new Date(input.at),
      })
      .returning({ id: feedbackEntries.id });
    const ratings = Object.entries(input.ratings ?? {});
    if (ratings.length) {
      await db.insert(feedbackRatings).values(ratings.map(([code, rating]) => ({ feedbackEntryId: row!.id, subcompetencyId: sub(code), rating })));
    }
  };

  // Elena: below the band on PC3.
  await entry({ residentId: ids.elena, at: '2026-09-10T15:00:00Z', observed: true, ratings: { PC3: '2', PC1: '3' }, reinforcing: 'Elena keeps her patients’ families informed.', corrective: 'Elena should commit to a leading diagnosis.' });
  await entry({ residentId: ids.elena, at: '2026-10-10T15:00:00Z', observed: true, ratings: { PC3: '2', PC1: '3' } });
  const [july] = await db
    .select({ id: rotationAssignments.id })
    .from(rotationAssignments)
    .where(and(eq(rotationAssignments.residentId, ids.elena), eq(rotationAssignments.endsOn, '2026-07-31')));
  await entry({
    residentId: ids.elena,
    at: '2027-01-05T15:00:00Z',
    observed: true,
    ratings: { PC3: '2.5', PC1: 'not_observed' },
    corrective: 'Elena’s July sign-outs missed contingencies.',
    rotationAssignmentId: july!.id,
  });
  // After the period: never counted for 2026-mid.
  await entry({ residentId: ids.elena, at: '2027-02-01T15:00:00Z', observed: false, ratings: { PC3: '1' }, corrective: 'Too late to count.' });

  // Farah: declining on MK1 against the CCC's 2025-end rating.
  await db.insert(cccRatings).values([
    { residentId: ids.farah, periodId: previous!.id, subcompetencyId: sub('MK1'), rating: '3', source: 'import' },
    { residentId: ids.farah, periodId: previous!.id, subcompetencyId: sub('MK2'), rating: '2.5', source: 'import' },
  ]);
  for (const day of ['2026-08-03', '2026-09-03', '2026-11-03']) {
    await entry({ residentId: ids.farah, at: `${day}T15:00:00Z`, observed: true, ratings: { MK1: '2.5', MK2: '3' } });
  }

  // Isaac: declining on PC1 against 2025-end's faculty median (no CCC rating there), and low 360 on PROF1.
  await entry({ residentId: ids.isaac, at: '2026-03-01T15:00:00Z', observed: false, ratings: { PC1: '4' } });
  for (const day of ['2026-08-05', '2026-09-05', '2026-10-05']) {
    await entry({ residentId: ids.isaac, at: `${day}T15:00:00Z`, observed: true, ratings: { PC1: '3.5' } });
  }
  const [nurseForm] = await db.insert(multisourceInstruments).values({ programId, raterRole: 'nurse', title: 'Nurses' }).returning();
  const [pharmacistForm] = await db.insert(multisourceInstruments).values({ programId, raterRole: 'pharmacist', title: 'Pharmacists' }).returning();
  const anchors = ['1', '2', '3', '4', '5'];
  const [respect, informed] = await db
    .insert(multisourceItems)
    .values([
      { instrumentId: nurseForm!.id, position: 1, subcompetencyCode: 'PROF1', prompt: 'Treats the team with respect', anchors },
      { instrumentId: nurseForm!.id, position: 2, subcompetencyCode: 'ICS2', prompt: 'Keeps nurses informed', anchors },
    ])
    .returning();
  const [pharmacy] = await db
    .insert(multisourceItems)
    .values({ instrumentId: pharmacistForm!.id, position: 1, subcompetencyCode: 'ICS2', prompt: 'Asks about doses', anchors })
    .returning();
  const [round] = await db
    .insert(multisourceRounds)
    .values({ programId, periodId: (await db.select().from(reportingPeriods).where(and(eq(reportingPeriods.programId, programId), eq(reportingPeriods.code, '2026-mid'))))[0]!.id, roundKey: 'period:2026-mid', openedAt: new Date('2026-11-01T15:00:00Z') })
    .returning();
  const answer = async (rater: string, role: 'nurse' | 'pharmacist', scores: [string, number][]) => {
    const [request] = await db
      .insert(multisourceRequests)
      .values({ roundId: round!.id, residentId: ids.isaac, raterId: await demoPerson(db, rater), raterRole: role, instrumentId: role === 'nurse' ? nurseForm!.id : pharmacistForm!.id, status: 'answered' })
      .returning();
    const [response] = await db.insert(multisourceResponses).values({ requestId: request!.id, comment: `${rater} says hello` }).returning();
    await db.insert(multisourceAnswers).values(scores.map(([itemId, score]) => ({ responseId: response!.id, itemId, score })));
  };
  await answer('rosa.delgado', 'nurse', [[respect!.id, 2], [informed!.id, 4]]);
  await answer('tom.becker', 'nurse', [[respect!.id, 2], [informed!.id, 4]]);
  await answer('uma.iyer', 'nurse', [[respect!.id, 3], [informed!.id, 4]]);
  await answer('nadia.karim', 'pharmacist', [[pharmacy!.id, 1]]);

  // Ana: one directly observed encounter of two.
  await entry({ residentId: ids.ana, at: '2026-08-20T15:00:00Z', observed: true, ratings: { PC1: '2' } });
  await entry({ residentId: ids.ana, at: '2026-09-20T15:00:00Z', observed: false, ratings: { PC1: '2' } });

  // Ben and Chloe: enough observation, in the band.
  for (const resident of [ids.ben, ids.chloe]) {
    for (const day of ['2026-08-11', '2026-09-11', '2026-10-11']) {
      await entry({ residentId: resident, at: `${day}T15:00:00Z`, observed: true, ratings: { PC1: '2' } });
    }
  }
  return { programId, ids };
}
