/**
 * The platform-neutral message model. Use cases build these plain values (they are stored in the outbox as JSON);
 * the Slack and Teams renderers turn them into Block Kit and Adaptive Cards, and read submissions back.
 */
import { z } from 'zod';
import {
  MILESTONE_RATINGS,
  type MilestoneRating,
  NOT_OBSERVED,
  type ObservedRating,
  RATING_VALUES,
} from '../domain/rating.ts';

// ---------------------------------------------------------------------------------------------------------------
// Payloads
// ---------------------------------------------------------------------------------------------------------------

/** Routes a button press or a form submission back to the use case that asked, and the record it is about. */
export interface Payload<Kind extends string = string> {
  kind: Kind;
  id: string;
  /** Bumped when the record changes, so a click on an old message can be recognised as stale. */
  version: number;
}

// Bounded so a JSON payload always fits a Slack button value (2,000 characters) with room to spare.
export const payloadSchema = z.object({
  kind: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-z][a-z0-9_.:-]*$/, 'kind is lower-case words joined by _ . : or -'),
  id: z.string().min(1).max(128),
  version: z.number().int().nonnegative(),
});

/** Validates a payload coming back from a chat platform; extra keys (e.g. Teams input values) are dropped. */
export function parsePayload(value: unknown): Payload {
  return payloadSchema.parse(value);
}

/** Like parsePayload, for a payload that travelled as a JSON string (Slack button values, view metadata). */
export function parsePayloadJson(json: string): Payload {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (cause) {
    throw new Error('The payload is not valid JSON.', { cause });
  }
  return parsePayload(value);
}

/** The compact JSON form of a payload, in a fixed key order so snapshots and values stay stable. */
export function encodePayload(p: Payload): string {
  const checked = parsePayload(p);
  return JSON.stringify({ kind: checked.kind, id: checked.id, version: checked.version });
}

// ---------------------------------------------------------------------------------------------------------------
// Message blocks
// ---------------------------------------------------------------------------------------------------------------

/** How a button looks; `danger` is for declining or destructive choices. */
export type ButtonStyle = 'primary' | 'danger' | 'default';

/** A button: the action id picks the listener, the payload says which record it is about. */
export interface Button {
  label: string;
  style: ButtonStyle;
  actionId: string;
  payload: Payload;
}

/** A large title at the top of a message or a section. Plain text. */
export interface HeaderBlock {
  type: 'header';
  text: string;
}

/**
 * Text in the model's limited markdown: *bold*, _italic_, [text](https://link), and lines starting with "- " as
 * bullets. An optional button sits beside the text (one row per resident in a rotation prompt, for example).
 */
export interface ParagraphBlock {
  type: 'paragraph';
  text: string;
  button?: Button;
}

/** One label/value pair, e.g. "Rotation" / "Cardiology, block 4". Values use the limited markdown. */
export interface FieldPair {
  label: string;
  value: string;
}

/** Label/value pairs shown as a compact two-column list. */
export interface FieldsBlock {
  type: 'fields';
  fields: FieldPair[];
}

/** One source of ratings in a level grid, e.g. the resident's self-assessment or the CCC. */
export interface LevelSeries {
  key: string;
  label: string;
}

/** One subcompetency of a level grid with each series' rating (missing or null: no rating yet). */
export interface LevelRow {
  code: string;
  name: string;
  ratings: Partial<Record<string, ObservedRating | null>>;
}

/** Subcompetency × milestone level: each series' rating drawn as dots on levels 1–5. */
export interface LevelGridBlock {
  type: 'level_grid';
  title?: string;
  series: LevelSeries[];
  rows: LevelRow[];
}

/** One line of a trend chart: a subcompetency's level in each period, null where it was not rated. */
export interface TrendLine {
  code: string;
  name: string;
  levels: (number | null)[];
}

/** What a trend chart shows: periods along the bottom, levels 1–5 up the side, one line per subcompetency. */
export interface TrendChartData {
  periods: string[];
  lines: TrendLine[];
  /** The level expected of the resident at each period (drawn as a dashed guide), null where unknown. */
  expected?: (number | null)[];
}

/**
 * A chart drawn from data at send time (a PNG the sender uploads or attaches), so the outbox keeps data, not images.
 * The alt text says what the chart shows; the message around it must stand on its own without the image.
 */
export interface ChartBlock {
  type: 'chart';
  title?: string;
  altText: string;
  trend: TrendChartData;
}

/** Small print under the main content (limited markdown). */
export interface ContextBlock {
  type: 'context';
  text: string;
}

/** A horizontal rule between sections. */
export interface DividerBlock {
  type: 'divider';
}

/** A row of buttons. */
export interface ActionsBlock {
  type: 'actions';
  buttons: Button[];
}

/** Any block of a message. */
export type Block =
  | HeaderBlock
  | ParagraphBlock
  | FieldsBlock
  | LevelGridBlock
  | ChartBlock
  | ContextBlock
  | DividerBlock
  | ActionsBlock;

/** A message as the core writes it: a plain-text fallback (notifications, screen readers) and blocks. */
export interface Message {
  text: string;
  blocks: Block[];
}

const actionIdSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[a-z][a-z0-9_.:-]*$/, 'action ids are lower-case words joined by _ . : or -');

const buttonSchema = z.object({
  label: z.string().min(1),
  style: z.enum(['primary', 'danger', 'default']),
  actionId: actionIdSchema,
  payload: payloadSchema,
});

const observedRatingSchema = z.enum(RATING_VALUES);

export const blockSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('header'), text: z.string().min(1) }),
  z.object({ type: z.literal('paragraph'), text: z.string().min(1), button: buttonSchema.optional() }),
  z.object({
    type: z.literal('fields'),
    fields: z.array(z.object({ label: z.string().min(1), value: z.string() })).min(1),
  }),
  z.object({
    type: z.literal('level_grid'),
    title: z.string().min(1).optional(),
    series: z.array(z.object({ key: z.string().min(1), label: z.string().min(1) })).min(1),
    rows: z.array(
      z.object({
        code: z.string().min(1),
        name: z.string(),
        ratings: z.partialRecord(z.string(), observedRatingSchema.nullable()),
      }),
    ),
  }),
  z.object({
    type: z.literal('chart'),
    title: z.string().min(1).optional(),
    altText: z.string().min(1),
    trend: z.object({
      periods: z.array(z.string().min(1)).min(1),
      lines: z.array(
        z.object({ code: z.string().min(1), name: z.string(), levels: z.array(z.number().min(0).max(5).nullable()) }),
      ),
      expected: z.array(z.number().min(0).max(5).nullable()).optional(),
    }),
  }),
  z.object({ type: z.literal('context'), text: z.string().min(1) }),
  z.object({ type: z.literal('divider') }),
  z.object({ type: z.literal('actions'), buttons: z.array(buttonSchema).min(1) }),
]);

export const messageSchema = z.object({ text: z.string().min(1), blocks: z.array(blockSchema) });

// ---------------------------------------------------------------------------------------------------------------
// Forms
// ---------------------------------------------------------------------------------------------------------------

/** One choice of a Choice field. Values travel back from the platform, so they stay short and stable. */
export interface ChoiceOption {
  value: string;
  label: string;
  description?: string;
}

/** A labelled group of choices (e.g. residents by PGY year). */
export interface ChoiceGroup {
  label: string;
  options: ChoiceOption[];
}

/** Where a Choice field's options come from: a static list, grouped lists, or the workspace's people. */
export type ChoiceSource =
  | { kind: 'options'; options: ChoiceOption[] }
  | { kind: 'groups'; groups: ChoiceGroup[] }
  | { kind: 'people' };

interface FieldBase<Id extends string, Optional extends boolean> {
  id: Id;
  label: string;
  hint?: string;
  optional: Optional;
}

/** Pick one or several options, or people. People come back as platform user ids (Slack U…, Teams AAD ids). */
export interface ChoiceField<Id extends string = string, Optional extends boolean = boolean, Multiple extends boolean = boolean>
  extends FieldBase<Id, Optional> {
  type: 'choice';
  multiple: Multiple;
  source: ChoiceSource;
  placeholder?: string;
  initial?: string[];
}

/** Level descriptors shown beside the scale; programs load their specialty's text, keyed by rating. */
export type LevelDescriptors = Partial<Record<ObservedRating, string>>;

/** The milestone rating scale (not yet Level 1, 1 … 5 in half steps), optionally with "not observed". */
export interface LevelPickerField<Id extends string = string, Optional extends boolean = boolean, AllowNotObserved extends boolean = boolean>
  extends FieldBase<Id, Optional> {
  type: 'level_picker';
  allowNotObserved: AllowNotObserved;
  descriptors?: LevelDescriptors;
  initial?: ObservedRating;
}

/** Free text on several lines (narrative feedback, reflections). */
export interface TextAreaField<Id extends string = string, Optional extends boolean = boolean>
  extends FieldBase<Id, Optional> {
  type: 'text_area';
  maxLength?: number;
  placeholder?: string;
  initial?: string;
}

/** Free text on one line (a goal title, a short question). */
export interface TextInputField<Id extends string = string, Optional extends boolean = boolean>
  extends FieldBase<Id, Optional> {
  type: 'text_input';
  maxLength?: number;
  placeholder?: string;
  initial?: string;
}

/** One tick box ("Share with my program director"); always answers true or false. */
export interface CheckboxField<Id extends string = string> {
  type: 'checkbox';
  id: Id;
  label: string;
  /** The words beside the box; the label is the question above it. */
  text: string;
  hint?: string;
  initial?: boolean;
}

/** A calendar date, read back as YYYY-MM-DD. */
export interface DateField<Id extends string = string, Optional extends boolean = boolean> extends FieldBase<Id, Optional> {
  type: 'date';
  initial?: string;
}

/** Any input of a form. */
export type Field = ChoiceField | LevelPickerField | TextAreaField | TextInputField | CheckboxField | DateField;

/** A form shown as a Slack modal or a Teams card/dialog; the payload comes back with the submission. */
export interface Form<Fields extends readonly Field[] = readonly Field[]> {
  title: string;
  submitLabel: string;
  closeLabel?: string;
  /** Text above the inputs, in the limited markdown. */
  intro?: string;
  fields: Fields;
  payload: Payload;
  /** Names the submission for routing (Slack callback_id, Teams verb); defaults to payload.kind. */
  submitActionId?: string;
}

/** The longest text any input accepts: Slack's plain_text_input cannot take more, so neither can Teams. */
export const MAX_TEXT_LENGTH = 3000;

/** Ids that would collide with the payload's keys when Teams merges input values into the action data. */
export const RESERVED_FIELD_IDS = ['kind', 'id', 'version', 'msteams', 'verb', 'action', 'origin'] as const;

const fieldIdSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, 'field ids start with a letter and use letters, digits, _ . -')
  .refine((id) => !(RESERVED_FIELD_IDS as readonly string[]).includes(id), 'this field id is reserved');

const choiceOptionSchema = z.object({
  // Slack sends option values back verbatim and caps them at 150 characters; Teams joins a multi-select's
  // values with commas, so a comma inside one would split it.
  value: z
    .string()
    .min(1)
    .max(150)
    .refine((value) => !value.includes(','), 'option values cannot contain commas'),
  label: z.string().min(1),
  description: z.string().min(1).optional(),
});

const isoDateSchema = z.iso.date();

const fieldBaseShape = {
  id: fieldIdSchema,
  label: z.string().min(1),
  hint: z.string().min(1).optional(),
  optional: z.boolean().default(false),
};

export const fieldSchema = z.discriminatedUnion('type', [
  z.object({
    ...fieldBaseShape,
    type: z.literal('choice'),
    multiple: z.boolean().default(false),
    source: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('options'), options: z.array(choiceOptionSchema).min(1) }),
      z.object({
        kind: z.literal('groups'),
        groups: z.array(z.object({ label: z.string().min(1), options: z.array(choiceOptionSchema).min(1) })).min(1),
      }),
      z.object({ kind: z.literal('people') }),
    ]),
    placeholder: z.string().min(1).optional(),
    initial: z.array(z.string().min(1)).optional(),
  }),
  z.object({
    ...fieldBaseShape,
    type: z.literal('level_picker'),
    allowNotObserved: z.boolean().default(false),
    descriptors: z.partialRecord(observedRatingSchema, z.string().min(1)).optional(),
    initial: observedRatingSchema.optional(),
  }),
  z.object({
    ...fieldBaseShape,
    type: z.literal('text_area'),
    maxLength: z.number().int().positive().max(MAX_TEXT_LENGTH).optional(),
    placeholder: z.string().min(1).optional(),
    initial: z.string().optional(),
  }),
  z.object({
    ...fieldBaseShape,
    type: z.literal('text_input'),
    maxLength: z.number().int().positive().max(MAX_TEXT_LENGTH).optional(),
    placeholder: z.string().min(1).optional(),
    initial: z.string().optional(),
  }),
  z.object({
    type: z.literal('checkbox'),
    id: fieldIdSchema,
    label: z.string().min(1),
    text: z.string().min(1),
    hint: z.string().min(1).optional(),
    initial: z.boolean().optional(),
  }),
  z.object({ ...fieldBaseShape, type: z.literal('date'), initial: isoDateSchema.optional() }),
]);

export const formSchema = z
  .object({
    title: z.string().min(1),
    submitLabel: z.string().min(1),
    closeLabel: z.string().min(1).optional(),
    intro: z.string().min(1).optional(),
    fields: z.array(fieldSchema).min(1),
    payload: payloadSchema,
    submitActionId: actionIdSchema.optional(),
  })
  .superRefine((form, ctx) => {
    const seen = new Set<string>();
    form.fields.forEach((field, index) => {
      if (seen.has(field.id)) {
        ctx.addIssue({ code: 'custom', path: ['fields', index, 'id'], message: `duplicate field id "${field.id}"` });
      }
      seen.add(field.id);
      if (field.type !== 'choice' || field.source.kind === 'people') return;
      const values =
        field.source.kind === 'options'
          ? field.source.options.map((option) => option.value)
          : field.source.groups.flatMap((group) => group.options.map((option) => option.value));
      // A submitted value must name exactly one option.
      if (new Set(values).size !== values.length) {
        ctx.addIssue({ code: 'custom', path: ['fields', index, 'source'], message: `duplicate option values in "${field.id}"` });
      }
    });
  });

/** Validates a message read back from storage (the outbox keeps it as JSON). */
export function parseMessage(value: unknown): Message {
  return messageSchema.parse(value) as Message;
}

/** Validates a form definition; builders already produce valid forms, stored ones are checked here. */
export function parseForm(value: unknown): Form {
  return formSchema.parse(value) as Form;
}

// ---------------------------------------------------------------------------------------------------------------
// Values read back from a submitted form
// ---------------------------------------------------------------------------------------------------------------

type MaybeNull<F, V> = F extends { optional: true } ? V | null : F extends { optional: false } ? V : V | null;

/** The typed value one field yields after a submission. */
export type FieldValue<F extends Field> = F extends ChoiceField
  ? F extends { multiple: true }
    ? string[]
    : F extends { multiple: false }
      ? MaybeNull<F, string>
      : string[] | MaybeNull<F, string>
  : F extends LevelPickerField
    ? MaybeNull<F, F extends { allowNotObserved: true } ? ObservedRating : F extends { allowNotObserved: false } ? MilestoneRating : ObservedRating>
    : F extends TextAreaField | TextInputField | DateField
      ? MaybeNull<F, string>
      : F extends CheckboxField
        ? boolean
        : never;

/** A submitted form's values keyed by field id, typed from the form's fields. */
export type FormValues<Fields extends readonly Field[]> = {
  [F in Fields[number] as F['id']]: FieldValue<F>;
};

// ---------------------------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------------------------

type BlockInput = Block | readonly BlockInput[] | false | null | undefined;

function flattenBlocks(inputs: readonly BlockInput[]): Block[] {
  const out: Block[] = [];
  for (const input of inputs) {
    if (!input) continue;
    if (Array.isArray(input)) out.push(...flattenBlocks(input));
    else out.push(input as Block);
  }
  return out;
}

/** A message; blocks may be nested arrays or false/null so use cases can add sections conditionally. */
export function message(text: string, ...blocks: BlockInput[]): Message {
  return { text, blocks: flattenBlocks(blocks) };
}

/** A one-sentence message (a refusal, a confirmation): the sentence is both its fallback text and its paragraph. */
export function notice(text: string): Message {
  return message(text, paragraph(text));
}

/** A payload for a button or form; version defaults to 1. */
export function payload<const Kind extends string>(kind: Kind, id: string, version = 1): Payload<Kind> {
  return { kind, id, version };
}

export function header(text: string): HeaderBlock {
  return { type: 'header', text };
}

export function paragraph(text: string, options: { button?: Button } = {}): ParagraphBlock {
  return options.button ? { type: 'paragraph', text, button: options.button } : { type: 'paragraph', text };
}

/** Label/value pairs, e.g. fields(['Rotation', 'Cardiology'], ['Dates', 'Mar 3 – Mar 30']). */
export function fields(...pairs: ReadonlyArray<readonly [label: string, value: string]>): FieldsBlock {
  return { type: 'fields', fields: pairs.map(([label, value]) => ({ label, value })) };
}

export function levelGrid(input: { title?: string; series: LevelSeries[]; rows: LevelRow[] }): LevelGridBlock {
  return { type: 'level_grid', ...input };
}

export function chart(input: { trend: TrendChartData; altText: string; title?: string }): ChartBlock {
  return { type: 'chart', ...input };
}

export function context(text: string): ContextBlock {
  return { type: 'context', text };
}

export function divider(): DividerBlock {
  return { type: 'divider' };
}

export function actions(...buttons: Button[]): ActionsBlock {
  return { type: 'actions', buttons };
}

export function button(label: string, actionId: string, p: Payload, style: ButtonStyle = 'default'): Button {
  return { label, style, actionId, payload: p };
}

/** A form; `const` keeps field ids literal so readFormValues returns a precisely typed record. */
export function form<const Fields extends readonly Field[]>(input: {
  title: string;
  submitLabel: string;
  closeLabel?: string;
  intro?: string;
  fields: Fields;
  payload: Payload;
  submitActionId?: string;
}): Form<Fields> {
  return { ...input };
}

// Flags are read from the argument's own type: when a builder call sits inside form({ fields: [...] }), TypeScript
// would otherwise infer them from the contextual `Field` type and widen every flag to boolean.
type Flag<I, K extends string> = K extends keyof I
  ? I[K] extends true
    ? true
    : I[K] extends false | undefined
      ? false
      : boolean
  : false;

interface InputBase {
  id: string;
  label: string;
  hint?: string;
  optional?: boolean;
}

interface ChoiceInput extends InputBase {
  multiple?: boolean;
  placeholder?: string;
  initial?: readonly string[];
}

function baseOf(input: InputBase) {
  return {
    id: input.id,
    label: input.label,
    ...(input.hint !== undefined && { hint: input.hint }),
    optional: input.optional ?? false,
  };
}

function choiceOf(input: ChoiceInput, source: ChoiceSource): ChoiceField {
  return {
    type: 'choice',
    ...baseOf(input),
    multiple: input.multiple ?? false,
    source,
    ...(input.placeholder !== undefined && { placeholder: input.placeholder }),
    ...(input.initial !== undefined && { initial: [...input.initial] }),
  };
}

function copyOption(option: ChoiceOption): ChoiceOption {
  return { ...option };
}

/** Pick from a static list (`options`) or from grouped lists (`groups`). */
export function choice<
  const I extends ChoiceInput & ({ options: readonly ChoiceOption[] } | { groups: readonly { label: string; options: readonly ChoiceOption[] }[] }),
>(input: I): ChoiceField<I['id'], Flag<I, 'optional'>, Flag<I, 'multiple'>> {
  const source: ChoiceSource =
    'options' in input
      ? { kind: 'options', options: input.options.map(copyOption) }
      : { kind: 'groups', groups: input.groups.map((g) => ({ label: g.label, options: g.options.map(copyOption) })) };
  return choiceOf(input, source) as ChoiceField<I['id'], Flag<I, 'optional'>, Flag<I, 'multiple'>>;
}

/** Pick one or several people of the workspace; values are platform user ids for the Directory to resolve. */
export function peoplePicker<const I extends ChoiceInput>(
  input: I,
): ChoiceField<I['id'], Flag<I, 'optional'>, Flag<I, 'multiple'>> {
  return choiceOf(input, { kind: 'people' }) as ChoiceField<I['id'], Flag<I, 'optional'>, Flag<I, 'multiple'>>;
}

interface LevelPickerInput extends InputBase {
  allowNotObserved?: boolean;
  descriptors?: LevelDescriptors;
  initial?: ObservedRating;
}

/** The milestone scale; descriptors (keyed by rating) are shown beside the levels as hints. */
export function levelPicker<const I extends LevelPickerInput>(
  input: I,
): LevelPickerField<I['id'], Flag<I, 'optional'>, Flag<I, 'allowNotObserved'>> {
  const field: LevelPickerField = {
    type: 'level_picker',
    ...baseOf(input),
    allowNotObserved: input.allowNotObserved ?? false,
    ...(input.descriptors !== undefined && { descriptors: { ...input.descriptors } }),
    ...(input.initial !== undefined && { initial: input.initial }),
  };
  return field as LevelPickerField<I['id'], Flag<I, 'optional'>, Flag<I, 'allowNotObserved'>>;
}

interface TextFieldInput extends InputBase {
  maxLength?: number;
  placeholder?: string;
  initial?: string;
}

function textOf(input: TextFieldInput) {
  return {
    ...baseOf(input),
    ...(input.maxLength !== undefined && { maxLength: input.maxLength }),
    ...(input.placeholder !== undefined && { placeholder: input.placeholder }),
    ...(input.initial !== undefined && { initial: input.initial }),
  };
}

export function textArea<const I extends TextFieldInput>(input: I): TextAreaField<I['id'], Flag<I, 'optional'>> {
  return { type: 'text_area', ...textOf(input) } as TextAreaField<I['id'], Flag<I, 'optional'>>;
}

export function textInput<const I extends TextFieldInput>(input: I): TextInputField<I['id'], Flag<I, 'optional'>> {
  return { type: 'text_input', ...textOf(input) } as TextInputField<I['id'], Flag<I, 'optional'>>;
}

export function checkbox<const I extends { id: string; label: string; text: string; hint?: string; initial?: boolean }>(
  input: I,
): CheckboxField<I['id']> {
  return {
    type: 'checkbox',
    id: input.id,
    label: input.label,
    text: input.text,
    ...(input.hint !== undefined && { hint: input.hint }),
    ...(input.initial !== undefined && { initial: input.initial }),
  };
}

export function datePicker<const I extends InputBase & { initial?: string }>(input: I): DateField<I['id'], Flag<I, 'optional'>> {
  const field: DateField = {
    type: 'date',
    ...baseOf(input),
    ...(input.initial !== undefined && { initial: input.initial }),
  };
  return field as DateField<I['id'], Flag<I, 'optional'>>;
}

// ---------------------------------------------------------------------------------------------------------------
// The rating scale as a picker shows it
// ---------------------------------------------------------------------------------------------------------------

/** The values a level picker offers, in the order shown. */
export function levelPickerValues(field: Pick<LevelPickerField, 'allowNotObserved'>): ObservedRating[] {
  return field.allowNotObserved ? [...MILESTONE_RATINGS, NOT_OBSERVED] : [...MILESTONE_RATINGS];
}
