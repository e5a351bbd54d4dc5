import { createCanvas, loadImage } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import { renderTrendChartPng, TREND_CHART_HEIGHT, TREND_CHART_WIDTH } from '../../src/charts/trend-chart.ts';
import type { TrendChartData } from '../../src/messages/model.ts';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const PERIODS = ['2024-25 Mid', '2024-25 End', '2025-26 Mid', '2025-26 End'];

function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  // The first chunk of every PNG is IHDR, right after the 8-byte signature and its 4-byte length.
  expect(new TextDecoder().decode(png.subarray(12, 16))).toBe('IHDR');
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function patientCare(): TrendChartData {
  return {
    periods: PERIODS,
    lines: [
      { code: 'PC1', name: 'History', levels: [1, 1.5, 2, 2.5] },
      { code: 'PC2', name: 'Physical examination', levels: [1.5, null, 2.5, 3] },
    ],
    expected: [1.5, 2, 2.5, 3],
  };
}

/** Dark (text-coloured) pixels inside a rectangle of the rendered PNG. */
async function darkPixels(png: Uint8Array, x: number, y: number, width: number, height: number): Promise<number> {
  const image = await loadImage(Buffer.from(png));
  const canvas = createCanvas(TREND_CHART_WIDTH, TREND_CHART_HEIGHT);
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  const { data } = context.getImageData(x, y, width, height);
  let dark = 0;
  for (let index = 0; index < data.length; index += 4) {
    if ((data[index] ?? 255) < 100 && (data[index + 1] ?? 255) < 100 && (data[index + 2] ?? 255) < 100) dark += 1;
  }
  return dark;
}

describe('renderTrendChartPng', () => {
  it('draws a PNG of the thumbnail size', async () => {
    const png = await renderTrendChartPng({ title: 'Patient care', altText: 'PC levels', trend: patientCare() });

    expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    expect(pngSize(png)).toEqual({ width: TREND_CHART_WIDTH, height: TREND_CHART_HEIGHT });
    expect(png.byteLength).toBeGreaterThan(5_000);
  });

  it('draws different levels differently, and the same data the same way', async () => {
    const first = await renderTrendChartPng({ altText: 'a', trend: patientCare() });
    const again = await renderTrendChartPng({ altText: 'a', trend: patientCare() });
    const changed = patientCare();
    changed.lines[0] = { code: 'PC1', name: 'History', levels: [1, 1.5, 4, 4.5] };
    const other = await renderTrendChartPng({ altText: 'a', trend: changed });

    expect(Buffer.from(again).equals(Buffer.from(first))).toBe(true);
    expect(Buffer.from(other).equals(Buffer.from(first))).toBe(false);
  });

  it('draws the title at the top only when there is one', async () => {
    const titled = await renderTrendChartPng({ title: 'Patient care trend', altText: 'a', trend: patientCare() });
    const untitled = await renderTrendChartPng({ altText: 'a', trend: patientCare() });
    const titleBand = [200, 0, 380, 28] as const;

    expect(await darkPixels(titled, ...titleBand)).toBeGreaterThan(100);
    expect(await darkPixels(untitled, ...titleBand)).toBe(0);
  });

  it('writes the subcompetency codes in the legend', async () => {
    const trend = patientCare();
    const withCodes = await renderTrendChartPng({ altText: 'a', trend });
    const renamed = await renderTrendChartPng({
      altText: 'a',
      trend: { ...trend, lines: trend.lines.map((line, index) => ({ ...line, code: `ICS${index + 1}` })) },
    });
    const noLines = await renderTrendChartPng({ altText: 'a', trend: { periods: PERIODS, lines: [] } });
    const legendColumn = [TREND_CHART_WIDTH - 110, 0, 110, 120] as const;

    const codeInk = await darkPixels(withCodes, ...legendColumn);
    expect(codeInk).toBeGreaterThan(50);
    expect(await darkPixels(noLines, ...legendColumn)).toBe(0);
    expect(await darkPixels(renamed, ...legendColumn)).not.toBe(codeInk);
  });

  it('copes with twenty lines, lines never rated, short lines and no expected levels', async () => {
    const codes = Array.from({ length: 20 }, (_, index) => `SUB${index + 1}`);
    const png = await renderTrendChartPng({
      title: 'Every subcompetency',
      altText: 'all',
      trend: {
        periods: PERIODS,
        lines: codes.map((code, index) => ({
          code,
          name: code,
          levels: index % 5 === 0 ? [null, null, null, null] : index % 3 === 0 ? [2] : [0, 1, 2.5, 5],
        })),
        expected: [null, null, null, null],
      },
    });
    const empty = await renderTrendChartPng({ altText: 'nothing', trend: { periods: [], lines: [] } });

    expect(pngSize(png)).toEqual({ width: TREND_CHART_WIDTH, height: TREND_CHART_HEIGHT });
    expect(pngSize(empty)).toEqual({ width: TREND_CHART_WIDTH, height: TREND_CHART_HEIGHT });
  });
});
