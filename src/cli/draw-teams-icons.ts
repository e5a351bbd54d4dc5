/**
 * Draws the Teams app icons in manifests/teams/: `node bin/run-ts.js src/cli/draw-teams-icons.ts`. The PNGs are
 * committed, so packaging never draws; run this again only to change the design.
 *
 * The motif: three stepping stones climbing from lower left to upper right, one per step up the milestone levels.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas';

const DIR = fileURLToPath(new URL('../../manifests/teams/', import.meta.url));

// The Slack manifest's background colour, so the app looks the same in both places.
const GREEN = '#2f5d50';
const STONE = '#f1ead8';
const STONE_SHADOW = '#1f4037';
const WATER = '#4d7f71';

/** Stone centres and radii on a 1×1 square, lower left to upper right: each a little higher and a little larger. */
const STONES = [
  { x: 0.27, y: 0.7, rx: 0.15, ry: 0.085 },
  { x: 0.5, y: 0.53, rx: 0.165, ry: 0.093 },
  { x: 0.73, y: 0.34, rx: 0.18, ry: 0.1 },
] as const;

function stone(ctx: SKRSContext2D, size: number, s: (typeof STONES)[number], { dy = 0, scale = 1 } = {}): void {
  ctx.beginPath();
  ctx.ellipse(s.x * size, (s.y + dy) * size, s.rx * scale * size, s.ry * scale * size, -0.12, 0, Math.PI * 2);
  ctx.fill();
}

/** 192×192, full colour: stones on the green, with a shadow under each and two ripples of water. */
function drawColor(): Buffer {
  const size = 192;
  const canvas = createCanvas(size, size);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = GREEN;
  ctx.fillRect(0, 0, size, size);
  ctx.strokeStyle = WATER;
  ctx.lineWidth = size * 0.025;
  ctx.lineCap = 'round';
  for (const [y, from, to] of [
    [0.84, 0.12, 0.5],
    [0.2, 0.45, 0.88],
  ] as const) {
    ctx.beginPath();
    ctx.moveTo(from * size, y * size);
    ctx.bezierCurveTo(((from * 2 + to) / 3) * size, (y - 0.03) * size, ((from + to * 2) / 3) * size, (y + 0.03) * size, to * size, y * size);
    ctx.stroke();
  }
  for (const s of STONES) {
    ctx.fillStyle = STONE_SHADOW;
    stone(ctx, size, s, { dy: 0.035 });
    ctx.fillStyle = STONE;
    stone(ctx, size, s);
  }
  return canvas.toBuffer('image/png');
}

/**
 * 32×32, the outline Teams shows in its app bar: white stones on transparent. Antialiased edges keep their alpha but
 * are made pure white, since Teams wants no colour other than white in this icon.
 */
function drawOutline(): Buffer {
  const size = 32;
  const canvas = createCanvas(size, size);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  // Smaller stones than in colour: at 32 pixels the full-size ones run into one another.
  for (const s of STONES) stone(ctx, size, s, { scale: 0.82 });
  const image = ctx.getImageData(0, 0, size, size);
  for (let i = 0; i < image.data.length; i += 4) {
    const alpha = image.data[i + 3]!;
    image.data[i] = alpha > 0 ? 255 : 0;
    image.data[i + 1] = alpha > 0 ? 255 : 0;
    image.data[i + 2] = alpha > 0 ? 255 : 0;
  }
  ctx.putImageData(image, 0, 0);
  return canvas.toBuffer('image/png');
}

await writeFile(`${DIR}color.png`, drawColor());
await writeFile(`${DIR}outline.png`, drawOutline());
console.log(`Wrote ${DIR}color.png (192×192) and ${DIR}outline.png (32×32).`);
