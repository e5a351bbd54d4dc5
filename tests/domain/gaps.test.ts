import { describe, expect, it } from 'vitest';
import { gapsLargestFirst, gapsWorthAGoal, nextLevel, type RatingPair, ratingGap, summarizeGaps } from '../../src/domain/gaps.ts';

const pair = (code: string, self: RatingPair['self'], ccc: RatingPair['ccc']): RatingPair => ({ code, name: code, self, ccc });

describe('self vs CCC gaps', () => {
  it('measures self minus CCC in levels, "not yet Level 1" as 0, nothing when a rating is missing', () => {
    expect(ratingGap('3', '2')).toBe(1);
    expect(ratingGap('2', '3.5')).toBe(-1.5);
    expect(ratingGap('1.5', 'not_yet_level_1')).toBe(1.5);
    expect(ratingGap('3', null)).toBeNull();
    expect(ratingGap(null, '3')).toBeNull();
  });

  it('orders the largest absolute gap first, a self-rating above the CCC before one below, then milestone order; missing last', () => {
    const ordered = gapsLargestFirst([
      pair('PC1', '2', '2'),
      pair('PC2', '2', '3'),
      pair('PC3', null, '2'),
      pair('MK1', '4', '2'),
      pair('MK2', '3', '2'),
      pair('ICS1', '2', '4'),
      pair('ICS2', '2', null),
      pair('SBP1', '2.5', '2'),
    ]);
    expect(ordered.map((g) => [g.code, g.gap])).toEqual([
      ['MK1', 2],
      ['ICS1', -2],
      ['MK2', 1],
      ['PC2', -1],
      ['SBP1', 0.5],
      ['PC1', 0],
      ['PC3', null],
      ['ICS2', null],
    ]);
  });

  it('summarizes the direction of the gaps and names the largest', () => {
    const summary = summarizeGaps(gapsLargestFirst([pair('PC1', '2', '2'), pair('PC2', '4', '2'), pair('PC3', '1', '2'), pair('MK1', null, '2')]));
    expect(summary).toMatchObject({ compared: 3, selfHigher: 1, selfLower: 1, same: 1, incomplete: 1, largest: { code: 'PC2', gap: 2 } });
    expect(summary.meanAbsoluteGap).toBe(1);
    expect(summarizeGaps(gapsLargestFirst([pair('PC1', '2', '2')])).largest).toBeNull();
    expect(summarizeGaps([]).meanAbsoluteGap).toBeNull();
  });

  it('suggests goals for the largest gaps of a full level or more, at most three', () => {
    const pairs = [pair('A', '2', '3.5'), pair('B', '4', '2'), pair('C', '3', '2'), pair('D', '3', '2.5'), pair('E', '1', '2'), pair('F', '2', null)];
    expect(gapsWorthAGoal(pairs).map((g) => g.code)).toEqual(['B', 'A', 'C']);
    expect(gapsWorthAGoal(pairs, { limit: 10 }).map((g) => g.code)).toEqual(['B', 'A', 'C', 'E']);
    expect(gapsWorthAGoal([pair('A', '2', '2.5')])).toEqual([]);
  });

  it('aims a goal at the next whole level, never past 5', () => {
    expect(nextLevel('not_yet_level_1')).toBe(1);
    expect(nextLevel('2')).toBe(3);
    expect(nextLevel('2.5')).toBe(3);
    expect(nextLevel('5')).toBe(5);
  });
});
