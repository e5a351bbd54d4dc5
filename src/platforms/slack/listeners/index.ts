import type { App, ViewSubmitAction } from '@slack/bolt';
import {
  ACTIONS,
  CCC_FORMS,
  FORMS,
  HOME_ACTIONS,
  MULTISOURCE_ACTIONS,
  MULTISOURCE_FORMS,
  PLAN_ACTIONS,
  PLAN_FORMS,
  REMINDER_ACTIONS,
  SELF_ASSESSMENT_ACTIONS,
  SELF_ASSESSMENT_FORMS,
} from '../../../messages/actions.ts';
import { FEEDBACK_COMMAND } from '../help.ts';
import type { EventListener, FeedbackSubcommand } from '../growth-kit.ts';
import type { ActionListener, CommandListener, SlackDeps, ViewListener } from '../listener-kit.ts';
import { slackActionIdPattern } from '../render/block-kit.ts';
import { addToPlanButton } from './add-to-plan-button.ts';
import { appHomeOpened } from './app-home-opened.ts';
import { answerButton } from './answer-button.ts';
import { answerFormSubmission } from './answer-form-submission.ts';
import { cannotAnswerButton } from './cannot-answer-button.ts';
import { cccRatingSubmission } from './ccc-rating-submission.ts';
import { didNotWorkWithButton } from './did-not-work-with-button.ts';
import { evaluationFormSubmission } from './evaluation-form-submission.ts';
import { feedbackCommand } from './feedback-command.ts';
import { giveEvaluationButton } from './give-evaluation-button.ts';
import { cccSubcommand, compareSubcommand, planSubcommand, selfSubcommand } from './growth-commands.ts';
import { multisourceAnswerButton } from './multisource-answer-button.ts';
import { multisourceDidNotWorkWithButton } from './multisource-did-not-work-with-button.ts';
import { multisourceFormSubmission } from './multisource-form-submission.ts';
import {
  addGoalButton,
  askForFeedbackButton,
  dropGoalButton,
  editGoalButton,
  goalDoneButton,
  stillWorkingButton,
  viewPlanButton,
} from './plan-buttons.ts';
import { closeGoalFormSubmission, goalFormSubmission } from './plan-form-submissions.ts';
import { requestFormSubmission } from './request-form-submission.ts';
import { compareWithCccButton, goalsFromGapsButton, startSelfAssessmentButton } from './self-assessment-buttons.ts';
import { snoozeOneDayButton, snoozeThreeDaysButton } from './snooze-buttons.ts';
import { selfAssessmentPageSubmission, selfAssessmentSubmitSubmission } from './self-assessment-page-submission.ts';
import { thankButton } from './thank-button.ts';

/**
 * Every listener the app registers. The manifest test reads the same tables, so a command, button or modal added
 * here and forgotten in manifests/slack/manifest.yaml (or in src/messages/actions.ts) fails a test.
 */
/** `/feedback <word> …` for the self-assessment, CCC ratings and learning plans (see growth-commands.ts). */
export const FEEDBACK_SUBCOMMANDS: Readonly<Record<string, FeedbackSubcommand>> = {
  self: selfSubcommand,
  compare: compareSubcommand,
  ccc: cccSubcommand,
  plan: planSubcommand,
};

export const COMMAND_LISTENERS: Readonly<Record<string, (deps: SlackDeps) => CommandListener>> = {
  [FEEDBACK_COMMAND]: (deps) => feedbackCommand(deps, FEEDBACK_SUBCOMMANDS),
};

export const ACTION_LISTENERS: Readonly<Record<string, (deps: SlackDeps) => ActionListener>> = {
  [ACTIONS.answerRequest]: answerButton,
  [ACTIONS.cannotAnswer]: cannotAnswerButton,
  [ACTIONS.thank]: thankButton,
  [ACTIONS.addToPlan]: addToPlanButton,
  [ACTIONS.giveEvaluation]: giveEvaluationButton,
  [ACTIONS.didNotWorkWith]: didNotWorkWithButton,
  [MULTISOURCE_ACTIONS.answer]: multisourceAnswerButton,
  [MULTISOURCE_ACTIONS.didNotWorkWith]: multisourceDidNotWorkWithButton,
  [SELF_ASSESSMENT_ACTIONS.start]: startSelfAssessmentButton,
  [SELF_ASSESSMENT_ACTIONS.compare]: compareWithCccButton,
  [SELF_ASSESSMENT_ACTIONS.goalsFromGaps]: goalsFromGapsButton,
  [PLAN_ACTIONS.view]: viewPlanButton,
  [PLAN_ACTIONS.addGoal]: addGoalButton,
  [PLAN_ACTIONS.editGoal]: editGoalButton,
  [PLAN_ACTIONS.done]: goalDoneButton,
  [PLAN_ACTIONS.stillWorking]: stillWorkingButton,
  [PLAN_ACTIONS.drop]: dropGoalButton,
  [HOME_ACTIONS.askForFeedback]: askForFeedbackButton,
  [REMINDER_ACTIONS.snoozeOneDay]: snoozeOneDayButton,
  [REMINDER_ACTIONS.snoozeThreeDays]: snoozeThreeDaysButton,
};

/** Modal submissions by callback_id (the form's submitActionId). */
export const VIEW_LISTENERS: Readonly<Record<string, (deps: SlackDeps) => ViewListener>> = {
  [FORMS.requestFeedback]: requestFormSubmission,
  [FORMS.answerRequest]: answerFormSubmission,
  [FORMS.rotationEvaluation]: evaluationFormSubmission,
  [MULTISOURCE_FORMS.response]: multisourceFormSubmission,
  [SELF_ASSESSMENT_FORMS.page]: selfAssessmentPageSubmission,
  [SELF_ASSESSMENT_FORMS.submit]: selfAssessmentSubmitSubmission,
  [CCC_FORMS.rating]: cccRatingSubmission,
  [PLAN_FORMS.goal]: goalFormSubmission,
  [PLAN_FORMS.closeGoal]: closeGoalFormSubmission,
};

/** Events API subscriptions by event type; the manifest's bot_events must list exactly these. */
export const EVENT_LISTENERS: Readonly<Record<string, (deps: SlackDeps) => EventListener>> = {
  app_home_opened: appHomeOpened,
};

export function registerListeners(app: App, deps: SlackDeps): void {
  for (const [name, create] of Object.entries(COMMAND_LISTENERS)) app.command(name, create(deps));
  // A row with the same button twice renders later copies as "id~2"; the pattern routes those here too.
  for (const [actionId, create] of Object.entries(ACTION_LISTENERS)) app.action(slackActionIdPattern(actionId), create(deps));
  for (const [callbackId, create] of Object.entries(VIEW_LISTENERS)) app.view<ViewSubmitAction>(callbackId, create(deps));
  for (const [event, create] of Object.entries(EVENT_LISTENERS)) app.event(event, create(deps));
}
