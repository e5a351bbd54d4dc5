import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../src/cli/demo.ts';
import { runDigestCommand } from '../../src/cli/digest-command.ts';
import { eq } from 'drizzle-orm';
import { auditLog, outboxMessages } from '../../src/db/schema/index.ts';
import { seedCccDigestProgram } from '../helpers/ccc-digest-program.ts';
import { describeOnEachEngine } from '../helpers/db.ts';
import { fixedClock } from '../helpers/demo-program.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const work = mkdtempSync(join(tmpdir(), 'stepping-stones-digest-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function capture() {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (line: string) => lines.push(line), err: (line: string) => errors.push(line) };
}

describeOnEachEngine('digest --preview', (ctx) => {
  const clock = fixedClock('2027-01-08T15:00:00Z');
  beforeAll(async () => {
    await seedCccDigestProgram(ctx.db);
  });

  it('prints the digest as text and writes one PNG chart per resident, posting nothing', async () => {
    const outDir = join(work, `preview-${ctx.engine}`);
    const io = capture();
    const code = await runDigestCommand({ db: ctx.db, clock, program: 'internal-medicine', period: '2026-mid', preview: true, outDir, ...io });
    expect(io.errors).toEqual([]);
    expect(code).toBe(0);
    const text = io.lines.join('\n');
    expect(text).toContain('CCC DIGEST · MID-YEAR 2026–27');
    expect(text).toContain('12 residents, 10 flagged for discussion');
    // Flagged first: Isaac leads, Ben and Chloe (not flagged) come last.
    const order = ['ISAAC MENSAH', 'ELENA PETROVA', 'BEN OKAFOR', 'CHLOE NGUYEN'].map((name) => text.indexOf(name));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect(order[0]).toBeLessThan(order[2]!);
    expect(order[1]).toBeLessThan(order[2]!);
    expect(order[2]).toBeLessThan(order[3]!);
    expect(text).toContain('PC3 below the expected band: median 2, expected about 2.5');
    expect(text).toContain('MK1 declining: 2.5 this period, 3 last period');
    expect(text).toContain('PROF1 low 360 from nurses: mean 2.3 of 5');
    expect(text).toContain('Pharmacists: 1 of 1 answered — by fewer than 3 different raters: count only');
    // The chart in words, so the text stands without the image.
    expect(text).toMatch(/\[Chart: Farah Haddad: milestone trend\] Milestone levels over 2025-end to 2026-mid: MK1 3 → 2\.5/);
    expect(text).toContain('Preview only: nothing was posted. 12 trend charts written to');

    const files = readdirSync(outDir).sort();
    expect(files).toHaveLength(12);
    expect(files[0]).toBe('01-isaac-mensah.png');
    for (const file of files) {
      const png = readFileSync(join(outDir, file));
      expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
      expect(png.length).toBeGreaterThan(2000);
    }
    expect(await ctx.db.select().from(outboxMessages)).toEqual([]);
    // The preview showed everyone's assessments to the operator: the audit log records it.
    const [audit] = await ctx.db.select().from(auditLog).where(eq(auditLog.action, 'ccc_digest.preview'));
    expect(audit).toMatchObject({ channel: 'cli', subjectType: 'program', details: { period: '2026-mid', residents: 12, flagged: 10 } });
  });

  it('without --preview queues the digest once; an unknown program or a missing period is refused with a sentence', async () => {
    const io = capture();
    expect(await runDigestCommand({ db: ctx.db, clock, program: 'internal-medicine', period: '2026-mid', preview: false, ...io })).toBe(0);
    expect(io.lines.join('\n')).toContain('13 messages queued for the CCC channel');
    expect(await ctx.db.select().from(outboxMessages)).toHaveLength(13);
    const again = capture();
    expect(await runDigestCommand({ db: ctx.db, clock, program: 'internal-medicine', period: '2026-mid', preview: false, ...again })).toBe(0);
    expect(again.lines.join('\n')).toContain('already queued before; nothing new');

    const unknown = capture();
    expect(await runDigestCommand({ db: ctx.db, clock, program: 'surgery', period: '2026-mid', preview: true, ...unknown })).toBe(1);
    expect(unknown.errors.join('\n')).toBe('There is no program "surgery"; known programs: internal-medicine.');
    const noPeriod = capture();
    expect(await runDigestCommand({ db: ctx.db, clock, program: 'internal-medicine', period: undefined, preview: true, ...noPeriod })).toBe(1);
    expect(noPeriod.errors.join('\n')).toContain('Usage: stepping-stones digest --program SLUG --period CODE');
    const badPeriod = capture();
    expect(await runDigestCommand({ db: ctx.db, clock, program: 'internal-medicine', period: '2031-mid', preview: true, ...badPeriod })).toBe(1);
    expect(badPeriod.errors.join('\n')).toMatch(/There is no reporting period 2031-mid \(known: .*2026-mid/);
  });
});

describe('stepping-stones digest (the command line)', () => {
  const BIN = fileURLToPath(new URL('../../bin/stepping-stones.js', import.meta.url));
  const CONTENT = fileURLToPath(new URL('../../content/', import.meta.url));
  const run = (args: string[], env: Record<string, string>) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
    });

  it('previews a freshly imported program from the shell: text on stdout, PNGs on disk', async () => {
    const env = { DATA_DIR: join(work, 'cli-db') };
    for (const [kind, file] of [
      ['milestones', 'milestones/internal-medicine-2.0.yaml'],
      ['programs', 'demo/programs.yaml'],
      ['people', 'demo/people.csv'],
    ] as const) {
      expect((await run(['import', kind, join(CONTENT, file)], env)).code).toBe(0);
    }
    const outDir = join(work, 'cli-charts');
    const result = await run(['digest', '--program', 'internal-medicine', '--period', '2026-mid', '--preview', '--out', outDir], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('CCC DIGEST · MID-YEAR 2026–27');
    expect(result.stdout).toContain('12 residents, 12 flagged for discussion');
    expect(result.stdout).toContain('Few direct observations: 0 this period');
    const files = readdirSync(outDir);
    expect(files).toHaveLength(12);
    expect(readFileSync(join(outDir, files[0]!)).subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    const usage = await run(['digest', '--program', 'internal-medicine'], env);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain('Usage: stepping-stones digest');
  }, 120_000);
});

describe('npm run demo', () => {
  it('ends its half-year with the CCC digest preview: flagged residents first, in words, no rater named', async () => {
    const lines: string[] = [];
    expect(await runDemo({ out: (line) => lines.push(line) })).toBe(0);
    const output = lines.join('\n');
    const digest = output.slice(output.indexOf('The half-year ends with the CCC digest'));
    expect(digest).toContain('CCC DIGEST · MID-YEAR 2026–27');
    expect(digest).toMatch(/12 residents, \d+ flagged for discussion/);
    // The demo's struggling PGY-2 leads, below the band on patient care, with the chart in words.
    expect(digest).toContain('⚑ GABE LINDQVIST · PGY-2');
    expect(digest).toMatch(/PC\d below the expected band: median [\d.]+, expected about 2\.5/);
    expect(digest).toContain('[Chart: Gabe Lindqvist: milestone trend] Milestone levels over 2026-mid');
    expect(digest).toMatch(/The other 11 replies, by their first line:\n\s+⚑ /);
    for (const rater of ['Rosa', 'Delgado', 'Becker', 'Iyer', 'Nadia', 'Karim', 'Marsh', 'Ivy Tran']) expect(digest).not.toContain(rater);
    // Nothing after it: the digest is where the half-year ends.
    expect(lines.at(-1)).toMatch(/^ {4}\s*(⚑ )?\S.*\(PGY-\d\)/);
  }, 180_000);
});
