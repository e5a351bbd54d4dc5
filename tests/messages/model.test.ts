import { describe, expect, expectTypeOf, it } from 'vitest';
import { ZodError } from 'zod';
import type { MilestoneRating, ObservedRating } from '../../src/domain/rating.ts';
import { FormValuesError, validateFormValues } from '../../src/messages/form-values.ts';
import { levelDots, levelRowLine, shortRatingLabel } from '../../src/messages/level-dots.ts';
import { parseMarkdown, toPlainText } from '../../src/messages/markdown.ts';
import {
  choice,
  encodePayload,
  form,
  type FormValues,
  levelPicker,
  message,
  paragraph,
  parseForm,
  parseMessage,
  parsePayload,
  parsePayloadJson,
  payload,
  textArea,
} from '../../src/messages/model.ts';
import { truncateLabel, truncateText } from '../../src/messages/text.ts';
import { answerForm, feedbackRequestDm, learningGoalForm, rotationPrompt, selfVsCccGrid } from './examples.ts';

describe('payloads', () => {
  it('accepts kind, id and version, and drops keys it does not know (Teams merges input values in)', () => {
    expect(parsePayload({ kind: 'feedback_request', id: 'fr_1', version: 2, comment: 'hi' })).toEqual({
      kind: 'feedback_request',
      id: 'fr_1',
      version: 2,
    });
  });

  it.each([
    ['a missing version', { kind: 'feedback_request', id: 'fr_1' }],
    ['a version sent as text', { kind: 'feedback_request', id: 'fr_1', version: '1' }],
    ['a fractional version', { kind: 'feedback_request', id: 'fr_1', version: 1.5 }],
    ['an empty id', { kind: 'feedback_request', id: '', version: 1 }],
    ['a kind with spaces', { kind: 'feedback request', id: 'fr_1', version: 1 }],
    ['an overlong id', { kind: 'feedback_request', id: 'x'.repeat(129), version: 1 }],
    ['no object at all', 'feedback_request'],
  ])('rejects %s', (_case, value) => {
    expect(() => parsePayload(value)).toThrow(ZodError);
  });

  it('travels as compact JSON with a fixed key order', () => {
    const json = encodePayload({ version: 3, id: 'lp_42', kind: 'learning_plan' });
    expect(json).toBe('{"kind":"learning_plan","id":"lp_42","version":3}');
    expect(parsePayloadJson(json)).toEqual(payload('learning_plan', 'lp_42', 3));
    expect(() => parsePayloadJson('{not json')).toThrow(/not valid JSON/);
  });
});

describe('messages and forms', () => {
  it('validate against their schemas, as the outbox re-reads them', () => {
    for (const example of [feedbackRequestDm, rotationPrompt, selfVsCccGrid]) {
      expect(parseMessage(JSON.parse(JSON.stringify(example)))).toEqual(example);
    }
    for (const example of [answerForm, learningGoalForm]) {
      expect(parseForm(JSON.parse(JSON.stringify(example)))).toEqual(example);
    }
  });

  it('lets use cases add blocks conditionally', () => {
    const late = false;
    const built = message('Reminder', paragraph('One evaluation is due.'), late && paragraph('It is overdue.'), [
      paragraph('Thanks!'),
    ]);
    expect(built.blocks.map((block) => block.type)).toEqual(['paragraph', 'paragraph']);
  });

  it('rejects a message whose button has an invalid payload', () => {
    const broken = JSON.parse(JSON.stringify(feedbackRequestDm));
    broken.blocks[3].buttons[0].payload.version = 'one';
    expect(() => parseMessage(broken)).toThrow(ZodError);
  });

  it('rejects forms with duplicate or reserved field ids', () => {
    const base = { title: 'T', submitLabel: 'Send', payload: payload('x', '1') };
    expect(() =>
      parseForm(form({ ...base, fields: [textArea({ id: 'note', label: 'A' }), textArea({ id: 'note', label: 'B' })] })),
    ).toThrow(/duplicate field id/);
    expect(() => parseForm(form({ ...base, fields: [textArea({ id: 'version', label: 'A' })] }))).toThrow(/reserved/);
  });

  it('rejects option values that could not come back unambiguously', () => {
    const base = { title: 'T', submitLabel: 'Send', payload: payload('x', '1') };
    const withOptions = (options: { value: string; label: string }[]) =>
      parseForm(form({ ...base, fields: [choice({ id: 'site', label: 'Site', multiple: true, options })] }));
    expect(() => withOptions([{ value: 'va,main', label: 'VA main' }])).toThrow(/commas/);
    expect(() =>
      withOptions([
        { value: 'va', label: 'VA' },
        { value: 'va', label: 'VA again' },
      ]),
    ).toThrow(/duplicate option values/);
  });
});

describe('limited markdown', () => {
  it('reads bold, italic, links and bullets, and leaves snake_case and arithmetic alone', () => {
    expect(parseMarkdown('*Due* _today_: see [the guide](https://example.org/g)\n- one\n- two_three 2*3')).toEqual([
      {
        bullet: false,
        inlines: [
          { kind: 'bold', children: [{ kind: 'text', text: 'Due' }] },
          { kind: 'text', text: ' ' },
          { kind: 'italic', children: [{ kind: 'text', text: 'today' }] },
          { kind: 'text', text: ': see ' },
          { kind: 'link', url: 'https://example.org/g', text: 'the guide' },
        ],
      },
      { bullet: true, inlines: [{ kind: 'text', text: 'one' }] },
      { bullet: true, inlines: [{ kind: 'text', text: 'two_three 2*3' }] },
    ]);
  });

  it('has a plain-text form for fallbacks', () => {
    expect(toPlainText('*Due* today, [guide](https://example.org/g)\n- one')).toBe(
      'Due today, guide (https://example.org/g)\n• one',
    );
  });
});

describe('shortening text', () => {
  it('ends a cut label with an ellipsis within the limit', () => {
    const label = truncateLabel('A'.repeat(80), 75);
    expect(label).toHaveLength(75);
    expect(label.endsWith('…')).toBe(true);
    expect(truncateLabel('Short', 75)).toBe('Short');
  });

  it('cuts running text at a word, says how much is missing, and stays within the limit', () => {
    const text = 'word '.repeat(800);
    const cut = truncateText(text, 3000);
    expect(cut.length).toBeLessThanOrEqual(3000);
    expect(cut).toMatch(/word…\n_\(Shortened to fit: [\d,]+ more characters not shown\.\)_$/);
  });

  it('never splits an emoji in half', () => {
    const label = truncateLabel(`${'a'.repeat(73)}😀😀`, 75);
    expect(label).toBe(`${'a'.repeat(73)}…`);
  });
});

describe('level dots', () => {
  it('draws a rating as five dots on levels 1–5', () => {
    expect(levelDots('not_yet_level_1')).toBe('○○○○○');
    expect(levelDots('1')).toBe('●○○○○');
    expect(levelDots('2.5')).toBe('●●◐○○');
    expect(levelDots('5')).toBe('●●●●●');
    expect(levelDots('not_observed')).toBe('·····');
    expect(levelDots(null)).toBe('·····');
    expect(shortRatingLabel('not_yet_level_1')).toBe('<1');
  });

  it('puts the series of a row on one line', () => {
    const grid = { series: [{ key: 'self', label: 'Self' }, { key: 'ccc', label: 'CCC' }] };
    expect(levelRowLine(grid, { code: 'ICS1', name: '', ratings: { self: '2.5' } })).toBe(
      'Self ●●◐○○ 2.5 · CCC ····· no rating',
    );
  });
});

describe('form values', () => {
  it('are typed from the form definition', () => {
    const values = validateFormValues(answerForm, { level: '2.5', reinforce: 'Clear plan', improve: '', discuss: false });
    expectTypeOf(values).toEqualTypeOf<{
      level: ObservedRating;
      reinforce: string;
      improve: string | null;
      discuss: boolean;
    }>();
    expect(values).toEqual({ level: '2.5', reinforce: 'Clear plan', improve: null, discuss: false });

    type Goal = FormValues<(typeof learningGoalForm)['fields']>;
    expectTypeOf<Goal>().toEqualTypeOf<{
      goal: string;
      subcompetencies: string[];
      evidence: string;
      coach: string | null;
      due: string;
    }>();
    const strict = form({
      title: 'T',
      submitLabel: 'S',
      payload: payload('x', '1'),
      fields: [levelPicker({ id: 'pc1', label: 'PC1' })],
    });
    expectTypeOf<FormValues<(typeof strict)['fields']>>().toEqualTypeOf<{ pc1: MilestoneRating }>();
  });

  it('collects every problem at once, keyed by field id', () => {
    try {
      validateFormValues(answerForm, { level: '6', reinforce: '   ', improve: 'x'.repeat(1501) });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(FormValuesError);
      expect((error as FormValuesError).errors).toEqual({
        level: 'That is not a level on the milestone scale.',
        reinforce: 'Please fill this in.',
        improve: 'Please keep this under 1,500 characters (it has 1,501).',
      });
    }
  });

  it('refuses "not observed" where the picker does not offer it, and options that are not in the list', () => {
    const strict = form({
      title: 'T',
      submitLabel: 'S',
      payload: payload('x', '1'),
      fields: [
        levelPicker({ id: 'pc1', label: 'PC1' }),
        choice({ id: 'site', label: 'Site', options: [{ value: 'va', label: 'VA' }] }),
      ],
    });
    expect(() => validateFormValues(strict, { pc1: 'not_observed', site: 'va' })).toThrow(FormValuesError);
    expect(() => validateFormValues(strict, { pc1: '3', site: 'elsewhere' })).toThrow(/no longer available/);
    expect(validateFormValues(strict, { pc1: '3', site: 'va' })).toEqual({ pc1: '3', site: 'va' });
  });
});
