import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DemoCardEntry } from '../../src/cli/demo-cards.ts';

const BIN = fileURLToPath(new URL('../../bin/stepping-stones.js', import.meta.url));
const PEOPLE = fileURLToPath(new URL('../../content/demo/people.csv', import.meta.url));

// The demo's 360 raters, by first and last name, from the roster it imports.
const RATER_NAMES = readFileSync(PEOPLE, 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => line.split(','))
  .filter((cells) => cells[4]?.split(';').includes('rater'))
  .flatMap((cells) => [cells[1]!, cells[2]!]);

/** Every text of a card, depth first: TextBlocks, fact titles and values, input labels, choice titles, button titles. */
function texts(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(texts);
  if (!node || typeof node !== 'object') return [];
  const record = node as Record<string, unknown>;
  const own = ['text', 'title', 'value', 'label', 'placeholder', 'fallbackText'].flatMap((key) => (typeof record[key] === 'string' ? [record[key] as string] : []));
  return [...own, ...Object.values(record).flatMap((value) => (typeof value === 'object' ? texts(value) : []))];
}

let result: { code: number; stdout: string; stderr: string };
let entries: DemoCardEntry[];

beforeAll(async () => {
  result = await new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, 'demo', '--cards'],
      { env: { PATH: process.env.PATH, HOME: process.env.HOME }, timeout: 240_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
  entries = JSON.parse(result.stdout);
}, 300_000);

describe('demo --cards', () => {
  it('prints one JSON document of Adaptive Cards 1.5 on stdout, the story on stderr', () => {
    expect(result.code).toBe(0);
    expect(Array.isArray(entries)).toBe(true);
    expect(entries.length).toBeGreaterThan(100);
    for (const entry of entries) {
      expect(entry).toEqual({ to: expect.any(String), what: expect.any(String), shownAs: expect.any(String), cards: expect.any(Array) });
      expect(entry.cards.length).toBeGreaterThan(0);
      for (const card of entry.cards) {
        expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.5', body: expect.any(Array) });
        expect(card.body.length).toBeGreaterThan(0);
      }
    }
    expect(result.stderr).toContain('Stepping Stones demo');
    expect(result.stderr).toContain('Messages that would be sent');
    expect(result.stderr).toMatch(/Printed \d+ messages, replies and forms as Adaptive Cards/);
  });

  it('shows the half-year: queued messages of each kind, updates in place, replies and forms as dialogs', () => {
    const kinds = new Set(entries.filter((e) => e.shownAs === 'message').map((e) => e.what));
    for (const kind of ['feedback-request', 'feedback-answer', 'rotation-prompt', 'rotation-evaluation', 'multisource-request', 'self-assessment-invite', 'goal-due']) {
      expect(kinds).toContain(kind);
    }
    expect(entries.filter((e) => e.what === 'multisource-request')).toHaveLength(192);
    expect(entries.some((e) => e.shownAs === 'update' && e.what === 'rotation-prompt-redraw')).toBe(true);
    expect(entries.filter((e) => e.shownAs === 'update').every((e) => e.cards.length === 1)).toBe(true);
    expect(entries.filter((e) => e.shownAs === 'reply').map((e) => e.what)).toEqual([
      '/feedback 360 (after July)',
      '/feedback 360 (end of December)',
      '/feedback 360 @Ana Ruiz',
      '/feedback compare',
      '/feedback plan show @Ana Ruiz',
    ]);
    const dialogs = entries.filter((e) => e.shownAs === 'dialog');
    expect(dialogs.map((e) => e.what)).toEqual(
      expect.arrayContaining(['/feedback', 'Answer (feedback request)', 'Give feedback (rotation prompt)', 'Answer (360 request)', 'Start self-assessment']),
    );
    for (const dialog of dialogs) {
      const [card] = dialog.cards;
      // A dialog honours only Action.Submit, and a form has inputs.
      expect(card!.actions).toEqual([expect.objectContaining({ type: 'Action.Submit' })]);
      expect(JSON.stringify(card!.body)).toMatch(/"type":"Input\./);
    }
    // Buttons in messages are Action.Execute, so Teams routes clicks to the bot as invokes.
    const prompt = entries.find((e) => e.what === 'rotation-prompt')!;
    expect(JSON.stringify(prompt.cards)).toContain('"type":"Action.Execute"');
  });

  it('ends with the CCC digest: the header in the CCC channel and one thread reply per resident', () => {
    const digest = entries.filter((e) => e.to === 'CCC channel');
    const [header, ...residents] = digest;
    expect(header).toMatchObject({ what: 'ccc-digest header', shownAs: 'message' });
    expect(header!.cards[0]!.body[0]).toMatchObject({ type: 'TextBlock', text: expect.stringMatching(/^CCC digest · Mid-year 2026/), style: 'heading' });
    expect(texts(header!.cards)).toEqual(expect.arrayContaining(['Rotation evaluations', '360 responses']));

    expect(residents).toHaveLength(12);
    for (const resident of residents) {
      expect(resident.shownAs).toBe('thread reply');
      const name = resident.what.replace('ccc-digest resident: ', '');
      expect(resident.cards[0]!.body[0]).toMatchObject({ type: 'TextBlock', text: expect.stringContaining(name) });
    }
    // Flagged residents first: the demo's struggling PGY-2.
    expect(residents[0]!.what).toBe('ccc-digest resident: Gabe Lindqvist');
    expect(texts(residents[0]!.cards).join('\n')).toContain('Flags');
    expect(digest.at(-1)).toBe(entries.at(-1));
  });

  it('names no rater in the digest or in a resident’s 360 results', () => {
    expect(RATER_NAMES).toEqual(expect.arrayContaining(['Rosa', 'Delgado', 'Leo', 'Marsh']));
    const anonymous = entries.filter((e) => e.to === 'CCC channel' || e.what.startsWith('/feedback 360'));
    expect(anonymous.length).toBeGreaterThan(10);
    const words = anonymous.flatMap((e) => texts(e.cards)).join('\n');
    expect(words).toContain('Nurses');
    for (const name of RATER_NAMES) expect(words).not.toMatch(new RegExp(`\\b${name}\\b`));
  });
});
