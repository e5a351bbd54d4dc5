import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { milestoneSets, programs, subcompetencies } from '../../db/schema/index.ts';
import { multisourceInstrumentFileSchema } from '../../domain/multisource-instrument.ts';
import { applyImport } from '../imports/apply.ts';
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
  const [program] = await db.select().from(programs).where(eq(programs.slug, data.program));
  if (!program) {
    at(['program'], 'program', `"${data.program}" is not a known program; import programs first`);
    return { ok: false, problems };
  }
  if (!program.milestoneSetCode || !program.milestoneSetVersion) {
    at(['program'], 'program', `${data.program} has no milestone set; name one in the programs file first`);
    return { ok: false, problems };
  }
  const [set] = await db
    .select()
    .from(milestoneSets)
    .where(and(eq(milestoneSets.code, program.milestoneSetCode), eq(milestoneSets.version, program.milestoneSetVersion)));
  if (!set) {
    at(['program'], 'program', `the milestone set ${program.milestoneSetCode} ${program.milestoneSetVersion} is not loaded; import it first`);
    return { ok: false, problems };
  }
  // Items must name subcompetencies the program's CCC actually rates, or their averages could never be placed.
  const known = new Set(
    (await db.select({ code: subcompetencies.code }).from(subcompetencies).where(eq(subcompetencies.milestoneSetId, set.id))).map((s) => s.code),
  );
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
