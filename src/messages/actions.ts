/**
 * Action and form ids shared by the core (which puts them on buttons and forms) and the adapters (which route
 * them back). One place, so a renamed action cannot leave a listener behind.
 */
export const ACTIONS = {
  answerRequest: 'feedback.answer',
  cannotAnswer: 'feedback.cannot-answer',
  thank: 'feedback.thank',
  addToPlan: 'feedback.add-to-plan',
  giveEvaluation: 'evaluation.give',
  didNotWorkWith: 'evaluation.did-not-work-with',
} as const;

export const FORMS = {
  requestFeedback: 'feedback.request-form',
  answerRequest: 'feedback.answer-form',
  rotationEvaluation: 'evaluation.form',
} as const;

/** Payload kinds: what the id in a payload refers to. */
export const SUBJECTS = {
  feedbackRequest: 'feedback-request',
  feedbackEntry: 'feedback-entry',
  assignment: 'assignment',
  resident: 'resident',
} as const;
