import type { App, ViewSubmitAction } from '@slack/bolt';
import { ACTIONS, FORMS, MULTISOURCE_ACTIONS, MULTISOURCE_FORMS } from '../../../messages/actions.ts';
import { FEEDBACK_COMMAND } from '../help.ts';
import type { ActionListener, CommandListener, SlackDeps, ViewListener } from '../listener-kit.ts';
import { slackActionIdPattern } from '../render/block-kit.ts';
import { addToPlanButton } from './add-to-plan-button.ts';
import { answerButton } from './answer-button.ts';
import { answerFormSubmission } from './answer-form-submission.ts';
import { cannotAnswerButton } from './cannot-answer-button.ts';
import { didNotWorkWithButton } from './did-not-work-with-button.ts';
import { evaluationFormSubmission } from './evaluation-form-submission.ts';
import { feedbackCommand } from './feedback-command.ts';
import { giveEvaluationButton } from './give-evaluation-button.ts';
import { multisourceAnswerButton } from './multisource-answer-button.ts';
import { multisourceDidNotWorkWithButton } from './multisource-did-not-work-with-button.ts';
import { multisourceFormSubmission } from './multisource-form-submission.ts';
import { requestFormSubmission } from './request-form-submission.ts';
import { thankButton } from './thank-button.ts';

/**
 * Every listener the app registers. The manifest test reads the same tables, so a command, button or modal added
 * here and forgotten in manifests/slack/manifest.yaml (or in src/messages/actions.ts) fails a test.
 */
export const COMMAND_LISTENERS: Readonly<Record<string, (deps: SlackDeps) => CommandListener>> = {
  [FEEDBACK_COMMAND]: feedbackCommand,
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
};

/** Modal submissions by callback_id (the form's submitActionId). */
export const VIEW_LISTENERS: Readonly<Record<string, (deps: SlackDeps) => ViewListener>> = {
  [FORMS.requestFeedback]: requestFormSubmission,
  [FORMS.answerRequest]: answerFormSubmission,
  [FORMS.rotationEvaluation]: evaluationFormSubmission,
  [MULTISOURCE_FORMS.response]: multisourceFormSubmission,
};

export function registerListeners(app: App, deps: SlackDeps): void {
  for (const [name, create] of Object.entries(COMMAND_LISTENERS)) app.command(name, create(deps));
  // A row with the same button twice renders later copies as "id~2"; the pattern routes those here too.
  for (const [actionId, create] of Object.entries(ACTION_LISTENERS)) app.action(slackActionIdPattern(actionId), create(deps));
  for (const [callbackId, create] of Object.entries(VIEW_LISTENERS)) app.view<ViewSubmitAction>(callbackId, create(deps));
}
