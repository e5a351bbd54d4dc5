import { MAX_QUESTION_LENGTH } from '../../domain/question-coach.ts';
import { context, header, type Message, message, paragraph } from '../../messages/model.ts';

/** The slash command the app registers; the manifest declares the same name (checked by a test). */
export const FEEDBACK_COMMAND = '/feedback';

/**
 * `/feedback help`: the ways to use the command (asking, and 360 results), and what makes a question worth asking.
 * `hint` says first what was wrong with the text typed, when the help is shown because it could not be read.
 */
export function feedbackHelpMessage(hint?: string): Message {
  return message(
    hint ?? `${FEEDBACK_COMMAND} asks a faculty member a specific question about your work.`,
    hint ? paragraph(hint) : null,
    header('Ask for feedback with /feedback'),
    paragraph(
      [
        `- *${FEEDBACK_COMMAND}* opens a form: whom to ask, which milestone, a question to start from, context, and when you need the answer.`,
        `- *${FEEDBACK_COMMAND} @name your question* sends a specific question straight away, e.g. ${FEEDBACK_COMMAND} @Maya Lee How can I make my sign-out more concise?`,
        `- *${FEEDBACK_COMMAND} 360* shows your 360 feedback: what nurses, pharmacists and others who worked with you said, by group, once enough of a group have answered.`,
        `- *${FEEDBACK_COMMAND} 360 @name* (CCC members and the program director) shows a resident's 360 feedback with each group's counts.`,
        `- *${FEEDBACK_COMMAND} self* opens your self-assessment where you left off; *${FEEDBACK_COMMAND} compare* shows it beside the CCC's ratings, largest gaps first.`,
        `- *${FEEDBACK_COMMAND} plan* adds a goal to your learning plan; *${FEEDBACK_COMMAND} plan show* shows the plan (your program director and mentor can add @name).`,
        `- *${FEEDBACK_COMMAND} ccc @name* (CCC chair and members) records the committee's rating of a resident on one subcompetency.`,
        `- *${FEEDBACK_COMMAND} help* shows this message.`,
      ].join('\n'),
    ),
    context(
      `Specific questions get useful answers: name one skill and one situation (up to ${MAX_QUESTION_LENGTH} characters). A vague one such as "How am I doing?" comes back with a suggestion.`,
    ),
  );
}
