/**
 * The Slack renderer, both directions: model → Block Kit (messages and modals), and Slack payloads → typed values
 * (view state, button values), so listeners never read or write Block Kit JSON themselves.
 */
import type { ViewStateValue, types as SlackTypes } from '@slack/bolt';
import { z } from 'zod';
import { ratingLabel } from '../../../domain/rating.ts';
import { validateFormValues, type RawFieldValue } from '../../../messages/form-values.ts';
import { LEVEL_DOTS_LEGEND, levelRowLine } from '../../../messages/level-dots.ts';
import {
  type Block,
  type Button,
  type ChoiceField,
  type ChoiceOption,
  encodePayload,
  type Field,
  type Form,
  type FormValues,
  formSchema,
  type LevelGridBlock,
  levelPickerValues,
  type Message,
  messageSchema,
  type Payload,
  parsePayloadJson,
  payloadSchema,
} from '../../../messages/model.ts';
import { chunk, truncateLabel } from '../../../messages/text.ts';
import { escapeMrkdwn, fitMrkdwn, fitRenderedMrkdwn } from './mrkdwn.ts';

type KnownBlock = SlackTypes.KnownBlock;
type PlainTextOption = SlackTypes.PlainTextOption;
type SlackButton = SlackTypes.Button;
type InputBlockElement = SlackTypes.InputBlockElement;

/** Slack's documented limits that the renderer enforces (characters, unless a count). */
export const SLACK_LIMITS = {
  messageBlocks: 50,
  modalBlocks: 100,
  homeBlocks: 100,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  contextText: 3000,
  headerText: 150,
  buttonText: 75,
  buttonValue: 2000,
  actionsElements: 25,
  actionId: 255,
  optionText: 75,
  optionDescription: 75,
  optionValue: 150,
  optionGroupLabel: 75,
  selectOptions: 100,
  selectOptionGroups: 100,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
  callbackId: 255,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  plainTextInput: 3000,
  imageUrl: 3000,
  imageAltText: 2000,
  imageTitle: 2000,
  // The API accepts far more, but Slack advises keeping the notification text short.
  fallbackText: 4000,
} as const;

/** A chat.postMessage / chat.update body without the channel. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

const plain = (text: string): SlackTypes.PlainTextElement => ({ type: 'plain_text', text });
const mrkdwn = (text: string): SlackTypes.MrkdwnElement => ({ type: 'mrkdwn', text });

// ---------------------------------------------------------------------------------------------------------------
// Buttons and action ids
// ---------------------------------------------------------------------------------------------------------------

// Slack rejects a block whose elements share an action_id, yet one row can hold the same action for several
// residents; later copies get "~2", "~3", which the model's action ids cannot contain.
const ACTION_ID_SUFFIX = /~\d+$/;

function renderButton(button: Button, actionId: string = button.actionId): SlackButton {
  const value = encodePayload(button.payload);
  if (value.length > SLACK_LIMITS.buttonValue) throw new Error(`Button payload too long for Slack (${value.length})`);
  if (actionId.length > SLACK_LIMITS.actionId) throw new Error(`Action id too long for Slack: ${actionId}`);
  return {
    type: 'button',
    text: plain(truncateLabel(button.label, SLACK_LIMITS.buttonText)),
    action_id: actionId,
    value,
    ...(button.style !== 'default' && { style: button.style }),
  };
}

function renderButtonRow(buttons: readonly Button[]): SlackButton[] {
  const seen = new Map<string, number>();
  return buttons.map((button) => {
    const count = (seen.get(button.actionId) ?? 0) + 1;
    seen.set(button.actionId, count);
    return renderButton(button, count === 1 ? button.actionId : `${button.actionId}~${count}`);
  });
}

/** Matches the action_id(s) a model action id is rendered as, for `app.action(...)`. */
export function slackActionIdPattern(actionId: string): RegExp {
  return new RegExp(`^${actionId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:~\\d+)?$`);
}

/** A clicked button from a block_actions payload, back in model terms; throws if the payload is not ours. */
export function readButtonAction(action: { action_id: string; value?: string | undefined }): {
  actionId: string;
  payload: Payload;
} {
  if (action.value === undefined) throw new Error(`Button ${action.action_id} carries no payload`);
  return { actionId: action.action_id.replace(ACTION_ID_SUFFIX, ''), payload: parsePayloadJson(action.value) };
}

// ---------------------------------------------------------------------------------------------------------------
// Message blocks
// ---------------------------------------------------------------------------------------------------------------

function renderLevelGrid(grid: LevelGridBlock): KnownBlock[] {
  const rows = grid.rows.map((row) =>
    fitRenderedMrkdwn(
      `*${escapeMrkdwn(row.code)}* ${escapeMrkdwn(row.name)}\n${escapeMrkdwn(levelRowLine(grid, row))}`,
      SLACK_LIMITS.sectionText,
    ),
  );
  const sections: string[] = [];
  let current = grid.title ? `*${escapeMrkdwn(truncateLabel(grid.title, 300))}*` : '';
  for (const row of rows) {
    const next = current ? `${current}\n${row}` : row;
    // A row never straddles two sections, so each section reads on its own.
    if (next.length > SLACK_LIMITS.sectionText && current) {
      sections.push(current);
      current = row;
    } else {
      current = next;
    }
  }
  if (current) sections.push(current);
  return [
    ...sections.map((text): KnownBlock => ({ type: 'section', text: mrkdwn(text) })),
    { type: 'context', elements: [mrkdwn(escapeMrkdwn(LEVEL_DOTS_LEGEND))] },
  ];
}

function renderBlock(block: Block): KnownBlock[] {
  switch (block.type) {
    case 'header':
      return [{ type: 'header', text: plain(truncateLabel(block.text, SLACK_LIMITS.headerText)) }];
    case 'paragraph':
      return [
        {
          type: 'section',
          text: mrkdwn(fitMrkdwn(block.text, SLACK_LIMITS.sectionText)),
          ...(block.button && { accessory: renderButton(block.button) }),
        },
      ];
    case 'fields':
      return chunk(block.fields, SLACK_LIMITS.sectionFields).map((pairs) => ({
        type: 'section',
        fields: pairs.map((pair) => {
          const label = `*${escapeMrkdwn(truncateLabel(pair.label, 200))}*\n`;
          return mrkdwn(`${label}${fitMrkdwn(pair.value, SLACK_LIMITS.sectionFieldText - label.length)}`);
        }),
      }));
    case 'level_grid':
      return renderLevelGrid(block);
    case 'chart': {
      // Slack shows images only from uploaded files: the sender uploads the chart's PNG next to the message. The
      // message itself carries the chart's words, so it reads the same where the image is not shown.
      const line = `${block.title ? `*${escapeMrkdwn(block.title)}:* ` : ''}${escapeMrkdwn(block.altText)}`;
      return [{ type: 'context', elements: [mrkdwn(fitMrkdwn(line, SLACK_LIMITS.contextText))] }];
    }
    case 'context':
      return [{ type: 'context', elements: [mrkdwn(fitMrkdwn(block.text, SLACK_LIMITS.contextText))] }];
    case 'divider':
      return [{ type: 'divider' }];
    case 'actions':
      return chunk(block.buttons, SLACK_LIMITS.actionsElements).map((row) => ({
        type: 'actions',
        elements: renderButtonRow(row),
      }));
  }
}

/** Model blocks as Block Kit blocks, before any splitting into messages. */
export function renderBlocks(blocks: readonly Block[]): KnownBlock[] {
  return blocks.flatMap(renderBlock);
}

function fallbackText(message: Message): string {
  return escapeMrkdwn(truncateLabel(message.text, SLACK_LIMITS.fallbackText));
}

/** Splits blocks into runs of at most `max`, never leaving a header or divider dangling at the end of a run. */
function splitBlocks(blocks: readonly KnownBlock[], max: number): KnownBlock[][] {
  const parts: KnownBlock[][] = [];
  let current: KnownBlock[] = [];
  for (const block of blocks) {
    if (current.length === max) {
      const carried: KnownBlock[] = [];
      while (current.length > 1 && (current.at(-1)?.type === 'header' || current.at(-1)?.type === 'divider')) {
        carried.unshift(current.pop()!);
      }
      parts.push(current);
      current = carried.filter((b, i) => !(i === 0 && b.type === 'divider'));
    }
    current.push(block);
  }
  if (current.length > 0 || parts.length === 0) parts.push(current);
  return parts;
}

/**
 * A message as one or more Slack messages of at most 50 blocks each, in order. Later parts say "(part 2 of 3)" in
 * their notification text. Use this wherever several messages can be posted (the delivery worker).
 */
export function renderMessages(message: Message): SlackMessage[] {
  messageSchema.parse(message);
  const parts = splitBlocks(renderBlocks(message.blocks), SLACK_LIMITS.messageBlocks);
  const text = fallbackText(message);
  return parts.map((blocks, index) => ({
    text: parts.length === 1 || index === 0 ? text : `${text} (part ${index + 1} of ${parts.length})`,
    blocks,
  }));
}

/**
 * A message as exactly one Slack message, for surfaces that take one (chat.update, ephemeral replies). Beyond 50
 * blocks the tail is replaced by a note saying how much is not shown.
 */
export function renderMessage(message: Message): SlackMessage {
  messageSchema.parse(message);
  return { text: fallbackText(message), blocks: fitBlocks(renderBlocks(message.blocks), SLACK_LIMITS.messageBlocks) };
}

/** Keeps at most `max` blocks; beyond that the tail is replaced by a note saying how much is not shown. */
function fitBlocks(blocks: KnownBlock[], max: number): KnownBlock[] {
  if (blocks.length <= max) return blocks;
  const kept = blocks.slice(0, max - 1);
  const hidden = blocks.length - kept.length;
  return [...kept, { type: 'context', elements: [mrkdwn(`…_(Shortened to fit Slack: ${hidden} more blocks not shown.)_`)] }];
}

/**
 * A message as an App Home tab (views.publish). A Home holds 100 blocks, twice a message's, so a dashboard fits
 * whole; beyond that the tail gives way to a note, as in renderMessage.
 */
export function renderHome(message: Message): SlackTypes.HomeView {
  messageSchema.parse(message);
  return { type: 'home', blocks: fitBlocks(renderBlocks(message.blocks), SLACK_LIMITS.homeBlocks) };
}

// ---------------------------------------------------------------------------------------------------------------
// Forms (modals)
// ---------------------------------------------------------------------------------------------------------------

function renderOption(option: ChoiceOption): PlainTextOption {
  return {
    text: plain(truncateLabel(option.label, SLACK_LIMITS.optionText)),
    value: option.value,
    ...(option.description && { description: plain(truncateLabel(option.description, SLACK_LIMITS.optionDescription)) }),
  };
}

type OptionGroup = { label: SlackTypes.PlainTextElement; options: PlainTextOption[] };

/** Fits a static list into one select: plain options up to 100, otherwise groups of at most 100 each. */
function renderOptionSource(field: ChoiceField): { options: PlainTextOption[] } | { option_groups: OptionGroup[] } {
  const group = (label: string, options: readonly ChoiceOption[]): OptionGroup[] => {
    const runs = chunk(options, SLACK_LIMITS.selectOptions);
    return runs.map((run) => ({
      label: plain(
        truncateLabel(runs.length === 1 ? label : `${label} (${run[0]!.label} – ${run.at(-1)!.label})`, SLACK_LIMITS.optionGroupLabel),
      ),
      options: run.map(renderOption),
    }));
  };
  let groups: OptionGroup[];
  if (field.source.kind === 'options') {
    const options = field.source.options;
    if (options.length <= SLACK_LIMITS.selectOptions) return { options: options.map(renderOption) };
    // Alphabetical runs labelled by their first and last option read like the index tabs of a binder.
    groups = chunk(options, SLACK_LIMITS.selectOptions).map((run) => ({
      label: plain(truncateLabel(`${run[0]!.label} – ${run.at(-1)!.label}`, SLACK_LIMITS.optionGroupLabel)),
      options: run.map(renderOption),
    }));
  } else if (field.source.kind === 'groups') {
    groups = field.source.groups.flatMap((g) => group(g.label, g.options));
  } else {
    throw new Error('People pickers have no static options');
  }
  if (groups.length > SLACK_LIMITS.selectOptionGroups) {
    throw new Error(`Choice "${field.id}" has too many options for one Slack menu (${groups.length} groups of 100)`);
  }
  return { option_groups: groups };
}

function findOptions(rendered: { options: PlainTextOption[] } | { option_groups: OptionGroup[] }, values: readonly string[]) {
  const all = 'options' in rendered ? rendered.options : rendered.option_groups.flatMap((g) => g.options);
  // Slack requires initial options to be identical to entries of the list.
  return values.map((value) => all.find((option) => option.value === value)).filter((o) => o !== undefined);
}

function placeholder(text: string | undefined) {
  return text ? { placeholder: plain(truncateLabel(text, SLACK_LIMITS.placeholder)) } : {};
}

function renderInputElement(field: Field): InputBlockElement {
  const action_id = field.id;
  switch (field.type) {
    case 'choice': {
      if (field.source.kind === 'people') {
        return field.multiple
          ? { type: 'multi_users_select', action_id, ...placeholder(field.placeholder), ...(field.initial && { initial_users: field.initial }) }
          : { type: 'users_select', action_id, ...placeholder(field.placeholder), ...(field.initial?.[0] && { initial_user: field.initial[0] }) };
      }
      const source = renderOptionSource(field);
      const initial = findOptions(source, field.initial ?? []);
      return field.multiple
        ? { type: 'multi_static_select', action_id, ...source, ...placeholder(field.placeholder), ...(initial.length > 0 && { initial_options: initial }) }
        : { type: 'static_select', action_id, ...source, ...placeholder(field.placeholder), ...(initial[0] && { initial_option: initial[0] }) };
    }
    case 'level_picker': {
      const options = levelPickerValues(field).map((rating) =>
        renderOption({
          value: rating,
          label: ratingLabel(rating),
          ...(field.descriptors?.[rating] && { description: field.descriptors[rating] }),
        }),
      );
      const initial = options.find((option) => option.value === field.initial);
      return {
        type: 'static_select',
        action_id,
        options,
        placeholder: plain('Choose a level'),
        ...(initial && { initial_option: initial }),
      };
    }
    case 'text_area':
    case 'text_input':
      return {
        type: 'plain_text_input',
        action_id,
        multiline: field.type === 'text_area',
        ...(field.maxLength && { max_length: Math.min(field.maxLength, SLACK_LIMITS.plainTextInput) }),
        ...placeholder(field.placeholder),
        ...(field.initial && { initial_value: field.initial }),
      };
    case 'checkbox': {
      const option: PlainTextOption = { text: plain(truncateLabel(field.text, SLACK_LIMITS.optionText)), value: 'true' };
      return { type: 'checkboxes', action_id, options: [option], ...(field.initial && { initial_options: [option] }) };
    }
    case 'date':
      return { type: 'datepicker', action_id, ...(field.initial && { initial_date: field.initial }) };
  }
}

function renderInput(field: Field): KnownBlock {
  return {
    type: 'input',
    block_id: field.id,
    label: plain(truncateLabel(field.label, SLACK_LIMITS.inputLabel)),
    element: renderInputElement(field),
    // An unticked single checkbox is an answer ("no"), so Slack must not demand a tick.
    optional: field.type === 'checkbox' ? true : field.optional,
    ...(field.hint && { hint: plain(truncateLabel(field.hint, SLACK_LIMITS.inputHint)) }),
  };
}

const viewMetadataSchema = z.object({ p: payloadSchema, m: z.string().optional() });

/** Packs the form's payload (and the adapter's own note, e.g. where to reply) into a view's private_metadata. */
export function encodeViewMetadata(p: Payload, privateMetadata?: string): string {
  const json = JSON.stringify({ p: JSON.parse(encodePayload(p)), ...(privateMetadata !== undefined && { m: privateMetadata }) });
  if (json.length > SLACK_LIMITS.privateMetadata) throw new Error(`private_metadata too long for Slack (${json.length})`);
  return json;
}

/** The form's payload and the adapter's note from a submitted view's private_metadata, validated. */
export function readViewMetadata(privateMetadata: string): { payload: Payload; privateMetadata?: string } {
  let value: unknown;
  try {
    value = JSON.parse(privateMetadata);
  } catch (cause) {
    throw new Error('The view metadata is not valid JSON.', { cause });
  }
  const parsed = viewMetadataSchema.parse(value);
  return parsed.m === undefined ? { payload: parsed.p } : { payload: parsed.p, privateMetadata: parsed.m };
}

/** Options for renderForm: callbackId defaults to the form's submitActionId, then its payload kind. */
export interface RenderFormOptions {
  callbackId?: string;
  privateMetadata?: string;
}

/**
 * Slack cuts option descriptions at 75 characters, mid-sentence; the descriptors are what faculty pick a level by,
 * so each one also appears in full in a small-print block under its picker.
 */
function levelDescriptorContext(field: Field): KnownBlock[] {
  if (field.type !== 'level_picker' || !field.descriptors) return [];
  const lines = levelPickerValues(field)
    .filter((rating) => field.descriptors?.[rating])
    .map((rating) => ({ type: 'mrkdwn' as const, text: fitMrkdwn(`*${ratingLabel(rating)}:* ${field.descriptors![rating]}`, SLACK_LIMITS.sectionText) }));
  if (lines.length === 0) return [];
  return [{ type: 'context', elements: lines.slice(0, 10) }];
}

/** A form as a Slack modal view (views.open / views.update / views.push). */
export function renderForm(form: Form, options: RenderFormOptions = {}): SlackTypes.ModalView {
  formSchema.parse(form);
  const callbackId = options.callbackId ?? form.submitActionId ?? form.payload.kind;
  if (callbackId.length > SLACK_LIMITS.callbackId) throw new Error(`callback_id too long for Slack: ${callbackId}`);
  const blocks: KnownBlock[] = [
    ...(form.intro ? [{ type: 'section', text: mrkdwn(fitMrkdwn(form.intro, SLACK_LIMITS.sectionText)) } as const] : []),
    ...form.fields.flatMap((field) => [renderInput(field), ...levelDescriptorContext(field)]),
  ];
  // Inputs cannot be dropped or moved to another view without losing answers, so an oversized form is a bug.
  if (blocks.length > SLACK_LIMITS.modalBlocks) {
    throw new Error(`Form "${form.title}" needs ${blocks.length} blocks; a Slack modal holds ${SLACK_LIMITS.modalBlocks}`);
  }
  return {
    type: 'modal',
    callback_id: callbackId,
    title: plain(truncateLabel(form.title, SLACK_LIMITS.modalTitle)),
    submit: plain(truncateLabel(form.submitLabel, SLACK_LIMITS.modalButton)),
    close: plain(truncateLabel(form.closeLabel ?? 'Cancel', SLACK_LIMITS.modalButton)),
    private_metadata: encodeViewMetadata(form.payload, options.privateMetadata),
    blocks,
  };
}

/** `view.state.values` of a view_submission: block id → action id → state. */
export type SlackViewStateValues = Readonly<Record<string, Readonly<Record<string, ViewStateValue>>>>;

function rawValue(field: Field, state: ViewStateValue | undefined): RawFieldValue {
  if (!state) return undefined;
  switch (field.type) {
    case 'choice':
      if (field.source.kind === 'people') {
        return field.multiple ? (state.selected_users ?? []) : (state.selected_user ?? null);
      }
      return field.multiple
        ? (state.selected_options ?? []).map((option) => option.value)
        : (state.selected_option?.value ?? null);
    case 'level_picker':
      return state.selected_option?.value ?? null;
    case 'text_area':
    case 'text_input':
      return state.value ?? null;
    case 'checkbox':
      return (state.selected_options ?? []).some((option) => option.value === 'true');
    case 'date':
      return state.selected_date ?? null;
  }
}

/**
 * The submitted values of a form, typed by its fields. Throws FormValuesError (field id → sentence) when something
 * is missing or invalid; answer Slack with `{ response_action: 'errors', errors }` since block ids are field ids.
 */
export function readFormValues<F extends Form>(form: F, values: SlackViewStateValues): FormValues<F['fields']> {
  return validateFormValues(form, readRawFormValues(form, values));
}

/**
 * The submitted values of a form's fields as Slack sent them, not yet checked against the form: for a use case
 * that checks them itself and can say more precisely what is wrong (a 360 score off the scale names the scale).
 */
export function readRawFormValues(form: Form, values: SlackViewStateValues): Record<string, RawFieldValue> {
  const raw: Record<string, RawFieldValue> = {};
  for (const field of form.fields) raw[field.id] = rawValue(field, values[field.id]?.[field.id]);
  return raw;
}
