import { humanDate } from '../domain/calendar.ts';
import { ACTIONS, REMINDER_ACTIONS, SUBJECTS } from './actions.ts';
import { actions, type Button, button, context, fields, header, type Message, message, type Payload, paragraph, payload } from './model.ts';

/** The line a snoozed reminder shows in place of its buttons. */
export function snoozedLine(untilDate: string): string {
  return `Snoozed until ${humanDate(untilDate)} — I'll remind you then.`;
}

function snoozeButtons(ref: Payload): Button[] {
  return [button('Snooze 1 day', REMINDER_ACTIONS.snoozeOneDay, ref), button('Snooze 3 days', REMINDER_ACTIONS.snoozeThreeDays, ref)];
}

const days = (n: number) => `${n} day${n === 1 ? '' : 's'}`;

/** A resident still waiting for a faculty member's end-of-rotation feedback. */
export interface WaitingResident {
  assignmentId: string;
  name: string;
  pgy: number | null;
}

/**
 * The reminder about an end-of-rotation prompt: the residents still waiting, each with the prompt's own buttons, and
 * a snooze for the whole prompt. Once snoozed, the buttons give way to the snooze line.
 */
export function evaluationReminderMessage(input: {
  rotationName: string;
  endsOn: string;
  daysSince: number;
  waiting: WaitingResident[];
  snoozedUntil?: string;
}): Message {
  const names = input.waiting.map((r) => r.name).join(', ');
  const snoozeRef = payload(SUBJECTS.assignment, input.waiting[0]?.assignmentId ?? '');
  return message(
    `Reminder: ${input.rotationName} ended ${humanDate(input.endsOn)} — ${names} ${input.waiting.length === 1 ? 'is' : 'are'} still waiting for your feedback.`,
    header(`Reminder: feedback for ${input.rotationName}`),
    context(`The rotation ended ${humanDate(input.endsOn)}, ${days(input.daysSince)} ago. About a minute per resident.`),
    input.snoozedUntil
      ? [paragraph(`Still waiting: ${input.waiting.map((r) => `*${r.name}*`).join(', ')}`), context(snoozedLine(input.snoozedUntil))]
      : [
          ...input.waiting.flatMap((resident) => {
            const ref = payload(SUBJECTS.assignment, resident.assignmentId);
            return [
              paragraph(`*${resident.name}*${resident.pgy ? ` (PGY-${resident.pgy})` : ''}`),
              actions(
                button('Give feedback', ACTIONS.giveEvaluation, ref, 'primary'),
                button('Did not work with this resident', ACTIONS.didNotWorkWith, ref),
              ),
            ];
          }),
          actions(...snoozeButtons(snoozeRef)),
        ],
  );
}

/** What a faculty member is reminded of about a resident's open question. */
export interface RequestReminderView {
  id: string;
  residentName: string;
  question: string;
  askedOn: string;
  dueOn: string;
  daysSince: number;
  /** The day it expires if still unanswered. */
  expiresOn: string;
}

/** The reminder about an open feedback request: Answer / Can't answer as in the request, plus the snoozes. */
export function requestReminderMessage(input: RequestReminderView & { snoozedUntil?: string }): Message {
  const ref = payload(SUBJECTS.feedbackRequest, input.id);
  return message(
    `Reminder: ${input.residentName} is still waiting for your answer: "${input.question}"`,
    header(`Reminder: ${input.residentName} is waiting for your feedback`),
    paragraph(`_“${input.question.replace(/\s*\n\s*/g, ' ')}”_`),
    fields(['Asked', `${humanDate(input.askedOn)} (${days(input.daysSince)} ago)`], ['Needed by', humanDate(input.dueOn)]),
    input.snoozedUntil
      ? context(snoozedLine(input.snoozedUntil))
      : [
          actions(button('Answer', ACTIONS.answerRequest, ref, 'primary'), button("Can't answer", ACTIONS.cannotAnswer, ref), ...snoozeButtons(ref)),
          context(`Unanswered requests close on ${humanDate(input.expiresOn)}.`),
        ],
  );
}

/** One faculty member still owing end-of-rotation feedback, for the coordinator. */
export interface OutstandingFaculty {
  name: string;
  residents: string[];
}

/** To the program coordinator: who still owes feedback for a rotation that ended two weeks ago. */
export function evaluationEscalationMessage(input: { rotationName: string; endsOn: string; daysSince: number; outstanding: OutstandingFaculty[] }): Message {
  return message(
    `${input.rotationName} (ended ${humanDate(input.endsOn)}): feedback still outstanding from ${input.outstanding.map((f) => f.name).join(', ')}.`,
    header(`Rotation feedback still outstanding: ${input.rotationName}`),
    context(`The rotation ended ${humanDate(input.endsOn)}, ${days(input.daysSince)} ago. Each was prompted and reminded twice.`),
    input.outstanding.map((f) => paragraph(`*${f.name}* — ${f.residents.join(', ')}`)),
    context('They can still answer from their prompt. A word from you usually does it.'),
  );
}

/** To the resident: their question expired unanswered. */
export function requestExpiredMessage(input: { assessorName: string; question: string; expiryDays: number }): Message {
  return message(
    `Your question to ${input.assessorName} expired without an answer.`,
    paragraph(`Your question to *${input.assessorName}* got no answer in ${days(input.expiryDays)}, so it has been closed:\n_“${input.question.replace(/\s*\n\s*/g, ' ')}”_`),
    context('Try asking someone else who saw you in that situation — asking for feedback again opens a new request.'),
  );
}
