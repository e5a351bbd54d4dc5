import type { ViewStateValue, types as SlackTypes } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { FormValuesError } from '../../../../src/messages/form-values.ts';
import {
  actions,
  button,
  choice,
  type ChoiceOption,
  form,
  header,
  levelGrid,
  message,
  paragraph,
  payload,
} from '../../../../src/messages/model.ts';
import {
  readButtonAction,
  readFormValues,
  readViewMetadata,
  renderForm,
  renderMessage,
  renderMessages,
  SLACK_LIMITS,
  type SlackViewStateValues,
  slackActionIdPattern,
} from '../../../../src/platforms/slack/render/block-kit.ts';
import {
  answerForm,
  feedbackRequestDm,
  learningGoalForm,
  rotationPrompt,
  selfVsCccGrid,
} from '../../../messages/examples.ts';

type InputBlock = SlackTypes.InputBlock;

function inputBlocks(view: SlackTypes.ModalView): InputBlock[] {
  return view.blocks.filter((block): block is InputBlock => block.type === 'input');
}

function allOptions(element: { options?: SlackTypes.PlainTextOption[]; option_groups?: { options: SlackTypes.PlainTextOption[] }[] }) {
  return element.options ?? element.option_groups?.flatMap((group) => group.options) ?? [];
}

/**
 * What Slack would put in view.state.values if a person answered the modal: selections are taken from the rendered
 * options, so an answer the modal could not produce fails here rather than passing silently.
 */
function submit(view: SlackTypes.ModalView, answers: Record<string, string | string[] | boolean | null>): SlackViewStateValues {
  const values: Record<string, Record<string, ViewStateValue>> = {};
  for (const block of inputBlocks(view)) {
    const element = block.element;
    const answer = answers[block.block_id!];
    const actionId = element.action_id!;
    const pick = (value: string) => {
      const option = allOptions(element as never).find((o) => o.value === value);
      if (!option) throw new Error(`${value} is not an option of ${block.block_id}`);
      return { text: option.text as SlackTypes.PlainTextElement, value };
    };
    let state: ViewStateValue;
    switch (element.type) {
      case 'static_select':
        state = { type: element.type, selected_option: typeof answer === 'string' ? pick(answer) : null };
        break;
      case 'multi_static_select':
        state = { type: element.type, selected_options: ((answer as string[] | null) ?? []).map(pick) };
        break;
      case 'users_select':
        state = { type: element.type, selected_user: (answer as string | null) ?? null };
        break;
      case 'multi_users_select':
        state = { type: element.type, selected_users: (answer as string[] | null) ?? [] };
        break;
      case 'plain_text_input':
        state = { type: element.type, value: (answer as string | null) ?? null };
        break;
      case 'checkboxes':
        state = { type: element.type, selected_options: answer === true ? [pick('true')] : [] };
        break;
      case 'datepicker':
        state = { type: element.type, selected_date: (answer as string | null) ?? null };
        break;
      default:
        throw new Error(`unexpected element ${element.type}`);
    }
    values[block.block_id!] = { [actionId]: state };
  }
  return values;
}

describe('Block Kit snapshots', () => {
  it.each([
    ['feedback request DM', feedbackRequestDm],
    ['rotation prompt', rotationPrompt],
    ['self vs CCC level grid', selfVsCccGrid],
  ])('renders the %s', (_name, example) => {
    expect(renderMessages(example)).toMatchSnapshot();
  });

  it.each([
    ['answer form', answerForm],
    ['learning goal form', learningGoalForm],
  ])('renders the %s as a modal', (_name, example) => {
    expect(renderForm(example, { callbackId: 'feedback_answer', privateMetadata: 'C012AB3CD' })).toMatchSnapshot();
  });
});

describe('Slack limits', () => {
  it('splits 60 blocks into messages of at most 50, keeping order', () => {
    const many = message('Weekly digest', ...Array.from({ length: 60 }, (_, i) => paragraph(`Item ${i + 1}`)));
    const parts = renderMessages(many);
    expect(parts.map((part) => part.blocks.length)).toEqual([50, 10]);
    expect(parts.flatMap((part) => part.blocks).map((block) => (block as SlackTypes.SectionBlock).text?.text)).toEqual(
      Array.from({ length: 60 }, (_, i) => `Item ${i + 1}`),
    );
    expect(parts[1]!.text).toBe('Weekly digest (part 2 of 2)');
  });

  it('does not leave a header as the last block of a part', () => {
    const blocks = [
      ...Array.from({ length: 49 }, (_, i) => paragraph(`Item ${i + 1}`)),
      header('Next resident'),
      paragraph('Details'),
    ];
    const parts = renderMessages(message('Digest', ...blocks));
    expect(parts[0]!.blocks).toHaveLength(49);
    expect(parts[1]!.blocks[0]!.type).toBe('header');
  });

  it('shortens a message that must stay single, and says so', () => {
    const many = message('Weekly digest', ...Array.from({ length: 60 }, (_, i) => paragraph(`Item ${i + 1}`)));
    const single = renderMessage(many);
    expect(single.blocks).toHaveLength(SLACK_LIMITS.messageBlocks);
    expect(JSON.stringify(single.blocks.at(-1))).toContain('11 more blocks not shown');
  });

  it('truncates a 4,000-character paragraph visibly within 3,000 characters', () => {
    const long = 'The resident presented a thorough and well organised history. '.repeat(65).slice(0, 4000);
    const [part] = renderMessages(message('Long', paragraph(long)));
    const text = (part!.blocks[0] as SlackTypes.SectionBlock).text!.text;
    expect(text.length).toBeLessThanOrEqual(3000);
    expect(text).toContain('…');
    expect(text).toMatch(/Shortened to fit: [\d,]+ more characters not shown/);
  });

  it('never cuts a link in half when truncating', () => {
    const long = `${'a '.repeat(1480)}[the milestone guide](https://example.org/${'x'.repeat(100)}) ${'b '.repeat(500)}`;
    const [part] = renderMessages(message('Long', paragraph(long)));
    const text = (part!.blocks[0] as SlackTypes.SectionBlock).text!.text;
    expect(text.length).toBeLessThanOrEqual(3000);
    expect(text.split('<').length).toBe(text.split('>').length);
  });

  it('spreads a long level grid over sections of at most 3,000 characters without splitting a row', () => {
    const rows = Array.from({ length: 60 }, (_, i) => ({
      code: `PC${i + 1}`,
      name: 'Clinical Reasoning and Management of Patients with Complex Conditions',
      ratings: { self: '3' as const, ccc: '2.5' as const },
    }));
    const grid = levelGrid({ series: [{ key: 'self', label: 'Self' }, { key: 'ccc', label: 'CCC' }], rows });
    const [part] = renderMessages(message('Grid', grid));
    const sections = part!.blocks.filter((block): block is SlackTypes.SectionBlock => block.type === 'section');
    expect(sections.length).toBeGreaterThan(1);
    for (const section of sections) expect(section.text!.text.length).toBeLessThanOrEqual(3000);
    const codes = sections.flatMap((section) => [...section.text!.text.matchAll(/^\*(PC\d+)\*/gm)].map((m) => m[1]));
    expect(codes).toEqual(rows.map((row) => row.code));
    expect(part!.blocks.at(-1)!.type).toBe('context');
  });

  it('keeps option texts within 75 characters', () => {
    const long = 'Communicates clearly with nursing staff about discharge planning and follow-up care';
    expect(long.length).toBeGreaterThan(75);
    const view = renderForm(
      form({
        title: 'Rate',
        submitLabel: 'Send',
        payload: payload('x', '1'),
        fields: [choice({ id: 'behaviour', label: 'Behaviour', options: [{ value: 'b1', label: long, description: long }] })],
      }),
    );
    const element = inputBlocks(view)[0]!.element as SlackTypes.StaticSelect;
    const option = element.options![0]!;
    expect(option.text.text.length).toBeLessThanOrEqual(75);
    expect(option.text.text.endsWith('…')).toBe(true);
    expect(option.description!.text.length).toBeLessThanOrEqual(75);
  });

  it('puts 150 options into groups of at most 100, all still selectable', () => {
    const options: ChoiceOption[] = Array.from({ length: 150 }, (_, i) => ({
      value: `p${i}`,
      label: `Resident ${String(i + 1).padStart(3, '0')}`,
    }));
    const view = renderForm(
      form({
        title: 'Pick a resident',
        submitLabel: 'Next',
        payload: payload('x', '1'),
        fields: [choice({ id: 'resident', label: 'Resident', options })],
      }),
    );
    const element = inputBlocks(view)[0]!.element as SlackTypes.StaticSelect;
    expect(element.options).toBeUndefined();
    expect(element.option_groups!.map((group) => group.options.length)).toEqual([100, 50]);
    expect(element.option_groups!.map((group) => group.label.text)).toEqual([
      'Resident 001 – Resident 100',
      'Resident 101 – Resident 150',
    ]);
    expect(allOptions(element)).toHaveLength(150);
  });

  it('truncates modal titles, headers and buttons to their limits', () => {
    const view = renderForm(
      form({
        title: 'End-of-rotation evaluation for Cardiology',
        submitLabel: 'Submit this evaluation now please',
        payload: payload('x', '1'),
        fields: [choice({ id: 'a', label: 'A', options: [{ value: 'a', label: 'A' }] })],
      }),
    );
    expect(view.title.text).toHaveLength(24);
    expect(view.title.text.endsWith('…')).toBe(true);
    expect(view.submit!.text.length).toBeLessThanOrEqual(24);

    const [part] = renderMessages(
      message('x', header('H'.repeat(200)), actions(button('B'.repeat(100), 'a.b', payload('x', '1')))),
    );
    expect((part!.blocks[0] as SlackTypes.HeaderBlock).text.text).toHaveLength(150);
    const buttonElement = (part!.blocks[1] as SlackTypes.ActionsBlock).elements[0] as SlackTypes.Button;
    expect(buttonElement.text.text).toHaveLength(75);
  });

  it('splits more than 25 buttons over several action rows', () => {
    const buttons = Array.from({ length: 30 }, (_, i) => button(`R${i}`, 'rotation_evaluation.start', payload('ra', `${i}`)));
    const [part] = renderMessages(message('x', actions(...buttons)));
    expect(part!.blocks.map((block) => (block as SlackTypes.ActionsBlock).elements.length)).toEqual([25, 5]);
  });

  it('refuses a modal with more than 100 blocks rather than dropping inputs', () => {
    const fields = Array.from({ length: 101 }, (_, i) =>
      choice({ id: `f${i}`, label: `F${i}`, options: [{ value: 'a', label: 'A' }] }),
    );
    expect(() => renderForm(form({ title: 'T', submitLabel: 'S', payload: payload('x', '1'), fields }))).toThrow(
      /a Slack modal holds 100/,
    );
  });
});

describe('buttons, back from Slack', () => {
  it('makes action ids unique within a row and reads them back to the model action id', () => {
    const row = actions(
      button('Jordan', 'rotation_evaluation.start', payload('rotation_assignment', 'ra_1')),
      button('Priya', 'rotation_evaluation.start', payload('rotation_assignment', 'ra_2')),
    );
    const [part] = renderMessages(message('Evaluate', row));
    const elements = (part!.blocks[0] as SlackTypes.ActionsBlock).elements as SlackTypes.Button[];
    expect(elements.map((element) => element.action_id)).toEqual([
      'rotation_evaluation.start',
      'rotation_evaluation.start~2',
    ]);
    const pattern = slackActionIdPattern('rotation_evaluation.start');
    expect(elements.every((element) => pattern.test(element.action_id!))).toBe(true);
    expect(pattern.test('rotation_evaluation.started')).toBe(false);
    expect(readButtonAction({ action_id: elements[1]!.action_id!, value: elements[1]!.value })).toEqual({
      actionId: 'rotation_evaluation.start',
      payload: { kind: 'rotation_assignment', id: 'ra_2', version: 1 },
    });
  });

  it.each([
    ['no value', undefined, Error],
    ['a value that is not JSON', 'ra_2', Error],
    ['a payload without a version', '{"kind":"rotation_assignment","id":"ra_2"}', ZodError],
    ['a payload with a numeric id', '{"kind":"rotation_assignment","id":2,"version":1}', ZodError],
  ])('rejects a button with %s', (_case, value, errorType) => {
    expect(() => readButtonAction({ action_id: 'rotation_evaluation.start', value })).toThrow(errorType);
  });
});

describe('forms, back from Slack', () => {
  it('reads the answer form back as typed values, with its payload', () => {
    const view = renderForm(answerForm, { privateMetadata: 'C012AB3CD' });
    const values = readFormValues(
      answerForm,
      submit(view, { level: '2.5', reinforce: 'Clear one-liner up front.', improve: null, discuss: true }),
    );
    expect(values).toEqual({ level: '2.5', reinforce: 'Clear one-liner up front.', improve: null, discuss: true });
    expect(readViewMetadata(view.private_metadata!)).toEqual({
      payload: { kind: 'feedback_request', id: 'fr_7f3a9c', version: 1 },
      privateMetadata: 'C012AB3CD',
    });
    expect(view.callback_id).toBe('feedback_request');
  });

  it('reads every other input type back', () => {
    const view = renderForm(learningGoalForm);
    const values = readFormValues(
      learningGoalForm,
      submit(view, {
        goal: 'Present new admissions in under 3 minutes',
        subcompetencies: ['ICS2', 'PROF3'],
        evidence: 'multisource',
        coach: 'U024BE7LH',
        due: '2026-05-15',
      }),
    );
    expect(values).toEqual({
      goal: 'Present new admissions in under 3 minutes',
      subcompetencies: ['ICS2', 'PROF3'],
      evidence: 'multisource',
      coach: 'U024BE7LH',
      due: '2026-05-15',
    });
    expect(readViewMetadata(view.private_metadata!)).toEqual({ payload: { kind: 'learning_plan', id: 'lp_42', version: 3 } });
  });

  it('reports missing required answers by block id, ready for response_action "errors"', () => {
    const view = renderForm(answerForm);
    const state = submit(view, { level: null, reinforce: null, improve: null, discuss: false });
    expect(() => readFormValues(answerForm, state)).toThrow(FormValuesError);
    try {
      readFormValues(answerForm, state);
    } catch (error) {
      expect((error as FormValuesError).errors).toEqual({
        level: 'Please choose a level.',
        reinforce: 'Please fill this in.',
      });
    }
  });

  it('rejects a level the modal never offered', () => {
    const state: SlackViewStateValues = {
      level: { level: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'x' }, value: '7' } } },
      reinforce: { reinforce: { type: 'plain_text_input', value: 'ok' } },
    };
    expect(() => readFormValues(answerForm, state)).toThrow(/not a level on the milestone scale/);
  });

  it('rejects view metadata that does not carry a valid payload', () => {
    expect(() => readViewMetadata('{"p":{"kind":"feedback_request","id":"fr_1"}}')).toThrow(ZodError);
    expect(() => readViewMetadata('C012AB3CD')).toThrow(/not valid JSON/);
  });
});
