import { MAX_QUESTION_LENGTH } from '../../domain/question-coach.ts';
import { context, header, type Message, message, paragraph } from '../../messages/model.ts';

/**
 * `help` in Teams: the commands (the bot's command menu offers them too) and what makes a question worth asking.
 * `hint` says first what was wrong with the text typed, when the help is shown because it could not be read.
 */
export function teamsHelpMessage(hint?: string): Message {
  return message(
    hint ?? 'Stepping Stones: milestone-based feedback for your residency program.',
    hint ? paragraph(hint) : null,
    header('What you can type'),
    paragraph(
      [
        '- *feedback* opens a form to ask a faculty member a specific question: whom, which milestone, a question to start from, and when you need the answer.',
        '- *feedback @name your question* sends it straight away, e.g. feedback @Maya Lee How can I make my sign-out more concise?',
        '- *feedback 360* shows your 360 feedback by group, once enough of a group have answered; CCC members and the program director add @name.',
        '- *self-assessment* opens your self-assessment where you left off; *compare* shows it beside the CCC’s ratings, largest gaps first.',
        '- *plan* adds a goal to your learning plan; *plan show* shows the plan (your program director and mentor can add @name).',
        '- *ccc @name* (CCC chair and members) records the committee’s rating of a resident on one subcompetency.',
        '- *home* shows your dashboard: open requests, recent feedback, goals and what is waiting for you.',
        '- *help* shows this message.',
      ].join('\n'),
    ),
    context(
      `Specific questions get useful answers: name one skill and one situation (up to ${MAX_QUESTION_LENGTH} characters). A vague one such as "How am I doing?" comes back with a suggestion.`,
    ),
  );
}
