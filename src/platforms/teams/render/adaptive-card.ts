/**
 * The Teams renderer, both directions: model → Adaptive Card 1.5 (messages and forms), and card submission data →
 * typed values, so handlers never read or write card JSON themselves.
 */
import type {
  CardElementArray,
  IActionSet,
  IAdaptiveCard,
  IChoice,
  IChoiceSetInput,
  IExecuteAction,
  IFactSet,
  ISubmitAction,
  ITextBlock,
} from '@microsoft/teams.cards';
import { ratingLabel } from '../../../domain/rating.ts';
import { type RawFieldValue, requiredMessage, validateFormValues } from '../../../messages/form-values.ts';
import { LEVEL_DOTS_LEGEND, levelRowLine } from '../../../messages/level-dots.ts';
import { type MarkdownDialect, renderMarkdown } from '../../../messages/markdown.ts';
import {
  type Block,
  type Button,
  type ChoiceField,
  type Field,
  type Form,
  type FormValues,
  formSchema,
  levelPickerValues,
  type Message,
  messageSchema,
  parsePayload,
} from '../../../messages/model.ts';
import { chunk, truncateLabel, truncateText } from '../../../messages/text.ts';

/** One element of a card body. */
export type CardElement = CardElementArray[number];

/** An Adaptive Card as sent to Teams (attachment content type application/vnd.microsoft.card.adaptive). */
export type AdaptiveCard = IAdaptiveCard & { version: '1.5' };

/** The limits this renderer keeps to. Teams documents few hard ones besides the 28 KB message size. */
export const TEAMS_LIMITS = {
  // Teams rejects activities over ~28 KB; the rest is left for the activity envelope around the card.
  cardBytes: 26_000,
  // Teams shows at most six buttons per action set before cutting them off.
  actionsPerSet: 6,
  // Long enough for any narrative, short enough that one text never fills a card on its own.
  text: 5000,
  factValue: 2000,
  factsPerSet: 10,
  choiceTitle: 300,
  buttonTitle: 75,
} as const;

const SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';

// ---------------------------------------------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------------------------------------------

/** Adaptive Card markdown: **bold**, _italic_, [text](url), "- " lists; a lone newline does not break a line. */
export const cardMarkdownDialect: MarkdownDialect = {
  text: (text) => text,
  bold: (inner) => `**${inner}**`,
  italic: (inner) => `_${inner}_`,
  link: (url, text) => `[${text.replace(/[[\]]/g, '')}](${url.replace(/\)/g, '%29')})`,
  bullet: (line) => `- ${line}`,
  joinLines: (lines, rendered) =>
    rendered.reduce((out, line, index) => {
      if (index === 0) return line;
      const listContinues = lines[index - 1]?.bullet && lines[index]?.bullet;
      return `${out}${listContinues ? '\n' : '\n\n'}${line}`;
    }, ''),
};

function fitMarkdown(markdown: string, max: number = TEAMS_LIMITS.text): string {
  return truncateText(renderMarkdown(markdown, cardMarkdownDialect), max, {
    // Never leave half a [text](url) behind.
    adjustCut: (text, cut) => {
      const open = text.lastIndexOf('[', cut - 1);
      return open > text.lastIndexOf(')', cut - 1) ? open : cut;
    },
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------------------------

function textBlock(text: string, extra: Partial<Omit<ITextBlock, 'type' | 'text'>> = {}): ITextBlock {
  return { type: 'TextBlock', text, wrap: true, ...extra };
}

function executeAction(button: Button): IExecuteAction {
  return {
    type: 'Action.Execute',
    title: truncateLabel(button.label, TEAMS_LIMITS.buttonTitle),
    verb: button.actionId,
    data: { ...parsePayload(button.payload) },
    ...(button.style === 'primary' && { style: 'positive' }),
    ...(button.style === 'danger' && { style: 'destructive' }),
  };
}

function renderBlock(block: Block): CardElement[] {
  switch (block.type) {
    case 'header':
      return [textBlock(block.text, { size: 'Large', weight: 'Bolder', style: 'heading' })];
    case 'paragraph': {
      const text = textBlock(fitMarkdown(block.text));
      if (!block.button) return [text];
      return [
        {
          type: 'ColumnSet',
          columns: [
            { type: 'Column', width: 'stretch', verticalContentAlignment: 'Center', items: [text] },
            {
              type: 'Column',
              width: 'auto',
              verticalContentAlignment: 'Center',
              items: [{ type: 'ActionSet', actions: [executeAction(block.button)] }],
            },
          ],
        },
      ];
    }
    case 'fields':
      return chunk(block.fields, TEAMS_LIMITS.factsPerSet).map(
        (pairs): IFactSet => ({
          type: 'FactSet',
          facts: pairs.map((pair) => ({ title: pair.label, value: fitMarkdown(pair.value, TEAMS_LIMITS.factValue) })),
        }),
      );
    case 'level_grid':
      return [
        ...(block.title ? [textBlock(block.title, { weight: 'Bolder' })] : []),
        ...chunk(block.rows, TEAMS_LIMITS.factsPerSet).map(
          (rows): IFactSet => ({
            type: 'FactSet',
            facts: rows.map((row) => ({ title: `${row.code} ${row.name}`, value: levelRowLine(block, row) })),
          }),
        ),
        textBlock(LEVEL_DOTS_LEGEND, { size: 'Small', isSubtle: true }),
      ];
    case 'chart':
      // The picture is attached by the sender (it is drawn from the data at send time); the card keeps the words.
      return [
        ...(block.title ? [textBlock(block.title, { weight: 'Bolder', size: 'Small' })] : []),
        textBlock(fitMarkdown(block.altText), { size: 'Small', isSubtle: true }),
      ];
    case 'context':
      return [textBlock(fitMarkdown(block.text), { size: 'Small', isSubtle: true })];
    case 'divider':
      return [];
    case 'actions':
      return chunk(block.buttons, TEAMS_LIMITS.actionsPerSet).map(
        (row): IActionSet => ({ type: 'ActionSet', actions: row.map(executeAction) }),
      );
  }
}

/** Model blocks as card elements; a divider becomes a separator line above whatever follows it. */
export function renderCardElements(blocks: readonly Block[]): CardElement[] {
  const out: CardElement[] = [];
  let separate = false;
  for (const block of blocks) {
    if (block.type === 'divider') {
      separate = out.length > 0;
      continue;
    }
    const elements = renderBlock(block);
    const first = elements[0];
    if (separate && first) elements[0] = { ...first, separator: true, spacing: 'Medium' };
    if (elements.length > 0) separate = false;
    out.push(...elements);
  }
  return out;
}

function card(body: CardElement[], fallbackText: string, actions?: IAdaptiveCard['actions']): AdaptiveCard {
  return {
    type: 'AdaptiveCard',
    $schema: SCHEMA,
    version: '1.5',
    fallbackText,
    body,
    ...(actions && actions.length > 0 && { actions }),
  };
}

function byteSize(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/** Packs elements into as few cards as fit the size budget, keeping their order. */
function packCards(elements: readonly CardElement[], fallbackText: string): AdaptiveCard[] {
  const cards: AdaptiveCard[] = [];
  let current: CardElement[] = [];
  let size = byteSize(card([], fallbackText));
  for (const element of elements) {
    // +1 for the comma between array items.
    const elementSize = byteSize(element) + 1;
    if (current.length > 0 && size + elementSize > TEAMS_LIMITS.cardBytes) {
      cards.push(card(current, fallbackText));
      current = [];
      size = byteSize(card([], fallbackText));
    }
    // A separator at the top of a new card draws a stray line.
    current.push(current.length === 0 && 'separator' in element ? { ...element, separator: false } : element);
    size += elementSize;
  }
  if (current.length > 0 || cards.length === 0) cards.push(card(current, fallbackText));
  return cards;
}

/**
 * A message as one or more Adaptive Cards, each under Teams' size limit, in order. Use this wherever several
 * activities can be sent (the delivery worker).
 */
export function renderMessageCards(message: Message): AdaptiveCard[] {
  messageSchema.parse(message);
  return packCards(renderCardElements(message.blocks), message.text);
}

/**
 * A message as exactly one card (updating a card in place, invoke responses). If it would be too large, the tail
 * is replaced by a note saying how much is not shown.
 */
export function renderMessageCard(message: Message): AdaptiveCard {
  messageSchema.parse(message);
  const elements = renderCardElements(message.blocks);
  const cards = packCards(elements, message.text);
  const first = cards[0]!;
  if (cards.length === 1) return first;
  const kept = [...first.body];
  const note = (hidden: number) =>
    textBlock(`…_(Shortened to fit Teams: ${hidden} more sections not shown.)_`, { size: 'Small', isSubtle: true });
  // Make room for the note itself.
  while (kept.length > 1 && byteSize(card([...kept, note(elements.length)], message.text)) > TEAMS_LIMITS.cardBytes) {
    kept.pop();
  }
  return card([...kept, note(elements.length - kept.length)], message.text);
}

// ---------------------------------------------------------------------------------------------------------------
// Forms
// ---------------------------------------------------------------------------------------------------------------

function choiceTitle(label: string, description: string | undefined): string {
  return truncateLabel(description ? `${label} — ${description}` : label, TEAMS_LIMITS.choiceTitle);
}

function staticChoices(field: ChoiceField): IChoice[] {
  switch (field.source.kind) {
    case 'options':
      return field.source.options.map((o) => ({ title: choiceTitle(o.label, o.description), value: o.value }));
    case 'groups':
      // Adaptive Cards have no option groups, so the group names the option.
      return field.source.groups.flatMap((group) =>
        group.options.map((o) => ({ title: choiceTitle(`${group.label}: ${o.label}`, o.description), value: o.value })),
      );
    case 'people':
      return [];
  }
}

function requiredProps(field: Field) {
  const required = field.type !== 'checkbox' && !field.optional;
  return required ? { isRequired: true, errorMessage: requiredMessage(field) } : {};
}

function renderInput(field: Field): CardElement {
  const base = { id: field.id, label: field.label, ...requiredProps(field) };
  switch (field.type) {
    case 'choice': {
      const input: IChoiceSetInput = {
        type: 'Input.ChoiceSet',
        ...base,
        choices: staticChoices(field),
        isMultiSelect: field.multiple,
        style: 'compact',
        wrap: true,
        ...(field.placeholder && { placeholder: field.placeholder }),
        // Teams reads and writes a multi-select's value as comma-separated values.
        ...(field.initial && field.initial.length > 0 && { value: field.initial.join(',') }),
      };
      if (field.source.kind === 'people') {
        input['choices.data'] = { type: 'Data.Query', dataset: 'graph.microsoft.com/users' };
      } else if (!field.multiple && input.choices.length > 10) {
        // Type-ahead filtering keeps long single-choice lists usable.
        input.style = 'filtered';
      }
      return input;
    }
    case 'level_picker':
      return {
        type: 'Input.ChoiceSet',
        ...base,
        style: 'compact',
        wrap: true,
        placeholder: 'Choose a level',
        choices: levelPickerValues(field).map((rating) => ({
          title: choiceTitle(ratingLabel(rating), field.descriptors?.[rating]),
          value: rating,
        })),
        ...(field.initial && { value: field.initial }),
      };
    case 'text_area':
    case 'text_input':
      return {
        type: 'Input.Text',
        ...base,
        isMultiline: field.type === 'text_area',
        ...(field.maxLength && { maxLength: field.maxLength }),
        ...(field.placeholder && { placeholder: field.placeholder }),
        ...(field.initial && { value: field.initial }),
      };
    case 'checkbox':
      return {
        type: 'Input.Toggle',
        ...base,
        title: field.text,
        valueOn: 'true',
        valueOff: 'false',
        wrap: true,
        value: field.initial ? 'true' : 'false',
      };
    case 'date':
      return { type: 'Input.Date', ...base, ...(field.initial && { value: field.initial }) };
  }
}

/** Options for renderFormCard. */
export interface RenderFormCardOptions {
  /**
   * `execute` (default) for a card in the conversation (Action.Execute, an adaptiveCard/action invoke);
   * `submit` for a dialog (task module), where Teams only honours Action.Submit.
   */
  submitAs?: 'execute' | 'submit';
  /**
   * Problems to show in the card, keyed by field id (a refused submission): each under its input, in the attention
   * colour; a problem about no input of the form goes above the inputs.
   */
  errors?: Readonly<Record<string, string>>;
  /** What was submitted (the action data), so a card redrawn with errors keeps everything the person typed. */
  values?: Readonly<Record<string, unknown>>;
}

/** The value an input shows again after a refused submission, as Teams sent it (strings; booleans for toggles). */
function submittedValue(field: Field, value: unknown): string | undefined {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return value.filter((v) => typeof v === 'string').join(',');
  if (typeof value !== 'string' || (value === '' && field.type !== 'checkbox')) return undefined;
  return value;
}

/** A form as an Adaptive Card with inputs; the submit button carries the form's payload as its data. */
export function renderFormCard(form: Form, options: RenderFormCardOptions = {}): AdaptiveCard {
  formSchema.parse(form);
  const data = { ...parsePayload(form.payload) };
  const submit: IExecuteAction | ISubmitAction =
    options.submitAs === 'submit'
      ? { type: 'Action.Submit', title: form.submitLabel, style: 'positive', data }
      : { type: 'Action.Execute', title: form.submitLabel, style: 'positive', verb: form.submitActionId ?? form.payload.kind, data };
  const errors = options.errors ?? {};
  const homeless = Object.entries(errors)
    .filter(([id]) => !form.fields.some((field) => field.id === id))
    .map(([, text]) => text);
  const errorBlock = (text: string) => textBlock(text, { color: 'Attention', size: 'Small', spacing: 'Small' });
  const body: CardElement[] = [
    textBlock(form.title, { size: 'Medium', weight: 'Bolder', style: 'heading' }),
    ...(form.intro ? [textBlock(fitMarkdown(form.intro))] : []),
    ...homeless.map((text) => errorBlock(text)),
    ...form.fields.flatMap((field): CardElement[] => {
      const input = renderInput(field);
      const again = options.values ? submittedValue(field, options.values[field.id]) : undefined;
      const error = errors[field.id];
      return [
        again === undefined ? input : ({ ...input, value: again } as CardElement),
        ...(error ? [errorBlock(error)] : []),
        ...(field.hint ? [textBlock(field.hint, { size: 'Small', isSubtle: true, spacing: 'Small' })] : []),
      ];
    }),
  ];
  const result = card(body, form.title, [submit]);
  // Inputs cannot move to a second card without losing answers, so an oversized form is a bug.
  const size = byteSize(result);
  if (size > TEAMS_LIMITS.cardBytes) throw new Error(`Form "${form.title}" is ${size} bytes as a card; Teams allows about 28 KB`);
  return result;
}

function rawValue(field: Field, value: unknown): RawFieldValue {
  if (field.type === 'checkbox') return typeof value === 'boolean' || typeof value === 'string' ? value : undefined;
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (typeof value !== 'string') return undefined;
  // A multi-select left empty comes back as "", which is no choice at all rather than one empty choice.
  if (field.type === 'choice' && field.multiple) return value === '' ? [] : value.split(',').map((v) => v.trim());
  return value;
}

/**
 * The submitted values of a form's fields as Teams sent them, not yet checked against the form: for a use case that
 * checks them itself and can say more precisely what is wrong (a 360 score off the scale names the scale).
 */
export function readRawCardValues(form: Form, data: Readonly<Record<string, unknown>>): Record<string, RawFieldValue> {
  const raw: Record<string, RawFieldValue> = {};
  for (const field of form.fields) raw[field.id] = rawValue(field, data[field.id]);
  return raw;
}

/**
 * The submitted values of a form, typed by its fields, from the action data Teams sends back (input values merged
 * with the payload). Throws FormValuesError (field id → sentence) when something is missing or invalid. The
 * payload itself comes from `parsePayload(data)`.
 */
export function readCardValues<F extends Form>(form: F, data: Readonly<Record<string, unknown>>): FormValues<F['fields']> {
  return validateFormValues(form, readRawCardValues(form, data));
}
