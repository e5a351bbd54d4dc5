import type { z } from 'zod';

/** One thing wrong with an import file, located as precisely as the format allows. */
export interface ImportProblem {
  file: string;
  line?: number;
  field?: string;
  message: string;
}

/** `people.csv:14: pgy must be 1-7, got "PGY-2x"`: the line a coordinator fixes in a spreadsheet. */
export function formatProblem(problem: ImportProblem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
  const field = problem.field ? `${problem.field} ` : '';
  return `${where}: ${field}${problem.message}`;
}

/** Turns a zod failure on one row into problems that name the row's line and the column. */
export function problemsFromZod(file: string, line: number | undefined, error: z.ZodError): ImportProblem[] {
  return error.issues.map((issue) => {
    const field = issue.path.map(String).join('.');
    return { file, ...(line === undefined ? {} : { line }), ...(field ? { field } : {}), message: issue.message };
  });
}

/** What an import did (or, with --dry-run, would do), per kind of record. */
export interface ImportCounts {
  created: number;
  updated: number;
  unchanged: number;
  removed: number;
}

export type ImportSummary = Record<string, ImportCounts>;

/** The outcome of an import: refused with every problem, or applied (or rehearsed) with its counts. */
export type ImportResult =
  | { ok: false; problems: ImportProblem[] }
  | { ok: true; dryRun: boolean; summary: ImportSummary };

export function emptyCounts(): ImportCounts {
  return { created: 0, updated: 0, unchanged: 0, removed: 0 };
}

/** Tallies one record into the summary: created when new, updated when any stored value differs. */
export function tally(summary: ImportSummary, kind: string, outcome: keyof ImportCounts, count = 1): void {
  summary[kind] ??= emptyCounts();
  summary[kind][outcome] += count;
}

export function describeSummary(summary: ImportSummary): string[] {
  return Object.entries(summary).map(
    ([kind, c]) =>
      `${kind}: ${c.created} new, ${c.updated} updated, ${c.unchanged} unchanged${c.removed ? `, ${c.removed} removed` : ''}`,
  );
}
