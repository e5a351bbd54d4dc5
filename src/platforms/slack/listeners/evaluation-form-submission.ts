import { z } from 'zod';
import { openRotationEvaluation, RATING_FIELD_PREFIX, submitRotationEvaluation } from '../../../core/rotation-evaluations/rotation-evaluation.ts';
import { RATING_VALUES } from '../../../domain/rating.ts';
import { SUBJECTS } from '../../../messages/actions.ts';
import { readMessageRef } from '../inbound.ts';
import { type SlackDeps, submissionListener, type ViewListener } from '../listener-kit.ts';
import { readFormValues } from '../render/block-kit.ts';

const evaluationValues = z.looseObject({
  directly_observed: z.boolean(),
  reinforcing: z.string().nullish(),
  corrective: z.string().nullish(),
  next_step: z.string().nullish(),
});
const rating = z.enum(RATING_VALUES).nullish();

/** The evaluation modal → one evaluation per (assignment, faculty), however often it is submitted; the prompt redrawn. */
export function evaluationFormSubmission(deps: SlackDeps): ViewListener {
  return submissionListener(deps, SUBJECTS.assignment, async (submission) => {
    const source = readMessageRef(submission.note);
    const who = { ...deps.ports, assignmentId: submission.payload.id, actorId: submission.actor.personId };
    const raw: Record<string, unknown> = readFormValues(await openRotationEvaluation({ ...who, toReadSubmission: true }), submission.values);
    const values = evaluationValues.parse(raw);
    const ratings = Object.fromEntries(
      Object.entries(raw)
        .filter(([field]) => field.startsWith(RATING_FIELD_PREFIX))
        .map(([field, value]) => [field.slice(RATING_FIELD_PREFIX.length), rating.parse(value)]),
    );
    const result = await submitRotationEvaluation({
      ...who,
      ratings,
      directlyObserved: values.directly_observed,
      reinforcing: values.reinforcing,
      corrective: values.corrective,
      nextStep: values.next_step,
    });
    return result.ok ? { replace: { ref: source, message: result.promptMessage } } : result;
  });
}
