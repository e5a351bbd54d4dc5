import { and, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { cccRatings, people, programMemberships, programs, reportingPeriods } from '../../db/schema/index.ts';
import type { MilestoneRating } from '../../domain/rating.ts';
import { applyImport, chunks } from '../imports/apply.ts';
import { type CsvRow, parseCsv } from '../imports/csv.ts';
import { type ImportProblem, type ImportResult, problemsFromZod, tally } from '../imports/problems.ts';
import { LEARNER_ROLES, subcompetenciesOf } from '../programs/program-context.ts';
import { parseCccRating } from './ccc-rating-scale.ts';

/** The columns a CCC ratings file must have (header names are matched loosely: "Resident Email" works). */
export const CCC_RATINGS_CSV_COLUMNS = ['program', 'period', 'resident_email', 'subcompetency', 'rating'] as const;

const rowSchema = z.object({
  program: z.string().trim().min(1, 'must name the program (its slug, e.g. internal-medicine)'),
  period: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^\d{4}-(mid|end)$/, 'must be a reporting period code such as 2026-mid or 2026-end'),
  resident_email: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.email({ error: (issue) => `must be an email address, got "${String(issue.input)}"` })),
  subcompetency: z.string().trim().toUpperCase().min(1, 'must name a subcompetency code such as PC3'),
  rating: z.string().transform((value, ctx) => {
    const parsed = parseCccRating(value);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: parsed.message });
      return z.NEVER;
    }
    return parsed.rating;
  }),
});

type RatingRow = z.output<typeof rowSchema> & { line: number };

function cellsOf(row: CsvRow): Record<string, string> {
  const v = row.values;
  return {
    program: v.program ?? '',
    period: v.period ?? '',
    resident_email: v.resident_email ?? '',
    subcompetency: v.subcompetency ?? '',
    rating: v.rating ?? '',
  };
}

/**
 * Imports the CCC's semiannual ratings (one row per resident, period and subcompetency), as exported from the
 * committee's spreadsheet. All-or-nothing: every bad row is named (`file:line: field message`) and nothing is
 * stored. Re-importing updates changed ratings in place and leaves the others; ratings not in the file stay.
 */
export async function importCccRatings(input: { db: Db; text: string; file: string; dryRun: boolean }): Promise<ImportResult> {
  const { db, file } = input;
  const csv = parseCsv(input.text, file, CCC_RATINGS_CSV_COLUMNS);
  if (!csv.ok) return csv;

  const problems: ImportProblem[] = [];
  const rows: RatingRow[] = [];
  for (const row of csv.rows) {
    const parsed = rowSchema.safeParse(cellsOf(row));
    if (parsed.success) rows.push({ ...parsed.data, line: row.line });
    else problems.push(...problemsFromZod(file, row.line, parsed.error));
  }

  // Programs by slug, each with its periods and milestone codes.
  const programRows = await db.select().from(programs);
  const bySlug = new Map<string, (typeof programRows)[number][]>();
  for (const p of programRows) bySlug.set(p.slug, [...(bySlug.get(p.slug) ?? []), p]);
  const wanted = [...new Set(rows.map((r) => r.program))].flatMap((slug) => (bySlug.get(slug)?.length === 1 ? bySlug.get(slug)! : []));
  const periodIds = new Map<string, string>();
  const subIds = new Map<string, string>();
  const codesOf = new Map<string, string[]>();
  for (const program of wanted) {
    for (const period of await db.select().from(reportingPeriods).where(eq(reportingPeriods.programId, program.id))) {
      periodIds.set(`${program.id} ${period.code}`, period.id);
    }
    const subs = await subcompetenciesOf(db, program);
    codesOf.set(program.id, subs.map((s) => s.code));
    for (const sub of subs) subIds.set(`${program.id} ${sub.code}`, sub.id);
  }

  // Residents and fellows of those programs, by email.
  const residentIds = new Map<string, string>();
  const emails = [...new Set(rows.map((r) => r.resident_email))];
  for (const batch of chunks(emails)) {
    if (wanted.length === 0) break;
    const found = await db
      .select({ email: people.email, id: people.id, programId: programMemberships.programId })
      .from(people)
      .innerJoin(programMemberships, eq(programMemberships.personId, people.id))
      .where(
        and(
          inArray(people.email, batch),
          inArray(programMemberships.programId, wanted.map((p) => p.id)),
          inArray(programMemberships.role, [...LEARNER_ROLES]),
        ),
      );
    for (const f of found) residentIds.set(`${f.programId} ${f.email}`, f.id);
  }

  type Resolved = { line: number; residentId: string; periodId: string; subcompetencyId: string; rating: MilestoneRating };
  const resolved: Resolved[] = [];
  const firstLine = new Map<string, number>();
  for (const row of rows) {
    const matches = bySlug.get(row.program) ?? [];
    if (matches.length !== 1) {
      const known = [...bySlug.keys()].join(', ') || 'none yet: import programs first';
      problems.push({
        file,
        line: row.line,
        field: 'program',
        message: matches.length === 0 ? `"${row.program}" is not a known program (known: ${known})` : `"${row.program}" is ambiguous: several institutions use it`,
      });
      continue;
    }
    const program = matches[0]!;
    const periodId = periodIds.get(`${program.id} ${row.period}`);
    if (!periodId) {
      const known = [...periodIds.keys()].filter((k) => k.startsWith(`${program.id} `)).map((k) => k.split(' ')[1]);
      problems.push({ file, line: row.line, field: 'period', message: `${row.period} is not a reporting period of ${program.slug} (known: ${known.join(', ') || 'none'})` });
    }
    const residentId = residentIds.get(`${program.id} ${row.resident_email}`);
    if (!residentId) {
      problems.push({ file, line: row.line, field: 'resident_email', message: `${row.resident_email} is not a resident or fellow of ${program.slug}` });
    }
    const subcompetencyId = subIds.get(`${program.id} ${row.subcompetency}`);
    if (!subcompetencyId) {
      const codes = codesOf.get(program.id) ?? [];
      problems.push({
        file,
        line: row.line,
        field: 'subcompetency',
        message: codes.length
          ? `${row.subcompetency} is not in ${program.slug}'s milestones (${codes[0]} … ${codes[codes.length - 1]})`
          : `${program.slug} has no milestone set loaded: import it first`,
      });
    }
    if (!periodId || !residentId || !subcompetencyId) continue;
    const key = `${residentId} ${periodId} ${subcompetencyId}`;
    const earlier = firstLine.get(key);
    if (earlier !== undefined) {
      problems.push({
        file,
        line: row.line,
        field: 'subcompetency',
        message: `${row.resident_email} already has a ${row.period} rating for ${row.subcompetency} on line ${earlier}`,
      });
      continue;
    }
    firstLine.set(key, row.line);
    resolved.push({ line: row.line, residentId, periodId, subcompetencyId, rating: row.rating });
  }

  if (problems.length > 0) {
    problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    return { ok: false, problems };
  }

  return applyImport(db, { dryRun: input.dryRun, kind: 'ccc-ratings', file }, async (tx, summary) => {
    const stored = new Map<string, MilestoneRating | 'not_observed'>();
    for (const batch of chunks([...new Set(resolved.map((r) => r.residentId))])) {
      const found = await tx
        .select()
        .from(cccRatings)
        .where(and(inArray(cccRatings.residentId, batch), inArray(cccRatings.periodId, [...new Set(resolved.map((r) => r.periodId))])));
      for (const f of found) stored.set(`${f.residentId} ${f.periodId} ${f.subcompetencyId}`, f.rating);
    }
    const changed = resolved.filter((r) => {
      const before = stored.get(`${r.residentId} ${r.periodId} ${r.subcompetencyId}`);
      tally(summary, 'CCC ratings', before === undefined ? 'created' : before === r.rating ? 'unchanged' : 'updated');
      return before !== r.rating;
    });
    for (const batch of chunks(changed)) {
      await tx
        .insert(cccRatings)
        .values(batch.map((r) => ({ residentId: r.residentId, periodId: r.periodId, subcompetencyId: r.subcompetencyId, rating: r.rating, source: 'import' as const })))
        .onConflictDoUpdate({
          target: [cccRatings.residentId, cccRatings.periodId, cccRatings.subcompetencyId],
          // The file is now the source: whoever entered the old value in chat no longer stands behind this one.
          set: { rating: sql.raw('excluded.rating'), source: sql.raw('excluded.source'), ratedById: sql`null`, updatedAt: sql`now()` },
        });
    }
  });
}
