import { createRequire } from 'node:module';
import { createCanvas, GlobalFonts, type SKRSContext2D } from '@napi-rs/canvas';
import {
  CategoryScale,
  Chart,
  type ChartConfiguration,
  type ChartDataset,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  type Plugin,
  type ScriptableScaleContext,
  PointElement,
  Title,
} from 'chart.js';
import type { TrendChartData } from '../messages/model.ts';
import { encodeOpaquePng } from './png.ts';

/** Size of the PNG: Slack and Teams show it as a ~800×450 thumbnail, so everything is drawn readable at that size. */
export const TREND_CHART_WIDTH = 800;
export const TREND_CHART_HEIGHT = 450;

/** What a chart block carries (see ChartBlock in src/messages/model.ts). */
export interface TrendChartInput {
  title?: string;
  altText: string;
  trend: TrendChartData;
}

// Only the parts of Chart.js a line chart needs, so nothing else is registered globally.
Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Title);

// The font ships with the app (an npm package), so charts have readable text on servers without system fonts.
const FONT_FAMILY = 'Stepping Stones Chart';
let fontsRegistered = false;
function registerFonts(): void {
  if (fontsRegistered) return;
  const require = createRequire(import.meta.url);
  for (const weight of ['400', '700']) {
    const path = require.resolve(`@fontsource/dejavu-sans/files/dejavu-sans-latin-${weight}-normal.woff2`);
    if (!GlobalFonts.registerFromPath(path, FONT_FAMILY)) {
      throw new Error(`could not load the chart font ${path}`);
    }
  }
  fontsRegistered = true;
}

// Twenty colours that stay apart from one another on white (Tableau 20 with the light ones darkened), since a
// competency can have up to ~20 subcompetencies on one chart; point shapes repeat at a different cadence so two
// lines sharing a colour family still differ.
const LINE_COLOURS = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
  '#5b8fd1',
  '#d98a3a',
  '#5fae4e',
  '#e0606a',
  '#a98bc9',
  '#a4786c',
  '#c86bab',
  '#4d4d4d',
  '#8f9017',
  '#1b8e9c',
] as const;
const POINT_STYLES = ['circle', 'rect', 'triangle', 'rectRot', 'crossRot', 'star', 'rectRounded'] as const;

const EXPECTED_COLOUR = '#555555';
const TEXT_COLOUR = '#222222';
const WHOLE_LEVEL_GRID = '#c8c8c8';
const HALF_LEVEL_GRID = '#ececec';

// PNGs have no background by default; dark-mode clients would then draw black text on black.
const whiteBackground: Plugin<'line'> = {
  id: 'whiteBackground',
  beforeDraw(chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

function levelLabel(value: number): string {
  if (value === 0) return '<1';
  return Number.isInteger(value) ? String(value) : '';
}

function chartConfiguration(input: TrendChartInput, scale: number): ChartConfiguration<'line', (number | null)[], string> {
  const { trend } = input;
  const datasets: ChartDataset<'line', (number | null)[]>[] = trend.lines.map((line, index) => {
    const colour = LINE_COLOURS[index % LINE_COLOURS.length];
    return {
      label: line.code,
      data: padToPeriods(line.levels, trend.periods.length),
      borderColor: colour,
      backgroundColor: colour,
      borderWidth: 2,
      pointRadius: 3.5,
      pointStyle: POINT_STYLES[index % POINT_STYLES.length],
      // A period without a rating is a gap, not an interpolated level.
      spanGaps: false,
      // Points at "not yet Level 1" (0) or Level 5 sit on the chart's edge: let them show whole.
      clip: 8,
    };
  });
  if (trend.expected?.some((level) => level !== null)) {
    datasets.push({
      label: 'Expected',
      data: padToPeriods(trend.expected, trend.periods.length),
      borderColor: EXPECTED_COLOUR,
      backgroundColor: EXPECTED_COLOUR,
      borderDash: [7, 5],
      borderWidth: 2,
      pointRadius: 0,
      pointStyle: 'line',
      // Drawn over the subcompetency lines: when a level matches the expectation the dashes still show.
      order: -1,
      spanGaps: true,
    });
  }
  const manyLines = datasets.length > 8;
  return {
    type: 'line',
    data: { labels: trend.periods, datasets },
    plugins: [whiteBackground],
    options: {
      animation: false,
      responsive: false,
      // Below 1 the whole 800×450 layout is drawn smaller (a Teams card carries the image inline, within 28 KB).
      devicePixelRatio: scale,
      layout: { padding: { top: 4, right: 12, bottom: 4, left: 4 } },
      plugins: {
        title: {
          display: Boolean(input.title),
          text: input.title ?? '',
          color: TEXT_COLOUR,
          font: { family: FONT_FAMILY, size: 17, weight: 'bold' },
          padding: { top: 6, bottom: 8 },
        },
        legend: {
          display: datasets.length > 0,
          position: 'right',
          align: 'start',
          labels: {
            color: TEXT_COLOUR,
            font: { family: FONT_FAMILY, size: manyLines ? 12 : 14 },
            usePointStyle: true,
            boxWidth: 8,
            boxHeight: 8,
            padding: manyLines ? 5 : 9,
            // The expected guide is drawn on top but listed last, after the subcompetencies in their order.
            sort: (a, b) => (a.datasetIndex ?? 0) - (b.datasetIndex ?? 0),
          },
        },
      },
      scales: {
        x: {
          type: 'category',
          offset: true,
          ticks: {
            color: TEXT_COLOUR,
            font: { family: FONT_FAMILY, size: 13 },
            maxRotation: 0,
            autoSkip: true,
          },
          grid: { color: HALF_LEVEL_GRID },
        },
        y: {
          type: 'linear',
          min: 0,
          max: 5,
          title: { display: true, text: 'Level', color: TEXT_COLOUR, font: { family: FONT_FAMILY, size: 13 } },
          ticks: {
            stepSize: 0.5,
            autoSkip: false,
            color: TEXT_COLOUR,
            font: { family: FONT_FAMILY, size: 13 },
            callback: (value) => levelLabel(Number(value)),
          },
          grid: {
            color: (context: ScriptableScaleContext) => (Number.isInteger(context.tick?.value) ? WHOLE_LEVEL_GRID : HALF_LEVEL_GRID),
          },
        },
      },
    },
  };
}

// A line with fewer levels than periods is drawn as unrated in the missing ones rather than shifting the x axis.
function padToPeriods(levels: (number | null)[], periods: number): (number | null)[] {
  const padded: (number | null)[] = [];
  for (let index = 0; index < periods; index += 1) {
    const level = levels[index];
    padded.push(typeof level === 'number' && Number.isFinite(level) ? level : null);
  }
  return padded;
}

/** Options of {@link renderTrendChartPng}. */
export interface TrendChartOptions {
  /**
   * Draws the same picture scaled (0.5 → 400×225), text and lines included, for a channel that carries the image
   * inline under a size limit (Teams). Default 1: the 800×450 PNG Slack uploads.
   */
  scale?: number;
}

/**
 * Draws a milestone trend chart (periods across, levels 0–5 up, one line per subcompetency, the expected level
 * dashed) as an 800×450 PNG, like the ACGME milestones trend report. The alt text travels with the block; the
 * picture itself carries no words the message does not also say.
 */
export async function renderTrendChartPng(chart: TrendChartInput, options: TrendChartOptions = {}): Promise<Uint8Array> {
  const scale = options.scale ?? 1;
  if (!(scale > 0 && scale <= 4)) throw new Error(`a trend chart's scale must be above 0 and at most 4, not ${scale}`);
  registerFonts();
  const canvas = createCanvas(TREND_CHART_WIDTH, TREND_CHART_HEIGHT);
  const context: SKRSContext2D = canvas.getContext('2d');
  // Chart.js draws synchronously on construction when animation is off; it only needs the 2D context API. It lays
  // out at the canvas's size and then resizes the canvas by the device pixel ratio (the scale).
  const drawn = new Chart(context as unknown as ConstructorParameters<typeof Chart>[0], chartConfiguration(chart, scale));
  try {
    // The white background makes every pixel opaque, so the faster RGB encoder loses nothing.
    return await encodeOpaquePng(canvas.data(), canvas.width, canvas.height);
  } finally {
    drawn.destroy();
  }
}
