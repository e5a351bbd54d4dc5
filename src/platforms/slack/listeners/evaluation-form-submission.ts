import { evaluationFromFormValues, openRotationEvaluation, submitRotationEvaluation } from '../../../core/rotation-evaluations/rotation-evaluation.ts';
import { SUBJECTS } from '../../../messages/actions.ts';
import { readMessageRef } from '../inbound.ts';
import { type SlackDeps, submissionListener, type ViewListener } from '../listener-kit.ts';
import { readFormValues } from '../render/block-kit.ts';

/** The evaluation modal → one evaluation per (assignment, faculty), however often it is submitted; the prompt redrawn. */
export function evaluationFormSubmission(deps: SlackDeps): ViewListener {
  return submissionListener(deps, SUBJECTS.assignment, async (submission) => {
    const source = readMessageRef(submission.note);
    const who = { ...deps.ports, assignmentId: submission.payload.id, actorId: submission.actor.personId };
    const form = await openRotationEvaluation({ ...who, toReadSubmission: true });
    const result = await submitRotationEvaluation({ ...who, ...evaluationFromFormValues(readFormValues(form, submission.values)) });
    return result.ok ? { replace: { ref: source, message: result.promptMessage } } : result;
  });
}
