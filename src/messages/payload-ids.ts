/**
 * The shapes of payload ids, checked at every adapter's edge so a hand-made id never reaches a use case: record ids
 * are uuids; the self-assessment, CCC and plan surfaces use composite ids (see src/messages/self-assessment.ts).
 */
import { z } from 'zod';
import { readSelfAssessmentRef } from './self-assessment.ts';

const recordId = z.uuid();
const PERIOD_CODE = /^\d{4}-(mid|end)$/;

/** True for the uuid every record id of the feedback loop is; the default check of payload ids. */
export function isRecordId(id: string): boolean {
  return recordId.safeParse(id).success;
}

/** `residentId:periodCode` (self-assessment and CCC payloads). */
export function isResidentPeriodId(id: string): boolean {
  const ref = readSelfAssessmentRef({ kind: 'self-assessment', id, version: 1 });
  return ref !== null && isRecordId(ref.residentId) && PERIOD_CODE.test(ref.periodCode);
}

/** `residentId:periodCode:page` (a self-assessment page). */
export function isSelfAssessmentPageId(id: string): boolean {
  const ref = readSelfAssessmentRef({ kind: 'self-assessment-page', id, version: 1 });
  return ref !== null && isRecordId(ref.residentId) && PERIOD_CODE.test(ref.periodCode);
}

/** `goalId:done|dropped` (the outcome form of a goal being closed). */
export function isGoalClosingId(id: string): boolean {
  const [goalId, status, ...rest] = id.split(':');
  return rest.length === 0 && goalId !== undefined && isRecordId(goalId) && (status === 'done' || status === 'dropped');
}
