/**
 * Every Action.Execute the bot's cards carry, by verb: the buttons (the same action ids as Slack's) and the form
 * cards' submits (the forms' submit ids). Each entry says which payload kind it accepts, how its id must look, and
 * which use case it runs. Teams has no modals: a button that opens a form in Slack replaces the card with the form
 * card in place, and the form's submit replaces it with the outcome — or with the form again, problems shown.
 */
import { cccRatingFromFormValues, openCccRatingForm, recordCccRating } from '../../core/ccc-ratings/record-ccc-rating.ts';
import { AppError } from '../../core/errors.ts';
import { answerFeedbackRequest, answerFromFormValues, declineFeedbackRequest, openAnswerForm } from '../../core/feedback-requests/answer-feedback-request.ts';
import { openFeedbackRequestForm, requestFromFormValues, submitFeedbackRequestForm } from '../../core/feedback-requests/feedback-request-form.ts';
import { thankForFeedback } from '../../core/feedback-requests/thank-for-feedback.ts';
import { addNextStepToPlan } from '../../core/learning-plans/add-next-step-to-plan.ts';
import { closeGoal } from '../../core/learning-plans/close-goal.ts';
import { createGoal } from '../../core/learning-plans/create-goal.ts';
import { goalFromFormValues, openCloseGoalForm, openGoalForm, outcomeFromFormValues } from '../../core/learning-plans/goal-form.ts';
import { goalsFromGaps } from '../../core/learning-plans/goals-from-gaps.ts';
import { keepWorkingOnGoal } from '../../core/learning-plans/keep-working-on-goal.ts';
import { learningPlanView } from '../../core/learning-plans/learning-plan-view.ts';
import { updateGoal } from '../../core/learning-plans/update-goal.ts';
import {
  declineMultisource,
  multisourceAnswersFromForm,
  openMultisourceForm,
  submitMultisourceResponse,
} from '../../core/multisource/multisource-response.ts';
import type { Actor } from '../../core/people/identify-chat-user.ts';
import { snoozeReminder, type SnoozeDays } from '../../core/reminders/snooze-reminder.ts';
import type { ReminderSubject } from '../../core/reminders/snoozes.ts';
import { declineRotationEvaluation, evaluationFromFormValues, openRotationEvaluation, submitRotationEvaluation } from '../../core/rotation-evaluations/rotation-evaluation.ts';
import { saveSelfAssessmentPage } from '../../core/self-assessment/save-self-assessment-page.ts';
import { resumeSelfAssessment, selfAssessmentPage } from '../../core/self-assessment/self-assessment-page.ts';
import { pageRatingsFromFormValues } from '../../core/self-assessment/self-assessment-state.ts';
import { selfVsCcc } from '../../core/self-assessment/self-vs-ccc.ts';
import { submitSelfAssessment } from '../../core/self-assessment/submit-self-assessment.ts';
import {
  ACTIONS,
  CCC_FORMS,
  FORMS,
  GROWTH_SUBJECTS,
  HOME_ACTIONS,
  MULTISOURCE_ACTIONS,
  MULTISOURCE_FORMS,
  MULTISOURCE_SUBJECTS,
  PLAN_ACTIONS,
  PLAN_FORMS,
  REMINDER_ACTIONS,
  SELF_ASSESSMENT_ACTIONS,
  SELF_ASSESSMENT_FORMS,
  SUBJECTS,
} from '../../messages/actions.ts';
import { readGoalClosingRef } from '../../messages/learning-plans.ts';
import { type Form, type Message, notice, type Payload } from '../../messages/model.ts';
import { isGoalClosingId, isRecordId, isResidentPeriodId, isSelfAssessmentPageId } from '../../messages/payload-ids.ts';
import { readSelfAssessmentRef } from '../../messages/self-assessment.ts';
import { teamsForm } from './people-choices.ts';
import { readCardValues, readRawCardValues } from './render/adaptive-card.ts';
import type { TeamsDeps } from './turn-kit.ts';

/** What a card action leads to. */
export type CardOutcome =
  /** The card is replaced in place by this message. */
  | { card: Message }
  /** The card is replaced by a form card (a button that opens a form; a submission refused, problems shown). */
  | { form: Form; errors?: Readonly<Record<string, string>>; values?: Readonly<Record<string, unknown>> }
  /** A new message in the conversation; the card stays as it is. */
  | { show: Message };

/** A card action as a handler sees it: who, which record, and the inputs of the card. */
export interface CardActionInput {
  actor: Actor;
  payload: Payload;
  inputs: Readonly<Record<string, unknown>>;
  /** The activity id of the message the card sits in (a re-sent invoke carries the same one). */
  messageId: string | undefined;
}

/** One verb's handler: the payload kinds it accepts, how its id must look, and what it does. */
export interface CardActionHandler {
  kinds: readonly string[];
  isValidId: (id: string) => boolean;
  run: (deps: TeamsDeps, action: CardActionInput) => Promise<CardOutcome>;
}

function handler(kinds: string | readonly string[], isValidId: (id: string) => boolean, run: CardActionHandler['run']): CardActionHandler {
  return { kinds: typeof kinds === 'string' ? [kinds] : kinds, isValidId, run };
}

/**
 * The values of a submitted form card, read against the form the core builds again for the submitter (which also
 * checks again that they may submit it). Problems come back as the form with them shown, keeping what was typed.
 */
function readValues<F extends Form>(form: F, inputs: Readonly<Record<string, unknown>>): { values: Record<string, unknown> } | CardOutcome {
  try {
    return { values: readCardValues(form, inputs) as Record<string, unknown> };
  } catch (error) {
    const errors = (error as { errors?: Record<string, string> }).errors;
    if (errors) return { form, errors, values: inputs };
    throw error;
  }
}

function isValues(read: { values: Record<string, unknown> } | CardOutcome): read is { values: Record<string, unknown> } {
  return 'values' in read && !('form' in read);
}

/** Field errors from a use case: the form again, problems under their inputs, what was typed kept. */
function refused(form: Form, result: { fieldErrors: Readonly<Record<string, string>> }, inputs: Readonly<Record<string, unknown>>): CardOutcome {
  return { form, errors: result.fieldErrors, values: inputs };
}

/** Buttons that carry a resident (their plan, their request form) may only be used by that resident. */
function ownResident(payloadId: string, actorId: string, what: string): string {
  if (payloadId !== actorId) throw new AppError('not_allowed', `Only the resident can ${what}.`);
  return actorId;
}

// A reminder's snooze names what it holds back by the payload it carries.
const SNOOZABLE: Readonly<Record<string, ReminderSubject>> = {
  [SUBJECTS.feedbackRequest]: 'feedback-request',
  [SUBJECTS.assignment]: 'rotation-prompt',
};

function snooze(days: SnoozeDays): CardActionHandler {
  return handler(Object.keys(SNOOZABLE), isRecordId, async (deps, { actor, payload }) => ({
    card: (await snoozeReminder({ ...deps.ports, subject: SNOOZABLE[payload.kind]!, id: payload.id, actorId: actor.personId, days })).reminder,
  }));
}

// The payload ids of the self-assessment surfaces were checked at the edge, so the reference always reads.
const refOf = (payload: Payload) => readSelfAssessmentRef(payload)!;

async function readSelfAssessmentPage(deps: TeamsDeps, { actor, payload, inputs }: CardActionInput) {
  const ref = refOf(payload);
  const target = { ...deps.ports, actorId: actor.personId, residentId: ref.residentId, periodCode: ref.periodCode, page: ref.page! };
  const form = await selfAssessmentPage({ ...target, toReadSubmission: true });
  const read = readValues(form, inputs);
  return { target, form, read };
}

/** Every verb the bot's cards can send, and what it runs. */
export const CARD_ACTIONS: Readonly<Record<string, CardActionHandler>> = {
  // The feedback loop
  [ACTIONS.answerRequest]: handler(SUBJECTS.feedbackRequest, isRecordId, async (deps, { actor, payload }) => ({
    form: await openAnswerForm({ ...deps.ports, requestId: payload.id, actorId: actor.personId }),
  })),
  [ACTIONS.cannotAnswer]: handler(SUBJECTS.feedbackRequest, isRecordId, async (deps, { actor, payload }) => ({
    card: (await declineFeedbackRequest({ ...deps.ports, requestId: payload.id, actorId: actor.personId })).requestMessage,
  })),
  [ACTIONS.thank]: handler(SUBJECTS.feedbackEntry, isRecordId, async (deps, { actor, payload }) => ({
    card: (await thankForFeedback({ ...deps.ports, entryId: payload.id, actorId: actor.personId })).feedbackMessage,
  })),
  [ACTIONS.addToPlan]: handler(SUBJECTS.feedbackEntry, isRecordId, async (deps, { actor, payload }) => ({
    card: (await addNextStepToPlan({ ...deps.ports, entryId: payload.id, actorId: actor.personId })).feedbackMessage,
  })),
  [ACTIONS.giveEvaluation]: handler(SUBJECTS.assignment, isRecordId, async (deps, { actor, payload }) => ({
    form: await openRotationEvaluation({ ...deps.ports, assignmentId: payload.id, actorId: actor.personId }),
  })),
  [ACTIONS.didNotWorkWith]: handler(SUBJECTS.assignment, isRecordId, async (deps, { actor, payload }) => ({
    card: (await declineRotationEvaluation({ ...deps.ports, assignmentId: payload.id, actorId: actor.personId })).promptMessage,
  })),
  [FORMS.requestFeedback]: handler(SUBJECTS.resident, isRecordId, async (deps, { actor, payload, inputs, messageId }) => {
    const residentId = ownResident(payload.id, actor.personId, 'ask for feedback for themselves');
    const form = await teamsForm(deps, actor, await openFeedbackRequestForm({ ...deps.ports, residentId }));
    const read = readValues(form, inputs);
    if (!isValues(read)) return read;
    const { assessor, values } = requestFromFormValues(read.values);
    const result = await submitFeedbackRequestForm({
      ...deps.ports,
      residentId,
      // The Teams form offers the program's people by person id (Teams' own people picker needs Graph).
      assessorId: assessor,
      values,
      // The form card's message: Teams re-sends an invoke it waited on too long, and that must store one request.
      submissionKey: `teams-card:${messageId ?? JSON.stringify(values)}`,
    });
    return result.ok ? { card: result.confirmation } : refused(form, result, inputs);
  }),
  [FORMS.answerRequest]: handler(SUBJECTS.feedbackRequest, isRecordId, async (deps, { actor, payload, inputs }) => {
    const who = { ...deps.ports, requestId: payload.id, actorId: actor.personId };
    const form = await openAnswerForm({ ...who, toReadSubmission: true });
    const read = readValues(form, inputs);
    if (!isValues(read)) return read;
    const result = await answerFeedbackRequest({ ...who, ...answerFromFormValues(read.values) });
    return result.ok ? { card: result.requestMessage } : refused(form, result, inputs);
  }),
  [FORMS.rotationEvaluation]: handler(SUBJECTS.assignment, isRecordId, async (deps, { actor, payload, inputs }) => {
    const who = { ...deps.ports, assignmentId: payload.id, actorId: actor.personId };
    const form = await openRotationEvaluation({ ...who, toReadSubmission: true });
    const read = readValues(form, inputs);
    if (!isValues(read)) return read;
    const result = await submitRotationEvaluation({ ...who, ...evaluationFromFormValues(read.values) });
    return result.ok ? { card: result.promptMessage } : refused(form, result, inputs);
  }),

  // 360
  [MULTISOURCE_ACTIONS.answer]: handler(MULTISOURCE_SUBJECTS.request, isRecordId, async (deps, { actor, payload }) => ({
    form: await openMultisourceForm({ ...deps.ports, requestId: payload.id, actorId: actor.personId }),
  })),
  [MULTISOURCE_ACTIONS.didNotWorkWith]: handler(MULTISOURCE_SUBJECTS.request, isRecordId, async (deps, { actor, payload }) => ({
    card: (await declineMultisource({ ...deps.ports, requestId: payload.id, actorId: actor.personId })).raterMessage,
  })),
  [MULTISOURCE_FORMS.response]: handler(MULTISOURCE_SUBJECTS.request, isRecordId, async (deps, { actor, payload, inputs }) => {
    const who = { ...deps.ports, requestId: payload.id, actorId: actor.personId };
    const form = await openMultisourceForm(who);
    // Unchecked on purpose: the use case checks each score against the 1–5 scale and says so in words.
    const result = await submitMultisourceResponse({ ...who, ...multisourceAnswersFromForm(readRawCardValues(form, inputs)) });
    return result.ok ? { card: result.raterMessage } : refused(form, result, inputs);
  }),

  // Self-assessment and the CCC
  [SELF_ASSESSMENT_ACTIONS.start]: handler(GROWTH_SUBJECTS.selfAssessment, isResidentPeriodId, async (deps, { actor, payload }) => {
    const ref = refOf(payload);
    return { form: (await resumeSelfAssessment({ ...deps.ports, actorId: actor.personId, residentId: ref.residentId, periodCode: ref.periodCode })).form };
  }),
  [SELF_ASSESSMENT_ACTIONS.compare]: handler(GROWTH_SUBJECTS.selfAssessment, isResidentPeriodId, async (deps, { actor, payload }) => {
    const ref = refOf(payload);
    return { show: await selfVsCcc({ db: deps.ports.db, residentId: ref.residentId, periodCode: ref.periodCode, viewerId: actor.personId }) };
  }),
  [SELF_ASSESSMENT_ACTIONS.goalsFromGaps]: handler(GROWTH_SUBJECTS.selfAssessment, isResidentPeriodId, async (deps, { actor, payload }) => {
    const ref = refOf(payload);
    return { show: (await goalsFromGaps({ ...deps.ports, actorId: actor.personId, residentId: ref.residentId, periodCode: ref.periodCode })).message };
  }),
  [SELF_ASSESSMENT_FORMS.page]: handler(GROWTH_SUBJECTS.selfAssessmentPage, isSelfAssessmentPageId, async (deps, action) => {
    const { target, read } = await readSelfAssessmentPage(deps, action);
    if (!isValues(read)) return read;
    const saved = await saveSelfAssessmentPage({ ...target, ratings: pageRatingsFromFormValues(read.values) });
    if (!saved.ok) return { ...refused(await selfAssessmentPage(target), saved, action.inputs) };
    // Each page is saved as it is left: the next page takes the card's place, and closing Teams halfway loses nothing.
    return saved.next ? { form: saved.next.form } : { card: notice('Saved. Type "self-assessment" to carry on.') };
  }),
  [SELF_ASSESSMENT_FORMS.submit]: handler(GROWTH_SUBJECTS.selfAssessmentPage, isSelfAssessmentPageId, async (deps, action) => {
    const { target, form, read } = await readSelfAssessmentPage(deps, action);
    if (!isValues(read)) return read;
    const result = await submitSelfAssessment({ ...target, ratings: pageRatingsFromFormValues(read.values) });
    return result.ok ? { card: result.confirmation } : refused(form, result, action.inputs);
  }),
  [CCC_FORMS.rating]: handler(GROWTH_SUBJECTS.cccRatings, isResidentPeriodId, async (deps, { actor, payload, inputs }) => {
    const ref = refOf(payload);
    const who = { ...deps.ports, chairId: actor.personId, residentId: ref.residentId, periodCode: ref.periodCode };
    const form = await openCccRatingForm(who);
    const read = readValues(form, inputs);
    if (!isValues(read)) return read;
    const result = await recordCccRating({ ...who, ...cccRatingFromFormValues(read.values) });
    return result.ok ? { card: result.confirmation } : refused(form, result, inputs);
  }),

  // Learning plans
  [PLAN_ACTIONS.view]: handler(SUBJECTS.resident, isRecordId, async (deps, { actor, payload }) => ({
    show: await learningPlanView({ ...deps.ports, residentId: payload.id, viewerId: actor.personId }),
  })),
  [PLAN_ACTIONS.addGoal]: handler(SUBJECTS.resident, isRecordId, async (deps, { actor, payload }) => ({
    form: await openGoalForm({ ...deps.ports, residentId: ownResident(payload.id, actor.personId, 'add goals to their plan') }),
  })),
  [PLAN_ACTIONS.editGoal]: handler(GROWTH_SUBJECTS.learningGoal, isRecordId, async (deps, { actor, payload }) => ({
    form: await openGoalForm({ ...deps.ports, residentId: actor.personId, goalId: payload.id }),
  })),
  [PLAN_ACTIONS.done]: handler(GROWTH_SUBJECTS.learningGoal, isRecordId, async (deps, { actor, payload }) => ({
    form: await openCloseGoalForm({ ...deps.ports, actorId: actor.personId, goalId: payload.id, status: 'done' }),
  })),
  [PLAN_ACTIONS.drop]: handler(GROWTH_SUBJECTS.learningGoal, isRecordId, async (deps, { actor, payload }) => ({
    form: await openCloseGoalForm({ ...deps.ports, actorId: actor.personId, goalId: payload.id, status: 'dropped' }),
  })),
  [PLAN_ACTIONS.stillWorking]: handler(GROWTH_SUBJECTS.learningGoal, isRecordId, async (deps, { actor, payload }) => ({
    card: (await keepWorkingOnGoal({ ...deps.ports, actorId: actor.personId, goalId: payload.id })).goalMessage,
  })),
  [PLAN_FORMS.goal]: handler([SUBJECTS.resident, GROWTH_SUBJECTS.learningGoal], isRecordId, async (deps, { actor, payload, inputs }) => {
    const residentId = actor.personId;
    const editing = payload.kind === GROWTH_SUBJECTS.learningGoal;
    // Nobody writes goals into someone else's plan: a resident payload must name the person submitting.
    if (!editing) ownResident(payload.id, residentId, 'add goals to their plan');
    const form = await openGoalForm({ ...deps.ports, residentId, ...(editing ? { goalId: payload.id } : {}) });
    const read = readValues(form, inputs);
    if (!isValues(read)) return read;
    const goal = goalFromFormValues(read.values);
    const result = editing
      ? await updateGoal({ ...deps.ports, actorId: residentId, goalId: payload.id, ...goal })
      : await createGoal({ ...deps.ports, residentId, ...goal });
    return result.ok ? { card: result.confirmation } : refused(form, result, inputs);
  }),
  [PLAN_FORMS.closeGoal]: handler(GROWTH_SUBJECTS.goalClosing, isGoalClosingId, async (deps, { actor, payload, inputs }) => {
    const ref = readGoalClosingRef(payload)!;
    const who = { ...deps.ports, actorId: actor.personId, goalId: ref.goalId, status: ref.status };
    const form = await openCloseGoalForm(who);
    const read = readValues(form, inputs);
    if (!isValues(read)) return read;
    const result = await closeGoal({ ...who, outcome: outcomeFromFormValues(read.values) });
    return result.ok ? { card: result.goalMessage } : refused(form, result, inputs);
  }),

  // The dashboard and reminders
  [HOME_ACTIONS.askForFeedback]: handler(SUBJECTS.resident, isRecordId, async (deps, { actor, payload }) => ({
    form: await openFeedbackRequestForm({ ...deps.ports, residentId: ownResident(payload.id, actor.personId, 'ask for feedback for themselves') }),
  })),
  [REMINDER_ACTIONS.snoozeOneDay]: snooze(1),
  [REMINDER_ACTIONS.snoozeThreeDays]: snooze(3),
};

