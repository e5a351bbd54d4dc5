import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { competencies, levelDescriptors, milestoneSets, subcompetencies } from '../../db/schema/index.ts';
import { MILESTONE_LEVELS, milestoneSetSchema } from '../../domain/milestone-set.ts';
import { applyImport } from '../imports/apply.ts';
import { type ImportResult, tally } from '../imports/problems.ts';
import { parseStructuredFile } from '../imports/structured.ts';
import { forgetMilestoneSets } from '../programs/program-context.ts';

/**
 * Loads a milestone set (ours, or a program's official text in the same format), keyed by (code, version).
 * Re-importing updates names and descriptors in place; subcompetencies missing from the file are kept, because
 * ratings already given refer to them.
 */
export async function importMilestoneSet(input: { db: Db; text: string; file: string; dryRun: boolean }): Promise<ImportResult> {
  const parsed = parseStructuredFile(input.text, input.file, milestoneSetSchema);
  if (!parsed.ok) return parsed;
  const set = parsed.data;

  const result = await applyImport(input.db, { dryRun: input.dryRun, kind: 'milestones', file: input.file }, async (tx, summary) => {
    const [stored] = await tx
      .select()
      .from(milestoneSets)
      .where(and(eq(milestoneSets.code, set.code), eq(milestoneSets.version, set.version)));
    let setId: string;
    if (!stored) {
      const [created] = await tx
        .insert(milestoneSets)
        .values({ code: set.code, version: set.version, name: set.name, specialty: set.specialty })
        .returning({ id: milestoneSets.id });
      setId = created!.id;
      tally(summary, 'milestone sets', 'created');
    } else {
      setId = stored.id;
      const changed = stored.name !== set.name || stored.specialty !== set.specialty;
      if (changed) await tx.update(milestoneSets).set({ name: set.name, specialty: set.specialty }).where(eq(milestoneSets.id, setId));
      tally(summary, 'milestone sets', changed ? 'updated' : 'unchanged');
    }

    const storedCompetencies = new Map(
      (await tx.select().from(competencies).where(eq(competencies.milestoneSetId, setId))).map((c) => [c.code, c]),
    );
    const storedSubcompetencies = new Map(
      (await tx.select().from(subcompetencies).where(eq(subcompetencies.milestoneSetId, setId))).map((s) => [s.code, s]),
    );
    const subIds = [...storedSubcompetencies.values()].map((s) => s.id);
    const storedDescriptors = new Map(
      (subIds.length ? await tx.select().from(levelDescriptors).where(inArray(levelDescriptors.subcompetencyId, subIds)) : []).map(
        (d) => [`${d.subcompetencyId} ${d.level}`, d],
      ),
    );

    let subPosition = 0;
    for (const [position, competency] of set.competencies.entries()) {
      let competencyId: string;
      const existingCompetency = storedCompetencies.get(competency.code);
      if (!existingCompetency) {
        const [created] = await tx
          .insert(competencies)
          .values({ milestoneSetId: setId, code: competency.code, name: competency.name, position })
          .returning({ id: competencies.id });
        competencyId = created!.id;
        tally(summary, 'competencies', 'created');
      } else {
        competencyId = existingCompetency.id;
        const changed = existingCompetency.name !== competency.name || existingCompetency.position !== position;
        if (changed) await tx.update(competencies).set({ name: competency.name, position }).where(eq(competencies.id, competencyId));
        tally(summary, 'competencies', changed ? 'updated' : 'unchanged');
      }

      for (const sub of competency.subcompetencies) {
        subPosition += 1;
        let subId: string;
        const existingSub = storedSubcompetencies.get(sub.code);
        if (!existingSub) {
          const [created] = await tx
            .insert(subcompetencies)
            .values({ milestoneSetId: setId, competencyId, code: sub.code, name: sub.name, position: subPosition })
            .returning({ id: subcompetencies.id });
          subId = created!.id;
          tally(summary, 'subcompetencies', 'created');
        } else {
          subId = existingSub.id;
          const changed =
            existingSub.name !== sub.name || existingSub.position !== subPosition || existingSub.competencyId !== competencyId;
          if (changed) {
            await tx.update(subcompetencies).set({ name: sub.name, position: subPosition, competencyId }).where(eq(subcompetencies.id, subId));
          }
          tally(summary, 'subcompetencies', changed ? 'updated' : 'unchanged');
        }

        const newDescriptors: (typeof levelDescriptors.$inferInsert)[] = [];
        for (const level of MILESTONE_LEVELS) {
          const description = sub.levels[level];
          const existing = storedDescriptors.get(`${subId} ${Number(level)}`);
          if (!existing) {
            newDescriptors.push({ subcompetencyId: subId, level: Number(level), description });
            tally(summary, 'level descriptors', 'created');
          } else if (existing.description !== description) {
            await tx.update(levelDescriptors).set({ description }).where(eq(levelDescriptors.id, existing.id));
            tally(summary, 'level descriptors', 'updated');
          } else tally(summary, 'level descriptors', 'unchanged');
        }
        if (newDescriptors.length) await tx.insert(levelDescriptors).values(newDescriptors);
      }
    }
  });
  // After the commit, so a form opened meanwhile cannot put the old text back in the cache.
  if (!input.dryRun) forgetMilestoneSets(input.db);
  return result;
}
