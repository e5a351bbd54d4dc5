import { readFileSync } from 'node:fs';
import { eq, sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { institutions, people, programMemberships, programs } from '../../src/db/schema/index.ts';
import { describeOnEachEngine } from '../helpers/db.ts';

// drizzle-kit's journal lists every generated migration; each must be applied exactly once.
const JOURNAL = JSON.parse(readFileSync(new URL('../../migrations/meta/_journal.json', import.meta.url), 'utf8')) as {
  entries: unknown[];
};

describeOnEachEngine('the migrated schema', (ctx) => {
  it('applies every migration once; a second run changes nothing', async () => {
    await ctx.database.migrate();
    const rows = await ctx.db.execute<{ count: number }>(sql`select count(*)::int as count from drizzle.__drizzle_migrations`);
    const [row] = Array.isArray(rows) ? rows : (rows as unknown as { rows: { count: number }[] }).rows;
    expect(row?.count).toBe(JOURNAL.entries.length);
  });

  it('enforces the natural keys and rules the imports rely on', async () => {
    const [institution] = await ctx.db.insert(institutions).values({ slug: 'st-elsewhere', name: 'St. Elsewhere' }).returning();
    const [program] = await ctx.db
      .insert(programs)
      .values({ institutionId: institution!.id, slug: 'im', name: 'Internal Medicine', specialty: 'Internal Medicine' })
      .returning();
    const [resident] = await ctx.db
      .insert(people)
      .values({ institutionId: institution!.id, email: 'ana.ruiz@example.org', name: 'Ana Ruiz' })
      .returning();

    await expect(
      ctx.db.insert(people).values({ institutionId: institution!.id, email: 'ana.ruiz@example.org', name: 'Again' }),
    ).rejects.toThrow();
    await expect(
      ctx.db.insert(people).values({ institutionId: institution!.id, email: 'Upper@Example.org', name: 'Upper' }),
    ).rejects.toThrow();
    // A resident without a PGY, and a PGY of 8, are both refused by the database itself.
    await expect(
      ctx.db.insert(programMemberships).values({ programId: program!.id, personId: resident!.id, role: 'resident' }),
    ).rejects.toThrow();
    await expect(
      ctx.db.insert(programMemberships).values({ programId: program!.id, personId: resident!.id, role: 'resident', pgy: 8 }),
    ).rejects.toThrow();
    await expect(
      ctx.db.update(programs).set({ multisourceThreshold: 2 }).where(eq(programs.id, program!.id)),
    ).rejects.toThrow();
    await ctx.db.insert(programMemberships).values({ programId: program!.id, personId: resident!.id, role: 'resident', pgy: 2 });
    const memberships = await ctx.db.select().from(programMemberships);
    expect(memberships).toHaveLength(1);
  });
});
