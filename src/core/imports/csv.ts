import { parse } from 'csv-parse/sync';
import type { ImportProblem } from './problems.ts';

/** One data row of a CSV file with the line it starts on, keyed by normalized header names. */
export interface CsvRow {
  line: number;
  values: Record<string, string>;
}

/** "First Name" / "first_name" / "FIRST-NAME" all become `first_name`: exports differ in the details. */
export function normalizeHeader(header: string): string {
  return header
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
}

/**
 * Parses the kind of CSV a residency-management system exports (header row, optional BOM, quoted fields).
 * Problems come back as lines, never as a throw, so a broken file is reported like a bad row.
 */
export function parseCsv(
  text: string,
  file: string,
  required: readonly string[],
): { ok: true; rows: CsvRow[] } | { ok: false; problems: ImportProblem[] } {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
    }) as unknown as typeof records;
  } catch (error) {
    const e = error as { lines?: number; message?: string };
    return { ok: false, problems: [{ file, ...(e.lines ? { line: e.lines } : {}), message: `is not valid CSV (${e.message})` }] };
  }
  const [header, ...body] = records;
  if (!header) return { ok: false, problems: [{ file, message: 'is empty: expected a header row' }] };
  const columns = header.record.map(normalizeHeader);
  const missing = required.filter((name) => !columns.includes(name));
  if (missing.length > 0) {
    return {
      ok: false,
      problems: [
        { file, line: header.info.lines, message: `is missing the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` },
      ],
    };
  }
  const rows = body.map(({ record, info }) => {
    const values: Record<string, string> = {};
    columns.forEach((column, index) => {
      values[column] = record[index] ?? '';
    });
    return { line: info.lines, values };
  });
  return { ok: true, rows };
}

/** Accepts ISO dates and the US month/day/year that exports often use; returns ISO or undefined. */
export function parseCalendarDate(value: string): string | undefined {
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value);
  let year: number;
  let month: number;
  let day: number;
  if (iso) [year, month, day] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else if (us) [year, month, day] = [Number(us[3]), Number(us[1]), Number(us[2])];
  else return undefined;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return date.toISOString().slice(0, 10);
}

/** Splits a multi-value cell (`faculty;ccc_chair`, `a@x.org; b@x.org`). */
export function splitList(value: string): string[] {
  return value
    .split(/[;|]/)
    .map((part) => part.trim())
    .filter((part) => part !== '');
}
