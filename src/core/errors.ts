/** Why a request was refused, in words for the person who made it; adapters show it ephemerally. */
export type AppErrorCode =
  | 'unknown_user'
  | 'not_allowed'
  | 'not_found'
  | 'already_closed'
  | 'invalid_input';

/** A refusal the user can act on. Anything else that is thrown is a bug, logged with a reference. */
export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly userMessage: string;
  constructor(code: AppErrorCode, userMessage: string, cause?: unknown) {
    super(userMessage, cause === undefined ? undefined : { cause });
    this.name = 'AppError';
    this.code = code;
    this.userMessage = userMessage;
  }
}

/** Errors to show inside an open form, keyed by field id, instead of closing it. */
export interface FieldErrors {
  ok: false;
  fieldErrors: Record<string, string>;
}
