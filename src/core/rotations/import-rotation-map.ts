import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { people, programMemberships, rotationRaters, rotationSubcompetencies, rotations } from '../../db/schema/index.ts';
import { applyImport } from '../imports/apply.ts';
import { programMilestones } from '../imports/program-milestones.ts';
import { type ImportProblem, type ImportResult, tally } from '../imports/problems.ts';
import { parseStructuredFile } from '../imports/structured.ts';

/** The file format of the rotation → subcompetency map (and each rotation's 360 raters). */
export const rotationMapSchema = z.object({
  program: z.string().trim().min(1, 'must name the program (its slug)'),
  rotations: z
    .array(
      z.object({
        code: z.string().trim().min(1, 'must not be empty'),
        name: z.string().trim().min(1, 'must not be empty'),
        site: z.string().trim().optional(),
        subcompetencies: z.array(z.string().trim()).min(1, 'must list at least one subcompetency, such as PC3'),
        raters: z.array(z.string().trim().toLowerCase().pipe(z.email('must be an email address'))).default([]),
      }),
    )
    .min(1, 'must list at least one rotation'),
});

/**
 * Defines rotations and what each assesses. The subcompetencies and raters of each rotation in the file are made to
 * match it; rotations not in the file are left alone (their past assignments still refer to them).
 */
export async function importRotationMap(input: { db: Db; text: string; file: string; dryRun: boolean }): Promise<ImportResult> {
  const { db, file } = input;
  const parsed = parseStructuredFile(input.text, file, rotationMapSchema);
  if (!parsed.ok) return parsed;
  const { data, lineOf } = parsed;
  const problems: ImportProblem[] = [];
  const at = (path: PropertyKey[], field: string, message: string) => {
    const line = lineOf(path);
    problems.push({ file, ...(line ? { line } : {}), field, message });
  };

  const resolved = await programMilestones(db, data.program);
  if (!resolved.ok) {
    at(['program'], 'program', resolved.problem);
    return { ok: false, problems };
  }
  const { program, set } = resolved.found;
  const subByCode = resolved.found.subcompetencyIds;
  const raterEmails = [...new Set(data.rotations.flatMap((r) => r.raters))];
  const raterByEmail = new Map<string, string>();
  if (raterEmails.length) {
    const found = await db
      .select({ email: people.email, id: people.id })
      .from(people)
      .innerJoin(programMemberships, eq(programMemberships.personId, people.id))
      .where(and(eq(programMemberships.programId, program.id), inArray(people.email, raterEmails)));
    for (const f of found) raterByEmail.set(f.email, f.id);
  }
  const codes = new Set<string>();
  data.rotations.forEach((rotation, r) => {
    if (codes.has(rotation.code)) at(['rotations', r, 'code'], `rotations.${r}.code`, `"${rotation.code}" appears twice`);
    codes.add(rotation.code);
    rotation.subcompetencies.forEach((code, s) => {
      if (!subByCode.has(code)) {
        at(['rotations', r, 'subcompetencies', s], `rotations.${r}.subcompetencies.${s}`, `"${code}" is not a subcompetency of ${set.code} ${set.version}`);
      }
    });
    rotation.raters.forEach((email, e) => {
      if (!raterByEmail.has(email)) at(['rotations', r, 'raters', e], `rotations.${r}.raters.${e}`, `${email} is not a member of ${data.program}`);
    });
  });
  if (problems.length > 0) return { ok: false, problems };

  return applyImport(db, { dryRun: input.dryRun, kind: 'rotation map', file }, async (tx, summary) => {
    const storedRotations = new Map(
      (await tx.select().from(rotations).where(eq(rotations.programId, program.id))).map((r) => [r.code, r]),
    );
    for (const rotation of data.rotations) {
      const stored = storedRotations.get(rotation.code);
      const site = rotation.site ?? null;
      let rotationId: string;
      if (!stored) {
        const [created] = await tx
          .insert(rotations)
          .values({ programId: program.id, code: rotation.code, name: rotation.name, site })
          .returning({ id: rotations.id });
        rotationId = created!.id;
        tally(summary, 'rotations', 'created');
      } else {
        rotationId = stored.id;
        const changed = stored.name !== rotation.name || stored.site !== site;
        if (changed) await tx.update(rotations).set({ name: rotation.name, site }).where(eq(rotations.id, rotationId));
        tally(summary, 'rotations', changed ? 'updated' : 'unchanged');
      }
      await syncLinks(
        summary,
        'rotation subcompetencies',
        new Set((await tx.select().from(rotationSubcompetencies).where(eq(rotationSubcompetencies.rotationId, rotationId))).map((l) => l.subcompetencyId)),
        new Set(rotation.subcompetencies.map((code) => subByCode.get(code)!)),
        (ids) => tx.insert(rotationSubcompetencies).values(ids.map((subcompetencyId) => ({ rotationId, subcompetencyId }))),
        (ids) =>
          tx
            .delete(rotationSubcompetencies)
            .where(and(eq(rotationSubcompetencies.rotationId, rotationId), inArray(rotationSubcompetencies.subcompetencyId, ids))),
      );
      await syncLinks(
        summary,
        'rotation raters',
        new Set((await tx.select().from(rotationRaters).where(eq(rotationRaters.rotationId, rotationId))).map((l) => l.raterId)),
        new Set(rotation.raters.map((email) => raterByEmail.get(email)!)),
        (ids) => tx.insert(rotationRaters).values(ids.map((raterId) => ({ rotationId, raterId }))),
        (ids) => tx.delete(rotationRaters).where(and(eq(rotationRaters.rotationId, rotationId), inArray(rotationRaters.raterId, ids))),
      );
    }
  });
}

async function syncLinks(
  summary: Parameters<typeof tally>[0],
  kind: string,
  stored: Set<string>,
  wanted: Set<string>,
  insert: (ids: string[]) => Promise<unknown>,
  remove: (ids: string[]) => Promise<unknown>,
): Promise<void> {
  const added = [...wanted].filter((id) => !stored.has(id));
  const removed = [...stored].filter((id) => !wanted.has(id));
  if (added.length) await insert(added);
  if (removed.length) await remove(removed);
  tally(summary, kind, 'created', added.length);
  tally(summary, kind, 'removed', removed.length);
  tally(summary, kind, 'unchanged', wanted.size - added.length);
}
