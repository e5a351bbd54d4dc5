import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { expected, plainText } from './file-schema-words.ts';
import { COMPETENCY_CODES, type CompetencyCode, formatIssuePath, isCompetencyCode } from './milestone-set.ts';

/** Where the shipped template library lives; the caller reads it (src/domain does no I/O). */
export const QUESTION_TEMPLATES_PATH = new URL('../../content/question-templates.yaml', import.meta.url);

/** Longest template text; long enough for a real question, short enough to shorten into a Slack option. */
export const MAX_TEMPLATE_TEXT_LENGTH = 150;

/** Slack's limit for the text of a select option, which is where template labels are shown. */
export const MAX_TEMPLATE_LABEL_LENGTH = 75;

/** Longest value a resident may type into one slot. */
export const MAX_SLOT_VALUE_LENGTH = 200;

/** Token a `fits` value may contain; the coach replaces it with the chosen subcompetency's name. */
export const SUBCOMPETENCY_TOKEN = '{subcompetency}';

const SLOT_NAME = /^[a-z][a-z_]*$/;
const PLACEHOLDER = /\{([^{}]*)\}/g;
const TEMPLATE_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
// Topics are compared with subcompetency names after lower-casing and turning punctuation into spaces.
const TOPIC = /^[a-z0-9]+(?: [a-z0-9]+)*$/;


const slotSchema = z.strictObject(
  {
    label: plainText(40),
    example: plainText(MAX_SLOT_VALUE_LENGTH),
    suggestions: z
      .array(plainText(MAX_TEMPLATE_LABEL_LENGTH), { error: expected('a list of values') })
      .max(20, 'must list at most 20 values')
      .default([]),
  },
  { error: expected('a mapping with label, example and optional suggestions') },
);

const fitSchema = z.strictObject(
  {
    topics: z.union(
      [
        z.literal('any'),
        z
          .array(z.string().regex(TOPIC, 'must be lower-case words, such as "reasoning" or "team lead"'))
          .min(1, 'must list at least one topic'),
      ],
      { error: 'must be `any` or a list of lower-case words' },
    ),
    values: z.record(z.string(), plainText(MAX_SLOT_VALUE_LENGTH), { error: expected('a mapping of slot to value') }),
  },
  { error: expected('a mapping with topics and values') },
);

const templateSchema = z.strictObject(
  {
    id: z.string({ error: expected('text') }).regex(TEMPLATE_ID, 'must be kebab-case, such as make-it-more'),
    competencies: z.union(
      [
        z.literal('any'),
        z
          .array(
            z.enum(COMPETENCY_CODES, {
              error: (issue) => `unknown competency "${String(issue.input)}"; use one of ${COMPETENCY_CODES.join(', ')}`,
            }),
          )
          .min(1, 'must list at least one competency'),
      ],
      { error: `must be \`any\` or a list of competency codes (${COMPETENCY_CODES.join(', ')})` },
    ),
    text: plainText(MAX_TEMPLATE_TEXT_LENGTH),
    slots: z.record(z.string().regex(SLOT_NAME, 'slot names are lower-case letters and _'), slotSchema, {
      error: expected('a mapping of slot name to label and example'),
    }),
    fits: z.array(fitSchema, { error: expected('a list of topics and values') }).default([]),
  },
  { error: expected('a mapping with id, competencies, text and slots') },
);

/**
 * The template library file: `templates:` and a list of templates. Cross-field rules (placeholders match the
 * slots, ids unique, fits name every slot) are checked here so a broken shipped file fails loudly at start-up.
 */
export const questionTemplatesFileSchema = z
  .strictObject(
    { templates: z.array(templateSchema, { error: expected('a list of templates') }).min(1, 'must not be empty') },
    { error: expected('a mapping with templates') },
  )
  .superRefine((file, ctx) => {
    const seen = new Map<string, number>();
    file.templates.forEach((template, t) => {
      const at = (...rest: PropertyKey[]) => ['templates', t, ...rest];
      const first = seen.get(template.id);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: at('id'), message: `duplicate id (already at templates[${first}])` });
      } else {
        seen.set(template.id, t);
      }

      const names = [...template.text.matchAll(PLACEHOLDER)].map((match) => match[1] ?? '');
      const problem = placeholderProblem(template.text, names);
      if (problem) ctx.addIssue({ code: 'custom', path: at('text'), message: problem });
      const declared = Object.keys(template.slots);
      for (const name of names) {
        if (SLOT_NAME.test(name) && !declared.includes(name)) {
          ctx.addIssue({ code: 'custom', path: at('slots'), message: `{${name}} in text has no slot entry` });
        }
      }
      for (const name of declared) {
        if (!names.includes(name)) {
          ctx.addIssue({ code: 'custom', path: at('slots', name), message: `text has no {${name}}` });
        }
      }

      template.fits.forEach((fit, f) => {
        for (const name of declared) {
          if (fit.values[name] === undefined) {
            ctx.addIssue({ code: 'custom', path: at('fits', f, 'values'), message: `needs a value for ${name}` });
          }
        }
        for (const [name, value] of Object.entries(fit.values)) {
          if (!declared.includes(name)) {
            ctx.addIssue({ code: 'custom', path: at('fits', f, 'values', name), message: 'is not a slot' });
          }
          const stray = [...value.matchAll(PLACEHOLDER)].find((match) => match[0] !== SUBCOMPETENCY_TOKEN);
          if (stray) {
            ctx.addIssue({
              code: 'custom',
              path: at('fits', f, 'values', name),
              message: `${stray[0]} is not allowed; only ${SUBCOMPETENCY_TOKEN} is replaced`,
            });
          }
          if (value.includes(SUBCOMPETENCY_TOKEN) && fit.topics !== 'any') {
            // A topic match already names the skill; the token is only meant for the catch-all fit.
            ctx.addIssue({
              code: 'custom',
              path: at('fits', f, 'values', name),
              message: `${SUBCOMPETENCY_TOKEN} is only allowed when topics is any`,
            });
          }
        }
      });
    });
  });

function placeholderProblem(text: string, names: readonly string[]): string | undefined {
  if (names.length === 0) return 'must contain a {slot} placeholder';
  if (names.length > 2) return 'must contain at most two {slot} placeholders';
  const bad = names.find((name) => !SLOT_NAME.test(name));
  if (bad !== undefined) return `{${bad}} is not a slot name; use lower-case letters and _`;
  if (new Set(names).size !== names.length) return 'must use each {slot} once';
  if (/[{}]/.test(text.replace(PLACEHOLDER, ''))) return 'has a { or } that is not part of a {slot}';
  return undefined;
}

/** One active-question template with its slots, as validated from the library file. */
export type QuestionTemplate = z.infer<typeof questionTemplatesFileSchema>['templates'][number];

/** One blank of a template: what to ask the resident, an example, and values to offer. */
export type QuestionTemplateSlot = QuestionTemplate['slots'][string];

function issueLines(fileName: string, issues: readonly z.core.$ZodIssue[]): string[] {
  const line = (path: readonly PropertyKey[], message: string) =>
    path.length === 0 ? `${fileName}: ${message}` : `${fileName}: ${formatIssuePath(path)}: ${message}`;
  return issues.flatMap((issue): string[] => {
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => line([...issue.path, key], 'unknown field'));
    if (issue.code === 'invalid_union') {
      // `competencies: [PC, XX]` fails both "any" and the list; the list's complaint (about XX) is the useful one.
      const inside = issue.errors.filter((branch) => branch.some((nested) => nested.path.length > 0));
      if (inside.length === 1) {
        const nested = inside[0]!.map((nested) => ({ ...nested, path: [...issue.path, ...nested.path] }));
        return issueLines(fileName, nested);
      }
    }
    return [line(issue.path, issue.message)];
  });
}

/**
 * Parses and validates the template library's YAML text. Throws an Error listing every problem, one per line
 * (`question-templates.yaml: templates[3].text: must contain a {slot} placeholder`): the library ships with
 * the product, so a bad file is a bug to stop on, not input to recover from.
 */
export function loadQuestionTemplates(yamlText: string, fileName = 'question-templates.yaml'): QuestionTemplate[] {
  const lineCounter = new LineCounter();
  const document = parseDocument(yamlText, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    const lines = document.errors.map((error) => {
      const at = lineCounter.linePos(error.pos[0]);
      return `${fileName}: line ${at.line}, column ${at.col}: invalid YAML: ${error.message}`;
    });
    throw new Error(`Invalid question templates:\n${lines.join('\n')}`);
  }
  const data: unknown = document.toJS();
  if (data === null || data === undefined) throw new Error(`Invalid question templates:\n${fileName}: the file is empty`);
  const result = questionTemplatesFileSchema.safeParse(data);
  if (!result.success) {
    throw new Error(`Invalid question templates:\n${issueLines(fileName, result.error.issues).join('\n')}`);
  }
  return result.data.templates;
}

/** The competency of a competency or subcompetency code (`PC`, `PC3` → `PC`); undefined when it is neither. */
export function competencyOf(code: string): CompetencyCode | undefined {
  const match = /^([A-Za-z]+)\d*$/.exec(code.trim());
  const competency = match?.[1]?.toUpperCase();
  return competency !== undefined && isCompetencyCode(competency) ? competency : undefined;
}

/**
 * The templates to offer for a competency (or a subcompetency code such as PC3): templates written for it
 * first, those shared with fewer other competencies before broader ones, and the `any` templates last. Within
 * a group the file's order holds, so authors decide which question comes first.
 */
export function templatesFor(templates: readonly QuestionTemplate[], code: string): QuestionTemplate[] {
  const competency = competencyOf(code);
  const specific = templates
    .filter(
      (template) =>
        competency !== undefined && template.competencies !== 'any' && template.competencies.includes(competency),
    )
    .sort((a, b) => a.competencies.length - b.competencies.length);
  return [...specific, ...templates.filter((template) => template.competencies === 'any')];
}

/** The slot names of a template in the order they appear in its text. */
export function templateSlots(template: QuestionTemplate): string[] {
  return [...template.text.matchAll(PLACEHOLDER)].map((match) => match[1] ?? '');
}

/** A filled-in question, or which slots are empty and which are over {@link MAX_SLOT_VALUE_LENGTH}. */
export type FillTemplateResult =
  | { ok: true; question: string }
  | { ok: false; missing: string[]; tooLong: string[] };

/**
 * Puts the resident's values into the template's slots. Values are trimmed and their inner whitespace (a
 * pasted line break) collapsed, since a slot sits inside one sentence.
 */
export function fillTemplate(template: QuestionTemplate, values: Readonly<Record<string, string>>): FillTemplateResult {
  const missing: string[] = [];
  const tooLong: string[] = [];
  const filled = new Map<string, string>();
  for (const slot of templateSlots(template)) {
    const value = (Object.hasOwn(values, slot) ? (values[slot] ?? '') : '').replace(/\s+/g, ' ').trim();
    if (value === '') missing.push(slot);
    else if (value.length > MAX_SLOT_VALUE_LENGTH) tooLong.push(slot);
    else filled.set(slot, value);
  }
  if (missing.length > 0 || tooLong.length > 0) return { ok: false, missing, tooLong };
  // A replacer function, because a string replacement would expand `$&` and friends typed by the resident.
  const question = template.text.replace(PLACEHOLDER, (_, slot: string) => filled.get(slot) ?? '');
  return { ok: true, question };
}

/**
 * The template as a menu option: each slot becomes "…", and a text still over
 * {@link MAX_TEMPLATE_LABEL_LENGTH} characters is cut at a word and ends in "…".
 */
export function templateLabel(template: QuestionTemplate): string {
  const label = template.text.replace(PLACEHOLDER, '…');
  if (label.length <= MAX_TEMPLATE_LABEL_LENGTH) return label;
  const room = label.slice(0, MAX_TEMPLATE_LABEL_LENGTH - 1);
  const cut = room.lastIndexOf(' ');
  return `${(cut > MAX_TEMPLATE_LABEL_LENGTH / 2 ? room.slice(0, cut) : room).replace(/[\s,;:.—-]+$/, '')}…`;
}
