/**
 * The databases a benchmark runs on: PGlite in memory always, and PostgreSQL when `--postgres URL`,
 * BENCH_DATABASE_URL or TEST_DATABASE_URL names a server (a fresh database there, dropped on close).
 */
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { type Database, databaseFromPostgresUrl, openDatabase } from '../src/db/client.ts';

export type Engine = 'pglite' | 'postgres';

export interface OpenedEngine {
  engine: Engine;
  database: Database;
  label: string;
  close(): Promise<void>;
}

/** The PostgreSQL server benchmarks use, if any: `--postgres URL` wins over the environment. */
export function benchServerUrl(argv: readonly string[] = process.argv): string | undefined {
  const flag = argv.indexOf('--postgres');
  const fromFlag = flag >= 0 ? argv[flag + 1] : argv.find((a) => a.startsWith('--postgres='))?.slice('--postgres='.length);
  return fromFlag || process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || undefined;
}

/** The engines to measure, printing why PostgreSQL is skipped when there is no server. */
export function benchEngines(serverUrl: string | undefined): Engine[] {
  if (serverUrl) return ['pglite', 'postgres'];
  console.log('postgres: SKIPPED: no --postgres URL, BENCH_DATABASE_URL or TEST_DATABASE_URL, so there is no server to measure');
  console.log('          (e.g. TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench -- CASE)');
  return ['pglite'];
}

/** A fresh, migrated database: PGlite in memory, or `ss_bench_<pid>_<n>` on the server (dropped on close). */
export async function openEngine(engine: Engine, serverUrl?: string, options: { migrate?: boolean } = {}): Promise<OpenedEngine> {
  const migrate = options.migrate ?? true;
  const startedAt = performance.now();
  let opened: OpenedEngine;
  if (engine === 'pglite') {
    const database = await openDatabase({ engine: 'pglite', dataDir: 'memory://' });
    opened = { engine, database, label: 'memory://', close: () => database.close() };
  } else {
    if (!serverUrl) throw new Error('PostgreSQL benchmarks need a server URL');
    openCount += 1;
    const name = `ss_bench_${process.pid}_${openCount}`;
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.unsafe(`create database ${name}`);
    } finally {
      await admin.end();
    }
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    const database = databaseFromPostgresUrl(url.toString());
    opened = {
      engine,
      database,
      label: `${name} on ${url.host}`,
      close: async () => {
        await database.close();
        const dropper = postgres(serverUrl, { max: 1, onnotice: () => {} });
        try {
          await dropper.unsafe(`drop database if exists ${name} with (force)`);
        } finally {
          await dropper.end();
        }
      },
    };
  }
  if (migrate) {
    await opened.database.migrate();
    console.log(`${engine}: fresh database ${opened.label}, migrated in ${seconds(startedAt)} s`);
  }
  return opened;
}
let openCount = 0;

/** Seconds since `startedAt` (performance.now()), two decimals. */
export function seconds(startedAt: number): string {
  return ((performance.now() - startedAt) / 1000).toFixed(2);
}

/** The value at quantile q (0..1) of sorted numbers, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export function printTable(header: string[], body: string[][], rightAligned: boolean[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row.map((value, i) => (rightAligned[i] ? value.padStart(widths[i]!) : value.padEnd(widths[i]!))).join('  ').trimEnd();
  console.log(line(header));
  for (const row of body) console.log(line(row));
}

/** Prints a goal line: met or MISSED, never an exit status of its own (benchmarks report, they do not gate). */
export function goal(label: string, measured: number, limit: number, unit: string): boolean {
  const met = measured <= limit;
  console.log(`  goal ${label}: ${measured.toFixed(unit === 's' ? 2 : 1)} ${unit} ≤ ${limit} ${unit}: ${met ? 'met' : 'MISSED'}`);
  return met;
}
