import { z } from 'zod';

// Zod's default messages ("Invalid input: expected string, received undefined") are written for developers; the
// shipped content files are edited by program staff, so their schemas say what they want in plain words.

/** An error-message function: "is required" when the value is missing, otherwise "must be <what>". */
export function expected(what: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`);
}

/** Non-empty text up to `max` characters, trimmed. */
export function plainText(max: number) {
  return z
    .string({ error: expected('text') })
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`);
}
