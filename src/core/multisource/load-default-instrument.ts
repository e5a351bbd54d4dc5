import type { Db, DbOrTx } from '../../db/client.ts';
import { applyImport } from '../imports/apply.ts';
import type { ImportResult, ImportSummary } from '../imports/problems.ts';
import { defaultInstrumentDefinitions, storeInstrument } from './instruments.ts';

/** Stores the shipped default instrument (program_id null) inside the caller's transaction; see storeInstrument. */
export async function storeDefaultInstruments(tx: DbOrTx, summary: ImportSummary = {}): Promise<ImportSummary> {
  for (const definition of defaultInstrumentDefinitions()) await storeInstrument(tx, null, definition, summary);
  return summary;
}

/**
 * Loads the shipped default 360 instrument into the database. Safe to run at every start: unchanged groups are left
 * alone, and a group whose wording changed after raters were asked with it gets a new version instead of an edit.
 */
export async function loadDefaultMultisourceInstrument(input: { db: Db; dryRun?: boolean }): Promise<ImportResult> {
  return applyImport(
    input.db,
    { dryRun: input.dryRun ?? false, kind: 'multisource default instrument', file: 'content/multisource-instrument.yaml' },
    async (tx, summary) => {
      await storeDefaultInstruments(tx, summary);
    },
  );
}
