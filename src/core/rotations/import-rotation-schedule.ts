import { and, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import {
  assignmentSupervisors,
  people,
  programMemberships,
  programs,
  rotationAssignments,
  rotations,
} from '../../db/schema/index.ts';
import { applyImport, chunks } from '../imports/apply.ts';
import { type CsvRow, parseCalendarDate, parseCsv, splitList } from '../imports/csv.ts';
import { type ImportProblem, type ImportResult, problemsFromZod, tally } from '../imports/problems.ts';

const dateCell = z.string().transform((value, ctx) => {
  const date = parseCalendarDate(value.trim());
  if (!date) {
    ctx.addIssue({ code: 'custom', message: value.trim() === '' ? 'is required (YYYY-MM-DD)' : `must be a date like 2026-07-01, got "${value}"` });
    return z.NEVER;
  }
  return date;
});

const emailList = z.string().transform((value, ctx) => {
  const emails = splitList(value).map((e) => e.toLowerCase());
  for (const email of emails) {
    if (!z.email().safeParse(email).success) ctx.addIssue({ code: 'custom', message: `must be email addresses separated by ";", got "${email}"` });
  }
  return [...new Set(emails)];
});

/** One validated row of a rotation schedule export. */
const assignmentRowSchema = z
  .object({
    program: z.string().trim().min(1, 'must name the program (its slug)'),
    rotation: z.string().trim().min(1, 'must name the rotation (its code, e.g. WARDS-A)'),
    rotation_name: z.string().trim(),
    site: z.string().trim(),
    resident_email: z.string().trim().toLowerCase().pipe(z.email({ error: (i) => `must be an email address, got "${String(i.input)}"` })),
    start_date: dateCell,
    end_date: dateCell,
    faculty_emails: emailList,
  })
  .superRefine((row, ctx) => {
    if (row.end_date < row.start_date) {
      ctx.addIssue({ code: 'custom', path: ['end_date'], message: `${row.end_date} is before start_date ${row.start_date}` });
    }
  });

type AssignmentRow = z.output<typeof assignmentRowSchema> & { line: number };

export const ROTATION_SCHEDULE_COLUMNS = ['program', 'rotation', 'resident_email', 'start_date', 'end_date'] as const;

function cellsOf(row: CsvRow): Record<string, string> {
  const v = row.values;
  return {
    program: v.program ?? '',
    rotation: v.rotation ?? v.rotation_code ?? '',
    rotation_name: v.rotation_name ?? '',
    site: v.site ?? '',
    resident_email: v.resident_email ?? '',
    start_date: v.start_date ?? '',
    end_date: v.end_date ?? '',
    faculty_emails: v.faculty_emails ?? v.supervising_faculty ?? v.faculty ?? '',
  };
}

const SUPERVISOR_ROLES = ['faculty', 'program_director', 'associate_program_director'] as const;

/**
 * Imports a block schedule: who is on which rotation when, and who supervised them. Keyed by
 * (rotation, resident, start date), so a corrected export updates end dates and supervisors instead of adding
 * blocks. Rotations not yet defined are created from the code (and name/site columns when present).
 */
export async function importRotationSchedule(input: { db: Db; text: string; file: string; dryRun: boolean }): Promise<ImportResult> {
  const { db, file } = input;
  const csv = parseCsv(input.text, file, ROTATION_SCHEDULE_COLUMNS);
  if (!csv.ok) return csv;

  const problems: ImportProblem[] = [];
  const rows: AssignmentRow[] = [];
  for (const row of csv.rows) {
    const parsed = assignmentRowSchema.safeParse(cellsOf(row));
    if (parsed.success) rows.push({ ...parsed.data, line: row.line });
    else problems.push(...problemsFromZod(file, row.line, parsed.error));
  }

  const slugs = [...new Set(rows.map((r) => r.program))];
  const programRows = slugs.length ? await db.select().from(programs).where(inArray(programs.slug, slugs)) : [];
  const programBySlug = new Map(programRows.map((p) => [p.slug, p]));

  // Who may be scheduled (residents, fellows) and who may supervise, per program, by email.
  const learners = new Map<string, string>();
  const supervisors = new Map<string, string>();
  const emails = [...new Set(rows.flatMap((r) => [r.resident_email, ...r.faculty_emails]))];
  for (const batch of chunks(emails)) {
    const found = await db
      .select({ email: people.email, personId: people.id, programId: programMemberships.programId, role: programMemberships.role })
      .from(people)
      .innerJoin(programMemberships, eq(programMemberships.personId, people.id))
      .where(inArray(people.email, batch));
    for (const f of found) {
      if (f.role === 'resident' || f.role === 'fellow') learners.set(`${f.programId} ${f.email}`, f.personId);
      if ((SUPERVISOR_ROLES as readonly string[]).includes(f.role)) supervisors.set(`${f.programId} ${f.email}`, f.personId);
    }
  }

  const seen = new Map<string, number>();
  for (const row of rows) {
    const program = programBySlug.get(row.program);
    if (!program) {
      problems.push({ file, line: row.line, field: 'program', message: `"${row.program}" is not a known program` });
      continue;
    }
    if (!learners.has(`${program.id} ${row.resident_email}`)) {
      problems.push({ file, line: row.line, field: 'resident_email', message: `${row.resident_email} is not a resident or fellow of ${row.program}; import people first` });
    }
    for (const email of row.faculty_emails) {
      if (!supervisors.has(`${program.id} ${email}`)) {
        problems.push({ file, line: row.line, field: 'faculty_emails', message: `${email} is not faculty of ${row.program}` });
      }
    }
    const key = `${row.program} ${row.rotation} ${row.resident_email} ${row.start_date}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      problems.push({ file, line: row.line, message: `repeats line ${earlier} (same rotation, resident and start date)` });
    } else seen.set(key, row.line);
  }
  if (problems.length > 0) {
    problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    return { ok: false, problems };
  }

  return applyImport(db, { dryRun: input.dryRun, kind: 'rotations', file }, async (tx, summary) => {
    // Rotations, keyed by (program, code).
    const programIds = [...new Set(rows.map((r) => programBySlug.get(r.program)!.id))];
    const rotationByKey = new Map<string, typeof rotations.$inferSelect>();
    for (const r of await tx.select().from(rotations).where(inArray(rotations.programId, programIds))) {
      rotationByKey.set(`${r.programId} ${r.code}`, r);
    }
    const rotationDefinitions = new Map<string, { programId: string; code: string; name: string | undefined; site: string | undefined }>();
    for (const row of rows) {
      const programId = programBySlug.get(row.program)!.id;
      const key = `${programId} ${row.rotation}`;
      const definition = rotationDefinitions.get(key) ?? { programId, code: row.rotation, name: undefined, site: undefined };
      definition.name ||= row.rotation_name || undefined;
      definition.site ||= row.site || undefined;
      rotationDefinitions.set(key, definition);
    }
    for (const [key, definition] of rotationDefinitions) {
      const stored = rotationByKey.get(key);
      if (!stored) {
        const [created] = await tx
          .insert(rotations)
          .values({ programId: definition.programId, code: definition.code, name: definition.name ?? definition.code, site: definition.site ?? null })
          .returning();
        rotationByKey.set(key, created!);
        tally(summary, 'rotations', 'created');
        continue;
      }
      const name = definition.name ?? stored.name;
      const site = definition.site ?? stored.site;
      if (name !== stored.name || site !== stored.site) {
        await tx.update(rotations).set({ name, site }).where(eq(rotations.id, stored.id));
        tally(summary, 'rotations', 'updated');
      } else tally(summary, 'rotations', 'unchanged');
    }

    // Assignments, keyed by (rotation, resident, start).
    const rotationIds = [...rotationByKey.values()].map((r) => r.id);
    const storedAssignments = new Map<string, { id: string; endsOn: string }>();
    for (const batch of chunks(rotationIds)) {
      const found = await tx
        .select({ id: rotationAssignments.id, rotationId: rotationAssignments.rotationId, residentId: rotationAssignments.residentId, startsOn: rotationAssignments.startsOn, endsOn: rotationAssignments.endsOn })
        .from(rotationAssignments)
        .where(inArray(rotationAssignments.rotationId, batch));
      for (const a of found) storedAssignments.set(`${a.rotationId} ${a.residentId} ${a.startsOn}`, a);
    }
    const wanted = rows.map((row) => {
      const programId = programBySlug.get(row.program)!.id;
      return {
        row,
        programId,
        values: {
          rotationId: rotationByKey.get(`${programId} ${row.rotation}`)!.id,
          residentId: learners.get(`${programId} ${row.resident_email}`)!,
          startsOn: row.start_date,
          endsOn: row.end_date,
        },
      };
    });
    const assignmentIds = new Map<string, string>();
    const toWrite: (typeof wanted)[number]['values'][] = [];
    for (const { values } of wanted) {
      const key = `${values.rotationId} ${values.residentId} ${values.startsOn}`;
      const stored = storedAssignments.get(key);
      if (stored) assignmentIds.set(key, stored.id);
      tally(summary, 'assignments', !stored ? 'created' : stored.endsOn !== values.endsOn ? 'updated' : 'unchanged');
      if (!stored || stored.endsOn !== values.endsOn) toWrite.push(values);
    }
    for (const batch of chunks(toWrite)) {
      const written = await tx
        .insert(rotationAssignments)
        .values(batch)
        .onConflictDoUpdate({
          target: [rotationAssignments.rotationId, rotationAssignments.residentId, rotationAssignments.startsOn],
          set: { endsOn: sql.raw('excluded.ends_on') },
        })
        .returning({ id: rotationAssignments.id, rotationId: rotationAssignments.rotationId, residentId: rotationAssignments.residentId, startsOn: rotationAssignments.startsOn });
      for (const a of written) assignmentIds.set(`${a.rotationId} ${a.residentId} ${a.startsOn}`, a.id);
    }

    // Supervisors of each assignment in the file are made to match the file.
    const desired = new Set<string>();
    for (const { row, programId, values } of wanted) {
      const assignmentId = assignmentIds.get(`${values.rotationId} ${values.residentId} ${values.startsOn}`)!;
      for (const email of row.faculty_emails) desired.add(`${assignmentId} ${supervisors.get(`${programId} ${email}`)!}`);
    }
    const storedSupervisors = new Set<string>();
    for (const batch of chunks([...new Set(assignmentIds.values())])) {
      const found = await tx.select().from(assignmentSupervisors).where(inArray(assignmentSupervisors.assignmentId, batch));
      for (const s of found) storedSupervisors.add(`${s.assignmentId} ${s.facultyId}`);
    }
    const added = [...desired].filter((k) => !storedSupervisors.has(k));
    const removed = [...storedSupervisors].filter((k) => !desired.has(k));
    tally(summary, 'supervisors', 'created', added.length);
    tally(summary, 'supervisors', 'unchanged', desired.size - added.length);
    tally(summary, 'supervisors', 'removed', removed.length);
    const pairs = (keys: string[]) => keys.map((k) => ({ assignmentId: k.split(' ')[0]!, facultyId: k.split(' ')[1]! }));
    for (const batch of chunks(pairs(added))) await tx.insert(assignmentSupervisors).values(batch);
    for (const { assignmentId, facultyId } of pairs(removed)) {
      await tx
        .delete(assignmentSupervisors)
        .where(and(eq(assignmentSupervisors.assignmentId, assignmentId), eq(assignmentSupervisors.facultyId, facultyId)));
    }
  });
}
