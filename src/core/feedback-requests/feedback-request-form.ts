import { addDays, dateIn } from '../../domain/calendar.ts';
import { z } from 'zod';
import { fillTemplate, templateLabel, templateSlots } from '../../domain/question-templates.ts';
import { MAX_QUESTION_LENGTH } from '../../domain/question-coach.ts';
import { FORMS, SUBJECTS } from '../../messages/actions.ts';
import { choice, datePicker, type Form, form, payload, peoplePicker, textArea, textInput } from '../../messages/model.ts';
import { AppError } from '../errors.ts';
import type { CorePorts } from '../ports.ts';
import { learnerProgramOf, subcompetenciesOf } from '../programs/program-context.ts';
import { questionTemplates } from './question-library.ts';
import { DEFAULT_DAYS_TO_ANSWER, type RequestFeedbackResult, requestFeedback } from './request-feedback.ts';

/** Two blanks are typed into one box, separated by this. */
const BLANK_SEPARATOR = ';';

/**
 * The /feedback form: whom to ask, which subcompetency (grouped by competency), a question to start from with its
 * blanks — or the resident's own question — optional context, and when the answer is needed.
 */
export async function openFeedbackRequestForm(input: CorePorts & { residentId: string }): Promise<Form> {
  const program = await learnerProgramOf(input.db, input.residentId);
  if (!program) throw new AppError('not_allowed', 'Only residents and fellows can request feedback.');
  const subs = await subcompetenciesOf(input.db, program);
  const groups = new Map<string, { label: string; options: { value: string; label: string }[] }>();
  for (const sub of subs) {
    const group = groups.get(sub.competencyCode) ?? { label: sub.competencyName, options: [] };
    group.options.push({ value: sub.code, label: `${sub.code} ${sub.name}` });
    groups.set(sub.competencyCode, group);
  }
  const today = dateIn(program.timeZone, input.clock.now());
  return form({
    title: 'Ask for feedback',
    submitLabel: 'Send request',
    intro: 'Specific questions get useful answers: name one skill and one situation.',
    payload: payload(SUBJECTS.resident, input.residentId),
    submitActionId: FORMS.requestFeedback,
    fields: [
      peoplePicker({ id: 'assessor', label: 'Whom to ask' }),
      choice({ id: 'subcompetency', label: 'Which milestone is it about?', groups: [...groups.values()] }),
      choice({
        id: 'template',
        label: 'Start from a question',
        optional: true,
        options: questionTemplates().map((t) => ({ value: t.id, label: templateLabel(t) })),
      }),
      textInput({
        id: 'blanks',
        label: 'Fill in the blanks',
        optional: true,
        maxLength: 300,
        hint: `One blank per "…", in order; separate two with ${BLANK_SEPARATOR} (e.g. sign-out${BLANK_SEPARATOR} concise).`,
      }),
      textArea({
        id: 'question',
        label: 'Or write your own question',
        optional: true,
        maxLength: MAX_QUESTION_LENGTH,
        placeholder: 'How can I make my sign-out more concise?',
      }),
      textArea({ id: 'context', label: 'Context', optional: true, maxLength: 500, placeholder: 'Bed 12 admission, Tuesday night' }),
      datePicker({ id: 'encounter', label: 'When did it happen?', optional: true }),
      datePicker({ id: 'due', label: 'Answer needed by', initial: addDays(today, DEFAULT_DAYS_TO_ANSWER) }),
    ],
  });
}

/** The request form's values after the adapter has read and checked them against the form. */
export interface FeedbackRequestFormValues {
  subcompetency: string;
  template?: string | null;
  blanks?: string | null;
  question?: string | null;
  context?: string | null;
  encounter?: string | null;
  due?: string | null;
}

/** Turns the form into a question (the resident's own, or the template filled in) and sends the request. */
export async function submitFeedbackRequestForm(
  input: CorePorts & { residentId: string; assessorId: string; values: FeedbackRequestFormValues; submissionKey: string },
): Promise<RequestFeedbackResult> {
  const { values } = input;
  let question = values.question?.trim() ?? '';
  let templateId: string | undefined;
  if (!question && values.template) {
    const template = questionTemplates().find((t) => t.id === values.template);
    if (!template) return { ok: false, fieldErrors: { template: 'That question template no longer exists; pick another.' } };
    templateId = template.id;
    const slots = templateSlots(template);
    const blanks = (values.blanks ?? '').split(BLANK_SEPARATOR);
    const filled = fillTemplate(template, Object.fromEntries(slots.map((slot, i) => [slot, blanks[i] ?? ''])));
    if (!filled.ok) {
      const labels = slots.map((slot) => `${template.slots[slot]?.label ?? slot} (e.g. ${template.slots[slot]?.example ?? '…'})`);
      return {
        ok: false,
        fieldErrors: {
          blanks:
            filled.tooLong.length > 0
              ? 'Each blank is limited to 200 characters.'
              : `Fill in ${slots.length === 1 ? 'the blank' : `both blanks, separated by ${BLANK_SEPARATOR}`}: ${labels.join(`${BLANK_SEPARATOR} `)}.`,
        },
      };
    }
    question = filled.question;
  }
  if (!question) return { ok: false, fieldErrors: { question: 'Pick a question to start from, or write your own.' } };
  return requestFeedback({
    db: input.db,
    clock: input.clock,
    residentId: input.residentId,
    assessorId: input.assessorId,
    question,
    subcompetencyCode: values.subcompetency,
    templateId,
    context: values.context ?? undefined,
    encounterOn: values.encounter ?? undefined,
    dueOn: values.due ?? undefined,
    submissionKey: input.submissionKey,
  });
}

const requestFormValues = z.object({
  assessor: z.string(),
  subcompetency: z.string(),
  template: z.string().nullish(),
  blanks: z.string().nullish(),
  question: z.string().nullish(),
  context: z.string().nullish(),
  encounter: z.string().nullish(),
  due: z.string().nullish(),
});

/**
 * The request form's checked values: whom to ask as the adapter's picker gave it (a platform user to identify, or a
 * person id), and the rest for submitFeedbackRequestForm.
 */
export function requestFromFormValues(values: Readonly<Record<string, unknown>>): { assessor: string; values: FeedbackRequestFormValues } {
  const { assessor, ...rest } = requestFormValues.parse(values);
  return { assessor, values: rest };
}
