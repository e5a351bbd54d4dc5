import { defineConfig } from 'drizzle-kit';

// Generation only needs the schema; the same SQL is applied to PGlite and PostgreSQL at start-up.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema/index.ts',
  out: './migrations',
  casing: 'snake_case',
});
