import { and, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import {
  people,
  programMemberships,
  programRole as programRoleEnum,
  programs,
  raterRole as raterRoleEnum,
} from '../../db/schema/index.ts';
import { applyImport, chunks } from '../imports/apply.ts';
import { type CsvRow, parseCalendarDate, parseCsv, splitList } from '../imports/csv.ts';
import { type ImportProblem, type ImportResult, problemsFromZod, tally } from '../imports/problems.ts';

const PROGRAM_ROLES = programRoleEnum.enumValues;
type ProgramRole = (typeof PROGRAM_ROLES)[number];
type RaterRole = (typeof raterRoleEnum.enumValues)[number];

// What residency-management exports call these roles, mapped onto ours.
const ROLE_ALIASES: Record<string, ProgramRole> = {
  attending: 'faculty',
  pd: 'program_director',
  apd: 'associate_program_director',
  associate_pd: 'associate_program_director',
  ccc: 'ccc_member',
  chair: 'ccc_chair',
};

function normalizeWord(value: string): string {
  return value.trim().toLowerCase().replace(/[\s/-]+/g, '_');
}

const emailCell = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: (issue) => `must be an email address, got "${String(issue.input)}"` }));

const optionalDateCell = z.string().transform((value, ctx) => {
  if (value === '') return undefined;
  const date = parseCalendarDate(value);
  if (!date) ctx.addIssue({ code: 'custom', message: `must be a date like 2026-07-01, got "${value}"` });
  return date;
});

/** One validated row of people.csv. */
const personRowSchema = z
  .object({
    email: emailCell,
    name: z.string().trim().min(1, 'must not be empty (use a name column, or first_name and last_name)'),
    program: z.string().trim().min(1, 'must name the program (its slug, e.g. internal-medicine)'),
    role: z.string().transform((value, ctx) => {
      const roles: ProgramRole[] = [];
      for (const part of splitList(value)) {
        const word = normalizeWord(part);
        const role = ROLE_ALIASES[word] ?? (PROGRAM_ROLES as readonly string[]).find((r) => r === word);
        if (!role) {
          ctx.addIssue({ code: 'custom', message: `must be one of ${PROGRAM_ROLES.join(', ')}, got "${part}"` });
          return z.NEVER;
        }
        roles.push(role as ProgramRole);
      }
      if (roles.length === 0) ctx.addIssue({ code: 'custom', message: 'must not be empty' });
      return [...new Set(roles)];
    }),
    pgy: z.string().transform((value, ctx) => {
      if (value === '') return undefined;
      const match = /^(?:pgy[\s-]?)?(\d{1,2})$/i.exec(value.trim());
      const year = match ? Number(match[1]) : Number.NaN;
      if (!(year >= 1 && year <= 7)) {
        ctx.addIssue({ code: 'custom', message: `must be 1-7, got "${value}"` });
        return z.NEVER;
      }
      return year;
    }),
    rater_role: z.string().transform((value, ctx) => {
      if (value === '') return undefined;
      const word = normalizeWord(value);
      const role = raterRoleEnum.enumValues.find((r) => r === word || `${r}s` === word);
      if (!role) {
        ctx.addIssue({ code: 'custom', message: `must be one of ${raterRoleEnum.enumValues.join(', ')}, got "${value}"` });
        return z.NEVER;
      }
      return role as RaterRole;
    }),
    mentor_email: z.string().transform((value, ctx) => {
      if (value.trim() === '') return undefined;
      const parsed = emailCell.safeParse(value);
      if (!parsed.success) ctx.addIssue({ code: 'custom', message: `must be an email address, got "${value}"` });
      return parsed.data;
    }),
    start_date: optionalDateCell,
    end_date: optionalDateCell,
  })
  .superRefine((row, ctx) => {
    const learner = row.role.some((r) => r === 'resident' || r === 'fellow');
    if (learner && row.pgy === undefined) {
      ctx.addIssue({ code: 'custom', path: ['pgy'], message: 'is required for residents and fellows (1-7)' });
    }
    if (!learner && row.pgy !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['pgy'], message: 'is only for residents and fellows' });
    }
    if (row.role.includes('rater') && row.rater_role === undefined) {
      ctx.addIssue({ code: 'custom', path: ['rater_role'], message: `is required for raters (${raterRoleEnum.enumValues.join(', ')})` });
    }
  });

type PersonRow = z.output<typeof personRowSchema> & { line: number };

/** The columns people.csv must have; `name` may instead come as first_name + last_name. */
export const PEOPLE_CSV_COLUMNS = ['email', 'program', 'role'] as const;

function cellsOf(row: CsvRow): Record<string, string> {
  const v = row.values;
  const name = v.name || [v.first_name, v.last_name].filter(Boolean).join(' ');
  return {
    email: v.email ?? '',
    name: name ?? '',
    program: v.program ?? '',
    role: v.role ?? v.roles ?? '',
    pgy: v.pgy ?? '',
    rater_role: v.rater_role ?? '',
    mentor_email: v.mentor_email ?? v.mentor ?? '',
    start_date: v.start_date ?? '',
    end_date: v.end_date ?? '',
  };
}

/**
 * Imports a roster: people by email and their roles per program. Re-importing updates names, PGY and roles of the
 * people in the file (a role no longer listed for a person in that program is removed); people not in the file
 * are left as they are. All-or-nothing: any bad row refuses the whole file.
 */
export async function importPeople(input: { db: Db; text: string; file: string; dryRun: boolean }): Promise<ImportResult> {
  const { db, file } = input;
  const csv = parseCsv(input.text, file, PEOPLE_CSV_COLUMNS);
  if (!csv.ok) return csv;

  const problems: ImportProblem[] = [];
  const rows: PersonRow[] = [];
  for (const row of csv.rows) {
    const parsed = personRowSchema.safeParse(cellsOf(row));
    if (parsed.success) rows.push({ ...parsed.data, line: row.line });
    else problems.push(...problemsFromZod(file, row.line, parsed.error));
  }

  const programRows = await db
    .select({ id: programs.id, slug: programs.slug, institutionId: programs.institutionId })
    .from(programs);
  const programsBySlug = new Map<string, (typeof programRows)[number][]>();
  for (const p of programRows) programsBySlug.set(p.slug, [...(programsBySlug.get(p.slug) ?? []), p]);

  const firstLine = new Map<string, number>();
  const nameOf = new Map<string, { name: string; line: number }>();
  for (const row of rows) {
    const matches = programsBySlug.get(row.program) ?? [];
    if (matches.length === 0) {
      const known = [...programsBySlug.keys()].join(', ') || 'none yet: import programs first';
      problems.push({ file, line: row.line, field: 'program', message: `"${row.program}" is not a known program (known: ${known})` });
    } else if (matches.length > 1) {
      problems.push({ file, line: row.line, field: 'program', message: `"${row.program}" is ambiguous: several institutions use it` });
    }
    const key = `${row.program} ${row.email}`;
    const earlier = firstLine.get(key);
    if (earlier !== undefined) {
      problems.push({
        file,
        line: row.line,
        field: 'email',
        message: `${row.email} is already listed for ${row.program} on line ${earlier}; put all roles in one row (e.g. "faculty;ccc_chair")`,
      });
    } else firstLine.set(key, row.line);
    const named = nameOf.get(row.email);
    if (named && named.name !== row.name) {
      problems.push({ file, line: row.line, field: 'name', message: `"${row.name}" differs from "${named.name}" on line ${named.line} for ${row.email}` });
    } else if (!named) nameOf.set(row.email, { name: row.name, line: row.line });
  }

  const mentorEmails = [...new Set(rows.map((r) => r.mentor_email).filter((e): e is string => e !== undefined))];
  const knownMentors = new Set<string>(rows.map((r) => r.email));
  for (const batch of chunks(mentorEmails.filter((e) => !knownMentors.has(e)))) {
    const found = await db.select({ email: people.email }).from(people).where(inArray(people.email, batch));
    for (const f of found) knownMentors.add(f.email);
  }
  for (const row of rows) {
    if (row.mentor_email && !knownMentors.has(row.mentor_email)) {
      problems.push({ file, line: row.line, field: 'mentor_email', message: `${row.mentor_email} is not in this file or the roster` });
    }
  }

  if (problems.length > 0) {
    problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    return { ok: false, problems };
  }

  return applyImport(db, { dryRun: input.dryRun, kind: 'people', file }, async (tx, summary) => {
    const programOf = (slug: string) => programsBySlug.get(slug)![0]!;

    // People, keyed by (institution, email).
    const wanted = new Map<string, { institutionId: string; email: string; name: string }>();
    for (const row of rows) {
      const institutionId = programOf(row.program).institutionId;
      wanted.set(`${institutionId} ${row.email}`, { institutionId, email: row.email, name: row.name });
    }
    const existing = new Map<string, { id: string; name: string }>();
    const allEmails = [...new Set(rows.map((r) => r.email).concat(mentorEmails))];
    for (const batch of chunks(allEmails)) {
      for (const p of await tx.select().from(people).where(inArray(people.email, batch))) {
        existing.set(`${p.institutionId} ${p.email}`, { id: p.id, name: p.name });
      }
    }
    const toWrite = [...wanted.entries()].filter(([key, p]) => {
      const stored = existing.get(key);
      tally(summary, 'people', !stored ? 'created' : stored.name !== p.name ? 'updated' : 'unchanged');
      return !stored || stored.name !== p.name;
    });
    for (const batch of chunks(toWrite.map(([, p]) => p))) {
      const written = await tx
        .insert(people)
        .values(batch)
        .onConflictDoUpdate({
          target: [people.institutionId, people.email],
          set: { name: sql.raw('excluded.name'), updatedAt: sql`now()` },
        })
        .returning({ id: people.id, institutionId: people.institutionId, email: people.email, name: people.name });
      for (const p of written) existing.set(`${p.institutionId} ${p.email}`, { id: p.id, name: p.name });
    }
    const personId = (institutionId: string, email: string) => existing.get(`${institutionId} ${email}`)!.id;

    // Roles, keyed by (program, person, role); a role dropped from a person's row is removed.
    type Membership = typeof programMemberships.$inferInsert;
    const desired: Membership[] = [];
    for (const row of rows) {
      const program = programOf(row.program);
      const person = personId(program.institutionId, row.email);
      const mentorId = row.mentor_email ? personId(program.institutionId, row.mentor_email) : null;
      for (const role of row.role) {
        const learner = role === 'resident' || role === 'fellow';
        desired.push({
          programId: program.id,
          personId: person,
          role,
          pgy: learner ? (row.pgy ?? null) : null,
          raterRole: role === 'rater' ? (row.rater_role ?? null) : null,
          startsOn: row.start_date ?? null,
          endsOn: row.end_date ?? null,
          mentorId: learner ? mentorId : null,
        });
      }
    }
    const personIds = [...new Set(desired.map((m) => m.personId))];
    const programIds = [...new Set(desired.map((m) => m.programId))];
    const stored = new Map<string, typeof programMemberships.$inferSelect>();
    for (const batch of chunks(personIds)) {
      const found = await tx
        .select()
        .from(programMemberships)
        .where(and(inArray(programMemberships.personId, batch), inArray(programMemberships.programId, programIds)));
      for (const m of found) stored.set(`${m.programId} ${m.personId} ${m.role}`, m);
    }
    const same = (a: Membership, b: typeof programMemberships.$inferSelect) =>
      (a.pgy ?? null) === b.pgy &&
      (a.raterRole ?? null) === b.raterRole &&
      (a.startsOn ?? null) === b.startsOn &&
      (a.endsOn ?? null) === b.endsOn &&
      (a.mentorId ?? null) === b.mentorId;
    const changed: Membership[] = [];
    const keep = new Set<string>();
    for (const m of desired) {
      const key = `${m.programId} ${m.personId} ${m.role}`;
      keep.add(key);
      const before = stored.get(key);
      tally(summary, 'program roles', !before ? 'created' : same(m, before) ? 'unchanged' : 'updated');
      if (!before || !same(m, before)) changed.push(m);
    }
    for (const batch of chunks(changed)) {
      await tx
        .insert(programMemberships)
        .values(batch)
        .onConflictDoUpdate({
          target: [programMemberships.programId, programMemberships.personId, programMemberships.role],
          set: {
            pgy: sql.raw('excluded.pgy'),
            raterRole: sql.raw('excluded.rater_role'),
            startsOn: sql.raw('excluded.starts_on'),
            endsOn: sql.raw('excluded.ends_on'),
            mentorId: sql.raw('excluded.mentor_id'),
          },
        });
    }
    const dropped = [...stored.entries()].filter(([key]) => !keep.has(key)).map(([, m]) => m.id);
    for (const batch of chunks(dropped)) await tx.delete(programMemberships).where(inArray(programMemberships.id, batch));
    tally(summary, 'program roles', 'removed', dropped.length);
  });
}
