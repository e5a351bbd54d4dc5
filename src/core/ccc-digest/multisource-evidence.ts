import { and, eq, gte, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { multisourceAnswers, multisourceItems, multisourceRequests, multisourceResponses, multisourceRounds } from '../../db/schema/index.ts';
import { groupVisible, meanScore } from '../../domain/anonymity.ts';
import { MULTISOURCE_RATER_GROUPS, type MultisourceRaterGroup, RATER_GROUP_LABELS } from '../../domain/multisource-instrument.ts';
import type { SubcompetencyView } from '../programs/program-context.ts';
import type { DigestMultisourceGroup } from '../../messages/ccc-digest.ts';

/** A program's 360 evidence for one period, per resident, after the anonymity rule. */
export interface DigestMultisourceEvidence {
  byResident: Map<string, DigestMultisourceGroup[]>;
  /** Scored answers per subcompetency code that count as evidence: items shown in groups at the threshold only. */
  visibleAnswers: Map<string, Map<string, number>>;
  groupOrder: readonly MultisourceRaterGroup[];
}

const isGroup = (role: string): role is MultisourceRaterGroup => (MULTISOURCE_RATER_GROUPS as readonly string[]).includes(role);

/**
 * Every resident's 360 results of a period in three queries for the whole program. The rules are those of
 * multisource-summary.ts, applied per period: a group shows only when enough different raters answered; within it an
 * item shows only when enough different raters scored it; a subcompetency averages the shown items only. A group
 * below the threshold is reported as counts (asked, answered, did not work with), nothing more. Rater ids are read
 * to count people and go no further.
 *
 * A round belongs to its reporting period, or — for a rotation's round — to the period of the day it opened.
 */
export async function multisourceForDigest(input: {
  db: DbOrTx;
  programId: string;
  period: { id: string; startsOn: string; endsOn: string };
  timeZone: string;
  threshold: number;
  subcompetencies: readonly SubcompetencyView[];
}): Promise<DigestMultisourceEvidence> {
  const { db, period, threshold } = input;
  const openedOn = sql`(${multisourceRounds.openedAt} at time zone ${input.timeZone})::date`;
  const roundInPeriod = and(
    eq(multisourceRounds.programId, input.programId),
    or(
      eq(multisourceRounds.periodId, period.id),
      and(isNull(multisourceRounds.periodId), gte(openedOn, sql`${period.startsOn}::date`), lte(openedOn, sql`${period.endsOn}::date`)),
    ),
  );
  const groups = inArray(multisourceRequests.raterRole, [...MULTISOURCE_RATER_GROUPS]);

  const requestCounts = await db
    .select({
      residentId: multisourceRequests.residentId,
      group: multisourceRequests.raterRole,
      status: multisourceRequests.status,
      count: sql<number>`count(*)::int`,
    })
    .from(multisourceRequests)
    .innerJoin(multisourceRounds, eq(multisourceRounds.id, multisourceRequests.roundId))
    .where(and(roundInPeriod, groups))
    .groupBy(multisourceRequests.residentId, multisourceRequests.raterRole, multisourceRequests.status);

  const answered = and(roundInPeriod, groups, eq(multisourceRequests.status, 'answered'), eq(multisourceResponses.didNotWorkWith, false));
  const responses = await db
    .select({
      responseId: multisourceResponses.id,
      residentId: multisourceRequests.residentId,
      group: multisourceRequests.raterRole,
      raterId: multisourceRequests.raterId,
    })
    .from(multisourceResponses)
    .innerJoin(multisourceRequests, eq(multisourceRequests.id, multisourceResponses.requestId))
    .innerJoin(multisourceRounds, eq(multisourceRounds.id, multisourceRequests.roundId))
    .where(answered);

  const answers = await db
    .select({
      responseId: multisourceAnswers.responseId,
      prompt: multisourceItems.prompt,
      code: multisourceItems.subcompetencyCode,
      position: multisourceItems.position,
      score: multisourceAnswers.score,
    })
    .from(multisourceAnswers)
    .innerJoin(multisourceItems, eq(multisourceItems.id, multisourceAnswers.itemId))
    .innerJoin(multisourceResponses, eq(multisourceResponses.id, multisourceAnswers.responseId))
    .innerJoin(multisourceRequests, eq(multisourceRequests.id, multisourceResponses.requestId))
    .innerJoin(multisourceRounds, eq(multisourceRounds.id, multisourceRequests.roundId))
    .where(answered);

  const subOrder = new Map(input.subcompetencies.map((s, i) => [s.code, { name: s.name, order: i }]));
  const responseById = new Map(responses.map((r) => [r.responseId, r]));
  type Cell = {
    asked: number;
    didNotWorkWith: number;
    responses: number;
    raters: Set<string>;
    items: Map<string, { code: string; position: number; scores: number[]; raters: Set<string> }>;
  };
  const cells = new Map<string, Map<MultisourceRaterGroup, Cell>>();
  const cellOf = (residentId: string, group: MultisourceRaterGroup): Cell => {
    const byGroup = cells.get(residentId) ?? new Map<MultisourceRaterGroup, Cell>();
    cells.set(residentId, byGroup);
    let cell = byGroup.get(group);
    if (!cell) {
      cell = { asked: 0, didNotWorkWith: 0, responses: 0, raters: new Set(), items: new Map() };
      byGroup.set(group, cell);
    }
    return cell;
  };
  for (const row of requestCounts) {
    if (!isGroup(row.group)) continue;
    const cell = cellOf(row.residentId, row.group);
    cell.asked += row.count;
    if (row.status === 'did_not_work_with') cell.didNotWorkWith += row.count;
  }
  for (const row of responses) {
    if (!isGroup(row.group)) continue;
    const cell = cellOf(row.residentId, row.group);
    cell.responses += 1;
    cell.raters.add(row.raterId);
  }
  for (const answer of answers) {
    const response = responseById.get(answer.responseId);
    if (!response || !isGroup(response.group)) continue;
    const cell = cellOf(response.residentId, response.group);
    // Items are grouped by their words, so a reworded instrument version starts a new line instead of mixing.
    const item = cell.items.get(answer.prompt) ?? { code: answer.code, position: answer.position, scores: [], raters: new Set<string>() };
    item.scores.push(answer.score);
    item.raters.add(response.raterId);
    cell.items.set(answer.prompt, item);
  }

  const byResident = new Map<string, DigestMultisourceGroup[]>();
  const visibleAnswers = new Map<string, Map<string, number>>();
  for (const [residentId, byGroup] of cells) {
    const results: DigestMultisourceGroup[] = [];
    const counted = new Map<string, number>();
    for (const group of MULTISOURCE_RATER_GROUPS) {
      const cell = byGroup.get(group);
      if (!cell) continue;
      const visible = groupVisible(cell.raters.size, threshold);
      let subcompetencies: DigestMultisourceGroup['subcompetencies'] = [];
      if (visible) {
        const bySub = new Map<string, number[]>();
        for (const item of [...cell.items.values()].sort((a, b) => a.position - b.position)) {
          const shown = groupVisible(item.raters.size, threshold);
          bySub.set(item.code, [...(bySub.get(item.code) ?? []), ...(shown ? item.scores : [])]);
          if (shown) counted.set(item.code, (counted.get(item.code) ?? 0) + item.scores.length);
        }
        subcompetencies = [...bySub.entries()]
          .sort(([a], [b]) => (subOrder.get(a)?.order ?? 999) - (subOrder.get(b)?.order ?? 999) || a.localeCompare(b))
          .map(([code, scores]) => ({ code, name: subOrder.get(code)?.name ?? '', mean: meanScore(scores) }));
      }
      results.push({
        group,
        label: RATER_GROUP_LABELS[group],
        asked: cell.asked,
        responses: cell.responses,
        didNotWorkWith: cell.didNotWorkWith,
        visible,
        subcompetencies,
      });
    }
    byResident.set(residentId, results);
    visibleAnswers.set(residentId, counted);
  }
  return { byResident, visibleAnswers, groupOrder: MULTISOURCE_RATER_GROUPS };
}
