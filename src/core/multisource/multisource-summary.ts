import { and, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import {
  auditLog,
  multisourceAnswers,
  multisourceItems,
  multisourceRequests,
  multisourceResponses,
  multisourceRounds,
  people,
  programs,
} from '../../db/schema/index.ts';
import { anonymousOrder, effectiveThreshold, groupVisible, meanScore } from '../../domain/anonymity.ts';
import { MULTISOURCE_RATER_GROUPS, RATER_GROUP_LABELS } from '../../domain/multisource-instrument.ts';
import type { Message } from '../../messages/model.ts';
import {
  type MultisourceGroupResult,
  type MultisourceItemResult,
  type MultisourceSubcompetencyResult,
  type MultisourceSummary,
  multisourceSummaryMessage,
} from '../../messages/multisource.ts';
import { AppError } from '../errors.ts';
import type { CorePorts } from '../ports.ts';
import { hasRoleIn, LEARNER_ROLES, learnerProgramOf, type ProgramRow, subcompetenciesOf } from '../programs/program-context.ts';

/** Who may read a resident's 360 results besides the resident: the CCC and the program director. */
export const MULTISOURCE_CCC_ROLES = ['ccc_member', 'ccc_chair', 'program_director'] as const;

/** A summary as data (for other surfaces, e.g. the CCC digest) and as the message to show. */
export interface MultisourceSummaryResult {
  summary: MultisourceSummary;
  message: Message;
}

/**
 * Reduces a resident's stored responses to what an audience may see. Rater ids are used here only to count
 * distinct people, and go no further: the result types have no place for them.
 *
 * The threshold counts different raters, not responses: a rater asked in three rounds must not make a group of
 * one look like a group of three. The same rule applies per item, so an item only one rater scored never shows
 * that rater's score even inside a visible group, and a subcompetency averages only the items shown.
 */
async function summarize(db: DbOrTx, program: ProgramRow, residentId: string, audience: MultisourceSummary['audience']): Promise<MultisourceSummary> {
  const threshold = effectiveThreshold(program.multisourceThreshold);
  const [resident] = await db.select({ name: people.name }).from(people).where(eq(people.id, residentId));
  const requests = await db
    .select({ id: multisourceRequests.id, raterId: multisourceRequests.raterId, group: multisourceRequests.raterRole, status: multisourceRequests.status })
    .from(multisourceRequests)
    .innerJoin(multisourceRounds, eq(multisourceRounds.id, multisourceRequests.roundId))
    .where(and(eq(multisourceRequests.residentId, residentId), eq(multisourceRounds.programId, program.id)));
  const answeredIds = requests.filter((r) => r.status === 'answered').map((r) => r.id);
  const responses = answeredIds.length
    ? await db
        .select({ id: multisourceResponses.id, requestId: multisourceResponses.requestId, comment: multisourceResponses.comment })
        .from(multisourceResponses)
        .where(and(inArray(multisourceResponses.requestId, answeredIds), eq(multisourceResponses.didNotWorkWith, false)))
    : [];
  const answers = responses.length
    ? await db
        .select({
          responseId: multisourceAnswers.responseId,
          score: multisourceAnswers.score,
          itemId: multisourceItems.id,
          prompt: multisourceItems.prompt,
          position: multisourceItems.position,
          code: multisourceItems.subcompetencyCode,
        })
        .from(multisourceAnswers)
        .innerJoin(multisourceItems, eq(multisourceItems.id, multisourceAnswers.itemId))
        .where(inArray(multisourceAnswers.responseId, responses.map((r) => r.id)))
    : [];
  const subNames = new Map((await subcompetenciesOf(db, program)).map((s, order) => [s.code, { name: s.name, order }]));
  const requestById = new Map(requests.map((r) => [r.id, r]));
  const responseById = new Map(responses.map((r) => [r.id, r]));

  const groups: MultisourceGroupResult[] = [];
  for (const group of MULTISOURCE_RATER_GROUPS) {
    const asked = requests.filter((r) => r.group === group);
    if (asked.length === 0) continue;
    const groupResponses = responses.filter((r) => requestById.get(r.requestId)?.group === group);
    const raters = new Set(groupResponses.map((r) => requestById.get(r.requestId)!.raterId));
    const visible = groupVisible(raters.size, threshold);
    const result: MultisourceGroupResult = {
      label: RATER_GROUP_LABELS[group],
      visible,
      responses: visible || audience === 'ccc' ? groupResponses.length : null,
      ...(audience === 'ccc' ? { asked: asked.length, didNotWorkWith: asked.filter((r) => r.status === 'did_not_work_with').length } : {}),
      subcompetencies: [],
      items: [],
      comments: [],
    };
    if (visible) {
      const scored = answers
        .map((a) => ({ ...a, raterId: requestById.get(responseById.get(a.responseId)!.requestId)!.raterId }))
        .filter((a) => requestById.get(responseById.get(a.responseId)!.requestId)!.group === group);
      // Items are grouped by their words, so a reworded instrument version starts a new line instead of mixing.
      const byItem = new Map<string, { prompt: string; code: string; position: number; scores: number[]; raters: Set<string> }>();
      for (const a of scored) {
        const item = byItem.get(a.prompt) ?? { prompt: a.prompt, code: a.code, position: a.position, scores: [], raters: new Set<string>() };
        item.scores.push(a.score);
        item.raters.add(a.raterId);
        byItem.set(a.prompt, item);
      }
      const items = [...byItem.values()].sort((a, b) => a.position - b.position);
      const shown = items.filter((item) => groupVisible(item.raters.size, threshold));
      result.items = items.map((item): MultisourceItemResult => ({
        prompt: item.prompt,
        subcompetency: item.code,
        mean: shown.includes(item) ? meanScore(item.scores) : null,
      }));
      // A subcompetency averages only the items shown on their own: if it also took in a hidden item's scores,
      // subtracting the shown items from it would give the hidden item's average away.
      const bySub = new Map<string, number[]>();
      for (const item of items) bySub.set(item.code, [...(bySub.get(item.code) ?? []), ...(shown.includes(item) ? item.scores : [])]);
      result.subcompetencies = [...bySub.entries()]
        .sort(([a], [b]) => (subNames.get(a)?.order ?? 999) - (subNames.get(b)?.order ?? 999) || a.localeCompare(b))
        .map(([code, scores]): MultisourceSubcompetencyResult => ({ code, name: subNames.get(code)?.name ?? '', mean: meanScore(scores) }));
      result.comments = anonymousOrder(
        groupResponses.flatMap((r) => (r.comment ? [r.comment] : [])),
        `${residentId}:${group}`,
        (comment) => comment,
      );
    }
    groups.push(result);
  }
  return { audience, residentName: resident?.name ?? 'Resident', threshold, groups };
}

/** The resident's own 360 results. Nobody else reads them through this view (the CCC has its own, audited). */
export async function multisourceSummaryForResident(
  input: Pick<CorePorts, 'db'> & Partial<Pick<CorePorts, 'clock'>> & { residentId: string; viewerId: string },
): Promise<MultisourceSummaryResult> {
  if (input.viewerId !== input.residentId) throw new AppError('not_allowed', 'You can only see your own 360 feedback.');
  const program = await learnerProgramOf(input.db, input.residentId);
  if (!program) throw new AppError('not_allowed', 'Only residents and fellows have 360 feedback to see.');
  const summary = await summarize(input.db, program, input.residentId, 'resident');
  return { summary, message: multisourceSummaryMessage(summary) };
}

/**
 * One resident's 360 results for the CCC: counts per group (asked, answered, did not work with) and, at the
 * threshold, the same averages and comments the resident sees. Only the program's CCC members, chair and program
 * director may read it, and each read is written to the audit log.
 */
export async function multisourceSummaryForCcc(
  input: Pick<CorePorts, 'db'> & Partial<Pick<CorePorts, 'clock'>> & { programId: string; residentId: string; viewerId: string; channel?: string },
): Promise<MultisourceSummaryResult> {
  const [program] = await input.db.select().from(programs).where(eq(programs.id, input.programId));
  if (!program) throw new AppError('not_found', 'That program does not exist.');
  if (!(await hasRoleIn(input.db, input.viewerId, program.id, MULTISOURCE_CCC_ROLES))) {
    throw new AppError('not_allowed', `Only the CCC and the program director of ${program.name} can see residents’ 360 feedback.`);
  }
  if (!(await hasRoleIn(input.db, input.residentId, program.id, LEARNER_ROLES))) {
    throw new AppError('not_found', `That person is not a resident of ${program.name}.`);
  }
  const summary = await summarize(input.db, program, input.residentId, 'ccc');
  await input.db.insert(auditLog).values({
    ...(input.clock ? { at: input.clock.now() } : {}),
    actorId: input.viewerId,
    channel: input.channel ?? 'chat',
    action: 'multisource.summary.ccc',
    subjectType: 'resident',
    subjectId: input.residentId,
    details: { programId: program.id, groupsShown: summary.groups.filter((g) => g.visible).length },
  });
  return { summary, message: multisourceSummaryMessage(summary) };
}

