import { readFileSync } from 'node:fs';
import { loadQuestionTemplates, QUESTION_TEMPLATES_PATH, type QuestionTemplate } from '../../domain/question-templates.ts';

let cached: QuestionTemplate[] | undefined;

/** The shipped active-question templates, read once: they are product text, not per-request data. */
export function questionTemplates(): QuestionTemplate[] {
  cached ??= loadQuestionTemplates(readFileSync(QUESTION_TEMPLATES_PATH, 'utf8'));
  return cached;
}
