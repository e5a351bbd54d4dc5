import { describe, expect, it } from 'vitest';
import { anonymousOrder, effectiveThreshold, groupVisible, meanScore, MIN_ANONYMITY_THRESHOLD } from '../../src/domain/anonymity.ts';

describe('the 360 anonymity threshold', () => {
  it('is never below 3, whatever the program sets', () => {
    expect(MIN_ANONYMITY_THRESHOLD).toBe(3);
    expect(effectiveThreshold(3)).toBe(3);
    expect(effectiveThreshold(5)).toBe(5);
    for (const low of [2, 1, 0, -4, Number.NaN, Number.NEGATIVE_INFINITY, null, undefined]) expect(effectiveThreshold(low)).toBe(3);
    // A fractional setting rounds towards hiding more, never less.
    expect(effectiveThreshold(3.2)).toBe(4);
  });

  it('shows a group at the threshold and hides it below', () => {
    expect(groupVisible(2, 3)).toBe(false);
    expect(groupVisible(3, 3)).toBe(true);
    expect(groupVisible(3, 4)).toBe(false);
    expect(groupVisible(4, 4)).toBe(true);
    expect(groupVisible(0, 3)).toBe(false);
  });

  it('clamps again, so a caller passing a threshold below 3 cannot reveal a group of one or two', () => {
    expect(groupVisible(1, 1)).toBe(false);
    expect(groupVisible(2, 0)).toBe(false);
    expect(groupVisible(3, 0)).toBe(true);
  });
});

describe('anonymous ordering of comments', () => {
  const comments = ['Always kind to families.', 'Pages go unanswered at night.', 'Great handoffs.', 'Explains plans clearly.'];

  it('is deterministic and independent of the order the comments arrived in', () => {
    const once = anonymousOrder(comments, 'resident-1', (c) => c);
    expect(anonymousOrder([...comments].reverse(), 'resident-1', (c) => c)).toEqual(once);
    expect([...once].sort()).toEqual([...comments].sort());
  });

  it('does not simply keep the arrival order or sort alphabetically for every seed', () => {
    const seeds = Array.from({ length: 20 }, (_, i) => `seed-${i}`);
    const orders = new Set(seeds.map((seed) => anonymousOrder(comments, seed, (c) => c).join('|')));
    expect(orders.size).toBeGreaterThan(1);
  });

  it('adding a comment does not reveal itself by landing at the end every time', () => {
    const places = Array.from({ length: 30 }, (_, i) => {
      const added = `new comment ${i}`;
      return anonymousOrder([...comments, added], 'resident-1', (c) => c).indexOf(added);
    });
    expect(new Set(places).size).toBeGreaterThan(2);
  });
});

describe('mean score', () => {
  it('rounds to one decimal and is null without scores', () => {
    expect(meanScore([4, 5, 4])).toBe(4.3);
    expect(meanScore([3])).toBe(3);
    expect(meanScore([])).toBeNull();
  });
});
