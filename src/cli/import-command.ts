import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { importCccRatings } from '../core/ccc-ratings/import-ccc-ratings.ts';
import { importMilestoneSet } from '../core/milestone-sets/import-milestone-set.ts';
import { importMultisourceInstrument } from '../core/multisource/import-multisource-instrument.ts';
import { importPeople } from '../core/people/import-people.ts';
import { importPrograms } from '../core/programs/import-programs.ts';
import { describeSummary, formatProblem, type ImportResult } from '../core/imports/problems.ts';
import { importRotationMap } from '../core/rotations/import-rotation-map.ts';
import { importRotationSchedule } from '../core/rotations/import-rotation-schedule.ts';
import type { Db } from '../db/client.ts';

/** What `stepping-stones import` accepts. */
export const IMPORT_KINDS = ['programs', 'milestones', 'people', 'rotations', 'multisource', 'ccc-ratings'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

type Importer = (input: { db: Db; text: string; file: string; dryRun: boolean }) => Promise<ImportResult>;

function importerFor(kind: ImportKind, path: string): Importer | string {
  const extension = extname(path).toLowerCase();
  const structured = ['.yaml', '.yml', '.json'].includes(extension);
  switch (kind) {
    case 'programs':
      return structured ? importPrograms : 'programs are imported from a YAML or JSON file';
    case 'milestones':
      return structured ? importMilestoneSet : 'milestone sets are imported from a YAML or JSON file';
    case 'people':
      return extension === '.csv' ? importPeople : 'people are imported from a CSV file';
    case 'rotations':
      // A schedule export is a CSV; the rotation → subcompetency map is hand-written YAML or JSON.
      if (extension === '.csv') return importRotationSchedule;
      return structured ? importRotationMap : 'rotations take a schedule CSV or a rotation map in YAML or JSON';
    case 'multisource':
      // A program's own 360 instrument, in the shipped default's format with `program:` at the top.
      return structured ? importMultisourceInstrument : 'a 360 instrument is imported from a YAML or JSON file';
    case 'ccc-ratings':
      // The committee's semiannual ratings, as exported from its spreadsheet.
      return extension === '.csv' ? importCccRatings : 'CCC ratings are imported from a CSV file';
  }
}

/** Runs one import and writes what happened, one line per problem or per kind of record; returns the exit code. */
export async function runImport(input: {
  db: Db;
  kind: ImportKind;
  path: string;
  dryRun: boolean;
  out: (line: string) => void;
  err: (line: string) => void;
}): Promise<number> {
  const importer = importerFor(input.kind, input.path);
  if (typeof importer === 'string') {
    input.err(`${basename(input.path)}: ${importer}.`);
    return 1;
  }
  let text: string;
  try {
    text = await readFile(input.path, 'utf8');
  } catch (error) {
    input.err(`${input.path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
    return 1;
  }
  const result = await importer({ db: input.db, text, file: basename(input.path), dryRun: input.dryRun });
  if (!result.ok) {
    for (const problem of result.problems) input.err(formatProblem(problem));
    input.err(`${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}; nothing was imported.`);
    return 1;
  }
  for (const line of describeSummary(result.summary)) input.out(`  ${line}`);
  input.out(result.dryRun ? `${basename(input.path)}: dry run, nothing was changed.` : `${basename(input.path)}: imported.`);
  return 0;
}
