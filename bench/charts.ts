/**
 * `npm run bench -- charts`: how long one trend chart PNG takes, median and p95 over 200 charts of the shapes the
 * CCC digest sends (a competency's 2–8 subcompetencies over 2–6 reporting periods, some with gaps, some with the
 * expected level; one in ten with all ~20 subcompetencies). Goal: median ≤ 20 ms. Baseline in the same run:
 * creating and PNG-encoding a blank canvas of the same size with the same encoder, the least any chart costs
 * (and, for reference, the canvas library's own PNG encoder on the same blank canvas).
 */
import { performance } from 'node:perf_hooks';
import { createCanvas } from '@napi-rs/canvas';
import { encodeOpaquePng } from '../src/charts/png.ts';
import { renderTrendChartPng, TREND_CHART_HEIGHT, TREND_CHART_WIDTH } from '../src/charts/trend-chart.ts';
import type { TrendChartData } from '../src/messages/model.ts';
import { goal, printTable, quantile } from './engines.ts';

const CHARTS = 200;
const WARM_UP = 10;
const MEDIAN_GOAL_MS = 20;
const COMPETENCIES = ['PC', 'MK', 'SBP', 'PBLI', 'PROF', 'ICS'];
const PERIOD_NAMES = ['2023 Mid', '2023 End', '2024 Mid', '2024 End', '2025 Mid', '2025 End'];

/** A small LCG: the same shapes in every run. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

function chartShapes(count: number): { title: string; altText: string; trend: TrendChartData }[] {
  const random = lcg(20261123);
  return Array.from({ length: count }, (_, i) => {
    const periods = PERIOD_NAMES.slice(0, 2 + Math.floor(random() * 5));
    const everything = i % 10 === 9;
    const lineCount = everything ? 20 : 2 + Math.floor(random() * 7);
    const competency = COMPETENCIES[i % COMPETENCIES.length]!;
    const start = 1 + Math.floor(random() * 3) / 2;
    const lines = Array.from({ length: lineCount }, (_, l) => {
      const code = everything ? `${COMPETENCIES[l % COMPETENCIES.length]}${1 + Math.floor(l / COMPETENCIES.length)}` : `${competency}${l + 1}`;
      let level = start;
      return {
        code,
        name: `Subcompetency ${code}`,
        levels: periods.map(() => {
          level = Math.min(5, level + Math.floor(random() * 3) / 2);
          return random() < 0.1 ? null : level;
        }),
      };
    });
    const withExpected = random() < 0.6;
    return {
      title: `${everything ? 'All subcompetencies' : competency} — Resident ${i + 1}`,
      altText: `Levels over ${periods.length} periods`,
      trend: { periods, lines, ...(withExpected ? { expected: periods.map((_, p) => Math.min(5, 1 + p * 0.5)) } : {}) },
    };
  });
}

export async function runChartsBench(): Promise<void> {
  const shapes = chartShapes(CHARTS + WARM_UP);
  // Warm-up: font registration, Chart.js's first layout, the encoder's thread pool.
  for (const shape of shapes.slice(0, WARM_UP)) await renderTrendChartPng(shape);
  for (let i = 0; i < WARM_UP; i += 1) await createCanvas(TREND_CHART_WIDTH, TREND_CHART_HEIGHT).encode('png');

  const blank: number[] = [];
  const skia: number[] = [];
  const charts: number[] = [];
  let bytes = 0;
  // Interleaved, so a busy moment of the machine falls on both series alike.
  for (const shape of shapes.slice(WARM_UP)) {
    const blankAt = performance.now();
    const canvas = createCanvas(TREND_CHART_WIDTH, TREND_CHART_HEIGHT);
    const context = canvas.getContext('2d');
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, TREND_CHART_WIDTH, TREND_CHART_HEIGHT);
    await encodeOpaquePng(canvas.data(), TREND_CHART_WIDTH, TREND_CHART_HEIGHT);
    blank.push(performance.now() - blankAt);

    const skiaAt = performance.now();
    const skiaCanvas = createCanvas(TREND_CHART_WIDTH, TREND_CHART_HEIGHT);
    skiaCanvas.getContext('2d').fillRect(0, 0, TREND_CHART_WIDTH, TREND_CHART_HEIGHT);
    await skiaCanvas.encode('png');
    skia.push(performance.now() - skiaAt);

    const chartAt = performance.now();
    const png = await renderTrendChartPng(shape);
    charts.push(performance.now() - chartAt);
    bytes += png.byteLength;
  }
  blank.sort((a, b) => a - b);
  skia.sort((a, b) => a - b);
  charts.sort((a, b) => a - b);
  const row = (label: string, times: number[]) => [
    label,
    quantile(times, 0.5).toFixed(1),
    quantile(times, 0.95).toFixed(1),
    times[times.length - 1]!.toFixed(1),
  ];
  console.log(
    `${CHARTS} trend charts of ${TREND_CHART_WIDTH}×${TREND_CHART_HEIGHT} (2–8 lines, one in ten 20 lines; 2–6 periods), ` +
      `average PNG ${(bytes / CHARTS / 1024).toFixed(0)} KiB`,
  );
  printTable(['', 'median ms', 'p95 ms', 'max ms'], [row('blank canvas → PNG (baseline)', blank), row('blank canvas → the canvas’s own PNG encoder', skia), row('renderTrendChartPng', charts)], [
    false,
    true,
    true,
    true,
  ]);
  console.log(
    `  ratio chart/baseline: median ${(quantile(charts, 0.5) / quantile(blank, 0.5)).toFixed(2)}, p95 ${(quantile(charts, 0.95) / quantile(blank, 0.95)).toFixed(2)}`,
  );
  goal('median per chart', quantile(charts, 0.5), MEDIAN_GOAL_MS, 'ms');
}
