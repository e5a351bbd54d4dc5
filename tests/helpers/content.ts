import { readFileSync } from 'node:fs';

/** A shipped file under content/ (the milestone sets and the demo program's import files). */
export function contentFile(path: string): string {
  return readFileSync(new URL(`../../content/${path}`, import.meta.url), 'utf8');
}
