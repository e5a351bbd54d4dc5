import { and, count, eq } from 'drizzle-orm';
import { z } from 'zod';
import { auditLog, cccRatings } from '../../db/schema/index.ts';
import type { MilestoneRating } from '../../domain/rating.ts';
import { CCC_FORMS } from '../../messages/actions.ts';
import { choice, type Form, form, levelPicker, type Message } from '../../messages/model.ts';
import { cccRatingRecordedMessage, cccRatingsPayload, levelWords, periodLabel } from '../../messages/self-assessment.ts';
import { AppError, type FieldErrors } from '../errors.ts';
import { type ResidentContext, residentContext } from '../learning-plans/plan-access.ts';
import type { CorePorts } from '../ports.ts';
import { hasRoleIn, subcompetenciesOf } from '../programs/program-context.ts';
import { periodOf } from '../self-assessment/period-context.ts';
import { cccRatingsOf } from '../self-assessment/self-vs-ccc.ts';
import { parseCccRating } from './ccc-rating-scale.ts';

/** Who may enter the committee's ratings: its chair and members, in the resident's own program. */
export const CCC_ROLES = ['ccc_chair', 'ccc_member'] as const;

async function residentForCcc(ports: Pick<CorePorts, 'db'>, chairId: string, residentId: string): Promise<ResidentContext> {
  if (chairId === residentId) throw new AppError('not_allowed', 'You cannot enter CCC ratings for yourself.');
  const resident = await residentContext(ports.db, residentId);
  if (!(await hasRoleIn(ports.db, chairId, resident.program.id, CCC_ROLES))) {
    throw new AppError('not_allowed', `Only the CCC chair and members of ${resident.program.name} can enter CCC ratings.`);
  }
  return resident;
}

/**
 * `/feedback ccc` on a resident: the form for one CCC rating (which subcompetency, which level). Each option shows
 * the committee's current rating, so the chair sees what is still missing.
 */
export async function openCccRatingForm(input: CorePorts & { chairId: string; residentId: string; periodCode: string }): Promise<Form> {
  const resident = await residentForCcc(input, input.chairId, input.residentId);
  const period = await periodOf(input.db, resident.program.id, input.periodCode);
  const subs = await subcompetenciesOf(input.db, resident.program);
  if (subs.length === 0) throw new AppError('invalid_input', `${resident.program.name} has no milestone set loaded yet.`);
  const current = await cccRatingsOf(input.db, input.residentId, period.id);
  const groups = new Map<string, { label: string; options: { value: string; label: string }[] }>();
  for (const sub of subs) {
    const group = groups.get(sub.competencyCode) ?? { label: sub.competencyName, options: [] };
    const now = current.get(sub.id);
    group.options.push({ value: sub.code, label: `${sub.code} ${sub.name}${now ? ` — now ${levelWords(now)}` : ''}` });
    groups.set(sub.competencyCode, group);
  }
  return form({
    title: 'CCC rating',
    submitLabel: 'Record rating',
    intro: `*${resident.residentName}* · ${periodLabel(period)} · ${current.size} of ${subs.length} subcompetencies rated.`,
    payload: cccRatingsPayload(input.residentId, period.code),
    submitActionId: CCC_FORMS.rating,
    fields: [
      choice({ id: 'subcompetency', label: 'Subcompetency', groups: [...groups.values()] }),
      levelPicker({ id: 'rating', label: 'The committee’s rating', allowNotObserved: false }),
    ],
  });
}

/** One CCC rating entered in chat. */
export interface RecordCccRatingInput {
  /** The CCC chair or member entering it. */
  chairId: string;
  residentId: string;
  periodCode: string;
  subcompetencyCode: string;
  rating: string;
}

export type RecordCccRatingResult = { ok: true; rating: MilestoneRating; previous: MilestoneRating | null; confirmation: Message } | FieldErrors;

/**
 * Records (or corrects) the committee's rating of one resident on one subcompetency for a period. Only a CCC chair or
 * member of the resident's program may; every entry is written to the audit log with the value it replaced.
 */
export async function recordCccRating(input: CorePorts & RecordCccRatingInput): Promise<RecordCccRatingResult> {
  const resident = await residentForCcc(input, input.chairId, input.residentId);
  const period = await periodOf(input.db, resident.program.id, input.periodCode);
  const subs = await subcompetenciesOf(input.db, resident.program);
  const sub = subs.find((s) => s.code === input.subcompetencyCode.trim().toUpperCase());
  const parsed = parseCccRating(input.rating);
  const fieldErrors: Record<string, string> = {};
  if (!sub) fieldErrors.subcompetency = `${input.subcompetencyCode} is not in ${resident.program.name}'s milestones.`;
  if (!parsed.ok) fieldErrors.rating = `The rating ${parsed.message}.`;
  if (!sub || !parsed.ok) return { ok: false, fieldErrors };

  const { previous, rated } = await input.db.transaction(async (tx) => {
    const [before] = await tx
      .select({ rating: cccRatings.rating })
      .from(cccRatings)
      .where(and(eq(cccRatings.residentId, input.residentId), eq(cccRatings.periodId, period.id), eq(cccRatings.subcompetencyId, sub.id)))
      .for('update');
    await tx
      .insert(cccRatings)
      .values({
        residentId: input.residentId,
        periodId: period.id,
        subcompetencyId: sub.id,
        rating: parsed.rating,
        ratedById: input.chairId,
        source: 'chat',
        updatedAt: input.clock.now(),
      })
      .onConflictDoUpdate({
        target: [cccRatings.residentId, cccRatings.periodId, cccRatings.subcompetencyId],
        set: { rating: parsed.rating, ratedById: input.chairId, source: 'chat', updatedAt: input.clock.now() },
      });
    const previous = before && before.rating !== 'not_observed' ? before.rating : null;
    await tx.insert(auditLog).values({
      actorId: input.chairId,
      channel: 'chat',
      action: 'ccc_rating.record',
      subjectType: 'resident',
      subjectId: input.residentId,
      details: { period: period.code, subcompetency: sub.code, rating: parsed.rating, previous },
    });
    const [n] = await tx
      .select({ n: count() })
      .from(cccRatings)
      .where(and(eq(cccRatings.residentId, input.residentId), eq(cccRatings.periodId, period.id)));
    return { previous, rated: n?.n ?? 0 };
  });
  return {
    ok: true,
    rating: parsed.rating,
    previous,
    confirmation: cccRatingRecordedMessage({
      residentName: resident.residentName,
      periodLabel: periodLabel(period),
      subcompetency: `${sub.code} ${sub.name}`,
      rating: parsed.rating,
      previous,
      rated,
      total: subs.length,
    }),
  };
}

const cccRatingFormValues = z.object({ subcompetency: z.string(), rating: z.string() });

/** The CCC rating form's checked values as recordCccRating's parts. */
export function cccRatingFromFormValues(values: Readonly<Record<string, unknown>>): { subcompetencyCode: string; rating: string } {
  const v = cccRatingFormValues.parse(values);
  return { subcompetencyCode: v.subcompetency, rating: v.rating };
}
