import { systemClock } from '../core/ports.ts';
import { promptAfterRotations } from '../core/rotation-evaluations/prompt-after-rotations.ts';
import type { Db } from '../db/client.ts';
import { parseCalendarDate } from '../core/imports/csv.ts';
import { runGoalNudgesJob, runSelfAssessmentJob } from './growth-jobs.ts';
import { runMultisourceJob } from './multisource-job.ts';

/** Jobs that can be run by hand; the scheduler runs the same functions on its ticks. */
export const JOB_NAMES = ['rotation-prompts', 'multisource', 'self-assessment', 'goal-nudges'] as const;

/** `stepping-stones jobs run NAME --date YYYY-MM-DD`; returns the exit code. */
export async function runJob(input: {
  db: Db;
  name: string | undefined;
  date: string | undefined;
  /** multisource: a rotation block (with --date) or a reporting period, and the program when there are several. */
  rotation?: string | undefined;
  period?: string | undefined;
  program?: string | undefined;
  out: (line: string) => void;
  err: (line: string) => void;
}): Promise<number> {
  if (!input.name || !(JOB_NAMES as readonly string[]).includes(input.name)) {
    input.err(`Usage: stepping-stones jobs run ${JOB_NAMES.join('|')} [--date YYYY-MM-DD]`);
    return 1;
  }
  if (input.name === 'multisource') {
    return runMultisourceJob({ ...input, rotation: input.rotation, period: input.period, program: input.program });
  }
  if (input.name === 'self-assessment') return runSelfAssessmentJob({ ...input, period: input.period, program: input.program });
  if (input.name === 'goal-nudges') return runGoalNudgesJob({ ...input, date: input.date, program: input.program });
  const date = input.date === undefined ? new Date().toISOString().slice(0, 10) : parseCalendarDate(input.date);
  if (!date) {
    input.err(`--date must be a date like 2026-10-31, got "${input.date}".`);
    return 1;
  }
  const result = await promptAfterRotations({ db: input.db, clock: systemClock, date });
  input.out(
    `rotation-prompts ${date}: ${result.residents} resident assignment${result.residents === 1 ? '' : 's'} ended; ` +
      `${result.prompted} faculty prompt${result.prompted === 1 ? '' : 's'} queued, ${result.alreadyPrompted} already sent before.`,
  );
  return 0;
}
