import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { type Database, databaseFromPglite, databaseFromPostgresUrl, type Db } from '../../src/db/client.ts';
import { databaseUrlFor } from './postgres-url.ts';

/** The engines storage tests run on: PGlite always, PostgreSQL when TEST_DATABASE_URL names a server. */
export type Engine = 'pglite' | 'postgres';

export function testEngines(): Engine[] {
  return inject('postgresTemplateDatabase') ? ['pglite', 'postgres'] : ['pglite'];
}

/** A fresh, migrated database of its own for one test file (or one describe block). */
/** A test database; PostgreSQL ones also give their URL, so a test can open a second connection pool. */
export type TestDatabase = Database & { url?: string };

export async function openTestDatabase(engine: Engine): Promise<TestDatabase> {
  if (engine === 'pglite') {
    const tarball = readFileSync(inject('pgliteTemplatePath'));
    const client = await PGlite.create({ loadDataDir: new Blob([tarball]) });
    return databaseFromPglite(client);
  }
  const serverUrl = process.env.TEST_DATABASE_URL;
  const template = inject('postgresTemplateDatabase');
  if (!serverUrl || !template) throw new Error('PostgreSQL tests need TEST_DATABASE_URL');
  // A database per test file, copied from the migrated template: cheap, and tests cannot see each other's rows.
  const name = `ss_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name} template ${template}`);
  } finally {
    await admin.end();
  }
  const url = databaseUrlFor(serverUrl, name);
  const database = databaseFromPostgresUrl(url, { max: 5 });
  return {
    ...database,
    url,
    close: async () => {
      await database.close();
      const dropper = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await dropper.unsafe(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  };
}

/** Handle a describe block gets: the database opened for it, and its engine's name. */
export interface TestDatabaseContext {
  readonly engine: Engine;
  readonly database: TestDatabase;
  readonly db: Db;
}

/**
 * Runs the same storage tests once per engine, each in its own fresh database; the engine is in the test names,
 * so the output shows that both ran.
 */
export function describeOnEachEngine(title: string, body: (context: TestDatabaseContext) => void): void {
  for (const engine of testEngines()) describeOnEngine(engine, title, body);
}

/**
 * Tests of locking and concurrency: PGlite is a single connection that serializes transactions, so these only
 * mean something on PostgreSQL. Without TEST_DATABASE_URL they are skipped, and the skip says why.
 */
export function describeOnPostgres(title: string, body: (context: TestDatabaseContext) => void): void {
  if (!testEngines().includes('postgres')) {
    describe.skip(`${title} [postgres] — skipped: PGlite is one connection; set TEST_DATABASE_URL`, () => {
      body({} as TestDatabaseContext);
    });
    return;
  }
  describeOnEngine('postgres', title, body);
}

function describeOnEngine(engine: Engine, title: string, body: (context: TestDatabaseContext) => void): void {
  describe(`${title} [${engine}]`, () => {
    let database: TestDatabase | undefined;
    const context: TestDatabaseContext = {
      engine,
      get database() {
        if (!database) throw new Error('the test database opens in beforeAll');
        return database;
      },
      get db() {
        return this.database.db;
      },
    };
    beforeAll(async () => {
      database = await openTestDatabase(engine);
    });
    afterAll(async () => {
      await database?.close();
    });
    body(context);
  });
}
