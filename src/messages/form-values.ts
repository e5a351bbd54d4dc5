/**
 * The inbound half shared by both adapters: each platform reader pulls raw values out of its own payload shape,
 * and this module checks them against the form with zod, so the core only ever sees typed, valid values.
 */
import { z } from 'zod';
import {
  type Field,
  type Form,
  type FormValues,
  levelPickerValues,
  MAX_TEXT_LENGTH,
} from './model.ts';

/** A value as a platform hands it over, before validation: nothing, one string, several, or a tick. */
export type RawFieldValue = string | readonly string[] | boolean | null | undefined;

/** A submission that does not fit its form; `errors` maps field ids to a sentence for the person who filled it. */
export class FormValuesError extends Error {
  readonly errors: Readonly<Record<string, string>>;

  constructor(errors: Readonly<Record<string, string>>) {
    super(`Form values rejected: ${Object.entries(errors).map(([id, text]) => `${id}: ${text}`).join('; ')}`);
    this.name = 'FormValuesError';
    this.errors = errors;
  }
}

function asText(raw: RawFieldValue): string | null {
  if (typeof raw === 'string') return raw.trim() === '' ? null : raw;
  if (Array.isArray(raw)) return raw.find((value) => value.trim() !== '') ?? null;
  return null;
}

function asList(raw: RawFieldValue): string[] {
  const values = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : [];
  return [...new Set(values.filter((value) => value.trim() !== ''))];
}

function asBoolean(raw: RawFieldValue): boolean | null {
  if (typeof raw === 'boolean') return raw;
  if (raw == null || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  return null;
}

function allowedValues(field: Field & { type: 'choice' }): string[] | null {
  switch (field.source.kind) {
    case 'options':
      return field.source.options.map((option) => option.value);
    case 'groups':
      return field.source.groups.flatMap((group) => group.options.map((option) => option.value));
    case 'people':
      return null;
  }
}

const REQUIRED: Readonly<Record<Field['type'], string>> = {
  choice: 'Please choose an option.',
  level_picker: 'Please choose a level.',
  text_area: 'Please fill this in.',
  text_input: 'Please fill this in.',
  checkbox: 'Please tick this box.',
  date: 'Please pick a date.',
};

/** The sentence shown when a required field is left empty (Teams shows it client-side too). */
export function requiredMessage(field: Pick<Field, 'type'>): string {
  return REQUIRED[field.type];
}

/** Checks one field; returns the typed value or the sentence to show next to the input. */
function readField(field: Field, raw: RawFieldValue): { value: unknown } | { error: string } {
  if (field.type === 'checkbox') {
    const value = asBoolean(raw);
    return value === null ? { error: 'That answer could not be read.' } : { value };
  }
  if (field.type === 'choice' && field.multiple) {
    const values = asList(raw);
    if (values.length === 0 && !field.optional) return { error: REQUIRED.choice };
    const allowed = allowedValues(field);
    if (allowed && !values.every((value) => allowed.includes(value))) {
      return { error: 'One of those options is no longer available. Please choose again.' };
    }
    return { value: values };
  }
  const text = asText(raw);
  if (text === null) return field.optional ? { value: null } : { error: REQUIRED[field.type] };
  switch (field.type) {
    case 'choice': {
      const allowed = allowedValues(field);
      if (allowed && !allowed.includes(text)) return { error: 'That option is no longer available. Please choose again.' };
      return { value: text };
    }
    case 'level_picker': {
      const parsed = z.enum(levelPickerValues(field) as [string, ...string[]]).safeParse(text);
      return parsed.success ? { value: parsed.data } : { error: 'That is not a level on the milestone scale.' };
    }
    case 'text_area':
    case 'text_input': {
      const max = field.maxLength ?? MAX_TEXT_LENGTH;
      const parsed = z.string().max(max).safeParse(text);
      return parsed.success
        ? { value: parsed.data }
        : { error: `Please keep this under ${max.toLocaleString('en-US')} characters (it has ${text.length.toLocaleString('en-US')}).` };
    }
    case 'date': {
      const parsed = z.iso.date().safeParse(text);
      return parsed.success ? { value: parsed.data } : { error: 'Please pick a date from the calendar.' };
    }
  }
}

/**
 * Validates raw values against the form. Throws FormValuesError with every problem at once, so the adapter can
 * mark each input (Slack response_action "errors"; a Teams card re-shown with the messages).
 */
export function validateFormValues<F extends Form>(
  form: F,
  raw: Readonly<Record<string, RawFieldValue>>,
): FormValues<F['fields']> {
  const values: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of form.fields) {
    const result = readField(field, raw[field.id]);
    if ('error' in result) errors[field.id] = result.error;
    else values[field.id] = result.value;
  }
  if (Object.keys(errors).length > 0) throw new FormValuesError(errors);
  return values as FormValues<F['fields']>;
}
