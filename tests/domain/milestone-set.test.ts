import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  COMPETENCY_CODES,
  COMPETENCY_NAMES,
  MAX_DESCRIPTOR_LENGTH,
  MILESTONE_LEVELS,
  type MilestoneSetFile,
  missingCompetencies,
  parseMilestoneSet,
} from '../../src/domain/milestone-set.ts';

function shipped(fileName: string): MilestoneSetFile {
  const text = readFileSync(new URL(`../../content/milestones/${fileName}`, import.meta.url), 'utf8');
  const result = parseMilestoneSet(text, fileName);
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return result.set;
}

const subcompetencyCodes = (set: MilestoneSetFile) =>
  set.competencies.flatMap((competency) => competency.subcompetencies.map((subcompetency) => subcompetency.code));

const descriptors = (set: MilestoneSetFile) =>
  set.competencies.flatMap((competency) =>
    competency.subcompetencies.flatMap((subcompetency) => MILESTONE_LEVELS.map((level) => subcompetency.levels[level])),
  );

// The IM file carries exactly the subcompetencies the project lists for Internal Medicine 2.0.
const IM_CODES = [
  'PC1', 'PC2', 'PC3', 'PC4', 'PC5', 'PC6',
  'MK1', 'MK2', 'MK3',
  'SBP1', 'SBP2', 'SBP3',
  'PBLI1', 'PBLI2',
  'PROF1', 'PROF2', 'PROF3', 'PROF4',
  'ICS1', 'ICS2', 'ICS3',
];

const HARMONIZED_CODES = [
  'SBP1', 'SBP2', 'SBP3', 'SBP4',
  'PBLI1', 'PBLI2',
  'PROF1', 'PROF2', 'PROF3',
  'ICS1', 'ICS2', 'ICS3',
];

describe('shipped milestone sets', () => {
  const im = shipped('internal-medicine-2.0.yaml');
  const harmonized = shipped('harmonized-2.0.yaml');

  it('reads the Internal Medicine set: every competency, every listed subcompetency', () => {
    expect(im).toMatchObject({ code: 'IM', version: '2.0', specialty: 'Internal Medicine' });
    expect(im.competencies.map((competency) => competency.code)).toEqual([...COMPETENCY_CODES]);
    expect(missingCompetencies(im)).toEqual([]);
    expect(subcompetencyCodes(im)).toEqual(IM_CODES);
    expect(im.competencies.find((competency) => competency.code === 'PC')?.subcompetencies[3]?.name).toBe(
      'Patient Management - Inpatient',
    );
  });

  it('reads the harmonized set: twelve subcompetencies, no PC or MK', () => {
    expect(harmonized).toMatchObject({ code: 'HARMONIZED', version: '2.0', specialty: 'All specialties' });
    expect(subcompetencyCodes(harmonized)).toEqual(HARMONIZED_CODES);
    expect(missingCompetencies(harmonized)).toEqual(['PC', 'MK']);
  });

  it('names competencies as the framework does', () => {
    for (const set of [im, harmonized]) {
      for (const competency of set.competencies) {
        expect(competency.name).toBe(COMPETENCY_NAMES[competency.code]);
      }
    }
  });

  it('has five distinct descriptors for every subcompetency, none repeated anywhere', () => {
    const all = [...descriptors(im), ...descriptors(harmonized)];
    expect(all).toHaveLength((IM_CODES.length + HARMONIZED_CODES.length) * 5);
    expect(new Set(all).size).toBe(all.length);
    for (const descriptor of all) {
      expect(descriptor.length).toBeGreaterThan(40);
      expect(descriptor.length).toBeLessThanOrEqual(MAX_DESCRIPTOR_LENGTH);
      expect(descriptor).not.toMatch(/\n/);
    }
  });

  it('reads the same set from JSON', () => {
    expect(parseMilestoneSet(JSON.stringify(im), 'internal-medicine-2.0.json')).toEqual({ ok: true, set: im });
  });
});

describe('parseMilestoneSet problems', () => {
  const levels = (name: string) => ({
    1: `${name} level one`,
    2: `${name} level two`,
    3: `${name} level three`,
    4: `${name} level four`,
    5: `${name} level five`,
  });
  // biome-ignore lint/suspicious/noExplicitAny: the fixtures are mutated into invalid shapes on purpose
  const validSet = (): any => ({
    code: 'TEST',
    version: '1.0',
    name: 'Test Milestones',
    specialty: 'Testing',
    competencies: [
      {
        code: 'PC',
        name: 'Patient Care',
        subcompetencies: [
          { code: 'PC1', name: 'History', levels: levels('history') },
          { code: 'PC2', name: 'Examination', levels: levels('examination') },
        ],
      },
      {
        code: 'MK',
        name: 'Medical Knowledge',
        subcompetencies: [{ code: 'MK1', name: 'Foundations', levels: levels('foundations') }],
      },
    ],
  });
  const problemsOf = (data: unknown, fileName = 'bad.yaml') => {
    const result = parseMilestoneSet(fileName.endsWith('.json') ? JSON.stringify(data) : stringify(data), fileName);
    expect(result.ok).toBe(false);
    return result.ok ? [] : result.problems;
  };

  it('accepts the fixture as it is', () => {
    expect(parseMilestoneSet(stringify(validSet()), 'good.yaml').ok).toBe(true);
  });

  it('names a missing level 5 by its path', () => {
    const set = validSet();
    delete set.competencies[0].subcompetencies[1].levels[5];
    expect(problemsOf(set)).toEqual(['bad.yaml: competencies[0].subcompetencies[1].levels.5: is required']);
  });

  it('names an empty level and a level outside 1 to 5', () => {
    const set = validSet();
    set.competencies[1].subcompetencies[0].levels[4] = '   ';
    set.competencies[1].subcompetencies[0].levels[6] = 'beyond the scale';
    expect(problemsOf(set)).toEqual([
      'bad.yaml: competencies[1].subcompetencies[0].levels.4: must not be empty',
      'bad.yaml: competencies[1].subcompetencies[0].levels.6: unknown level; levels are 1 to 5',
    ]);
  });

  it('rejects a duplicate subcompetency code', () => {
    const set = validSet();
    set.competencies[0].subcompetencies[1].code = 'PC1';
    expect(problemsOf(set)).toEqual([
      'bad.yaml: competencies[0].subcompetencies[1].code: duplicate subcompetency code PC1 (already at competencies[0].subcompetencies[0])',
    ]);
  });

  it('rejects a subcompetency code that does not match its competency', () => {
    const set = validSet();
    set.competencies[1].subcompetencies[0].code = 'PC3';
    expect(problemsOf(set)).toEqual([
      'bad.yaml: competencies[1].subcompetencies[0].code: "PC3" must be the competency code MK followed by a number, such as MK1',
    ]);
    set.competencies[1].subcompetencies[0].code = 'MK';
    expect(problemsOf(set)).toEqual([
      'bad.yaml: competencies[1].subcompetencies[0].code: "MK" must be the competency code MK followed by a number, such as MK1',
    ]);
  });

  it('rejects an unknown and a repeated competency code', () => {
    const unknown = validSet();
    unknown.competencies[1].code = 'XYZ';
    unknown.competencies[1].subcompetencies[0].code = 'XYZ1';
    expect(problemsOf(unknown)).toEqual([
      'bad.yaml: competencies[1].code: unknown competency "XYZ"; use one of PC, MK, SBP, PBLI, PROF, ICS',
    ]);

    const repeated = validSet();
    repeated.competencies[1].code = 'PC';
    repeated.competencies[1].subcompetencies[0].code = 'PC3';
    expect(problemsOf(repeated)).toEqual([
      'bad.yaml: competencies[1].code: duplicate competency PC (already at competencies[0])',
    ]);
  });

  it('explains missing fields, unknown fields and an unquoted version', () => {
    const set = validSet();
    delete set.name;
    set.version = 2;
    set.descripton = 'typo';
    expect(problemsOf(set, 'bad.json')).toEqual([
      'bad.json: version: must be text in quotes, such as "2.0"',
      'bad.json: name: is required',
      'bad.json: descripton: unknown field',
    ]);
  });

  it('turns broken YAML into a line with its position instead of throwing', () => {
    // A colon inside an unquoted name is the classic hand-editing mistake.
    const text = 'code: IM\nname: Internal Medicine: the set\n';
    expect(() => parseMilestoneSet(text, 'internal-medicine.yaml')).not.toThrow();
    expect(parseMilestoneSet(text, 'internal-medicine.yaml')).toEqual({
      ok: false,
      problems: ['internal-medicine.yaml: line 2, column 7: invalid YAML: Nested mappings are not allowed in compact mappings'],
    });

    const unclosed = parseMilestoneSet('code: IM\nversion: "2.0\ncompetencies: []\n', 'internal-medicine.yaml');
    expect(unclosed.ok).toBe(false);
    if (unclosed.ok) return;
    expect(unclosed.problems).toHaveLength(1);
    expect(unclosed.problems[0]).toMatch(/^internal-medicine\.yaml: line \d+, column \d+: invalid YAML: Missing closing "quote$/);

    const duplicateKey = parseMilestoneSet('code: IM\ncode: FM\n', 'set.yml');
    expect(duplicateKey).toEqual({
      ok: false,
      problems: ['set.yml: line 2, column 1: invalid YAML: Map keys must be unique'],
    });
  });

  it('reports broken JSON, empty files, wrong shapes and unknown extensions as lines', () => {
    const json = parseMilestoneSet('{"code": "IM",', 'set.json');
    expect(json.ok).toBe(false);
    if (!json.ok) expect(json.problems[0]).toMatch(/^set\.json: invalid JSON: /);

    expect(parseMilestoneSet('', 'empty.yaml')).toEqual({ ok: false, problems: ['empty.yaml: the file is empty'] });
    expect(parseMilestoneSet('- PC1\n- PC2\n', 'list.yaml')).toEqual({
      ok: false,
      problems: ['list.yaml: must be a milestone set: a mapping with code, version, name, specialty and competencies'],
    });
    expect(parseMilestoneSet('code: IM', 'set.txt')).toEqual({
      ok: false,
      problems: ['set.txt: unsupported file type; use .yaml, .yml or .json'],
    });
  });
});
