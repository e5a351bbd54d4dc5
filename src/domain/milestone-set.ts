import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { expected, plainText } from './file-schema-words.ts';

/** The six ACGME core competencies, in the order reports and forms show them. */
export const COMPETENCY_CODES = ['PC', 'MK', 'SBP', 'PBLI', 'PROF', 'ICS'] as const;

/** One of the six core competency codes. */
export type CompetencyCode = (typeof COMPETENCY_CODES)[number];

/** Full name of each core competency. */
export const COMPETENCY_NAMES: Readonly<Record<CompetencyCode, string>> = {
  PC: 'Patient Care',
  MK: 'Medical Knowledge',
  SBP: 'Systems-Based Practice',
  PBLI: 'Practice-Based Learning and Improvement',
  PROF: 'Professionalism',
  ICS: 'Interpersonal and Communication Skills',
};

/** The milestone levels every subcompetency describes, as the keys of its `levels` mapping. */
export const MILESTONE_LEVELS = ['1', '2', '3', '4', '5'] as const;

/** Longest level descriptor a file may carry; chat surfaces cut text at 3,000 characters. */
export const MAX_DESCRIPTOR_LENGTH = 1000;

/** Whether a string is one of the six core competency codes. */
export function isCompetencyCode(value: string): value is CompetencyCode {
  return (COMPETENCY_CODES as readonly string[]).includes(value);
}

const descriptorSchema = plainText(MAX_DESCRIPTOR_LENGTH);

const levelsSchema = z.strictObject(
  { '1': descriptorSchema, '2': descriptorSchema, '3': descriptorSchema, '4': descriptorSchema, '5': descriptorSchema },
  { error: expected('a mapping of levels 1 to 5') },
);

const subcompetencySchema = z.strictObject(
  {
    code: z.string({ error: expected('text such as PC1') }),
    name: plainText(200),
    levels: levelsSchema,
  },
  { error: expected('a mapping with code, name and levels') },
);

const competencySchema = z.strictObject(
  {
    code: z.enum(COMPETENCY_CODES, {
      error: (issue) =>
        issue.input === undefined
          ? 'is required'
          : `unknown competency "${String(issue.input)}"; use one of ${COMPETENCY_CODES.join(', ')}`,
    }),
    name: plainText(200),
    subcompetencies: z
      .array(subcompetencySchema, { error: expected('a list of subcompetencies') })
      .min(1, 'must list at least one subcompetency'),
  },
  { error: expected('a mapping with code, name and subcompetencies') },
);

const SUBCOMPETENCY_NUMBER = /^[1-9][0-9]*$/;

/**
 * A milestone-set file (YAML or JSON): one specialty's competencies, subcompetencies and level descriptors.
 * A full specialty set lists all six competencies; a partial set (the harmonized subcompetencies) may list fewer,
 * so the count is not enforced here — see `missingCompetencies`.
 */
export const milestoneSetSchema = z
  .strictObject(
    {
      code: z
        .string({ error: expected('text such as IM') })
        .regex(/^[A-Z0-9-]+$/, 'must be capital letters, digits and hyphens, such as IM or HARMONIZED'),
      version: z
        .string({ error: expected('text in quotes, such as "2.0"') })
        .trim()
        .min(1, 'must not be empty'),
      name: plainText(200),
      specialty: plainText(200),
      competencies: z
        .array(competencySchema, { error: expected('a list of competencies') })
        .min(1, 'must list at least one competency'),
    },
    { error: expected('a milestone set: a mapping with code, version, name, specialty and competencies') },
  )
  // Cross-field rules: competency codes unique; each subcompetency code is its competency's code plus a number and
  // unique in the set. Zod runs them once the shape is right, so the messages can rely on it.
  .superRefine((set, ctx) => {
    const competencyAt = new Map<CompetencyCode, number>();
    const subcompetencyAt = new Map<string, string>();
    set.competencies.forEach((competency, c) => {
      const first = competencyAt.get(competency.code);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['competencies', c, 'code'],
          message: `duplicate competency ${competency.code} (already at competencies[${first}])`,
        });
      } else {
        competencyAt.set(competency.code, c);
      }
      competency.subcompetencies.forEach((subcompetency, s) => {
        const path = ['competencies', c, 'subcompetencies', s, 'code'];
        const number = subcompetency.code.slice(competency.code.length);
        if (!subcompetency.code.startsWith(competency.code) || !SUBCOMPETENCY_NUMBER.test(number)) {
          ctx.addIssue({
            code: 'custom',
            path,
            message: `"${subcompetency.code}" must be the competency code ${competency.code} followed by a number, such as ${competency.code}1`,
          });
        }
        const seenAt = subcompetencyAt.get(subcompetency.code);
        if (seenAt !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path,
            message: `duplicate subcompetency code ${subcompetency.code} (already at ${seenAt})`,
          });
        } else {
          subcompetencyAt.set(subcompetency.code, `competencies[${c}].subcompetencies[${s}]`);
        }
      });
    });
  });

/** A validated milestone set, as read from a file. */
export type MilestoneSetFile = z.infer<typeof milestoneSetSchema>;

/** One subcompetency of a milestone set with its five level descriptors. */
export type MilestoneSubcompetency = MilestoneSetFile['competencies'][number]['subcompetencies'][number];

/** The result of reading a milestone-set file: the set, or one human-readable line per problem. */
export type ParseMilestoneSetResult = { ok: true; set: MilestoneSetFile } | { ok: false; problems: string[] };

/** Core competencies a set does not list, in canonical order; empty for a full specialty set. */
export function missingCompetencies(set: MilestoneSetFile): CompetencyCode[] {
  const listed = new Set(set.competencies.map((competency) => competency.code));
  return COMPETENCY_CODES.filter((code) => !listed.has(code));
}

/** `competencies[0].subcompetencies[2].levels.4` — the spelling the problem lines and docs use. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else {
      const name = String(key);
      out += /^[A-Za-z0-9_-]+$/.test(name) ? `${out === '' ? '' : '.'}${name}` : `[${JSON.stringify(name)}]`;
    }
  }
  return out;
}

function issueLines(fileName: string, issues: readonly z.core.$ZodIssue[]): string[] {
  const line = (path: readonly PropertyKey[], message: string) =>
    path.length === 0 ? `${fileName}: ${message}` : `${fileName}: ${formatIssuePath(path)}: ${message}`;
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const isLevels = issue.path[issue.path.length - 1] === 'levels';
      return issue.keys.map((key) =>
        line([...issue.path, key], isLevels ? 'unknown level; levels are 1 to 5' : 'unknown field'),
      );
    }
    return [line(issue.path, issue.message)];
  });
}

/** Validates already-parsed data (from YAML, JSON or a test) and names every problem with the file and path. */
export function validateMilestoneSet(data: unknown, fileName: string): ParseMilestoneSetResult {
  if (data === null || data === undefined) return { ok: false, problems: [`${fileName}: the file is empty`] };
  const result = milestoneSetSchema.safeParse(data);
  if (result.success) return { ok: true, set: result.data };
  return { ok: false, problems: issueLines(fileName, result.error.issues) };
}

/**
 * Reads a milestone-set file's text: JSON for `.json`, YAML for `.yaml`/`.yml`. Never throws; bad input comes
 * back as problem lines such as `internal-medicine.yaml: competencies[0].subcompetencies[2].levels.4: must not be
 * empty` or `internal-medicine.yaml: line 12, column 3: Map keys must be unique`.
 */
export function parseMilestoneSet(text: string, fileName: string): ParseMilestoneSetResult {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.json')) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      return { ok: false, problems: [`${fileName}: invalid JSON: ${(error as Error).message}`] };
    }
    return validateMilestoneSet(data, fileName);
  }
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) {
    let data: unknown;
    try {
      // Plain messages plus our own "line, column" keep each problem on one line (pretty errors add a snippet).
      const lineCounter = new LineCounter();
      const document = parseDocument(text, { lineCounter, prettyErrors: false });
      if (document.errors.length > 0) {
        return {
          ok: false,
          problems: document.errors.map((error) => {
            const at = lineCounter.linePos(error.pos[0]);
            const where = `line ${at.line}, column ${at.col}: `;
            return `${fileName}: ${where}invalid YAML: ${error.message}`;
          }),
        };
      }
      data = document.toJS();
    } catch (error) {
      return { ok: false, problems: [`${fileName}: invalid YAML: ${(error as Error).message}`] };
    }
    return validateMilestoneSet(data, fileName);
  }
  return { ok: false, problems: [`${fileName}: unsupported file type; use .yaml, .yml or .json`] };
}
