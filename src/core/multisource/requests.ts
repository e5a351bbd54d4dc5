import { and, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import {
  multisourceItems,
  multisourceRequests,
  multisourceRounds,
  people,
  programMemberships,
  programs,
  reportingPeriods,
  rotationAssignments,
  rotations,
} from '../../db/schema/index.ts';
import { effectiveThreshold } from '../../domain/anonymity.ts';
import { humanDate } from '../../domain/calendar.ts';
import { type MultisourceRaterGroup, RATER_GROUP_LABELS } from '../../domain/multisource-instrument.ts';
import type { MultisourceRequestView } from '../../messages/multisource.ts';
import { AppError } from '../errors.ts';
import { LEARNER_ROLES } from '../programs/program-context.ts';

export type MultisourceRequestRow = typeof multisourceRequests.$inferSelect;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A rotation round's key names its block: `rotation:<rotation code>:<end date>`. */
export function rotationRoundKey(rotationCode: string, endsOn: string): string {
  return `rotation:${rotationCode}:${endsOn}`;
}

export function periodRoundKey(periodCode: string): string {
  return `period:${periodCode}`;
}

/** The block's end date of a rotation round (the key's last part); null for a period round. */
function roundEndsOn(roundKey: string): string | null {
  return roundKey.startsWith('rotation:') ? roundKey.slice(roundKey.lastIndexOf(':') + 1) : null;
}

/** Finds a request by the id a button or form carried back; an id that is not even a UUID is simply not found. */
export async function loadMultisourceRequest(db: DbOrTx, requestId: string): Promise<MultisourceRequestRow> {
  const [request] = UUID.test(requestId) ? await db.select().from(multisourceRequests).where(eq(multisourceRequests.id, requestId)) : [];
  if (!request) throw new AppError('not_found', 'That 360 feedback request no longer exists.');
  return request;
}

/** The request, after checking that the actor is the rater it was sent to: nobody answers in someone else's name. */
export async function requestForRater(db: DbOrTx, requestId: string, actorId: string): Promise<MultisourceRequestRow> {
  const request = await loadMultisourceRequest(db, requestId);
  if (request.raterId !== actorId) {
    throw new AppError(
      'not_allowed',
      request.residentId === actorId ? 'You cannot give 360 feedback about yourself.' : 'Only the person this 360 request was sent to can answer it.',
    );
  }
  if (request.status === 'expired') throw new AppError('already_closed', 'This 360 round has closed.');
  return request;
}

function periodLabel(period: typeof reportingPeriods.$inferSelect): string {
  const years = `${period.academicYear}–${String((period.academicYear + 1) % 100).padStart(2, '0')}`;
  return `${years} ${period.kind === 'mid_year' ? 'mid-year' : 'end-of-year'}`;
}

/**
 * How each request reads to its rater, loaded in a few queries for any number of requests (a period round asks
 * every rater about every resident). Keyed by request id.
 */
export async function requestViews(db: DbOrTx, requests: readonly MultisourceRequestRow[]): Promise<Map<string, MultisourceRequestView>> {
  const views = new Map<string, MultisourceRequestView>();
  if (requests.length === 0) return views;
  const roundIds = [...new Set(requests.map((r) => r.roundId))];
  const rounds = new Map((await db.select().from(multisourceRounds).where(inArray(multisourceRounds.id, roundIds))).map((r) => [r.id, r]));
  const programIds = [...new Set([...rounds.values()].map((r) => r.programId))];
  const thresholds = new Map(
    (await db.select({ id: programs.id, threshold: programs.multisourceThreshold }).from(programs).where(inArray(programs.id, programIds))).map((p) => [
      p.id,
      effectiveThreshold(p.threshold),
    ]),
  );
  const rotationIds = [...new Set([...rounds.values()].flatMap((r) => (r.rotationId ? [r.rotationId] : [])))];
  const rotationNames = new Map(
    rotationIds.length ? (await db.select().from(rotations).where(inArray(rotations.id, rotationIds))).map((r) => [r.id, r.name]) : [],
  );
  const periodIds = [...new Set([...rounds.values()].flatMap((r) => (r.periodId ? [r.periodId] : [])))];
  const periods = new Map(
    periodIds.length ? (await db.select().from(reportingPeriods).where(inArray(reportingPeriods.id, periodIds))).map((p) => [p.id, p]) : [],
  );
  const residentIds = [...new Set(requests.map((r) => r.residentId))];
  const names = new Map((await db.select({ id: people.id, name: people.name }).from(people).where(inArray(people.id, residentIds))).map((p) => [p.id, p.name]));
  const pgys = new Map(
    (
      await db
        .select({ personId: programMemberships.personId, programId: programMemberships.programId, pgy: programMemberships.pgy })
        .from(programMemberships)
        .where(and(inArray(programMemberships.personId, residentIds), inArray(programMemberships.role, [...LEARNER_ROLES])))
    ).map((m) => [`${m.programId} ${m.personId}`, m.pgy]),
  );
  const instrumentIds = [...new Set(requests.map((r) => r.instrumentId))];
  const itemCounts = new Map(
    (
      await db
        .select({ instrumentId: multisourceItems.instrumentId, count: sql<number>`count(*)::int` })
        .from(multisourceItems)
        .where(inArray(multisourceItems.instrumentId, instrumentIds))
        .groupBy(multisourceItems.instrumentId)
    ).map((c) => [c.instrumentId, Number(c.count)]),
  );
  // A rotation round's block dates, per resident: residents of one block can have started on different days.
  const starts = new Map<string, string>();
  for (const round of rounds.values()) {
    const endsOn = roundEndsOn(round.roundKey);
    if (!round.rotationId || !endsOn) continue;
    const ids = [...new Set(requests.filter((r) => r.roundId === round.id).map((r) => r.residentId))];
    const assignments = await db
      .select({ residentId: rotationAssignments.residentId, startsOn: rotationAssignments.startsOn })
      .from(rotationAssignments)
      .where(and(eq(rotationAssignments.rotationId, round.rotationId), eq(rotationAssignments.endsOn, endsOn), inArray(rotationAssignments.residentId, ids)));
    for (const a of assignments) starts.set(`${round.id} ${a.residentId}`, a.startsOn);
  }

  for (const request of requests) {
    const round = rounds.get(request.roundId)!;
    let workedTogether = 'recently';
    const endsOn = roundEndsOn(round.roundKey);
    if (round.rotationId && endsOn) {
      const startsOn = starts.get(`${round.id} ${request.residentId}`);
      const dates = startsOn ? `${humanDate(startsOn)} – ${humanDate(endsOn)}` : `ended ${humanDate(endsOn)}`;
      workedTogether = `on *${rotationNames.get(round.rotationId) ?? 'a rotation'}* (${dates})`;
    } else if (round.periodId) {
      const period = periods.get(round.periodId);
      if (period) workedTogether = `during the ${periodLabel(period)} period (${humanDate(period.startsOn)} – ${humanDate(period.endsOn)})`;
    }
    views.set(request.id, {
      requestId: request.id,
      residentName: names.get(request.residentId) ?? 'a resident',
      pgy: pgys.get(`${round.programId} ${request.residentId}`) ?? null,
      workedTogether,
      groupLabel: RATER_GROUP_LABELS[request.raterRole as MultisourceRaterGroup] ?? 'Raters',
      itemCount: itemCounts.get(request.instrumentId) ?? 0,
      threshold: thresholds.get(round.programId) ?? effectiveThreshold(null),
      status: request.status,
    });
  }
  return views;
}

/** One request's view (after a button press or a submission). */
export async function requestView(db: DbOrTx, request: MultisourceRequestRow): Promise<MultisourceRequestView> {
  return (await requestViews(db, [request])).get(request.id)!;
}
