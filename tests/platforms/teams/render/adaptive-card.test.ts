import type { IActionSet, IChoiceSetInput, IExecuteAction, ISubmitAction, ITextBlock } from '@microsoft/teams.cards';
import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { FormValuesError } from '../../../../src/messages/form-values.ts';
import {
  actions,
  button,
  choice,
  type ChoiceOption,
  form,
  message,
  paragraph,
  parsePayload,
  payload,
} from '../../../../src/messages/model.ts';
import {
  type AdaptiveCard,
  type CardElement,
  readCardValues,
  renderFormCard,
  renderMessageCard,
  renderMessageCards,
  TEAMS_LIMITS,
} from '../../../../src/platforms/teams/render/adaptive-card.ts';
import {
  answerForm,
  feedbackRequestDm,
  learningGoalForm,
  rotationPrompt,
  selfVsCccGrid,
} from '../../../messages/examples.ts';

const bytes = (card: AdaptiveCard) => Buffer.byteLength(JSON.stringify(card), 'utf8');

function inputs(card: AdaptiveCard): (CardElement & { id: string })[] {
  return card.body.filter((element): element is CardElement & { id: string } => element.type.startsWith('Input.'));
}

/**
 * What Teams sends back when a person fills the card in and presses the submit button: the action's data with
 * every input's value merged in, spelled as Teams spells them (comma-separated multi-selects, toggle strings).
 */
function submit(card: AdaptiveCard, answers: Record<string, string | string[] | boolean | null>): Record<string, unknown> {
  const action = card.actions?.[0] as IExecuteAction | ISubmitAction;
  const data: Record<string, unknown> = { ...(action.data as object) };
  for (const input of inputs(card)) {
    const answer = answers[input.id];
    switch (input.type) {
      case 'Input.ChoiceSet': {
        const values = answer === null || answer === undefined ? [] : Array.isArray(answer) ? answer : [answer as string];
        const known = input.choices.map((c) => c.value);
        if (!input['choices.data'] && !values.every((v) => known.includes(v))) {
          throw new Error(`${values} not offered by ${input.id}`);
        }
        data[input.id] = values.join(',');
        break;
      }
      case 'Input.Toggle':
        data[input.id] = answer ? input.valueOn : input.valueOff;
        break;
      default:
        data[input.id] = answer ?? '';
    }
  }
  return data;
}

describe('Adaptive Card snapshots', () => {
  it.each([
    ['feedback request DM', feedbackRequestDm],
    ['rotation prompt', rotationPrompt],
    ['self vs CCC level grid', selfVsCccGrid],
  ])('renders the %s', (_name, example) => {
    const cards = renderMessageCards(example);
    expect(cards).toHaveLength(1);
    expect(cards[0]).toMatchObject({ type: 'AdaptiveCard', version: '1.5' });
    expect(cards).toMatchSnapshot();
  });

  it.each([
    ['answer form', answerForm],
    ['learning goal form', learningGoalForm],
  ])('renders the %s as a card with inputs', (_name, example) => {
    expect(renderFormCard(example)).toMatchSnapshot();
  });

  it('uses Action.Submit for dialogs, where Teams does not honour Action.Execute', () => {
    const card = renderFormCard(answerForm, { submitAs: 'submit' });
    expect(card.actions).toEqual([
      {
        type: 'Action.Submit',
        title: 'Send feedback',
        style: 'positive',
        data: { kind: 'feedback_request', id: 'fr_7f3a9c', version: 1 },
      },
    ]);
  });
});

describe('buttons', () => {
  it('become Action.Execute with the action id as verb and the payload as data', () => {
    const card = renderMessageCard(feedbackRequestDm);
    const set = card.body.find((element): element is IActionSet => element.type === 'ActionSet')!;
    expect(set.actions).toEqual([
      {
        type: 'Action.Execute',
        title: 'Answer',
        verb: 'feedback_request.answer',
        data: { kind: 'feedback_request', id: 'fr_7f3a9c', version: 1 },
        style: 'positive',
      },
      {
        type: 'Action.Execute',
        title: "Can't answer",
        verb: 'feedback_request.decline',
        data: { kind: 'feedback_request', id: 'fr_7f3a9c', version: 1 },
      },
    ]);
  });

  it('go six to an action set, as Teams shows no more', () => {
    const buttons = Array.from({ length: 8 }, (_, i) => button(`R${i}`, 'rotation_evaluation.start', payload('ra', `${i}`)));
    const card = renderMessageCard(message('x', actions(...buttons)));
    expect(card.body.map((element) => (element as IActionSet).actions.length)).toEqual([6, 2]);
  });
});

describe('Teams limits', () => {
  it('truncates a very long paragraph visibly', () => {
    const long = 'The resident presented a thorough and well organised history. '.repeat(100);
    const card = renderMessageCard(message('Long', paragraph(long)));
    const text = (card.body[0] as ITextBlock).text;
    expect(text.length).toBeLessThanOrEqual(TEAMS_LIMITS.text);
    expect(text).toMatch(/…\n_\(Shortened to fit: [\d,]+ more characters not shown\.\)_$/);
  });

  it('splits a message too large for one card into several under the size limit, keeping order', () => {
    const blocks = Array.from({ length: 40 }, (_, i) => paragraph(`${i + 1}. ${'Narrative feedback. '.repeat(60)}`));
    const cards = renderMessageCards(message('CCC digest', ...blocks));
    expect(cards.length).toBeGreaterThan(1);
    for (const card of cards) expect(bytes(card)).toBeLessThanOrEqual(TEAMS_LIMITS.cardBytes);
    const order = cards.flatMap((card) => card.body.map((element) => Number.parseInt((element as ITextBlock).text, 10)));
    expect(order).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('shortens a message that must stay one card, and says so', () => {
    const blocks = Array.from({ length: 40 }, (_, i) => paragraph(`${i + 1}. ${'Narrative feedback. '.repeat(60)}`));
    const card = renderMessageCard(message('CCC digest', ...blocks));
    expect(bytes(card)).toBeLessThanOrEqual(TEAMS_LIMITS.cardBytes);
    expect((card.body.at(-1) as ITextBlock).text).toMatch(/more sections not shown/);
  });

  it('offers 150 options in one filtered list, each still selectable', () => {
    const options: ChoiceOption[] = Array.from({ length: 150 }, (_, i) => ({ value: `p${i}`, label: `Resident ${i + 1}` }));
    const card = renderFormCard(
      form({ title: 'Pick', submitLabel: 'Next', payload: payload('x', '1'), fields: [choice({ id: 'resident', label: 'Resident', options })] }),
    );
    const input = inputs(card)[0] as IChoiceSetInput;
    expect(input.choices).toHaveLength(150);
    expect(input.style).toBe('filtered');
  });
});

describe('forms, back from Teams', () => {
  it('reads the answer form back as typed values, and the payload from the same data', () => {
    const card = renderFormCard(answerForm);
    const data = submit(card, { level: 'not_observed', reinforce: 'Clear one-liner up front.', improve: '', discuss: false });
    expect(readCardValues(answerForm, data)).toEqual({
      level: 'not_observed',
      reinforce: 'Clear one-liner up front.',
      improve: null,
      discuss: false,
    });
    expect(parsePayload(data)).toEqual({ kind: 'feedback_request', id: 'fr_7f3a9c', version: 1 });
  });

  it('reads every other input type back, multi-selects included', () => {
    const card = renderFormCard(learningGoalForm);
    const data = submit(card, {
      goal: 'Present new admissions in under 3 minutes',
      subcompetencies: ['ICS1', 'PROF3'],
      evidence: 'self_review',
      coach: '8c1a4f3e-55b2-4f0a-9d47-0b1c2d3e4f50',
      due: '2026-05-15',
    });
    expect(readCardValues(learningGoalForm, data)).toEqual({
      goal: 'Present new admissions in under 3 minutes',
      subcompetencies: ['ICS1', 'PROF3'],
      evidence: 'self_review',
      coach: '8c1a4f3e-55b2-4f0a-9d47-0b1c2d3e4f50',
      due: '2026-05-15',
    });
    expect(parsePayload(data)).toEqual({ kind: 'learning_plan', id: 'lp_42', version: 3 });
  });

  it('reports missing and invalid answers by field id', () => {
    try {
      readCardValues(answerForm, { kind: 'feedback_request', id: 'fr_7f3a9c', version: 1, level: '4.25', reinforce: '' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(FormValuesError);
      expect((error as FormValuesError).errors).toEqual({
        level: 'That is not a level on the milestone scale.',
        reinforce: 'Please fill this in.',
      });
    }
  });

  it('refuses an option the card never offered', () => {
    const card = renderFormCard(learningGoalForm);
    const data = {
      ...submit(card, { goal: 'g', subcompetencies: ['ICS1'], evidence: 'self_review', coach: null, due: '2026-05-15' }),
      subcompetencies: 'ICS1,SBP9',
    };
    expect(() => readCardValues(learningGoalForm, data)).toThrow(/no longer available/);
  });

  it.each([
    ['no payload at all', {}],
    ['a version sent as text', { kind: 'feedback_request', id: 'fr_7f3a9c', version: '1' }],
    ['an empty kind', { kind: '', id: 'fr_7f3a9c', version: 1 }],
  ])('rejects action data with %s', (_case, data) => {
    expect(() => parsePayload(data)).toThrow(ZodError);
  });
});
