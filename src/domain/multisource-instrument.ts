/**
 * 360 (multisource) instruments: for each rater group, a handful of items, each about one ICS, PROF or SBP
 * subcompetency, answered on a 5-point scale whose every point has a behavioural anchor, plus "not observed" and one
 * optional comment. The product ships a default (content/multisource-instrument.yaml); a program replaces any
 * group's instrument by importing a file of the same format with `program:` at the top.
 */
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { expected, plainText } from './file-schema-words.ts';

/** Where the shipped default instrument lives. */
export const DEFAULT_MULTISOURCE_INSTRUMENT_PATH = new URL('../../content/multisource-instrument.yaml', import.meta.url);

/** The rater groups a 360 instrument can address; each is also the unit of anonymity for aggregates. */
export const MULTISOURCE_RATER_GROUPS = [
  'nurse',
  'peer',
  'pharmacist',
  'therapist',
  'social_worker',
  'staff',
  'student',
  'patient_family',
] as const;

/** One rater group (a value of the rater_role enum). */
export type MultisourceRaterGroup = (typeof MULTISOURCE_RATER_GROUPS)[number];

/** How each group is named to residents and the CCC: a group, never a person. */
export const RATER_GROUP_LABELS: Readonly<Record<MultisourceRaterGroup, string>> = {
  nurse: 'Nurses',
  peer: 'Peer residents',
  pharmacist: 'Pharmacists',
  therapist: 'Therapists',
  social_worker: 'Social workers',
  staff: 'Program and clinic staff',
  student: 'Students',
  patient_family: 'Patients and families',
};

/** The points of the scale; each has an anchor. "Not observed" is not a point and never counts as one. */
export const MULTISOURCE_SCORES = [1, 2, 3, 4, 5] as const;

/** One point of the 5-point scale. */
export type MultisourceScore = (typeof MULTISOURCE_SCORES)[number];

/** A short instrument answers in under a minute; fewer than three items says too little to aggregate. */
export const MIN_ITEMS = 3;
export const MAX_ITEMS = 8;

/**
 * An anchor becomes a menu option ("4 · Updates nurses promptly…"); Slack cuts option text at 75 characters, so
 * anchors stay short enough to be read whole after the point number.
 */
export const MAX_ANCHOR_LENGTH = 70;

/** An item's prompt is the label above its menu; short prompts keep the form scannable. */
export const MAX_PROMPT_LENGTH = 150;

/** 360 items cover the competencies other professionals and patients can observe: ICS, PROF and SBP. */
export const MULTISOURCE_SUBCOMPETENCY = /^(ICS|PROF|SBP)[1-9][0-9]*$/;

const anchor = plainText(MAX_ANCHOR_LENGTH);

const itemSchema = z
  .strictObject(
    {
      subcompetency: z
        .string({ error: expected('a subcompetency code such as ICS2') })
        .trim()
        .regex(MULTISOURCE_SUBCOMPETENCY, 'must be an ICS, PROF or SBP subcompetency code, such as ICS2, PROF1 or SBP3'),
      prompt: plainText(MAX_PROMPT_LENGTH),
      anchors: z.strictObject(
        { '1': anchor, '2': anchor, '3': anchor, '4': anchor, '5': anchor },
        { error: expected('a mapping of the points 1 to 5 to what the rater saw') },
      ),
    },
    { error: expected('a mapping with subcompetency, prompt and anchors') },
  )
  // Stored and shown as a list in scale order; the file spells the points out so nobody miscounts.
  .transform((item) => ({
    subcompetency: item.subcompetency,
    prompt: item.prompt,
    anchors: MULTISOURCE_SCORES.map((point) => item.anchors[String(point) as '1']),
  }));

const instrumentSchema = z.strictObject(
  {
    rater_group: z.enum(MULTISOURCE_RATER_GROUPS, {
      error: (issue) =>
        issue.input === undefined
          ? 'is required'
          : `unknown rater group "${String(issue.input)}"; use one of ${MULTISOURCE_RATER_GROUPS.join(', ')}`,
    }),
    title: plainText(100),
    items: z
      .array(itemSchema, { error: expected('a list of items') })
      .min(MIN_ITEMS, `must list at least ${MIN_ITEMS} items`)
      .max(MAX_ITEMS, `must list at most ${MAX_ITEMS} items, so raters answer in under a minute`),
  },
  { error: expected('a mapping with rater_group, title and items') },
);

/**
 * The instrument file: an optional `program:` (a program's own file names its slug; the shipped default has none)
 * and one instrument per rater group. Groups and, within an instrument, prompts must be unique.
 */
export const multisourceInstrumentFileSchema = z
  .strictObject(
    {
      program: z.string({ error: expected('a program slug') }).trim().min(1, 'must not be empty').optional(),
      instruments: z
        .array(instrumentSchema, { error: expected('a list of instruments, one per rater group') })
        .min(1, 'must list at least one instrument'),
    },
    { error: expected('a mapping with instruments (and program, for a program’s own file)') },
  )
  .superRefine((file, ctx) => {
    const groups = new Map<string, number>();
    file.instruments.forEach((instrument, i) => {
      const first = groups.get(instrument.rater_group);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['instruments', i, 'rater_group'],
          message: `${instrument.rater_group} already has an instrument (instruments.${first})`,
        });
      } else groups.set(instrument.rater_group, i);
      const prompts = new Set<string>();
      instrument.items.forEach((item, j) => {
        const key = item.prompt.toLowerCase();
        if (prompts.has(key)) {
          ctx.addIssue({ code: 'custom', path: ['instruments', i, 'items', j, 'prompt'], message: 'repeats an earlier item of this instrument' });
        }
        prompts.add(key);
      });
    });
  });

/** A validated instrument file. */
export type MultisourceInstrumentFile = z.output<typeof multisourceInstrumentFileSchema>;

/** One group's instrument as read from a file. */
export type MultisourceInstrumentDefinition = MultisourceInstrumentFile['instruments'][number];

/** One item: a subcompetency code, a prompt, and five anchors in scale order. */
export type MultisourceItemDefinition = MultisourceInstrumentDefinition['items'][number];

/** Reading a file gives the instruments, or one line per problem (`file:12: instruments.0.items.2.anchors.4: …`). */
export type ParseInstrumentFileResult = { ok: true; file: MultisourceInstrumentFile } | { ok: false; problems: string[] };

/** Parses and validates an instrument file's text (YAML or JSON); never throws. */
export function parseMultisourceInstrumentFile(text: string, fileName: string): ParseInstrumentFileResult {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    return {
      ok: false,
      problems: document.errors.map((error) => `${fileName}:${lineCounter.linePos(error.pos[0]).line}: is not valid YAML: ${error.message.split('\n')[0]}`),
    };
  }
  const data: unknown = document.toJS();
  if (data === null || data === undefined) return { ok: false, problems: [`${fileName}: the file is empty`] };
  const parsed = multisourceInstrumentFileSchema.safeParse(data);
  if (parsed.success) return { ok: true, file: parsed.data };
  const lineOf = (path: readonly PropertyKey[]): number | undefined => {
    for (let depth = path.length; depth >= 0; depth -= 1) {
      const node = document.getIn(path.slice(0, depth) as unknown[], true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => {
      const line = lineOf(issue.path);
      const where = line === undefined ? fileName : `${fileName}:${line}`;
      const field = issue.path.length ? `${issue.path.map(String).join('.')}: ` : '';
      return `${where}: ${field}${issue.message}`;
    }),
  };
}

/**
 * Reads the shipped default: it must be valid, carry no program, and cover every rater group. It ships with the
 * product, so a broken file is a bug to stop on (the error lists every problem), not input to recover from.
 */
export function loadDefaultMultisourceInstruments(text: string, fileName = 'multisource-instrument.yaml'): MultisourceInstrumentDefinition[] {
  const parsed = parseMultisourceInstrumentFile(text, fileName);
  if (!parsed.ok) throw new Error(`Invalid multisource instrument:\n${parsed.problems.join('\n')}`);
  const problems: string[] = [];
  if (parsed.file.program !== undefined) problems.push(`${fileName}: program: the default instrument belongs to no program`);
  const listed = new Set(parsed.file.instruments.map((i) => i.rater_group));
  const missing = MULTISOURCE_RATER_GROUPS.filter((group) => !listed.has(group));
  if (missing.length) problems.push(`${fileName}: instruments: no instrument for ${missing.join(', ')}`);
  if (problems.length) throw new Error(`Invalid multisource instrument:\n${problems.join('\n')}`);
  return parsed.file.instruments;
}

/** Whether two definitions ask the same thing in the same words (so a re-import can leave the stored one alone). */
export function sameInstrument(
  a: { title: string; items: readonly MultisourceItemDefinition[] },
  b: { title: string; items: readonly MultisourceItemDefinition[] },
): boolean {
  return (
    a.title === b.title &&
    a.items.length === b.items.length &&
    a.items.every((item, i) => {
      const other = b.items[i]!;
      return item.subcompetency === other.subcompetency && item.prompt === other.prompt && item.anchors.join('\n') === other.anchors.join('\n');
    })
  );
}

/** Reads a score as it comes back from a form or a command: 1–5 (number or digit string), or undefined. */
export function parseMultisourceScore(value: unknown): MultisourceScore | undefined {
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  return (MULTISOURCE_SCORES as readonly number[]).includes(number) ? (number as MultisourceScore) : undefined;
}
