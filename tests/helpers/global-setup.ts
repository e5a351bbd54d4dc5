import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { databaseFromPglite, databaseFromPostgresUrl } from '../../src/db/client.ts';
import { databaseUrlFor } from './postgres-url.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A tarball of a migrated PGlite data directory; each test file starts from a copy. */
    pgliteTemplatePath: string;
    /** The migrated PostgreSQL database each test file's own database is created from (empty when none). */
    postgresTemplateDatabase: string;
  }
}

// Migrating takes seconds; copying a migrated template takes a fraction of that, so it is done once per run.
export default async function setup(project: TestProject) {
  const folder = mkdtempSync(join(tmpdir(), 'stepping-stones-test-'));
  const pglite = new PGlite();
  const template = databaseFromPglite(pglite);
  await template.migrate();
  const dump = await pglite.dumpDataDir('none');
  const templatePath = join(folder, 'pglite-template.tar');
  writeFileSync(templatePath, Buffer.from(await dump.arrayBuffer()));
  await template.close();
  project.provide('pgliteTemplatePath', templatePath);

  const serverUrl = process.env.TEST_DATABASE_URL;
  let templateDatabase = '';
  if (serverUrl) {
    templateDatabase = `ss_template_${process.pid}`;
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${templateDatabase}`);
    await admin.unsafe(`create database ${templateDatabase}`);
    const migrated = databaseFromPostgresUrl(databaseUrlFor(serverUrl, templateDatabase), { max: 1 });
    await migrated.migrate();
    await migrated.close();
    await admin.end();
  } else {
    console.warn('TEST_DATABASE_URL is not set: storage tests run on PGlite only; the PostgreSQL half is skipped.');
  }
  project.provide('postgresTemplateDatabase', templateDatabase);

  return async () => {
    rmSync(folder, { recursive: true, force: true });
    if (serverUrl && templateDatabase) {
      const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
      const leftovers = await admin<{ datname: string }[]>`
        select datname from pg_database where datname like ${`ss_t_${process.pid}_%`} or datname = ${templateDatabase}`;
      for (const { datname } of leftovers) await admin.unsafe(`drop database if exists ${datname} with (force)`);
      await admin.end();
    }
  };
}
