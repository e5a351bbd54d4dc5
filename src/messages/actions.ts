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

// Self-assessment, CCC ratings and learning plans. Kept in objects of their own so that these additions never
// touch the feedback loop's lists above.

/** Buttons of the self-assessment and its comparison with the CCC. */
export const SELF_ASSESSMENT_ACTIONS = {
  start: 'self-assessment.start',
  compare: 'self-assessment.compare',
  goalsFromGaps: 'self-assessment.goals-from-gaps',
} as const;

/** Self-assessment pages: every page but the last saves and moves on; the last one submits. */
export const SELF_ASSESSMENT_FORMS = {
  page: 'self-assessment.page-form',
  submit: 'self-assessment.submit-form',
} as const;

/** Buttons of the learning plan, its goals and their due-date nudges. */
export const PLAN_ACTIONS = {
  view: 'plan.view',
  addGoal: 'plan.add-goal',
  editGoal: 'plan.edit-goal',
  done: 'plan.goal-done',
  stillWorking: 'plan.goal-still-working',
  drop: 'plan.goal-drop',
} as const;

export const PLAN_FORMS = {
  goal: 'plan.goal-form',
  closeGoal: 'plan.close-goal-form',
} as const;

export const CCC_FORMS = {
  rating: 'ccc.rating-form',
} as const;

/** Payload kinds of the self-assessment, CCC and plan surfaces (ids: see src/messages/self-assessment.ts). */
export const GROWTH_SUBJECTS = {
  /** id `residentId:periodCode` */
  selfAssessment: 'self-assessment',
  /** id `residentId:periodCode:page` */
  selfAssessmentPage: 'self-assessment-page',
  /** id `residentId:periodCode`: the CCC's ratings of one resident for one period */
  cccRatings: 'ccc-ratings',
  learningGoal: 'learning-goal',
  /** id `goalId:done|dropped`: the outcome form of a goal being closed */
  goalClosing: 'learning-goal-closing',
} as const;

// 360 (multisource) feedback, in objects of its own so these additions never touch the lists above.

/** Buttons of a rater's 360 DM. `answer` opens the form (and, once answered, lets the rater change the answer). */
export const MULTISOURCE_ACTIONS = {
  answer: 'multisource.answer',
  didNotWorkWith: 'multisource.did-not-work-with',
} as const;

export const MULTISOURCE_FORMS = {
  response: 'multisource.form',
} as const;

/** Payload kinds of the 360 surfaces. */
export const MULTISOURCE_SUBJECTS = {
  /** id: a multisource request (one rater asked about one resident in one round) */
  request: 'multisource-request',
} as const;

// The App Home, in an object of its own so these additions never touch the lists above.

/** Buttons only the App Home has (the others it shows are the ones above, routed to the same listeners). */
export const HOME_ACTIONS = {
  /** Opens the request form, as /feedback alone does. */
  askForFeedback: 'home.ask-for-feedback',
} as const;

// Reminders, in an object of their own so these additions never touch the lists above. A reminder's original
// actions (Give feedback / Did not work with, Answer / Can't answer) reuse the ids above and reach the same listeners.

/** Snooze buttons of a reminder; the payload names what is snoozed (a feedback request, or a rotation prompt by one of its assignments). */
export const REMINDER_ACTIONS = {
  snoozeOneDay: 'reminder.snooze-1-day',
  snoozeThreeDays: 'reminder.snooze-3-days',
} as const;
