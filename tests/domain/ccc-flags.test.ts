import { describe, expect, it } from 'vitest';
import {
  type CccFlag,
  cccFlags,
  expectedLevel,
  isBelowExpected,
  isDeclining,
  levelOnScale,
  medianLevel,
  needsDiscussion,
  programLengthYears,
  type ResidentEvidence,
  type SubcompetencyEvidence,
  suggestedLevel,
} from '../../src/domain/ccc-flags.ts';

const sub = (code: string, ratings: number[], extra: Partial<SubcompetencyEvidence> = {}): SubcompetencyEvidence => ({
  code,
  name: `${code} name`,
  ratingCount: ratings.length,
  median: medianLevel(ratings),
  multisourceAnswers: 0,
  previous: null,
  ...extra,
});

const evidence = (input: Partial<ResidentEvidence>): ResidentEvidence => ({
  subcompetencies: [],
  expected: 3,
  multisource: [],
  directObservations: 5,
  ...input,
});

const kinds = (flags: CccFlag[]) => flags.map((f) => ('code' in f ? `${f.kind}:${f.code}` : f.kind));

describe('program length', () => {
  it('comes from the specialty, three years when unknown, and never fewer years than the highest PGY', () => {
    expect(programLengthYears('Internal Medicine')).toBe(3);
    expect(programLengthYears('  general   SURGERY ')).toBe(5);
    expect(programLengthYears('Obstetrics & Gynecology')).toBe(4);
    expect(programLengthYears('Neurological Surgery')).toBe(7);
    expect(programLengthYears('Underwater Medicine')).toBe(3);
    expect(programLengthYears('Underwater Medicine', 4)).toBe(4);
    expect(programLengthYears('Internal Medicine', 2)).toBe(3);
  });
});

describe('expected level', () => {
  it('rises from Level 1 at entry to Level 4 at graduation, halfway at mid-year', () => {
    const three = (trainingYear: number, periodKind: 'mid_year' | 'end_of_year') => expectedLevel({ trainingYear, periodKind, programYears: 3 });
    expect([three(1, 'mid_year'), three(1, 'end_of_year'), three(2, 'mid_year'), three(2, 'end_of_year'), three(3, 'mid_year'), three(3, 'end_of_year')]).toEqual([
      1.5, 2, 2.5, 3, 3.5, 4,
    ]);
    expect(expectedLevel({ trainingYear: 5, periodKind: 'end_of_year', programYears: 5 })).toBe(4);
    expect(expectedLevel({ trainingYear: 1, periodKind: 'end_of_year', programYears: 4 })).toBe(1.75);
    // Past the end of the program the expectation stays at the graduation target; before it there is none.
    expect(expectedLevel({ trainingYear: 4, periodKind: 'end_of_year', programYears: 3 })).toBe(4);
    expect(expectedLevel({ trainingYear: 0, periodKind: 'end_of_year', programYears: 3 })).toBeNull();
  });

  it('puts the bottom of the band at 2.5 at the end of PGY-2 of a three-year program', () => {
    const expected = expectedLevel({ trainingYear: 2, periodKind: 'end_of_year', programYears: 3 })!;
    expect(isBelowExpected(2.5, expected)).toBe(true);
    expect(isBelowExpected(3, expected)).toBe(false);
    // Mid-year of PGY-1 expects 1.5: a median of 1 is below, 1.5 is not.
    expect(isBelowExpected(1, 1.5)).toBe(true);
    expect(isBelowExpected(1.5, 1.5)).toBe(false);
  });
});

describe('medians and the scale', () => {
  it('takes the middle rating, or between the middle two, and suggests the scale point at or below it', () => {
    expect(medianLevel([])).toBeNull();
    expect(medianLevel([3, 1, 2])).toBe(2);
    expect(medianLevel([2, 2.5])).toBe(2.25);
    expect(levelOnScale(2.25)).toBe('2');
    expect(levelOnScale(2.5)).toBe('2.5');
    expect(levelOnScale(0.5)).toBe('not_yet_level_1');
    expect(levelOnScale(5)).toBe('5');
    expect(suggestedLevel(medianLevel([2, 2.5]))).toBe(2);
    expect(suggestedLevel(medianLevel([2, 3]))).toBe(2.5);
    expect(suggestedLevel(medianLevel([0, 0, 1]))).toBe(0);
    expect(suggestedLevel(medianLevel([]))).toBeNull();
  });

  it('calls a step of the scale down from the previous period a decline', () => {
    expect(isDeclining(2.5, 3)).toBe(true);
    expect(isDeclining(3, 3)).toBe(false);
    expect(isDeclining(3.5, 3)).toBe(false);
  });
});

describe('CCC flags', () => {
  it('flags each kind for the right subcompetency and nothing for a resident on track', () => {
    const onTrack = evidence({
      subcompetencies: [sub('PC1', [3, 3, 3.5], { previous: 3 }), sub('ICS1', [3], { previous: 2.5 })],
      multisource: [{ group: 'nurse', label: 'Nurses', visible: true, subcompetencies: [{ code: 'ICS1', name: 'x', mean: 3.4 }] }],
    });
    expect(cccFlags(onTrack)).toEqual([]);
    expect(needsDiscussion(cccFlags(onTrack))).toBe(false);

    const behind = evidence({
      subcompetencies: [
        sub('PC1', [2, 2.5, 3]), // median 2.5 ≤ 3 − 0.5: below
        sub('PC2', [3, 3, 3], { previous: 3.5 }), // one step down from 3.5: declining, not below
        sub('MK1', [2, 2], { previous: 3 }), // both
        sub('MK2', []), // nothing at all
        sub('PROF1', [], { multisourceAnswers: 4 }), // 360 answers count as evidence
        sub('ICS1', [3.5]),
      ],
      multisource: [
        { group: 'nurse', label: 'Nurses', visible: true, subcompetencies: [{ code: 'PROF1', name: 'Prof', mean: 2.6 }, { code: 'SBP2', name: 'SBP', mean: 1.5 }] },
        { group: 'pharmacist', label: 'Pharmacists', visible: true, subcompetencies: [{ code: 'ICS1', name: 'Ics', mean: 3 }] },
        // A group under the threshold has no scores to flag, whatever its answers were.
        { group: 'therapist', label: 'Therapists', visible: false, subcompetencies: [{ code: 'ICS1', name: 'Ics', mean: 1 }] },
      ],
      directObservations: 2,
    });
    const flags = cccFlags(behind);
    expect(kinds(flags)).toEqual([
      'below_expected:PC1',
      'below_expected:MK1',
      'declining:PC2',
      'declining:MK1',
      'low_multisource:PROF1',
      'no_evidence:MK2',
      'few_direct_observations',
    ]);
    expect(flags[0]).toEqual({ kind: 'below_expected', code: 'PC1', name: 'PC1 name', median: 2.5, expected: 3 });
    expect(flags[2]).toEqual({ kind: 'declining', code: 'PC2', name: 'PC2 name', current: 3, previous: 3.5 });
    expect(flags[4]).toMatchObject({ group: 'nurse', groupLabel: 'Nurses', mean: 2.6 });
    expect(flags.at(-1)).toEqual({ kind: 'few_direct_observations', count: 2, minimum: 3 });
    expect(needsDiscussion(flags)).toBe(true);
  });

  it('does not call a resident below expectations without a PGY, and does not put a missing subcompetency alone first', () => {
    const flags = cccFlags(evidence({ expected: null, subcompetencies: [sub('PC1', [1]), sub('PC2', [])] }));
    expect(kinds(flags)).toEqual(['no_evidence:PC2']);
    expect(needsDiscussion(flags)).toBe(false);
  });
});
