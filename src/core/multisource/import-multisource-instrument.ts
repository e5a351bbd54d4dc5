import type { Db } from '../../db/client.ts';
import { multisourceInstrumentFileSchema } from '../../domain/multisource-instrument.ts';
import { applyImport } from '../imports/apply.ts';
import { programMilestones } from '../imports/program-milestones.ts';
import type { ImportProblem, ImportResult } from '../imports/problems.ts';
import { parseStructuredFile } from '../imports/structured.ts';
import { storeInstrument } from './instruments.ts';

/**
 * Imports a program's own 360 instrument: the default's format with `program: <slug>` at the top. Each group in
 * the file replaces the default for that program; groups it leaves out keep the default. All or nothing: every
 * problem is reported with its line, and nothing is stored unless the whole file is right.
 */
export async function importMultisourceInstrument(input: { db: Db; text: string; file: string; dryRun: boolean }): Promise<ImportResult> {
  const { db, file } = input;
  const parsed = parseStructuredFile(input.text, file, multisourceInstrumentFileSchema);
  if (!parsed.ok) return parsed;
  const { data, lineOf } = parsed;
  const problems: ImportProblem[] = [];
  const at = (path: PropertyKey[], field: string, message: string) => {
    const line = lineOf(path);
    problems.push({ file, ...(line ? { line } : {}), field, message });
  };

  if (data.program === undefined) {
    at([], 'program', 'must name the program (its slug) whose instrument this is; the shipped default is loaded at start-up');
    return { ok: false, problems };
  }
  const resolved = await programMilestones(db, data.program);
  if (!resolved.ok) {
    at(['program'], 'program', resolved.problem);
    return { ok: false, problems };
  }
  const { program, set } = resolved.found;
  // Items must name subcompetencies the program's CCC actually rates, or their averages could never be placed.
  const known = resolved.found.subcompetencyIds;
  data.instruments.forEach((instrument, i) => {
    instrument.items.forEach((item, j) => {
      if (!known.has(item.subcompetency)) {
        at(
          ['instruments', i, 'items', j, 'subcompetency'],
          `instruments.${i}.items.${j}.subcompetency`,
          `"${item.subcompetency}" is not a subcompetency of ${set.code} ${set.version}`,
        );
      }
    });
  });
  if (problems.length > 0) return { ok: false, problems };

  return applyImport(db, { dryRun: input.dryRun, kind: 'multisource instrument', file }, async (tx, summary) => {
    for (const definition of data.instruments) await storeInstrument(tx, program.id, definition, summary);
  });
}
