import { and, eq, gte, inArray, isNull, lte, or } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import {
  multisourceRequests,
  multisourceRounds,
  programMemberships,
  programs,
  reportingPeriods,
  rotationAssignments,
  rotationRaters,
  rotations,
} from '../../db/schema/index.ts';
import { enqueueMessage } from '../../delivery/outbox.ts';
import { multisourceRequestMessage } from '../../messages/multisource.ts';
import { AppError } from '../errors.ts';
import type { CorePorts } from '../ports.ts';
import { LEARNER_ROLES } from '../programs/program-context.ts';
import { instrumentFor, type InstrumentRow } from './instruments.ts';
import { storeDefaultInstruments } from './load-default-instrument.ts';
import { periodRoundKey, requestViews, rotationRoundKey } from './requests.ts';

/** Which round to open: a rotation's block (its assignments ending on `endsOn`), or a reporting period. */
export interface OpenMultisourceRoundInput {
  programId: string;
  rotationCode?: string | undefined;
  endsOn?: string | undefined;
  periodCode?: string | undefined;
}

/** What one run did. A second run of the same round finds everything in place and requests nothing new. */
export interface OpenMultisourceRoundResult {
  roundId: string;
  roundKey: string;
  /** Requests (and DMs) created by this run. */
  requested: number;
  /** Pairs a previous run had already asked. */
  alreadyRequested: number;
  residents: number;
  raters: number;
  /** Raters left out because their rater role has no 360 instrument (e.g. faculty, who use rotation evaluations). */
  ratersWithoutInstrument: number;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

interface Rater {
  id: string;
  role: string;
}

async function ratersOf(db: DbOrTx, programId: string, onlyIds?: string[]): Promise<Rater[]> {
  if (onlyIds && onlyIds.length === 0) return [];
  const rows = await db
    .select({ id: programMemberships.personId, role: programMemberships.raterRole })
    .from(programMemberships)
    .where(
      and(
        eq(programMemberships.programId, programId),
        eq(programMemberships.role, 'rater'),
        onlyIds ? inArray(programMemberships.personId, onlyIds) : undefined,
      ),
    );
  return rows.flatMap((r) => (r.role ? [{ id: r.id, role: r.role }] : []));
}

/** The residents and raters of the round, and the round's natural key. */
async function participants(db: DbOrTx, input: OpenMultisourceRoundInput, programName: string) {
  const byRotation = input.rotationCode !== undefined || input.endsOn !== undefined;
  if (byRotation === (input.periodCode !== undefined)) {
    throw new AppError('invalid_input', 'Open a 360 round either for a rotation (its code and the block’s end date) or for a reporting period, not both.');
  }
  if (byRotation) {
    const { rotationCode, endsOn } = input;
    if (!rotationCode || !endsOn) throw new AppError('invalid_input', 'A rotation round needs the rotation’s code and the date its block ends.');
    if (!ISO_DATE.test(endsOn) || Number.isNaN(Date.parse(endsOn))) {
      throw new AppError('invalid_input', `"${endsOn}" is not a date; use YYYY-MM-DD, such as 2026-07-31.`);
    }
    const [rotation] = await db.select().from(rotations).where(and(eq(rotations.programId, input.programId), eq(rotations.code, rotationCode)));
    if (!rotation) throw new AppError('not_found', `${programName} has no rotation ${rotationCode}.`);
    const residentIds = [
      ...new Set(
        (
          await db
            .select({ id: rotationAssignments.residentId })
            .from(rotationAssignments)
            .where(and(eq(rotationAssignments.rotationId, rotation.id), eq(rotationAssignments.endsOn, endsOn)))
        ).map((a) => a.id),
      ),
    ];
    if (residentIds.length === 0) throw new AppError('not_found', `No ${rotation.name} block ends on ${endsOn}.`);
    const raterIds = (await db.select({ id: rotationRaters.raterId }).from(rotationRaters).where(eq(rotationRaters.rotationId, rotation.id))).map(
      (r) => r.id,
    );
    return {
      roundKey: rotationRoundKey(rotationCode, endsOn),
      rotationId: rotation.id,
      periodId: null,
      residentIds,
      raters: await ratersOf(db, input.programId, raterIds),
    };
  }
  const [period] = await db
    .select()
    .from(reportingPeriods)
    .where(and(eq(reportingPeriods.programId, input.programId), eq(reportingPeriods.code, input.periodCode!)));
  if (!period) throw new AppError('not_found', `${programName} has no reporting period ${input.periodCode}.`);
  // Residents who belonged to the program at some point of the period.
  const residentIds = [
    ...new Set(
      (
        await db
          .select({ id: programMemberships.personId })
          .from(programMemberships)
          .where(
            and(
              eq(programMemberships.programId, input.programId),
              inArray(programMemberships.role, [...LEARNER_ROLES]),
              or(isNull(programMemberships.startsOn), lte(programMemberships.startsOn, period.endsOn)),
              or(isNull(programMemberships.endsOn), gte(programMemberships.endsOn, period.startsOn)),
            ),
          )
      ).map((m) => m.id),
    ),
  ];
  if (residentIds.length === 0) throw new AppError('not_found', `${programName} has no residents in ${period.code}.`);
  return { roundKey: periodRoundKey(period.code), rotationId: null, periodId: period.id, residentIds, raters: await ratersOf(db, input.programId) };
}

/**
 * Opens a 360 round: one request per (round, resident, rater), and for each new request one DM to the rater with
 * "Answer" and "I did not work with this resident". Everything happens in one transaction keyed by natural keys,
 * so running it again (a retried job, a second click) creates nothing and sends nothing twice, while raters or
 * residents added since the last run are asked.
 */
export async function openMultisourceRound(input: CorePorts & OpenMultisourceRoundInput): Promise<OpenMultisourceRoundResult> {
  const [program] = await input.db.select().from(programs).where(eq(programs.id, input.programId));
  if (!program) throw new AppError('not_found', 'That program does not exist.');
  const who = await participants(input.db, input, program.name);

  return input.db.transaction(async (tx) => {
    // The default instrument ships with the product; making sure it is stored here means a fresh install can open
    // a round without a separate step (and picks up a reworded default as a new version).
    await storeDefaultInstruments(tx);
    const instruments = new Map<string, InstrumentRow | null>();
    for (const role of new Set(who.raters.map((r) => r.role))) instruments.set(role, await instrumentFor(tx, program.id, role));
    const raters = who.raters.filter((r) => instruments.get(r.role));

    const inserted = await tx
      .insert(multisourceRounds)
      .values({ programId: program.id, rotationId: who.rotationId, periodId: who.periodId, roundKey: who.roundKey, openedAt: input.clock.now() })
      .onConflictDoNothing({ target: [multisourceRounds.programId, multisourceRounds.roundKey] })
      .returning({ id: multisourceRounds.id });
    const roundId =
      inserted[0]?.id ??
      (
        await tx
          .select({ id: multisourceRounds.id })
          .from(multisourceRounds)
          .where(and(eq(multisourceRounds.programId, program.id), eq(multisourceRounds.roundKey, who.roundKey)))
      )[0]!.id;

    const pairs = who.residentIds.flatMap((residentId) =>
      raters
        // A resident who also rates (a peer) is never asked about themself; the database refuses it too.
        .filter((rater) => rater.id !== residentId)
        .map((rater) => ({
          roundId,
          residentId,
          raterId: rater.id,
          raterRole: rater.role as (typeof multisourceRequests.$inferInsert)['raterRole'],
          instrumentId: instruments.get(rater.role)!.id,
          createdAt: input.clock.now(),
        })),
    );
    const created = [];
    for (let i = 0; i < pairs.length; i += 500) {
      created.push(
        ...(await tx
          .insert(multisourceRequests)
          .values(pairs.slice(i, i + 500))
          .onConflictDoNothing({ target: [multisourceRequests.roundId, multisourceRequests.residentId, multisourceRequests.raterId] })
          .returning()),
      );
    }
    // One DM per new request, i.e. per (rater, resident): each can be answered on its own, in one click and one
    // submit, and the rater's answer about one resident never waits on the others.
    const views = await requestViews(tx, created);
    for (const request of created) {
      await enqueueMessage(tx, {
        idempotencyKey: `multisource-request:${request.id}:${request.raterId}`,
        kind: 'multisource-request',
        recipientPersonId: request.raterId,
        message: multisourceRequestMessage(views.get(request.id)!),
      });
    }
    return {
      roundId,
      roundKey: who.roundKey,
      requested: created.length,
      alreadyRequested: pairs.length - created.length,
      residents: who.residentIds.length,
      raters: raters.length,
      ratersWithoutInstrument: who.raters.length - raters.length,
    };
  });
}
