import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { asc } from 'drizzle-orm';
import { renderTrendChartPng } from '../charts/trend-chart.ts';
import { postCccDigest } from '../core/ccc-digest/post-ccc-digest.ts';
import { previewCccDigest } from '../core/ccc-digest/preview-ccc-digest.ts';
import { AppError } from '../core/errors.ts';
import { type Clock, systemClock } from '../core/ports.ts';
import type { Db } from '../db/client.ts';
import { programs } from '../db/schema/index.ts';
import { cccDigestMessages } from '../messages/ccc-digest.ts';
import type { ChartBlock, Message } from '../messages/model.ts';
import { messageAsPlainText } from './demo-multisource.ts';

export const DIGEST_USAGE = 'Usage: stepping-stones digest --program SLUG --period CODE (e.g. 2026-mid) [--preview [--out DIR]]';

/** A name safe in any file system: lower-case letters, digits and hyphens. */
function fileSafe(text: string): string {
  return (
    text
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'resident'
  );
}

/** The digest's messages as terminal text: the header, then each resident's reply, separated by a rule. */
export function digestAsText(messages: ReturnType<typeof cccDigestMessages>): string[] {
  const lines = messageAsPlainText(messages.header, '');
  for (const resident of messages.residents) {
    lines.push('', '─'.repeat(78), ...messageAsPlainText(resident.message, '  '));
  }
  return lines;
}

const chartOf = (message: Message): ChartBlock | undefined => message.blocks.find((b): b is ChartBlock => b.type === 'chart');

/**
 * `stepping-stones digest --program SLUG --period CODE [--preview]`. With --preview it prints the CCC digest as text
 * and writes each resident's trend chart as a PNG (to --out, by default ./ccc-digest-SLUG-CODE), posting nothing: an
 * operator's check before the committee sees it. Without --preview it queues the digest for the program's private
 * CCC channel (the running bot's delivery worker posts it); running it again queues nothing new.
 */
export async function runDigestCommand(input: {
  db: Db;
  clock?: Clock;
  program: string | undefined;
  period: string | undefined;
  preview: boolean;
  outDir?: string | undefined;
  out: (line: string) => void;
  err: (line: string) => void;
}): Promise<number> {
  const clock = input.clock ?? systemClock;
  if (!input.period) {
    input.err(DIGEST_USAGE);
    return 1;
  }
  const all = await input.db.select({ id: programs.id, slug: programs.slug, name: programs.name }).from(programs).orderBy(asc(programs.slug));
  let program = input.program === undefined ? (all.length === 1 ? all[0] : undefined) : all.find((p) => p.slug === input.program);
  if (!program) {
    input.err(
      input.program === undefined
        ? `${DIGEST_USAGE}\nName the program with --program; known programs: ${all.map((p) => p.slug).join(', ') || 'none (import programs first)'}.`
        : `There is no program "${input.program}"; known programs: ${all.map((p) => p.slug).join(', ') || 'none (import programs first)'}.`,
    );
    return 1;
  }
  const slugMatches = all.filter((p) => p.slug === program!.slug);
  if (slugMatches.length > 1) {
    // Two institutions may each have an "internal-medicine"; the digest must not guess which committee it is for.
    input.err(`Several institutions have a program "${program.slug}"; this command cannot tell them apart yet.`);
    return 1;
  }
  program = slugMatches[0]!;
  try {
    if (!input.preview) {
      const posted = await postCccDigest({ db: input.db, clock, programId: program.id, periodCode: input.period, channel: 'cli' });
      input.out(
        `CCC digest ${input.period} (${program.name}): ${posted.residents} residents, ${posted.flagged} flagged; ` +
          (posted.enqueued
            ? `${posted.enqueued} messages queued for the CCC channel (the header and one thread reply per resident). The running bot posts them.`
            : 'already queued before; nothing new.'),
      );
      return 0;
    }
    const digest = await previewCccDigest({ db: input.db, clock, programId: program.id, periodCode: input.period });
    const messages = cccDigestMessages(digest);
    for (const line of digestAsText(messages)) input.out(line);
    const dir = resolve(input.outDir ?? `ccc-digest-${fileSafe(program.slug)}-${fileSafe(digest.period.code)}`);
    await mkdir(dir, { recursive: true });
    let written = 0;
    for (const [index, resident] of messages.residents.entries()) {
      const block = chartOf(resident.message);
      const name = digest.residents[index]?.name ?? resident.residentId;
      if (!block) continue;
      const png = await renderTrendChartPng({ ...(block.title ? { title: block.title } : {}), altText: block.altText, trend: block.trend });
      await writeFile(join(dir, `${String(index + 1).padStart(2, '0')}-${fileSafe(name)}.png`), png);
      written += 1;
    }
    input.out('');
    input.out(`Preview only: nothing was posted. ${written} trend chart${written === 1 ? '' : 's'} written to ${dir}`);
    if (!digest.program.cccChannel) input.out(`Note: ${program.name} has no CCC channel yet, so the digest cannot be posted until one is set.`);
    return 0;
  } catch (error) {
    if (error instanceof AppError) {
      input.err(error.userMessage);
      return 1;
    }
    throw error;
  }
}
