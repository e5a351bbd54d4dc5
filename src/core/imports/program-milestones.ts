import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { milestoneSets, programs, subcompetencies } from '../../db/schema/index.ts';

/** A program found by slug, its loaded milestone set, and that set's subcompetency ids by code. */
export interface ProgramMilestones {
  program: typeof programs.$inferSelect;
  set: typeof milestoneSets.$inferSelect;
  subcompetencyIds: Map<string, string>;
}

/**
 * Files that map things onto a program's milestones (rotation maps, 360 instruments) first need the program and its
 * set to exist. Returns them, or a sentence saying which is missing and what to import first.
 */
export async function programMilestones(db: Db, slug: string): Promise<{ ok: true; found: ProgramMilestones } | { ok: false; problem: string }> {
  const [program] = await db.select().from(programs).where(eq(programs.slug, slug));
  if (!program) return { ok: false, problem: `"${slug}" is not a known program; import programs first` };
  if (!program.milestoneSetCode || !program.milestoneSetVersion) {
    return { ok: false, problem: `${slug} has no milestone set; name one (milestone_set: "IM 2.0") in the programs file` };
  }
  const [set] = await db
    .select()
    .from(milestoneSets)
    .where(and(eq(milestoneSets.code, program.milestoneSetCode), eq(milestoneSets.version, program.milestoneSetVersion)));
  if (!set) {
    return { ok: false, problem: `the milestone set ${program.milestoneSetCode} ${program.milestoneSetVersion} is not loaded; import it first` };
  }
  const rows = await db.select({ id: subcompetencies.id, code: subcompetencies.code }).from(subcompetencies).where(eq(subcompetencies.milestoneSetId, set.id));
  return { ok: true, found: { program, set, subcompetencyIds: new Map(rows.map((s) => [s.code, s.id])) } };
}
