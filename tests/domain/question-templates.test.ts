import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMPETENCY_CODES } from '../../src/domain/milestone-set.ts';
import { coachQuestion } from '../../src/domain/question-coach.ts';
import {
  competencyOf,
  fillTemplate,
  loadQuestionTemplates,
  MAX_SLOT_VALUE_LENGTH,
  MAX_TEMPLATE_LABEL_LENGTH,
  MAX_TEMPLATE_TEXT_LENGTH,
  QUESTION_TEMPLATES_PATH,
  type QuestionTemplate,
  SUBCOMPETENCY_TOKEN,
  templateLabel,
  templateSlots,
  templatesFor,
} from '../../src/domain/question-templates.ts';

const shipped = loadQuestionTemplates(readFileSync(QUESTION_TEMPLATES_PATH, 'utf8'));
const byId = (id: string) => {
  const template = shipped.find((candidate) => candidate.id === id);
  if (!template) throw new Error(`no template ${id}`);
  return template;
};

const exampleValues = (template: QuestionTemplate) =>
  Object.fromEntries(Object.entries(template.slots).map(([slot, { example }]) => [slot, example]));

// A minimal valid file; the failure cases below each break one thing in it.
const VALID = `
templates:
  - id: make-it-more
    competencies: any
    text: "How can I make my {artifact} more {quality}?"
    slots:
      artifact: { label: What, example: presentation }
      quality: { label: How, example: concise }
`;

function loadError(yamlText: string): string {
  try {
    loadQuestionTemplates(yamlText);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected loadQuestionTemplates to throw');
}

describe('the shipped template library', () => {
  it('loads and validates', () => {
    expect(shipped.length).toBeGreaterThanOrEqual(20);
    expect(new Set(shipped.map((template) => template.id)).size).toBe(shipped.length);
  });

  it.each(COMPETENCY_CODES)('has at least three templates written for %s', (code) => {
    const own = shipped.filter((template) => template.competencies !== 'any' && template.competencies.includes(code));
    expect(own.length).toBeGreaterThanOrEqual(3);
  });

  it('has templates that fit any competency, starting with a concrete one', () => {
    const any = shipped.filter((template) => template.competencies === 'any');
    expect(any.length).toBeGreaterThanOrEqual(3);
    expect(any[0]?.id).toBe('make-it-more');
  });

  it.each(shipped.map((template) => [template.id, template] as const))('%s: text, slots and label fit', (_, template) => {
    expect(template.text.length).toBeLessThanOrEqual(MAX_TEMPLATE_TEXT_LENGTH);
    const slots = templateSlots(template);
    expect(slots.length).toBeGreaterThanOrEqual(1);
    expect(slots.length).toBeLessThanOrEqual(2);
    expect(Object.keys(template.slots).sort()).toEqual([...slots].sort());
    const label = templateLabel(template);
    expect(label.length).toBeLessThanOrEqual(MAX_TEMPLATE_LABEL_LENGTH);
    expect(label).toContain('…');
    expect(label).not.toMatch(/[{}]/);
    for (const slot of Object.values(template.slots)) {
      for (const suggestion of slot.suggestions) expect(suggestion.length).toBeLessThanOrEqual(MAX_TEMPLATE_LABEL_LENGTH);
    }
  });

  // The examples are what the resident sees first; they must be questions the coach itself would accept.
  it.each(shipped.map((template) => [template.id, template] as const))(
    '%s: filled with its examples, suggestions and fits, it passes the coach',
    (_, template) => {
      const questions: string[] = [];
      const examples = exampleValues(template);
      const fill = (values: Record<string, string>) => {
        const result = fillTemplate(template, values);
        if (!result.ok) throw new Error(`${template.id} did not fill: ${JSON.stringify(result)}`);
        questions.push(result.question);
      };
      fill(examples);
      for (const [slot, { suggestions }] of Object.entries(template.slots)) {
        for (const suggestion of suggestions) fill({ ...examples, [slot]: suggestion });
      }
      for (const fit of template.fits) {
        fill(
          Object.fromEntries(
            Object.entries(fit.values).map(([slot, value]) => [slot, value.replace(SUBCOMPETENCY_TOKEN, 'clinical reasoning')]),
          ),
        );
      }
      for (const question of questions) expect({ question, ...coachQuestion({ question }) }).toEqual({ question, verdict: 'specific' });
    },
  );
});

describe('templatesFor', () => {
  it('lists a competency’s own templates first, shared ones next, then the ones for any competency', () => {
    const ids = templatesFor(shipped, 'PC3').map((template) => template.id);
    const kinds = ids.map((id) => {
      const { competencies } = byId(id);
      return competencies === 'any' ? 'any' : competencies.length === 1 ? 'own' : 'shared';
    });
    expect(kinds).toEqual([...kinds].sort((a, b) => ['own', 'shared', 'any'].indexOf(a) - ['own', 'shared', 'any'].indexOf(b)));
    expect(kinds[0]).toBe('own');
    expect(kinds.at(-1)).toBe('any');
    expect(ids).toContain('run-the-team');
    expect(ids).not.toContain('mk-test-choice');
  });

  it('accepts a competency or a subcompetency code, in any case', () => {
    expect(templatesFor(shipped, 'ICS')).toEqual(templatesFor(shipped, 'ics2'));
  });

  it('offers only the templates for any competency when the code is unknown', () => {
    const ids = templatesFor(shipped, 'XYZ1').map((template) => template.id);
    expect(ids).toEqual(shipped.filter((template) => template.competencies === 'any').map((template) => template.id));
  });

  it('keeps the file order within a group', () => {
    const own = templatesFor(shipped, 'MK').filter((template) => template.competencies !== 'any');
    expect(own.map((template) => template.id)).toEqual(
      shipped.filter((template) => template.competencies !== 'any' && template.competencies.includes('MK')).map((t) => t.id),
    );
  });
});

describe('competencyOf', () => {
  it.each([
    ['PC3', 'PC'],
    ['PBLI2', 'PBLI'],
    ['ics', 'ICS'],
    ['SBP', 'SBP'],
    ['XYZ1', undefined],
    ['', undefined],
    ['PC-3', undefined],
  ])('%s → %s', (code, competency) => {
    expect(competencyOf(code)).toBe(competency);
  });
});

describe('fillTemplate', () => {
  const makeItMore = byId('make-it-more');

  it('puts the values into the slots', () => {
    expect(fillTemplate(makeItMore, { artifact: 'sign-out', quality: 'organized' })).toEqual({
      ok: true,
      question: 'How can I make my sign-out more organized?',
    });
  });

  it('round trips: the filled question is the text with each slot replaced', () => {
    for (const template of shipped) {
      const values = exampleValues(template);
      const result = fillTemplate(template, values);
      let expected = template.text;
      for (const [slot, value] of Object.entries(values)) expected = expected.replace(`{${slot}}`, value);
      expect(result).toEqual({ ok: true, question: expected });
    }
  });

  it('trims values and collapses line breaks inside them', () => {
    expect(fillTemplate(makeItMore, { artifact: '  discharge\n  summary ', quality: '\tconcise ' })).toEqual({
      ok: true,
      question: 'How can I make my discharge summary more concise?',
    });
  });

  it('reports every missing or blank slot, in the order of the text', () => {
    expect(fillTemplate(makeItMore, {})).toEqual({ ok: false, missing: ['artifact', 'quality'], tooLong: [] });
    expect(fillTemplate(makeItMore, { artifact: 'note', quality: '   ' })).toEqual({
      ok: false,
      missing: ['quality'],
      tooLong: [],
    });
  });

  it(`refuses a value over ${MAX_SLOT_VALUE_LENGTH} characters and accepts one of exactly that length`, () => {
    const long = 'x'.repeat(MAX_SLOT_VALUE_LENGTH + 1);
    expect(fillTemplate(makeItMore, { artifact: long, quality: '' })).toEqual({
      ok: false,
      missing: ['quality'],
      tooLong: ['artifact'],
    });
    expect(fillTemplate(makeItMore, { artifact: 'x'.repeat(MAX_SLOT_VALUE_LENGTH), quality: 'clear' }).ok).toBe(true);
  });

  it('keeps what the resident typed literally and ignores values for other slots', () => {
    expect(fillTemplate(makeItMore, { artifact: "$& $1 {quality} note", quality: 'clear', extra: 'ignored' })).toEqual({
      ok: true,
      question: 'How can I make my $& $1 {quality} note more clear?',
    });
  });

  it('does not take slot values from the prototype', () => {
    const template = loadQuestionTemplates(VALID.replaceAll('artifact', 'constructor'))[0]!;
    expect(fillTemplate(template, { quality: 'clear' })).toEqual({ ok: false, missing: ['constructor'], tooLong: [] });
  });
});

describe('templateLabel', () => {
  it('replaces each slot with an ellipsis', () => {
    expect(templateLabel(byId('make-it-more'))).toBe('How can I make my … more …?');
  });

  it(`shortens a long text at a word to at most ${MAX_TEMPLATE_LABEL_LENGTH} characters`, () => {
    const text = `When {situation} happened ${'and then something else happened '.repeat(3)}what should I change?`;
    const [template] = loadQuestionTemplates(
      `templates:\n  - id: long\n    competencies: [PC]\n    text: "${text}"\n    slots:\n      situation: { label: When, example: the code }\n`,
    );
    const label = templateLabel(template!);
    expect(label.length).toBeLessThanOrEqual(MAX_TEMPLATE_LABEL_LENGTH);
    expect(label).toMatch(/^When … happened and then .*[a-z]…$/);
  });
});

describe('loadQuestionTemplates', () => {
  it('returns the templates of a valid file with defaults filled in', () => {
    expect(loadQuestionTemplates(VALID)).toEqual([
      {
        id: 'make-it-more',
        competencies: 'any',
        text: 'How can I make my {artifact} more {quality}?',
        slots: {
          artifact: { label: 'What', example: 'presentation', suggestions: [] },
          quality: { label: 'How', example: 'concise', suggestions: [] },
        },
        fits: [],
      },
    ]);
  });

  it.each([
    ['broken YAML', 'templates: [', /line \d+, column \d+: invalid YAML/],
    ['an empty file', '', /the file is empty/],
    ['no placeholder', VALID.replace('{artifact} more {quality}', 'notes more concise'), /templates\[0\]\.text: must contain a \{slot\} placeholder/],
    [
      'three placeholders',
      VALID.replace('{quality}?', '{quality} for {who}?'),
      /templates\[0\]\.text: must contain at most two \{slot\} placeholders/,
    ],
    ['a slot used twice', VALID.replace('{quality}', '{artifact}'), /must use each \{slot\} once/],
    ['a placeholder without a slot entry', VALID.replace('quality: { label', 'qualities: { label'), /\{quality\} in text has no slot entry/],
    ['a slot entry the text does not use', VALID.replace('{quality}', 'concise'), /templates\[0\]\.slots\.quality: text has no \{quality\}/],
    ['a stray brace', VALID.replace('more {quality}?', 'more {quality}? }'), /has a \{ or \} that is not part of a \{slot\}/],
    [
      'an unknown competency',
      VALID.replace('competencies: any', 'competencies: [PC, XX]'),
      /templates\[0\]\.competencies\[1\]: unknown competency "XX"; use one of PC, MK, SBP, PBLI, PROF, ICS/,
    ],
    [
      'competencies that are neither any nor a list',
      VALID.replace('competencies: any', 'competencies: everything'),
      /templates\[0\]\.competencies: must be `any` or a list of competency codes/,
    ],
    ['an empty competency list', VALID.replace('competencies: any', 'competencies: []'), /competencies: must list at least one competency/],
    ['an unknown field', VALID.replace('    text:', '    txt: x\n    text:'), /templates\[0\]\.txt: unknown field/],
    ['an id that is not kebab-case', VALID.replace('make-it-more', 'Make It More'), /templates\[0\]\.id: must be kebab-case/],
    ['a duplicate id', `${VALID}${VALID.split('templates:\n')[1]}`, /templates\[1\]\.id: duplicate id \(already at templates\[0\]\)/],
    ['a text over 150 characters', VALID.replace('How can I', 'x'.repeat(150)), /text: must be at most 150 characters/],
    ['an empty example', VALID.replace('example: concise', 'example: ""'), /slots\.quality\.example: must not be empty/],
    [
      'a fit missing a slot value',
      `${VALID}    fits:\n      - topics: [reasoning]\n        values: { artifact: differential }\n`,
      /fits\[0\]\.values: needs a value for quality/,
    ],
    [
      'a fit naming a slot that does not exist',
      `${VALID}    fits:\n      - topics: any\n        values: { artifact: a, quality: b, who: c }\n`,
      /fits\[0\]\.values\.who: is not a slot/,
    ],
    [
      'the subcompetency token in a topic fit',
      `${VALID}    fits:\n      - topics: [reasoning]\n        values: { artifact: "${SUBCOMPETENCY_TOKEN}", quality: b }\n`,
      /only allowed when topics is any/,
    ],
    [
      'a topic that cannot match a name',
      `${VALID}    fits:\n      - topics: [Clinical-Reasoning]\n        values: { artifact: a, quality: b }\n`,
      /fits\[0\]\.topics/,
    ],
  ])('throws a clear error for %s', (_, yamlText, message) => {
    const error = loadError(yamlText);
    expect(error).toMatch(/^Invalid question templates:\n/);
    expect(error).toMatch(message);
  });

  it('names the file it was given', () => {
    expect(() => loadQuestionTemplates('templates: []', 'custom.yaml')).toThrow(/custom\.yaml: templates: must not be empty/);
  });
});
