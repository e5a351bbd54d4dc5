import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { asc, eq, sql } from 'drizzle-orm';
import { importMilestoneSet } from '../core/milestone-sets/import-milestone-set.ts';
import { importPeople } from '../core/people/import-people.ts';
import { importPrograms } from '../core/programs/import-programs.ts';
import { formatProblem, type ImportResult } from '../core/imports/problems.ts';
import { importRotationMap } from '../core/rotations/import-rotation-map.ts';
import { importRotationSchedule } from '../core/rotations/import-rotation-schedule.ts';
import { type Db, openDatabase } from '../db/client.ts';
import { createDemoCards, type DemoCards } from './demo-cards.ts';
import { runDemoDigest } from './demo-digest.ts';
import { runDemoFeedbackLoop } from './demo-feedback-loop.ts';
import { runDemoGrowth } from './demo-growth.ts';
import { runDemoMultisource } from './demo-multisource.ts';
import {
  assignmentSupervisors,
  people,
  programMemberships,
  programs,
  reportingPeriods,
  rotationAssignments,
  rotationSubcompetencies,
  rotations,
  subcompetencies,
} from '../db/schema/index.ts';

const CONTENT = fileURLToPath(new URL('../../content/', import.meta.url));

/** The demo goes through the same importers a program uses, with the files in content/demo as its input. */
const DEMO_IMPORTS: { file: string; run: (input: { db: Db; text: string; file: string; dryRun: boolean }) => Promise<ImportResult> }[] = [
  { file: 'milestones/harmonized-2.0.yaml', run: importMilestoneSet },
  { file: 'milestones/internal-medicine-2.0.yaml', run: importMilestoneSet },
  { file: 'demo/programs.yaml', run: importPrograms },
  { file: 'demo/people.csv', run: importPeople },
  { file: 'demo/rotation-map.yaml', run: importRotationMap },
  { file: 'demo/rotations.csv', run: importRotationSchedule },
];

/**
 * `npm run demo`: a whole demo program in an in-memory PGlite, no server and no credentials needed. As `cards`
 * (`--cards`) it prints every message, reply and form of the half-year as Teams Adaptive Card JSON on `out`, one
 * JSON document, and the story that is otherwise printed goes to `err`, so the JSON can be piped on its own.
 */
export async function runDemo({
  out,
  err = out,
  format = 'text',
}: {
  out: (line: string) => void;
  err?: (line: string) => void;
  format?: 'text' | 'cards';
}): Promise<number> {
  const database = await openDatabase({ engine: 'pglite', dataDir: 'memory://' });
  const tell = format === 'cards' ? err : out;
  try {
    await database.migrate();
    const { db } = database;
    tell('Stepping Stones demo — an in-memory database (PGlite); nothing is written to disk.\n');
    for (const step of DEMO_IMPORTS) {
      const text = await readFile(`${CONTENT}${step.file}`, 'utf8');
      const result = await step.run({ db, text, file: step.file, dryRun: false });
      if (!result.ok) {
        for (const problem of result.problems) tell(formatProblem(problem));
        return 1;
      }
      const created = Object.entries(result.summary)
        .filter(([, c]) => c.created > 0)
        .map(([kind, c]) => `${c.created} ${kind}`)
        .join(', ');
      tell(`Imported content/${step.file}: ${created}`);
    }
    const cards: DemoCards | undefined = format === 'cards' ? createDemoCards(db) : undefined;
    await describeDemoProgram(db, tell);
    await runDemoFeedbackLoop(db, tell, cards);
    await runDemoMultisource(db, tell, cards);
    await runDemoGrowth(db, tell, cards);
    await runDemoDigest(db, tell, cards);
    if (cards) {
      await cards.takeOutbox();
      out(JSON.stringify(cards.entries, null, 2));
      tell(`\nPrinted ${cards.entries.length} messages, replies and forms as Adaptive Cards (${cards.entries.reduce((n, e) => n + e.cards.length, 0)} cards).`);
    }
    return 0;
  } finally {
    await database.close();
  }
}

async function describeDemoProgram(db: Db, out: (line: string) => void): Promise<void> {
  const [program] = await db.select().from(programs);
  if (!program) return;
  out(`\n${program.name} (${program.specialty}, ${program.timeZone}, milestones ${program.milestoneSetCode} ${program.milestoneSetVersion})`);

  const roster = await db
    .select({ name: people.name, role: programMemberships.role, pgy: programMemberships.pgy, raterRole: programMemberships.raterRole })
    .from(programMemberships)
    .innerJoin(people, eq(people.id, programMemberships.personId))
    .where(eq(programMemberships.programId, program.id))
    .orderBy(asc(programMemberships.pgy), asc(people.name));
  for (const pgy of [1, 2, 3]) {
    const names = roster.filter((r) => r.role === 'resident' && r.pgy === pgy).map((r) => r.name);
    out(`  PGY-${pgy} residents (${names.length}): ${names.join(', ')}`);
  }
  const faculty = roster.filter((r) => r.role === 'faculty').map((r) => r.name);
  out(`  Faculty (${faculty.length}): ${faculty.join(', ')}`);
  const leaders = roster
    .filter((r) => ['program_director', 'associate_program_director', 'ccc_chair', 'coordinator'].includes(r.role))
    .map((r) => `${r.name} (${r.role.replaceAll('_', ' ')})`);
  out(`  Leadership: ${leaders.join(', ')}`);
  const raters = roster.filter((r) => r.role === 'rater').map((r) => `${r.name} (${r.raterRole?.replaceAll('_', ' ')})`);
  out(`  360 raters (${raters.length}): ${raters.join(', ')}`);

  const periods = await db.select().from(reportingPeriods).where(eq(reportingPeriods.programId, program.id)).orderBy(asc(reportingPeriods.startsOn));
  out(`  Reporting periods: ${periods.map((p) => `${p.code} (${p.startsOn} – ${p.endsOn})`).join(', ')}`);

  out('\nRotations and the subcompetencies they assess:');
  const mapped = await db
    .select({ code: rotations.code, name: rotations.name, site: rotations.site, sub: subcompetencies.code })
    .from(rotations)
    .innerJoin(rotationSubcompetencies, eq(rotationSubcompetencies.rotationId, rotations.id))
    .innerJoin(subcompetencies, eq(subcompetencies.id, rotationSubcompetencies.subcompetencyId))
    .orderBy(asc(rotations.code), asc(subcompetencies.position));
  const byRotation = new Map<string, string[]>();
  for (const m of mapped) {
    const key = `${m.code.padEnd(8)} ${m.name} @ ${m.site}`;
    byRotation.set(key, [...(byRotation.get(key) ?? []), m.sub]);
  }
  for (const [rotation, subs] of byRotation) out(`  ${rotation}: ${subs.join(' ')}`);

  out('\nHalf-year block schedule (rotation per month):');
  const schedule = await db
    .select({ resident: people.name, pgy: programMemberships.pgy, startsOn: rotationAssignments.startsOn, rotation: rotations.code })
    .from(rotationAssignments)
    .innerJoin(rotations, eq(rotations.id, rotationAssignments.rotationId))
    .innerJoin(people, eq(people.id, rotationAssignments.residentId))
    .innerJoin(programMemberships, sql`${programMemberships.personId} = ${people.id} and ${programMemberships.role} = 'resident'`)
    .orderBy(asc(programMemberships.pgy), asc(people.name), asc(rotationAssignments.startsOn));
  const months = [...new Set(schedule.map((s) => s.startsOn))].sort();
  const monthName = (iso: string) => new Date(`${iso}T12:00:00Z`).toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  out(`  ${'Resident'.padEnd(22)}${months.map((m) => monthName(m).padEnd(9)).join('')}`);
  const residents = [...new Set(schedule.map((s) => `${s.resident} (${s.pgy})`))];
  for (const resident of residents) {
    const row = months.map((m) => (schedule.find((s) => `${s.resident} (${s.pgy})` === resident && s.startsOn === m)?.rotation ?? '—').padEnd(9));
    out(`  ${resident.padEnd(22)}${row.join('')}`);
  }
  const [assignmentCount] = await db.select({ n: sql<number>`count(*)::int` }).from(rotationAssignments);
  const [supervisorCount] = await db.select({ n: sql<number>`count(*)::int` }).from(assignmentSupervisors);
  out(`\n${assignmentCount?.n ?? 0} rotation assignments with ${supervisorCount?.n ?? 0} supervising-faculty links loaded.`);
}
