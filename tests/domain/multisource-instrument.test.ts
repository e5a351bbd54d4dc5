import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMilestoneSet } from '../../src/domain/milestone-set.ts';
import {
  DEFAULT_MULTISOURCE_INSTRUMENT_PATH,
  loadDefaultMultisourceInstruments,
  MAX_ANCHOR_LENGTH,
  MULTISOURCE_RATER_GROUPS,
  parseMultisourceInstrumentFile,
  parseMultisourceScore,
  sameInstrument,
} from '../../src/domain/multisource-instrument.ts';
import { raterRole } from '../../src/db/schema/enums.ts';

const shipped = loadDefaultMultisourceInstruments(readFileSync(DEFAULT_MULTISOURCE_INSTRUMENT_PATH, 'utf8'));
const im = parseMilestoneSet(readFileSync(new URL('../../content/milestones/internal-medicine-2.0.yaml', import.meta.url), 'utf8'), 'im.yaml');

const anchors = (prefix: string) => `{ 1: ${prefix} one, 2: ${prefix} two, 3: ${prefix} three, 4: ${prefix} four, 5: ${prefix} five }`;
const VALID = `
instruments:
  - rater_group: nurse
    title: Working together
    items:
      - { subcompetency: ICS2, prompt: Keeps us informed, anchors: ${anchors('a')} }
      - { subcompetency: PROF1, prompt: Is respectful, anchors: ${anchors('b')} }
      - { subcompetency: SBP1, prompt: Is safe, anchors: ${anchors('c')} }
`;

function problems(text: string): string[] {
  const parsed = parseMultisourceInstrumentFile(text, 'mine.yaml');
  if (parsed.ok) throw new Error('expected problems');
  return parsed.problems;
}

describe('the shipped default 360 instrument', () => {
  it('has one instrument for every rater group, each a rater role the database knows', () => {
    expect(shipped.map((i) => i.rater_group).sort()).toEqual([...MULTISOURCE_RATER_GROUPS].sort());
    for (const group of MULTISOURCE_RATER_GROUPS) expect(raterRole.enumValues).toContain(group);
  });

  it('asks 3–8 items per group, each about an ICS, PROF or SBP subcompetency of IM 2.0', () => {
    if (!im.ok) throw new Error(im.problems.join('\n'));
    const codes = new Set(im.set.competencies.flatMap((c) => c.subcompetencies.map((s) => s.code)));
    for (const instrument of shipped) {
      expect(instrument.items.length).toBeGreaterThanOrEqual(3);
      expect(instrument.items.length).toBeLessThanOrEqual(8);
      for (const item of instrument.items) {
        expect(item.subcompetency).toMatch(/^(ICS|PROF|SBP)\d+$/);
        expect(codes.has(item.subcompetency), `${instrument.rater_group}: ${item.subcompetency}`).toBe(true);
      }
    }
  });

  it('anchors every point of the 5-point scale in words short enough for a chat menu', () => {
    for (const item of shipped.flatMap((i) => i.items)) {
      expect(item.anchors).toHaveLength(5);
      expect(new Set(item.anchors).size).toBe(5);
      for (const anchor of item.anchors) expect(anchor.length).toBeLessThanOrEqual(MAX_ANCHOR_LENGTH);
    }
  });

  it('speaks to patients and families in plain language, without clinical jargon', () => {
    const patient = shipped.find((i) => i.rater_group === 'patient_family')!;
    const words = patient.items.flatMap((item) => [item.prompt, ...item.anchors]).join(' ').toLowerCase();
    for (const jargon of ['subcompetency', 'handoff', 'interprofessional', 'reconcil', 'formulary', 'milestone', 'resident']) {
      expect(words).not.toContain(jargon);
    }
  });
});

describe('reading an instrument file', () => {
  it('accepts a valid file and gives anchors in scale order', () => {
    const parsed = parseMultisourceInstrumentFile(VALID, 'mine.yaml');
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.file.instruments[0]!.items[0]!.anchors).toEqual(['a one', 'a two', 'a three', 'a four', 'a five']);
  });

  it('names the line and field of each problem', () => {
    const bad = VALID.replace('subcompetency: PROF1', 'subcompetency: PC3').replace('rater_group: nurse', 'rater_group: surgeon');
    const lines = problems(bad);
    expect(lines).toContain('mine.yaml:3: instruments.0.rater_group: unknown rater group "surgeon"; use one of nurse, peer, pharmacist, therapist, social_worker, staff, student, patient_family');
    expect(lines.some((l) => /^mine\.yaml:7: instruments\.0\.items\.1\.subcompetency: must be an ICS, PROF or SBP/.test(l))).toBe(true);
  });

  it('refuses too few items, a missing anchor, a long anchor and a repeated group', () => {
    const twoItems = VALID.replace(/ {6}- \{ subcompetency: SBP1.*\n/, '');
    expect(problems(twoItems).join('\n')).toContain('instruments.0.items: must list at least 3 items');
    const missing = VALID.replace('5: a five', '');
    expect(problems(missing).join('\n')).toContain('instruments.0.items.0.anchors.5: is required');
    const long = VALID.replace('a one', 'x'.repeat(MAX_ANCHOR_LENGTH + 1));
    expect(problems(long).join('\n')).toContain(`must be at most ${MAX_ANCHOR_LENGTH} characters`);
    const twice = `${VALID}${VALID.replace('instruments:\n', '')}`;
    expect(problems(twice).join('\n')).toContain('instruments.1.rater_group: nurse already has an instrument (instruments.0)');
  });

  it('reports broken YAML and an empty file instead of throwing', () => {
    expect(problems('instruments: [\n')[0]).toMatch(/^mine\.yaml:\d+: is not valid YAML/);
    expect(problems('')).toEqual(['mine.yaml: the file is empty']);
  });

  it('the default loader insists on every group and on no program', () => {
    expect(() => loadDefaultMultisourceInstruments(VALID, 'x.yaml')).toThrow(/no instrument for peer, pharmacist/);
    const withProgram = readFileSync(DEFAULT_MULTISOURCE_INSTRUMENT_PATH, 'utf8').replace('instruments:', 'program: internal-medicine\ninstruments:');
    expect(() => loadDefaultMultisourceInstruments(withProgram, 'x.yaml')).toThrow(/belongs to no program/);
  });
});

describe('helpers', () => {
  it('compares instruments by their words', () => {
    const a = shipped[0]!;
    expect(sameInstrument(a, { ...a, items: a.items.map((i) => ({ ...i, anchors: [...i.anchors] })) })).toBe(true);
    expect(sameInstrument(a, { ...a, title: `${a.title}!` })).toBe(false);
    expect(sameInstrument(a, { ...a, items: a.items.slice(1) })).toBe(false);
  });

  it('reads scores 1–5 only', () => {
    expect(parseMultisourceScore(4)).toBe(4);
    expect(parseMultisourceScore('5')).toBe(5);
    for (const bad of [0, 6, 2.5, '3.5', 'x', '', null, undefined, 'not_observed']) expect(parseMultisourceScore(bad)).toBeUndefined();
  });
});
