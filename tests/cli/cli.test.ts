import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/stepping-stones.js', import.meta.url));
const CONTENT = fileURLToPath(new URL('../../content/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'stepping-stones-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// The CLI reads only these; the test runner's own variables (TEST_DATABASE_URL…) must not leak into it.
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
}

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: cleanEnv(env), timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('stepping-stones CLI', () => {
  it('start without chat credentials says which variables to set and exits 1', async () => {
    const result = await run(['start'], { DATA_DIR: join(work, 'none') });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('an invalid variable stops start-up with a sentence naming it', async () => {
    const result = await run(['start'], { PORT: 'eighty' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('PORT must be a port number such as 3000.');
  });

  it('imports into PGlite under DATA_DIR, refuses a bad file with exit 1, a dry run changes nothing, and jobs run by hand', async () => {
    const env = { DATA_DIR: join(work, 'db') };
    const milestones = await run(['import', 'milestones', join(CONTENT, 'milestones/internal-medicine-2.0.yaml')], env);
    expect(milestones.code).toBe(0);
    expect(milestones.stdout).toContain('subcompetencies: 21 new, 0 updated, 0 unchanged');
    expect((await run(['import', 'programs', join(CONTENT, 'demo/programs.yaml')], env)).code).toBe(0);

    const bad = join(work, 'people.csv');
    writeFileSync(bad, 'email,name,program,role,pgy\nok@x.org,Ok,internal-medicine,resident,1\nbad@x.org,Bad,internal-medicine,resident,PGY-2x\nworse,Worse,internal-medicine,faculty,\n');
    const refused = await run(['import', 'people', bad], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr.split('\n').filter(Boolean)).toEqual([
      'people.csv:3: pgy must be 1-7, got "PGY-2x"',
      'people.csv:4: email must be an email address, got "worse"',
      '2 problems; nothing was imported.',
    ]);

    const dry = await run(['import', 'people', join(CONTENT, 'demo/people.csv'), '--dry-run'], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('people: 27 new');
    expect(dry.stdout).toContain('dry run, nothing was changed');
    const real = await run(['import', 'people', join(CONTENT, 'demo/people.csv')], env);
    expect(real.stdout).toContain('people: 27 new, 0 updated, 0 unchanged');

    const wrongFormat = await run(['import', 'people', join(CONTENT, 'demo/programs.yaml')], env);
    expect(wrongFormat).toMatchObject({ code: 1, stderr: 'programs.yaml: people are imported from a CSV file.\n' });

    // With the schedule loaded, the post-rotation prompts run by hand, and a second run sends nothing twice.
    expect((await run(['import', 'rotations', join(CONTENT, 'demo/rotation-map.yaml')], env)).code).toBe(0);
    expect((await run(['import', 'rotations', join(CONTENT, 'demo/rotations.csv')], env)).code).toBe(0);
    const prompts = await run(['jobs', 'run', 'rotation-prompts', '--date', '2026-10-31'], env);
    expect(prompts.stdout.trim()).toBe('rotation-prompts 2026-10-31: 12 resident assignments ended; 8 faculty prompts queued, 0 already sent before.');
    const again = await run(['jobs', 'run', 'rotation-prompts', '--date', '2026-10-31'], env);
    expect(again.stdout.trim()).toBe('rotation-prompts 2026-10-31: 12 resident assignments ended; 0 faculty prompts queued, 8 already sent before.');
    const badDate = await run(['jobs', 'run', 'rotation-prompts', '--date', '2026-02-30'], env);
    expect(badDate).toMatchObject({ code: 1, stderr: '--date must be a date like 2026-10-31, got "2026-02-30".\n' });
  }, 240_000);

  // Continues in the database the test above filled (a file's tests run in order): importing it all again would
  // cost five more spawns.
  it('imports a program’s own 360 instrument and opens 360 rounds by rotation block and by period', async () => {
    const env = { DATA_DIR: join(work, 'db') };
    const instrument = join(work, 'our-360.yaml');
    writeFileSync(
      instrument,
      [
        'program: internal-medicine',
        'instruments:',
        '  - rater_group: nurse',
        '    title: Our nursing questions',
        '    items:',
        '      - subcompetency: ICS2',
        '        prompt: Keeps us in the loop',
        '        anchors: { 1: Never, 2: Rarely, 3: Usually, 4: Almost always, 5: Always and asks us first }',
        '      - subcompetency: PROF1',
        '        prompt: Is respectful',
        '        anchors: { 1: Rude, 2: Curt under stress, 3: Courteous, 4: Calm under stress, 5: Sets the tone }',
        '      - subcompetency: SBP1',
        '        prompt: Is safe',
        '        anchors: { 1: Unsafe, 2: Safe when told, 3: Safe, 4: Anticipates risk, 5: Leads on safety }',
        '',
      ].join('\n'),
    );
    const imported = await run(['import', 'multisource', instrument], env);
    expect(imported).toMatchObject({ code: 0, stderr: '' });
    expect(imported.stdout).toContain('multisource instruments: 1 new');
    expect(imported.stdout).toContain('our-360.yaml: imported.');

    // The MICU block ending Jul 31: Chloe and Isaac; three nurses and a therapist rate there. The only program is
    // taken without --program.
    const rotation = await run(['jobs', 'run', 'multisource', '--rotation', 'MICU', '--date', '2026-07-31'], env);
    expect(rotation).toMatchObject({ code: 0, stderr: '' });
    expect(rotation.stdout.trim()).toBe(
      'multisource rotation:MICU:2026-07-31 (St. Elsewhere Internal Medicine Residency): 2 residents, 4 raters; 8 requests queued (one DM per rater per resident), 0 already sent before.',
    );
    const period = await run(['jobs', 'run', 'multisource', '--period', '2026-mid', '--program', 'internal-medicine'], env);
    expect(period.stdout.trim()).toBe(
      'multisource period:2026-mid (St. Elsewhere Internal Medicine Residency): 12 residents, 6 raters; 72 requests queued (one DM per rater per resident), 0 already sent before.',
    );
  }, 120_000);

  it('demo loads the demo program with no server and no credentials', async () => {
    const result = await run(['demo']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('PGY-1 residents (4)');
    expect(result.stdout).toContain('Faculty (8)');
    expect(result.stdout).toContain('72 rotation assignments');
    // The 360 part: a resident's own view, hidden after July and shown per group in December, with no rater named.
    const residentViews = result.stdout.slice(result.stdout.indexOf('Ana Ruiz types /feedback 360'), result.stdout.indexOf('The CCC chair’s view'));
    expect(residentViews).toContain('Nurses — not enough responses yet');
    expect(residentViews).toMatch(/Nurses — \d+ responses/);
    for (const rater of ['Rosa', 'Delgado', 'Tom', 'Becker', 'Uma', 'Iyer', 'Nadia', 'Karim', 'Leo', 'Marsh', 'Ivy', 'Tran']) {
      expect(residentViews).not.toMatch(new RegExp(`\\b${rater}\\b`));
    }
  }, 120_000);

  it('start with Slack credentials serves /healthz and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'start'], {
      env: cleanEnv({ DATA_DIR: join(work, 'start-db'), PORT: String(port), SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 'secret' }),
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // Start-up time depends on the machine's load; wait for the line itself rather than a fixed time.
    await new Promise<void>((resolve, reject) => {
      const check = () => (stdout.includes('listening') ? resolve() : undefined);
      child.stdout.on('data', check);
      child.on('exit', (code) => reject(new Error(`start exited with ${code} before listening: ${stdout}`)));
      check();
    });
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, database: 'pglite' });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 120_000);
});
