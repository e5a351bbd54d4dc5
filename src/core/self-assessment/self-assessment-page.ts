import { humanDate, dateIn } from '../../domain/calendar.ts';
import type { Form } from '../../messages/model.ts';
import { AppError } from '../errors.ts';
import type { CorePorts } from '../ports.ts';
import { firstIncompletePage, ownSelfAssessment, pageOf, selfAssessmentForm, storedSelfAssessment } from './self-assessment-state.ts';

/** Which resident's self-assessment, for which period, as the payload names it; `actorId` is who is acting. */
export interface SelfAssessmentTarget {
  actorId: string;
  residentId: string;
  periodCode: string;
}

function submittedError(periodLabel: string, submittedAt: Date | null, timeZone: string): AppError {
  const on = submittedAt ? ` on ${humanDate(dateIn(timeZone, submittedAt))}` : '';
  return new AppError('already_closed', `You submitted your ${periodLabel} self-assessment${on} ✓`);
}

/**
 * One page of the resident's self-assessment as a form (one competency; the saved ratings filled in).
 * `toReadSubmission`: the adapter rebuilds the form to read a submitted view; a retried final submission must then
 * reach submitSelfAssessment (which finds it submitted) instead of being refused here.
 */
export async function selfAssessmentPage(
  input: CorePorts & SelfAssessmentTarget & { page: number; toReadSubmission?: boolean },
): Promise<Form> {
  const context = await ownSelfAssessment(input.db, input.actorId, input.residentId, input.periodCode);
  pageOf(context, input.page);
  const stored = await storedSelfAssessment(input.db, input.residentId, context.period.id);
  if (stored.row?.status === 'submitted' && !input.toReadSubmission) {
    throw submittedError(context.periodLabel, stored.row.submittedAt, context.resident.program.timeZone);
  }
  return selfAssessmentForm(context, input.page, stored.ratings);
}

/**
 * "Start self-assessment" (or its second press, after stopping halfway): the first page with a milestone still
 * unrated, earlier answers kept; the last page once everything is rated, where the resident submits.
 */
export async function resumeSelfAssessment(input: CorePorts & SelfAssessmentTarget): Promise<{ page: number; form: Form }> {
  const context = await ownSelfAssessment(input.db, input.actorId, input.residentId, input.periodCode);
  const stored = await storedSelfAssessment(input.db, input.residentId, context.period.id);
  if (stored.row?.status === 'submitted') throw submittedError(context.periodLabel, stored.row.submittedAt, context.resident.program.timeZone);
  const page = firstIncompletePage(context, stored.ratings);
  return { page, form: selfAssessmentForm(context, page, stored.ratings) };
}
