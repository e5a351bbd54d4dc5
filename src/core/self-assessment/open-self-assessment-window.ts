import { enqueueMessage } from '../../delivery/outbox.ts';
import { periodLabel, selfAssessmentInviteMessage } from '../../messages/self-assessment.ts';
import { AppError } from '../errors.ts';
import type { CorePorts } from '../ports.ts';
import { subcompetenciesOf } from '../programs/program-context.ts';
import { periodOf, programById, residentsInPeriod } from './period-context.ts';
import { pagesOf } from './self-assessment-state.ts';

/** What one run did: residents invited now, and those an earlier run for the same period had already invited. */
export interface SelfAssessmentWindowResult {
  periodCode: string;
  invited: number;
  alreadyInvited: number;
}

/**
 * Opens a reporting period's self-assessment window (`jobs run self-assessment --period 2026-mid`): each resident of
 * the program gets one DM with "Start self-assessment". Safe to run again: each invitation is keyed by period and
 * resident, so a repeated or caught-up run sends nothing twice.
 */
export async function openSelfAssessmentWindow(input: CorePorts & { programId: string; periodCode: string }): Promise<SelfAssessmentWindowResult> {
  const program = await programById(input.db, input.programId);
  const period = await periodOf(input.db, program.id, input.periodCode);
  const subs = await subcompetenciesOf(input.db, program);
  if (subs.length === 0) throw new AppError('invalid_input', `${program.name} has no milestone set loaded; import it before opening a self-assessment.`);
  const residents = await residentsInPeriod(input.db, program.id, period);
  const label = periodLabel(period);
  let invited = 0;
  for (const resident of residents) {
    const fresh = await input.db.transaction(async (tx) =>
      enqueueMessage(tx, {
        idempotencyKey: `self-assessment-invite:${period.id}:${resident.id}`,
        kind: 'self-assessment-invite',
        recipientPersonId: resident.id,
        message: selfAssessmentInviteMessage({
          residentId: resident.id,
          periodCode: period.code,
          periodLabel: label,
          subcompetencies: subs.length,
          pages: pagesOf(subs).length,
        }),
      }),
    );
    if (fresh) invited += 1;
  }
  return { periodCode: period.code, invited, alreadyInvited: residents.length - invited };
}
