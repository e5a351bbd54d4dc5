import type { Db, Tx } from '../../db/client.ts';
import { auditLog } from '../../db/schema/index.ts';
import type { ImportResult, ImportSummary } from './problems.ts';

class DryRunRollback extends Error {}

/**
 * Runs an import's writes in one transaction: all rows land or none do. A dry run does the very same work and
 * rolls it back, so what it reports is exactly what the real run would change.
 */
export async function applyImport(
  db: Db,
  options: { dryRun: boolean; kind: string; file: string },
  work: (tx: Tx, summary: ImportSummary) => Promise<void>,
): Promise<ImportResult> {
  const summary: ImportSummary = {};
  try {
    await db.transaction(async (tx) => {
      await work(tx, summary);
      if (options.dryRun) throw new DryRunRollback();
      await tx
        .insert(auditLog)
        .values({ channel: 'cli', action: `import.${options.kind}`, details: { file: options.file, summary } });
    });
  } catch (error) {
    if (!(error instanceof DryRunRollback)) throw error;
  }
  return { ok: true, dryRun: options.dryRun, summary };
}

/** Splits rows into batches: one statement per batch keeps large imports fast on both engines. */
export function* chunks<T>(rows: readonly T[], size = 500): Generator<T[]> {
  for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
}
