import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCccRating } from '../../src/core/ccc-ratings/ccc-rating-scale.ts';
import { importCccRatings } from '../../src/core/ccc-ratings/import-ccc-ratings.ts';
import { openCccRatingForm, recordCccRating } from '../../src/core/ccc-ratings/record-ccc-rating.ts';
import { formatProblem } from '../../src/core/imports/problems.ts';
import { auditLog, cccRatings, subcompetencies } from '../../src/db/schema/index.ts';
import { parseForm } from '../../src/messages/model.ts';
import { describeOnEachEngine } from '../helpers/db.ts';
import { refusal } from '../helpers/refusal.ts';
import { demoPerson, fixedClock, seedDemoProgram } from '../helpers/demo-program.ts';

const HEADER = 'program,period,resident_email,subcompetency,rating';
const row = (email: string, code: string, rating: string, period = '2026-mid', program = 'internal-medicine') =>
  `${program},${period},${email}@stelsewhere.example.org,${code},${rating}`;

describe('reading a CCC rating', () => {
  it('accepts what spreadsheets write and refuses what is not a level', () => {
    expect(parseCccRating('3')).toEqual({ ok: true, rating: '3' });
    expect(parseCccRating(' 2.50 ')).toEqual({ ok: true, rating: '2.5' });
    expect(parseCccRating('4.0')).toEqual({ ok: true, rating: '4' });
    expect(parseCccRating('Level 1.5')).toEqual({ ok: true, rating: '1.5' });
    expect(parseCccRating('Not yet Level 1')).toEqual({ ok: true, rating: 'not_yet_level_1' });
    expect(parseCccRating('<1')).toEqual({ ok: true, rating: 'not_yet_level_1' });
    for (const bad of ['6', '2.25', '0.5', 'three', '']) expect(parseCccRating(bad).ok).toBe(false);
    expect(parseCccRating('N/A')).toEqual({
      ok: false,
      message: 'must be a level: the CCC rates every subcompetency ("N/A" is not a rating; leave the row out instead)',
    });
  });
});

describeOnEachEngine('CCC ratings in the core', (ctx) => {
  const clock = fixedClock('2026-12-15T20:00:00Z');
  let ana: string;
  let ben: string;
  let haddad: string;
  let raman: string;
  let chen: string;
  beforeAll(async () => {
    await seedDemoProgram(ctx.db);
    ana = await demoPerson(ctx.db, 'ana.ruiz');
    ben = await demoPerson(ctx.db, 'ben.okafor');
    haddad = await demoPerson(ctx.db, 'omar.haddad');
    raman = await demoPerson(ctx.db, 'priya.raman');
    chen = await demoPerson(ctx.db, 'victor.chen');
  });
  const ports = () => ({ db: ctx.db, clock });

  it('a file with several bad rows names each one and stores nothing', async () => {
    const text = [
      HEADER,
      row('ana.ruiz', 'PC1', '2'),
      row('ana.ruiz', 'PC2', '6'),
      row('ana.ruiz', 'PC9', '2'),
      row('maya.lee', 'PC1', '3'),
      row('ana.ruiz', 'PC1', '2.5'),
      row('ben.okafor', 'MK1', 'N/A'),
      row('ben.okafor', 'MK2', '2', '2031-mid'),
      row('ben.okafor', 'MK3', '2', '2026-mid', 'surgery'),
      'internal-medicine,2026-mid,not-an-email,PC1,2',
      row('ben.okafor', 'PC1', '2', 'mid-2026'),
      row('ben.okafor', 'PC2', '3'),
    ].join('\n');
    const result = await importCccRatings({ db: ctx.db, text, file: 'ccc.csv', dryRun: false });
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([
      'ccc.csv:3: rating must be a milestone level (not yet level 1, 1, 1.5 … 5), got "6"',
      "ccc.csv:4: subcompetency PC9 is not in internal-medicine's milestones (PC1 … ICS3)",
      'ccc.csv:5: resident_email maya.lee@stelsewhere.example.org is not a resident or fellow of internal-medicine',
      'ccc.csv:6: subcompetency ana.ruiz@stelsewhere.example.org already has a 2026-mid rating for PC1 on line 2',
      'ccc.csv:7: rating must be a level: the CCC rates every subcompetency ("N/A" is not a rating; leave the row out instead)',
      'ccc.csv:8: period 2031-mid is not a reporting period of internal-medicine (known: 2026-mid, 2026-end)',
      'ccc.csv:9: program "surgery" is not a known program (known: internal-medicine)',
      'ccc.csv:10: resident_email must be an email address, got "not-an-email"',
      'ccc.csv:11: period must be a reporting period code such as 2026-mid or 2026-end',
    ]);
    expect(await ctx.db.select().from(cccRatings)).toHaveLength(0);
  });

  it('a missing column is named before any row is read', async () => {
    const result = await importCccRatings({ db: ctx.db, text: 'program,period,resident_email,rating\n', file: 'ccc.csv', dryRun: false });
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual(['ccc.csv:1: is missing the column subcompetency']);
  });

  it('imports, rehearses with --dry-run, and re-imports without duplicates, updating what changed', async () => {
    const text = `Program,Period,Resident Email,Subcompetency,Rating\n${[row('ana.ruiz', 'PC1', '2'), row('ana.ruiz', 'pc2', '2.5'), row('ben.okafor', 'PC1', 'Not yet Level 1')].join('\n')}\n`;
    const dry = await importCccRatings({ db: ctx.db, text, file: 'ccc.csv', dryRun: true });
    expect(dry).toEqual({ ok: true, dryRun: true, summary: { 'CCC ratings': { created: 3, updated: 0, unchanged: 0, removed: 0 } } });
    expect(await ctx.db.select().from(cccRatings)).toHaveLength(0);
    expect(await importCccRatings({ db: ctx.db, text, file: 'ccc.csv', dryRun: false })).toMatchObject({ ok: true, summary: { 'CCC ratings': { created: 3 } } });
    const corrected = text.replace('pc2,2.5', 'pc2,3');
    expect(await importCccRatings({ db: ctx.db, text: corrected, file: 'ccc.csv', dryRun: false })).toMatchObject({
      ok: true,
      summary: { 'CCC ratings': { created: 0, updated: 1, unchanged: 2 } },
    });
    const stored = await ctx.db
      .select({ code: subcompetencies.code, rating: cccRatings.rating, source: cccRatings.source, residentId: cccRatings.residentId })
      .from(cccRatings)
      .innerJoin(subcompetencies, eq(subcompetencies.id, cccRatings.subcompetencyId));
    expect(stored.map((s) => [s.residentId === ana ? 'ana' : 'ben', s.code, s.rating, s.source]).sort()).toEqual([
      ['ana', 'PC1', '2', 'import'],
      ['ana', 'PC2', '3', 'import'],
      ['ben', 'PC1', 'not_yet_level_1', 'import'],
    ]);
  });

  it('the chair or a CCC member enters a rating in chat; it is audited with the value it replaced', async () => {
    const form = await openCccRatingForm({ ...ports(), chairId: haddad, residentId: ana, periodCode: '2026-mid' });
    parseForm(form);
    expect(form.intro).toBe('*Ana Ruiz* · Mid-year 2026–27 · 2 of 21 subcompetencies rated.');
    const sub = form.fields[0]!;
    const options = sub.type === 'choice' && sub.source.kind === 'groups' ? sub.source.groups.flatMap((g) => g.options) : [];
    expect(options.slice(0, 3).map((o) => o.label)).toEqual(['PC1 History — now Level 2', 'PC2 Physical Examination — now Level 3', 'PC3 Clinical Reasoning']);

    const recorded = await recordCccRating({ ...ports(), chairId: haddad, residentId: ana, periodCode: '2026-mid', subcompetencyCode: 'PC2', rating: '3.5' });
    expect(recorded).toMatchObject({ ok: true, rating: '3.5', previous: '3' });
    expect(recorded.ok && recorded.confirmation.text).toBe('Recorded PC2 Physical Examination for Ana Ruiz: Level 3.5.');
    const byMember = await recordCccRating({ ...ports(), chairId: raman, residentId: ana, periodCode: '2026-mid', subcompetencyCode: 'PC3', rating: '2' });
    expect(byMember).toMatchObject({ ok: true, previous: null });
    const [pc2] = await ctx.db
      .select()
      .from(cccRatings)
      .innerJoin(subcompetencies, eq(subcompetencies.id, cccRatings.subcompetencyId))
      .where(and(eq(cccRatings.residentId, ana), eq(subcompetencies.code, 'PC2')));
    expect(pc2?.ccc_ratings).toMatchObject({ rating: '3.5', source: 'chat', ratedById: haddad });
    const audits = await ctx.db.select().from(auditLog).where(eq(auditLog.action, 'ccc_rating.record'));
    expect(audits.map((a) => a.details)).toEqual([
      { period: '2026-mid', subcompetency: 'PC2', rating: '3.5', previous: '3' },
      { period: '2026-mid', subcompetency: 'PC3', rating: '2', previous: null },
    ]);
  });

  it('refuses anyone outside the CCC, a bad level and an unknown subcompetency, changing nothing', async () => {
    const before = await ctx.db.select().from(cccRatings);
    const entry = { ...ports(), residentId: ben, periodCode: '2026-mid', subcompetencyCode: 'PC1', rating: '3' };
    for (const outsider of [chen, await demoPerson(ctx.db, 'maya.lee')]) {
      const error = await refusal(recordCccRating({ ...entry, chairId: outsider }));
      expect(error).toMatchObject({ code: 'not_allowed', userMessage: 'Only the CCC chair and members of St. Elsewhere Internal Medicine Residency can enter CCC ratings.' });
    }
    expect((await refusal(recordCccRating({ ...entry, chairId: ana }))).code).toBe('not_allowed');
    expect((await refusal(openCccRatingForm({ ...ports(), chairId: chen, residentId: ben, periodCode: '2026-mid' }))).code).toBe('not_allowed');
    expect(await recordCccRating({ ...entry, chairId: haddad, rating: 'not_observed', subcompetencyCode: 'XX1' })).toEqual({
      ok: false,
      fieldErrors: {
        subcompetency: "XX1 is not in St. Elsewhere Internal Medicine Residency's milestones.",
        rating: 'The rating must be a level: the CCC rates every subcompetency ("not_observed" is not a rating; leave the row out instead).',
      },
    });
    expect(await ctx.db.select().from(cccRatings)).toEqual(before);
  });
});
