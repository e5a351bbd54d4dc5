import { beforeAll, describe, expect, it } from 'vitest';
import { importMilestoneSet } from '../../src/core/milestone-sets/import-milestone-set.ts';
import { importPeople } from '../../src/core/people/import-people.ts';
import { formatProblem, type ImportResult } from '../../src/core/imports/problems.ts';
import { importPrograms } from '../../src/core/programs/import-programs.ts';
import { importRotationMap } from '../../src/core/rotations/import-rotation-map.ts';
import { importRotationSchedule } from '../../src/core/rotations/import-rotation-schedule.ts';
import type { Db } from '../../src/db/client.ts';
import { contentFile } from '../helpers/content.ts';
import { describeOnEachEngine } from '../helpers/db.ts';
import { fingerprint, rowCounts } from '../helpers/fingerprint.ts';

type Importer = (input: { db: Db; text: string; file: string; dryRun: boolean }) => Promise<ImportResult>;

function problemLines(result: ImportResult): string[] {
  if (result.ok) throw new Error(`expected the import to be refused, it succeeded: ${JSON.stringify(result.summary)}`);
  return result.problems.map(formatProblem);
}

function summaryOf(result: ImportResult) {
  if (!result.ok) throw new Error(`import refused:\n${result.problems.map(formatProblem).join('\n')}`);
  return result.summary;
}

const DEMO: [string, string, Importer][] = [
  ['harmonized-2.0.yaml', 'milestones/harmonized-2.0.yaml', importMilestoneSet],
  ['internal-medicine-2.0.yaml', 'milestones/internal-medicine-2.0.yaml', importMilestoneSet],
  ['programs.yaml', 'demo/programs.yaml', importPrograms],
  ['people.csv', 'demo/people.csv', importPeople],
  ['rotation-map.yaml', 'demo/rotation-map.yaml', importRotationMap],
  ['rotations.csv', 'demo/rotations.csv', importRotationSchedule],
];

describeOnEachEngine('imports', (ctx) => {
  beforeAll(async () => {
    for (const [file, path, run] of DEMO) summaryOf(await run({ db: ctx.db, text: contentFile(path), file, dryRun: false }));
  });

  it('loads the demo program and its schedule', async () => {
    const counts = await rowCounts(ctx.db);
    expect(counts).toMatchObject({
      milestone_sets: 2,
      subcompetencies: 12 + 21,
      level_descriptors: (12 + 21) * 5,
      programs: 1,
      reporting_periods: 2,
      ccc_meetings: 2,
      people: 27,
      rotations: 6,
      rotation_assignments: 72,
    });
  });

  it('importing the same good files again changes nothing and duplicates nothing', async () => {
    const before = await rowCounts(ctx.db);
    for (const [file, path, run] of DEMO) {
      const summary = summaryOf(await run({ db: ctx.db, text: contentFile(path), file, dryRun: false }));
      for (const [kind, counts] of Object.entries(summary)) {
        expect({ file, kind, created: counts.created, updated: counts.updated, removed: counts.removed }).toEqual({
          file,
          kind,
          created: 0,
          updated: 0,
          removed: 0,
        });
      }
    }
    const after = await rowCounts(ctx.db);
    // Only the audit log grows: one entry per import run.
    expect({ ...after, audit_log: 0 }).toEqual({ ...before, audit_log: 0 });
    expect(after.audit_log).toBe(before.audit_log! + DEMO.length);
  });

  it('refuses a people file with several bad rows, naming each, and stores nothing', async () => {
    const before = await fingerprint(ctx.db);
    const text = [
      'email,first_name,last_name,program,role,pgy,rater_role',
      'new.resident@stelsewhere.example.org,New,Resident,internal-medicine,resident,2,',
      'ana.ruiz@stelsewhere.example.org,Ana,Ruiz,internal-medicine,resident,PGY-2x,',
      'not-an-email,Bad,Email,internal-medicine,faculty,,',
      'x.y@stelsewhere.example.org,X,Y,internal-medicine,attending;janitor,,',
      'z.z@stelsewhere.example.org,Z,Z,surgery,faculty,,',
      'r.r@stelsewhere.example.org,R,R,internal-medicine,rater,,',
      'p.p@stelsewhere.example.org,P,P,internal-medicine,fellow,,',
    ].join('\n');
    const lines = problemLines(await importPeople({ db: ctx.db, text, file: 'people.csv', dryRun: false }));
    expect(lines).toEqual([
      'people.csv:3: pgy must be 1-7, got "PGY-2x"',
      'people.csv:4: email must be an email address, got "not-an-email"',
      expect.stringMatching(/^people\.csv:5: role must be one of resident, fellow, faculty, .*got "janitor"$/),
      'people.csv:6: program "surgery" is not a known program (known: internal-medicine)',
      expect.stringMatching(/^people\.csv:7: rater_role is required for raters \(nurse, peer, /),
      'people.csv:8: pgy is required for residents and fellows (1-7)',
    ]);
    // The good row on line 2 was not stored either: all or nothing.
    expect(await fingerprint(ctx.db)).toEqual(before);
  });

  it('refuses a schedule with several bad rows, naming each, and stores nothing', async () => {
    const before = await fingerprint(ctx.db);
    const text = [
      'program,rotation,resident_email,start_date,end_date,faculty_emails',
      'internal-medicine,ED,ana.ruiz@stelsewhere.example.org,2027-01-01,2027-01-31,maya.lee@stelsewhere.example.org',
      'internal-medicine,ED,ana.ruiz@stelsewhere.example.org,2027-02-01,2027-01-31,maya.lee@stelsewhere.example.org',
      'internal-medicine,ED,rosa.delgado@stelsewhere.example.org,2027-02-01,2027-02-28,maya.lee@stelsewhere.example.org',
      'internal-medicine,ED,ben.okafor@stelsewhere.example.org,2027-02-30,2027-03-28,maya.lee@stelsewhere.example.org',
      'internal-medicine,ED,ben.okafor@stelsewhere.example.org,2027-03-01,2027-03-31,ana.ruiz@stelsewhere.example.org',
      'internal-medicine,ED,ana.ruiz@stelsewhere.example.org,2027-01-01,2027-01-31,maya.lee@stelsewhere.example.org',
    ].join('\n');
    const lines = problemLines(await importRotationSchedule({ db: ctx.db, text, file: 'rotations.csv', dryRun: false }));
    expect(lines).toEqual([
      'rotations.csv:3: end_date 2027-01-31 is before start_date 2027-02-01',
      'rotations.csv:4: resident_email rosa.delgado@stelsewhere.example.org is not a resident or fellow of internal-medicine; import people first',
      'rotations.csv:5: start_date must be a date like 2026-07-01, got "2027-02-30"',
      'rotations.csv:6: faculty_emails ana.ruiz@stelsewhere.example.org is not faculty of internal-medicine',
      'rotations.csv:7: repeats line 2 (same rotation, resident and start date)',
    ]);
    expect(await fingerprint(ctx.db)).toEqual(before);
  });

  it('refuses a milestone set with several problems, pointing at their lines, and stores nothing', async () => {
    const before = await fingerprint(ctx.db);
    const text = contentFile('milestones/harmonized-2.0.yaml')
      .replace('code: PBLI2', 'code: PBLI1')
      .replace('code: PROF2', 'code: ICS9');
    const result = await importMilestoneSet({ db: ctx.db, text, file: 'harmonized.yaml', dryRun: false });
    const lines = problemLines(result);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.every((line) => /^harmonized\.yaml:\d+: competencies\./.test(line))).toBe(true);
    expect(lines.join('\n')).toContain('duplicate subcompetency code PBLI1');
    expect(lines.join('\n')).toContain('"ICS9" must be the competency code PROF followed by a number');
    expect(await fingerprint(ctx.db)).toEqual(before);
  });

  it('refuses a programs file with a bad time zone and a threshold below 3, and stores nothing', async () => {
    const before = await fingerprint(ctx.db);
    const text = contentFile('demo/programs.yaml')
      .replace('America/Chicago', 'Mars/Olympus_Mons')
      .replace('multisource_threshold: 3', 'multisource_threshold: 2');
    const lines = problemLines(await importPrograms({ db: ctx.db, text, file: 'programs.yaml', dryRun: false }));
    expect(lines).toEqual([
      'programs.yaml:9: programs.0.time_zone must be an IANA time zone such as America/Chicago',
      'programs.yaml:11: programs.0.multisource_threshold must be at least 3, so 360 raters stay anonymous',
    ]);
    expect(await fingerprint(ctx.db)).toEqual(before);
  });

  it('refuses a rotation map naming a subcompetency the program’s set does not have', async () => {
    const before = await fingerprint(ctx.db);
    const text = contentFile('demo/rotation-map.yaml').replace('[PC1, PC3, PC4, MK2', '[PC1, PC9, PC4, MK2');
    const lines = problemLines(await importRotationMap({ db: ctx.db, text, file: 'rotation-map.yaml', dryRun: false }));
    expect(lines).toEqual(['rotation-map.yaml:8: rotations.0.subcompetencies.1 "PC9" is not a subcompetency of IM 2.0']);
    expect(await fingerprint(ctx.db)).toEqual(before);
  });

  it('a dry run reports the changes a re-import would make and changes nothing', async () => {
    const before = await fingerprint(ctx.db);
    const text = contentFile('demo/people.csv')
      .replace('Ana,Ruiz,internal-medicine,resident,PGY-1', 'Ana,Ruiz-Ortega,internal-medicine,resident,PGY-2')
      .replace('omar.haddad@stelsewhere.example.org,Omar,Haddad,internal-medicine,faculty;ccc_chair', 'omar.haddad@stelsewhere.example.org,Omar,Haddad,internal-medicine,faculty');
    const summary = summaryOf(await importPeople({ db: ctx.db, text, file: 'people.csv', dryRun: true }));
    expect(summary.people).toEqual({ created: 0, updated: 1, unchanged: 26, removed: 0 });
    expect(summary['program roles']).toMatchObject({ created: 0, updated: 1, removed: 1 });
    expect(await fingerprint(ctx.db)).toEqual(before);
  });

  it('a re-import with corrections updates in place', async () => {
    const text = contentFile('demo/rotations.csv').replace(
      'internal-medicine,WARDS-A,General Medicine Wards A,University Hospital,ana.ruiz@stelsewhere.example.org,2026-07-01,2026-07-31,maya.lee@stelsewhere.example.org;samuel.brooks@stelsewhere.example.org',
      'internal-medicine,WARDS-A,General Medicine Wards A,University Hospital,ana.ruiz@stelsewhere.example.org,2026-07-01,2026-07-28,maya.lee@stelsewhere.example.org',
    );
    const before = await rowCounts(ctx.db);
    const summary = summaryOf(await importRotationSchedule({ db: ctx.db, text, file: 'rotations.csv', dryRun: false }));
    expect(summary.assignments).toEqual({ created: 0, updated: 1, unchanged: 71, removed: 0 });
    expect(summary.supervisors?.removed).toBe(1);
    const after = await rowCounts(ctx.db);
    expect(after.rotation_assignments).toBe(before.rotation_assignments);
    expect(after.assignment_supervisors).toBe(before.assignment_supervisors! - 1);
  });
});

describe('CSV edge cases', () => {
  it('reports a missing column and an unparseable file as one clear line each', async () => {
    // No database is touched before the file is understood, so a closed handle proves it.
    const db = {} as Db;
    expect(problemLines(await importPeople({ db, text: 'email,name\nx@y.org,X\n', file: 'people.csv', dryRun: false }))).toEqual([
      'people.csv:1: is missing the columns program, role',
    ]);
    expect(problemLines(await importPeople({ db, text: '', file: 'people.csv', dryRun: false }))).toEqual([
      'people.csv: is empty: expected a header row',
    ]);
    const broken = problemLines(await importPeople({ db, text: 'email,program,role\n"x@y.org,im,faculty\n', file: 'people.csv', dryRun: false }));
    expect(broken).toHaveLength(1);
    expect(broken[0]).toMatch(/^people\.csv(:\d+)?: is not valid CSV/);
  });
});
