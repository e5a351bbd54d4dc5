// The trend chart at a scale (Teams carries the picture inside the card, under its 28 KB limit): the same picture,
// smaller; the default stays the 800×450 PNG Slack uploads.
import { describe, expect, it } from 'vitest';
import { renderTrendChartPng, TREND_CHART_HEIGHT, TREND_CHART_WIDTH } from '../../src/charts/trend-chart.ts';

const trend = {
  periods: ['2024-25 Mid', '2024-25 End', '2025-26 Mid', '2025-26 End'],
  lines: [
    { code: 'PC1', name: 'History', levels: [1, 1.5, 2, 2.5] },
    { code: 'PC2', name: 'Physical examination', levels: [1.5, null, 2.5, 3] },
  ],
  expected: [1.5, 2, 2.5, 3],
};

function size(png: Uint8Array): [number, number] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return [view.getUint32(16), view.getUint32(20)];
}

describe('renderTrendChartPng at a scale', () => {
  it('draws the same layout smaller, and the default unchanged', async () => {
    const full = await renderTrendChartPng({ title: 'Patient care', altText: 'PC', trend });
    const explicit = await renderTrendChartPng({ title: 'Patient care', altText: 'PC', trend }, { scale: 1 });
    const half = await renderTrendChartPng({ title: 'Patient care', altText: 'PC', trend }, { scale: 0.5 });
    expect(size(full)).toEqual([TREND_CHART_WIDTH, TREND_CHART_HEIGHT]);
    expect(Buffer.from(explicit).equals(Buffer.from(full))).toBe(true);
    expect(size(half)).toEqual([TREND_CHART_WIDTH / 2, TREND_CHART_HEIGHT / 2]);
    expect(half.byteLength).toBeLessThan(full.byteLength / 2);
  });

  it('refuses a scale that is not a size', async () => {
    await expect(renderTrendChartPng({ altText: 'PC', trend }, { scale: 0 })).rejects.toThrow(/scale/);
  });
});
