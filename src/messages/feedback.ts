import { humanDate } from '../domain/calendar.ts';
import { type ObservedRating, ratingLabel } from '../domain/rating.ts';
import { ACTIONS, SUBJECTS } from './actions.ts';
import { actions, button, context, fields, header, type Message, message, paragraph, payload } from './model.ts';

/** What a faculty member sees of a resident's request. */
export interface RequestView {
  id: string;
  residentName: string;
  question: string;
  context: string | null;
  encounterOn: string | null;
  subcompetency: string | null;
  dueOn: string;
  status: 'open' | 'answered' | 'declined' | 'expired';
}

// Block quotes exist in Slack only; an italic quotation reads the same on every platform the model renders to.
function quote(text: string): string {
  return `_“${text.replace(/\s*\n\s*/g, ' ')}”_`;
}

/** The DM a faculty member gets; once answered or declined the buttons give way to the outcome. */
export function feedbackRequestMessage(request: RequestView): Message {
  const details: [string, string][] = [];
  if (request.subcompetency) details.push(['Subcompetency', request.subcompetency]);
  if (request.context) details.push(['Context', request.context]);
  if (request.encounterOn) details.push(['Encounter', humanDate(request.encounterOn)]);
  details.push(['Needed by', humanDate(request.dueOn)]);
  const ref = payload(SUBJECTS.feedbackRequest, request.id);
  const outcome =
    request.status === 'open'
      ? actions(button('Answer', ACTIONS.answerRequest, ref, 'primary'), button("Can't answer", ACTIONS.cannotAnswer, ref))
      : context(
          request.status === 'answered'
            ? 'Answered ✓ — thank you.'
            : request.status === 'declined'
              ? `You said you can't answer this one; ${request.residentName} has been told.`
              : 'This request has expired.',
        );
  return message(
    `${request.residentName} asks for your feedback: "${request.question}"`,
    header(`${request.residentName} asks for your feedback`),
    paragraph(quote(request.question)),
    fields(...details),
    outcome,
  );
}

/** Feedback as the resident receives it (an answer or a rotation evaluation). */
export interface FeedbackView {
  entryId: string;
  authorName: string;
  title: string;
  question?: string;
  ratings: { subcompetency: string; rating: ObservedRating }[];
  directlyObserved: boolean;
  reinforcing: string | null;
  corrective: string | null;
  nextStep: string | null;
  thanked: boolean;
  goalDueOn: string | null;
}

export function feedbackMessage(view: FeedbackView): Message {
  const ref = payload(SUBJECTS.feedbackEntry, view.entryId);
  const buttons = [
    ...(view.thanked ? [] : [button('Thank', ACTIONS.thank, ref, 'primary')]),
    ...(view.nextStep && !view.goalDueOn ? [button('Add to my plan', ACTIONS.addToPlan, ref)] : []),
  ];
  const status = [
    ...(view.thanked ? [`You thanked ${view.authorName} ✓`] : []),
    ...(view.goalDueOn ? [`Next step added to your learning plan ✓ (review by ${humanDate(view.goalDueOn)})`] : []),
  ];
  const rated = view.ratings.filter((r) => r.rating !== 'not_observed');
  return message(
    `${view.title}.${view.nextStep ? ` Next step: ${view.nextStep}` : ''}`,
    header(view.title),
    view.question ? paragraph(`You asked:\n${quote(view.question)}`) : null,
    rated.length > 0 ? fields(...rated.map((r) => [r.subcompetency, ratingLabel(r.rating)] as const)) : null,
    view.directlyObserved ? context('Based on direct observation.') : null,
    view.reinforcing ? paragraph(`*Keep doing*\n${view.reinforcing}`) : null,
    view.corrective ? paragraph(`*To work on*\n${view.corrective}`) : null,
    view.nextStep ? paragraph(`*Next step*\n${view.nextStep}`) : null,
    buttons.length > 0 ? actions(...buttons) : null,
    status.length > 0 ? context(status.join(' · ')) : null,
  );
}

export function thankYouMessage(residentName: string, about: string): Message {
  return message(
    `${residentName} thanked you for your feedback.`,
    paragraph(`🙏 *${residentName}* thanked you for your feedback on ${about}${/[.?!]”?$/.test(about) ? '' : '.'}`),
  );
}

export function requestDeclinedMessage(authorName: string, question: string): Message {
  return message(
    `${authorName} can't answer your question.`,
    paragraph(`${authorName} can't answer your question:\n${quote(question)}`),
    context('Try someone who saw you in that situation — asking for feedback again opens a new request.'),
  );
}

export function requestSentMessage(assessorName: string, question: string, dueOn: string): Message {
  return message(
    `Sent to ${assessorName}.`,
    paragraph(`Sent to *${assessorName}*, needed by ${humanDate(dueOn)}:\n${quote(question)}`),
    context('You will get the answer here as a direct message.'),
  );
}
