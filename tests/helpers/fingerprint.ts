import { sql } from 'drizzle-orm';
import type { Db } from '../../src/db/client.ts';

const TABLES = [
  'institutions',
  'programs',
  'ccc_meetings',
  'reporting_periods',
  'people',
  'program_memberships',
  'milestone_sets',
  'competencies',
  'subcompetencies',
  'level_descriptors',
  'rotations',
  'rotation_subcompetencies',
  'rotation_raters',
  'rotation_assignments',
  'assignment_supervisors',
  'audit_log',
] as const;

/** drizzle's `execute` answers `{ rows }` on PGlite and a row array on postgres.js. */
export function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows;
}

/**
 * Row count and a checksum of every row of the tables imports touch: two equal fingerprints mean nothing stored
 * changed, not merely that the counts agree.
 */
export async function fingerprint(db: Db): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const table of TABLES) {
    const [row] = rowsOf<{ count: number; digest: string }>(
      await db.execute(
        sql.raw(
          `select count(*)::int as count, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as digest from ${table} t`,
        ),
      ),
    );
    result[table] = `${row?.count}:${row?.digest}`;
  }
  return result;
}

/** Row counts only, for assertions that read well. */
export async function rowCounts(db: Db): Promise<Record<string, number>> {
  const prints = await fingerprint(db);
  return Object.fromEntries(Object.entries(prints).map(([table, print]) => [table, Number(print.split(':')[0])]));
}
