import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import type { ImportProblem } from './problems.ts';

/**
 * Parses a YAML or JSON file (JSON is YAML) and validates it with a zod schema. Each problem names the file,
 * the line of the offending value when it can be found, and the field path.
 */
export function parseStructuredFile<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
): { ok: true; data: z.output<S>; lineOf: (path: readonly PropertyKey[]) => number | undefined } | { ok: false; problems: ImportProblem[] } {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    return {
      ok: false,
      problems: document.errors.map((error) => ({
        file,
        line: lineCounter.linePos(error.pos[0]).line,
        message: `is not valid YAML/JSON: ${error.message.split('\n')[0]}`,
      })),
    };
  }
  const lineOf = (path: readonly PropertyKey[]): number | undefined => {
    for (let depth = path.length; depth >= 0; depth -= 1) {
      const node = document.getIn(path.slice(0, depth) as unknown[], true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  const parsed = schema.safeParse(document.toJS());
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => {
        const line = lineOf(issue.path);
        return {
          file,
          ...(line === undefined ? {} : { line }),
          ...(issue.path.length > 0 ? { field: issue.path.map(String).join('.') } : {}),
          message: issue.message,
        };
      }),
    };
  }
  return { ok: true, data: parsed.data, lineOf };
}
