import { readFileSync } from 'node:fs';
import { and, asc, desc, eq, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { multisourceInstruments, multisourceItems, multisourceRequests } from '../../db/schema/index.ts';
import {
  DEFAULT_MULTISOURCE_INSTRUMENT_PATH,
  loadDefaultMultisourceInstruments,
  type MultisourceInstrumentDefinition,
  type MultisourceItemDefinition,
  type MultisourceRaterGroup,
  sameInstrument,
} from '../../domain/multisource-instrument.ts';
import { type ImportSummary, tally } from '../imports/problems.ts';

export type InstrumentRow = typeof multisourceInstruments.$inferSelect;
export type ItemRow = typeof multisourceItems.$inferSelect;

let cachedDefault: MultisourceInstrumentDefinition[] | undefined;

/** The shipped default instrument, read once: it is product text, not per-request data. */
export function defaultInstrumentDefinitions(): MultisourceInstrumentDefinition[] {
  cachedDefault ??= loadDefaultMultisourceInstruments(readFileSync(DEFAULT_MULTISOURCE_INSTRUMENT_PATH, 'utf8'));
  return cachedDefault;
}

function ownedBy(programId: string | null) {
  return programId === null ? isNull(multisourceInstruments.programId) : eq(multisourceInstruments.programId, programId);
}

/** The newest version of a program's (or, with null, the default) instrument for one rater group. */
export async function latestInstrument(db: DbOrTx, programId: string | null, group: string): Promise<InstrumentRow | null> {
  const [row] = await db
    .select()
    .from(multisourceInstruments)
    .where(and(ownedBy(programId), eq(multisourceInstruments.raterRole, group as MultisourceRaterGroup)))
    .orderBy(desc(multisourceInstruments.version))
    .limit(1);
  return row ?? null;
}

/** An instrument's items in the order the form asks them. */
export async function itemsOf(db: DbOrTx, instrumentId: string): Promise<ItemRow[]> {
  return db.select().from(multisourceItems).where(eq(multisourceItems.instrumentId, instrumentId)).orderBy(asc(multisourceItems.position));
}

function asDefinition(row: ItemRow): MultisourceItemDefinition {
  return { subcompetency: row.subcompetencyCode, prompt: row.prompt, anchors: row.anchors };
}

async function insertItems(tx: DbOrTx, instrumentId: string, items: readonly MultisourceItemDefinition[]): Promise<void> {
  await tx.insert(multisourceItems).values(
    items.map((item, position) => ({
      instrumentId,
      position: position + 1,
      subcompetencyCode: item.subcompetency,
      prompt: item.prompt,
      anchors: [...item.anchors],
    })),
  );
}

/**
 * Stores one group's instrument for a program (or the default, with null), idempotently:
 * - the same words as the newest stored version: nothing changes;
 * - different words, and nobody has been asked with the stored version yet: it is rewritten in place;
 * - different words, and requests already use it: a new version is added, because stored answers point at the old
 *   items and must keep meaning what the rater was asked. New rounds use the newest version.
 */
export async function storeInstrument(
  tx: DbOrTx,
  programId: string | null,
  definition: MultisourceInstrumentDefinition,
  summary: ImportSummary,
): Promise<void> {
  const stored = await latestInstrument(tx, programId, definition.rater_group);
  const items = stored ? await itemsOf(tx, stored.id) : [];
  if (stored && sameInstrument({ title: stored.title, items: items.map(asDefinition) }, { title: definition.title, items: definition.items })) {
    tally(summary, 'multisource instruments', 'unchanged');
    tally(summary, 'multisource items', 'unchanged', items.length);
    return;
  }
  const used = stored
    ? (await tx.select({ id: multisourceRequests.id }).from(multisourceRequests).where(eq(multisourceRequests.instrumentId, stored.id)).limit(1)).length > 0
    : false;
  if (stored && !used) {
    await tx.update(multisourceInstruments).set({ title: definition.title }).where(eq(multisourceInstruments.id, stored.id));
    await tx.delete(multisourceItems).where(eq(multisourceItems.instrumentId, stored.id));
    await insertItems(tx, stored.id, definition.items);
    tally(summary, 'multisource instruments', 'updated');
    tally(summary, 'multisource items', 'removed', items.length);
    tally(summary, 'multisource items', 'created', definition.items.length);
    return;
  }
  const [created] = await tx
    .insert(multisourceInstruments)
    .values({ programId, raterRole: definition.rater_group, version: (stored?.version ?? 0) + 1, title: definition.title })
    // Two processes storing the same version at once (two round openings on a fresh database): one wins, and its
    // items are the same words, so the other has nothing left to do.
    .onConflictDoNothing()
    .returning({ id: multisourceInstruments.id });
  if (!created) {
    tally(summary, 'multisource instruments', 'unchanged');
    return;
  }
  await insertItems(tx, created.id, definition.items);
  tally(summary, 'multisource instruments', stored ? 'updated' : 'created');
  tally(summary, 'multisource items', 'created', definition.items.length);
}

/**
 * The instrument a rater of this group is asked with: the program's own newest version, else the default's newest.
 * Null when neither exists (a rater role without an instrument, such as faculty, who use rotation evaluations).
 */
export async function instrumentFor(db: DbOrTx, programId: string, group: string): Promise<InstrumentRow | null> {
  return (await latestInstrument(db, programId, group)) ?? (await latestInstrument(db, null, group));
}
