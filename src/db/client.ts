import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import type { DatabaseConfig } from '../config.ts';
import * as schema from './schema/index.ts';

type Schema = typeof schema;

/** The drizzle database, typed for both drivers: repositories never know which engine runs underneath. */
export type Db = PgDatabase<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

/** A transaction handle; accepted wherever a `Db` is, so use cases can compose inside one transaction. */
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

/** Either a database or an open transaction on it. */
export type DbOrTx = Db | Tx;

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations', import.meta.url));

/** An open database and what it takes to migrate and close it. */
export interface Database {
  db: Db;
  engine: 'pglite' | 'postgres';
  migrate(): Promise<void>;
  close(): Promise<void>;
}

// The schema uses camelCase in TypeScript and snake_case in SQL; drizzle-kit generates with the same setting.
const casing = 'snake_case' as const;

/** Wraps a PGlite instance (on disk, in memory, or a test template's clone). */
export function databaseFromPglite(client: PGlite): Database {
  const db = drizzlePglite({ client, schema, casing });
  return {
    db: db as unknown as Db,
    engine: 'pglite',
    migrate: () => migratePglite(db, { migrationsFolder: MIGRATIONS_FOLDER }),
    close: () => client.close(),
  };
}

/** Wraps a postgres.js connection pool to a PostgreSQL server. */
export function databaseFromPostgresUrl(url: string, options: { max?: number } = {}): Database {
  const client = postgres(url, { max: options.max ?? 10, onnotice: () => {} });
  const db = drizzlePostgres({ client, schema, casing });
  return {
    db: db as unknown as Db,
    engine: 'postgres',
    migrate: () => migratePostgres(db, { migrationsFolder: MIGRATIONS_FOLDER }),
    close: () => client.end({ timeout: 5 }),
  };
}

/** Opens the configured database; `{ engine: 'pglite', dataDir: 'memory://' }` keeps it in memory. */
export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  if (config.engine === 'postgres') return databaseFromPostgresUrl(config.url);
  if (!config.dataDir.startsWith('memory://')) mkdirSync(config.dataDir, { recursive: true });
  const client = await PGlite.create(config.dataDir);
  return databaseFromPglite(client);
}
