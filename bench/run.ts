/**
 * `npm run bench [-- CASE…] [--scale 0.1] [--rate 100] [--seconds 10]`: the project's benchmarks. With no case
 * named, every case runs, each in a fresh process (so one case's peak RSS never shows in another's figures).
 *
 * - `import`: imports a generated institution (programs, people, two academic years of rotation assignments) into
 *   PGlite in memory and, when BENCH_DATABASE_URL or TEST_DATABASE_URL names a server, into a fresh PostgreSQL
 *   database; then imports the same files again (nothing changes). Prints rows/s per step and the
 *   PGlite/PostgreSQL ratio measured in this same run. `--scale` sizes the institution.
 * - `ack`: ack latency of `/feedback`, a button click and a modal submission through the real HTTP receiver, ours
 *   against a bare Bolt app in the same run, and the bot process's peak RSS (see ack-latency.ts). `--rate`
 *   requests/s (default 100) for `--seconds` per kind and app.
 * - `teams`: invoke latency of an answer-form card submission through the real `/api/messages` endpoint with valid
 *   Bot Framework JWTs, ours against a bare Teams SDK app in the same run (see teams-invoke.ts). `--rate`
 *   submissions/s (default 20) for `--seconds` per app.
 * - `digest`: every program's CCC digest (data and messages) for 1,500 residents with two years of feedback, 360s,
 *   CCC and self ratings and goals, against reading the same rows raw (see digest.ts).
 * - `charts`: trend chart PNGs, median and p95 per chart, against encoding a blank canvas (see charts.ts).
 * - `fanout`: 5,000 end-of-rotation prompts enqueued against a plain insert of the same rows, and delivery
 *   throughput through the outbox to the fake Slack against direct calls (see fanout.ts).
 *
 * `--postgres URL` (or BENCH_DATABASE_URL / TEST_DATABASE_URL) adds PostgreSQL to the cases that use a database;
 * `--list` names the cases.
 *
 * The project compares against a baseline measured alongside, never against absolute thresholds alone.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { type Database, databaseFromPostgresUrl, openDatabase } from '../src/db/client.ts';
import { type ImportResult, type ImportSummary, formatProblem } from '../src/core/imports/problems.ts';
import { importPeople } from '../src/core/people/import-people.ts';
import { importPrograms } from '../src/core/programs/import-programs.ts';
import { importRotationSchedule } from '../src/core/rotations/import-rotation-schedule.ts';
import { benchServerUrl } from './engines.ts';
import { generateInstitution, type InstitutionFiles, scaled } from './institution.ts';
import { printTable } from './load-kit.ts';

type Engine = 'pglite' | 'postgres';
type Pass = 'import' | 're-import';
type Step = 'programs' | 'people' | 'schedule';
const STEPS: readonly Step[] = ['programs', 'people', 'schedule'];
const PASSES: readonly Pass[] = ['import', 're-import'];

/** The PostgreSQL server, when there is one. */
const serverUrl = benchServerUrl();

const CASES = ['import', 'ack', 'teams', 'digest', 'charts', 'fanout'] as const;
type Case = (typeof CASES)[number];

/** Thrown after an importer refused its file and the problems were printed. */
class StopBench extends Error {}

interface Timing {
  engine: Engine;
  pass: Pass;
  step: Step | 'total';
  rows: number;
  seconds: number;
}

const { values: args, positionals } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    // Per case when not given: ack 100/s, teams 20/s.
    rate: { type: 'string' },
    seconds: { type: 'string', default: '10' },
    postgres: { type: 'string' },
    list: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});
const scale = positiveNumber('scale', args.scale);
const ackRate = positiveNumber('rate', args.rate ?? '100');
const teamsRate = positiveNumber('rate', args.rate ?? '20');
const ackSeconds = positiveNumber('seconds', args.seconds);
if (args.list) {
  console.log(`bench cases: ${CASES.join(', ')} (npm run bench -- CASE…; none named runs them all)`);
  process.exit(0);
}
const unknownCases = positionals.filter((name) => !(CASES as readonly string[]).includes(name));
if (unknownCases.length > 0) {
  console.error(`unknown bench case(s): ${unknownCases.join(', ')}; the cases are: ${CASES.join(', ')}`);
  process.exit(2);
}
const cases = positionals.length > 0 ? [...new Set(positionals as Case[])] : [...CASES];

if (cases.length === 1) {
  const only = cases[0]!;
  if (only === 'import') await runImportBench();
  else if (only === 'digest') await (await import('./digest.ts')).runDigestBench(scale);
  else if (only === 'charts') await (await import('./charts.ts')).runChartsBench();
  else if (only === 'fanout') await (await import('./fanout.ts')).runFanoutBench();
  else if (only === 'teams') {
    const { runTeamsInvokeBench } = await import('./teams-invoke.ts');
    if (!(await runTeamsInvokeBench({ rate: teamsRate, seconds: ackSeconds }))) process.exitCode = 1;
  } else {
    // Loaded only for this case, so the import case's start-up RSS stays what it was (no Bolt, no fake Slack).
    const { runAckLatencyBench } = await import('./ack-latency.ts');
    if (!(await runAckLatencyBench({ rate: ackRate, seconds: ackSeconds }))) process.exitCode = 1;
  }
} else {
  // One process per case: maxRSS never decreases, so a case run after another would report the other's peak.
  const runTs = fileURLToPath(new URL('../bin/run-ts.js', import.meta.url));
  const self = fileURLToPath(import.meta.url);
  const flags = [
    '--scale',
    args.scale,
    ...(args.rate ? ['--rate', args.rate] : []),
    '--seconds',
    args.seconds,
    ...(args.postgres ? ['--postgres', args.postgres] : []),
  ];
  const failed: string[] = [];
  for (const [i, name] of cases.entries()) {
    if (i > 0) console.log('');
    console.log(`== bench ${name} ==`);
    const child = spawn(process.execPath, [runTs, self, name, ...flags], { stdio: 'inherit' });
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    if (code !== 0) failed.push(`${name} (${signal ?? `exit ${code}`})`);
  }
  if (failed.length > 0) {
    console.error(`\nbench cases that failed: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

function positiveNumber(name: string, text: string): number {
  const value = Number(text);
  if (!(value > 0) || !Number.isFinite(value)) {
    console.error(`--${name} must be a positive number, got "${text}"`);
    process.exit(2);
  }
  return value;
}

async function runImportBench(): Promise<void> {
  const rssAtStart = process.resourceUsage().maxRSS;

  const generatedAt = performance.now();
  const files = generateInstitution(scaled(scale));
  const generateSeconds = (performance.now() - generatedAt) / 1000;
  const { size, rows } = files;
  console.log(
    `institution (scale ${scale}): ${size.programs} programs, ${size.residents} residents, ${size.faculty} faculty, ` +
      `${size.academicYears} academic years × ${size.blocksPerYear} blocks from ${size.firstAcademicYear}-07-01`,
  );
  console.log(
    `files: programs.yaml ${rows.programs} programs, people.csv ${rows.people} rows, schedule.csv ${rows.schedule} rows ` +
      `(${kib(files.programsYaml.length + files.peopleCsv.length + files.scheduleCsv.length)} KiB, generated in ${generateSeconds.toFixed(2)} s)`,
  );

  const peakRss: [string, number][] = [
    ['at start', rssAtStart],
    ['after generating the files', process.resourceUsage().maxRSS],
  ];

  const engines: Engine[] = serverUrl ? ['pglite', 'postgres'] : ['pglite'];
  if (!serverUrl) {
    console.log('postgres: SKIPPED: neither BENCH_DATABASE_URL nor TEST_DATABASE_URL is set, so there is no server to measure;');
    console.log('          no PGlite/PostgreSQL ratio this run (set e.g. TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)');
  }

  const timings: Timing[] = [];
  const firstSummaries = new Map<Engine, ImportSummary[]>();
  let failed = false;

  for (const engine of engines) {
    const opened = await openEngine(engine);
    try {
      const migratedAt = performance.now();
      await opened.database.migrate();
      console.log(`${engine}: fresh database ${opened.label}, migrated in ${((performance.now() - migratedAt) / 1000).toFixed(2)} s`);
      for (const pass of PASSES) {
        const summaries: ImportSummary[] = [];
        for (const step of STEPS) {
          const started = performance.now();
          const result = await runStep(opened.database, step, files);
          const seconds = (performance.now() - started) / 1000;
          if (!result.ok) {
            console.error(`${engine} ${pass} ${step}: refused with ${result.problems.length} problem(s):`);
            for (const problem of result.problems.slice(0, 20)) console.error(`  ${formatProblem(problem)}`);
            if (result.problems.length > 20) console.error(`  … and ${result.problems.length - 20} more`);
            process.exitCode = 1;
            throw new StopBench();
          }
          timings.push({ engine, pass, step, rows: rowsOf(step, files), seconds });
          summaries.push(result.summary);
        }
        const passTimings = timings.filter((t) => t.engine === engine && t.pass === pass);
        timings.push({
          engine,
          pass,
          step: 'total',
          rows: passTimings.reduce((sum, t) => sum + t.rows, 0),
          seconds: passTimings.reduce((sum, t) => sum + t.seconds, 0),
        });
        if (pass === 'import') {
          firstSummaries.set(engine, summaries);
          console.log(`${engine}: imported ${compact(summaries)}`);
        } else {
          const changes = changesIn(summaries);
          if (changes.length > 0) {
            console.error(`${engine}: the re-import of the same files changed rows: ${changes.join('; ')}`);
            failed = true;
          }
        }
      }
    } catch (error) {
      if (!(error instanceof StopBench)) throw error;
      await opened.close();
      process.exit(1);
    }
    await opened.close();
    peakRss.push([`after ${engine}`, process.resourceUsage().maxRSS]);
  }

  if (engines.length === 2 && JSON.stringify(firstSummaries.get('pglite')) !== JSON.stringify(firstSummaries.get('postgres'))) {
    console.error('the two engines reported different import counts:');
    console.error(`  pglite:   ${compact(firstSummaries.get('pglite') ?? [])}`);
    console.error(`  postgres: ${compact(firstSummaries.get('postgres') ?? [])}`);
    failed = true;
  }

  console.log('');
  printTable(
    ['engine', 'pass', 'step', 'rows', 'seconds', 'rows/s'],
    timings.map((t) => [t.engine, t.pass, t.step, String(t.rows), t.seconds.toFixed(2), rate(t)]),
    [false, false, false, true, true, true],
  );

  if (engines.length === 2) {
    console.log('');
    console.log('PGlite/PostgreSQL, rows/s ratio measured in this run (baseline: PostgreSQL, same files, same process):');
    const rowsOut: string[][] = [];
    for (const pass of PASSES) {
      for (const step of [...STEPS, 'total'] as const) {
        const lite = timings.find((t) => t.engine === 'pglite' && t.pass === pass && t.step === step)!;
        const pg = timings.find((t) => t.engine === 'postgres' && t.pass === pass && t.step === step)!;
        rowsOut.push([pass, step, rate(lite), rate(pg), (pg.seconds / lite.seconds).toFixed(2)]);
      }
    }
    printTable(['pass', 'step', 'pglite rows/s', 'postgres rows/s', 'pglite/postgres'], rowsOut, [false, false, true, true, true]);
  }

  console.log('');
  console.log(
    `peak RSS of this process (maxRSS, never decreases): ${peakRss.map(([when, kb]) => `${(kb / 1024).toFixed(0)} MiB ${when}`).join(', ')}`,
  );
  console.log('  PGlite runs in-process (its WebAssembly heap counts here); the PostgreSQL server’s own memory does not.');
  if (failed) process.exitCode = 1;
}

// ————————————————————————————————————————————————————————————————————————————————————————————————

function runStep(database: Database, step: Step, input: InstitutionFiles): Promise<ImportResult> {
  const db = database.db;
  if (step === 'programs') return importPrograms({ db, text: input.programsYaml, file: 'programs.yaml', dryRun: false });
  if (step === 'people') return importPeople({ db, text: input.peopleCsv, file: 'people.csv', dryRun: false });
  return importRotationSchedule({ db, text: input.scheduleCsv, file: 'schedule.csv', dryRun: false });
}

function rowsOf(step: Step, input: InstitutionFiles): number {
  return step === 'programs' ? input.rows.programs : step === 'people' ? input.rows.people : input.rows.schedule;
}

/** A fresh database per engine: PGlite in memory, or `ss_bench_<pid>` on the server (dropped on close). */
async function openEngine(engine: Engine): Promise<{ database: Database; label: string; close(): Promise<void> }> {
  if (engine === 'pglite') {
    const database = await openDatabase({ engine: 'pglite', dataDir: 'memory://' });
    return { database, label: 'memory://', close: () => database.close() };
  }
  const name = `ss_bench_${process.pid}`;
  const url = new URL(serverUrl!);
  const admin = postgres(serverUrl!, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  url.pathname = `/${name}`;
  const database = databaseFromPostgresUrl(url.toString());
  return {
    database,
    label: `${name} on ${url.host}`,
    close: async () => {
      await database.close();
      const dropper = postgres(serverUrl!, { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

function rate(t: Timing): string {
  return Math.round(t.rows / t.seconds).toLocaleString('en-US');
}

function kib(chars: number): string {
  return Math.round(chars / 1024).toLocaleString('en-US');
}

/** `people 2100 new, program roles 2730 new, …` for one pass. */
function compact(summaries: ImportSummary[]): string {
  const parts: string[] = [];
  for (const summary of summaries) {
    for (const [kind, c] of Object.entries(summary)) {
      const counts = [
        c.created ? `${c.created} new` : '',
        c.updated ? `${c.updated} updated` : '',
        c.unchanged ? `${c.unchanged} unchanged` : '',
        c.removed ? `${c.removed} removed` : '',
      ].filter(Boolean);
      parts.push(`${kind} ${counts.join('/') || '0'}`);
    }
  }
  return parts.join(', ');
}

function changesIn(summaries: ImportSummary[]): string[] {
  const changes: string[] = [];
  for (const summary of summaries) {
    for (const [kind, c] of Object.entries(summary)) {
      if (c.created || c.updated || c.removed) changes.push(`${kind}: ${c.created} new, ${c.updated} updated, ${c.removed} removed`);
    }
  }
  return changes;
}

