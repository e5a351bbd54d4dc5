import { createHash } from 'node:crypto';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { declineMultisource, multisourceAnswersFromForm, openMultisourceForm, submitMultisourceResponse } from '../core/multisource/multisource-response.ts';
import { multisourceSummaryForCcc, multisourceSummaryForResident } from '../core/multisource/multisource-summary.ts';
import { openMultisourceRound } from '../core/multisource/open-multisource-round.ts';
import type { Clock } from '../core/ports.ts';
import type { Db } from '../db/client.ts';
import { multisourceRequests, people, programMemberships, programs, rotationAssignments, rotations } from '../db/schema/index.ts';
import { NOT_OBSERVED } from '../domain/rating.ts';
import { levelRowLine } from '../messages/level-dots.ts';
import { toPlainText } from '../messages/markdown.ts';
import type { Message } from '../messages/model.ts';
import type { DemoCards } from './demo-cards.ts';

/** Comments in the demo's own words, handed out to raters by a fixed rule so every run prints the same thing. */
const DEMO_COMMENTS = [
  'Always tells us when the plan changes, even on busy nights.',
  'Explains things to families in plain words and checks they understood.',
  'Could answer pages a little faster during admissions.',
  'Asks what we think before changing the plan.',
  'Stays calm when the unit is stretched.',
  'Double-checks doses with us instead of guessing.',
];

/** A number in [0, n) fixed by the words given: the demo's stand-in for people's choices, stable across runs. */
function pick(n: number, ...parts: string[]): number {
  return createHash('sha256').update(parts.join('|')).digest().readUInt32BE(0) % n;
}

/** A message as plain text, one block per line, for the terminal (the demo has no chat client to render it). */
export function messageAsPlainText(message: Message, indent = '    '): string[] {
  const lines: string[] = [];
  for (const block of message.blocks) {
    switch (block.type) {
      case 'header':
        lines.push(block.text.toUpperCase());
        break;
      case 'paragraph':
      case 'context':
        lines.push(...toPlainText(block.text).split('\n'));
        break;
      case 'fields':
        lines.push(...block.fields.map((f) => `  ${toPlainText(f.label)}: ${toPlainText(f.value)}`));
        break;
      case 'divider':
        lines.push('');
        break;
      case 'level_grid':
        if (block.title) lines.push(block.title);
        lines.push(...block.rows.map((row) => `  ${`${row.code} ${row.name}`.slice(0, 44).padEnd(44)} ${levelRowLine(block, row)}`));
        break;
      case 'chart':
        // The image is drawn at send time; in text the chart is its words.
        lines.push(`[Chart${block.title ? `: ${block.title}` : ''}] ${block.altText}`);
        break;
      case 'actions':
        break;
    }
  }
  return lines.map((line) => (line ? `${indent}${line}` : ''));
}

/**
 * The demo's 360 feedback over the half-year, through the same core use cases the chat adapters call: at the end of
 * every rotation block a round asks that rotation's raters about each resident who finished it; most raters answer
 * within days (one submission each), some say they did not work with the resident, some never get to it. It then
 * prints one resident's own view twice — after July, while no group has enough answers, and at the end — and the
 * CCC's counts, to show the anonymity threshold at work. `cards` gets the first rater's form and those three views.
 */
export async function runDemoMultisource(db: Db, out: (line: string) => void, cards?: DemoCards): Promise<void> {
  const [program] = await db.select().from(programs);
  if (!program) return;
  let now = new Date('2026-08-01T14:00:00Z');
  const clock: Clock = { now: () => now };
  const ports = { db, clock };
  const [ana] = await db.select({ id: people.id, name: people.name }).from(people).where(eq(people.email, 'ana.ruiz@stelsewhere.example.org'));
  const [chair] = await db
    .select({ id: programMemberships.personId })
    .from(programMemberships)
    .where(and(eq(programMemberships.programId, program.id), eq(programMemberships.role, 'ccc_chair')));

  const blocks = await db
    .selectDistinct({ code: rotations.code, endsOn: rotationAssignments.endsOn })
    .from(rotationAssignments)
    .innerJoin(rotations, eq(rotations.id, rotationAssignments.rotationId))
    .where(eq(rotations.programId, program.id))
    .orderBy(asc(rotationAssignments.endsOn), asc(rotations.code));
  const endDates = [...new Set(blocks.map((b) => b.endsOn))];

  out('\n360 feedback: at the end of each block, the rotation’s nurses, pharmacists, therapists and social workers are asked');
  out(`about each resident who finished it (one DM per resident). Results show per group once ${program.multisourceThreshold ?? 3} have answered.`);
  // Choices are fixed by people's emails and the items' words, not by database ids, so every run prints the same.
  const emailOf = new Map((await db.select({ id: people.id, email: people.email }).from(people)).map((p) => [p.id, p.email]));
  const who = (id: string) => emailOf.get(id) ?? id;
  let residentView: string[] | undefined;
  let formShown = false;
  const commentsFor = new Map<string, number>();
  for (const endsOn of endDates) {
    now = new Date(`${endsOn}T23:30:00Z`);
    const roundIds: string[] = [];
    let requested = 0;
    for (const block of blocks.filter((b) => b.endsOn === endsOn)) {
      const round = await openMultisourceRound({ ...ports, programId: program.id, rotationCode: block.code, endsOn });
      roundIds.push(round.roundId);
      requested += round.requested;
    }
    // Raters answer over the following days; each request is one DM and one submission.
    now = new Date(new Date(`${endsOn}T15:00:00Z`).getTime() + 3 * 24 * 3600 * 1000);
    const requests = (await db.select().from(multisourceRequests).where(inArray(multisourceRequests.roundId, roundIds))).sort(
      (a, b) => who(a.residentId).localeCompare(who(b.residentId)) || who(a.raterId).localeCompare(who(b.raterId)),
    );
    let answered = 0;
    let declined = 0;
    for (const request of requests) {
      const choice = pick(10, 'respond', who(request.residentId), who(request.raterId), endsOn);
      if (choice === 0) {
        await declineMultisource({ ...ports, requestId: request.id, actorId: request.raterId });
        declined += 1;
        continue;
      }
      if (choice <= 2) continue; // never got to it
      // As the chat adapters do: the form's fields are the questions; the values go back keyed by field id.
      const form = await openMultisourceForm({ ...ports, requestId: request.id, actorId: request.raterId });
      if (cards && !formShown) {
        formShown = true;
        await cards.form({ to: { personId: request.raterId }, what: 'Answer (360 request)' }, form);
      }
      const base = 3 + pick(2, 'resident', who(request.residentId));
      const values: Record<string, string> = {};
      for (const field of form.fields) {
        if (!field.id.startsWith('item_')) continue;
        const spread = pick(7, field.label, who(request.raterId));
        values[field.id] = spread === 0 ? NOT_OBSERVED : String(Math.max(1, Math.min(5, base + (spread === 1 ? -1 : spread === 2 ? 1 : 0))));
      }
      // About every other rater writes a comment; taking them in turn per resident keeps a resident's comments apart.
      let comment: string | null = null;
      if (pick(2, 'comment', who(request.residentId), who(request.raterId), endsOn) === 0) {
        const n = commentsFor.get(request.residentId) ?? pick(DEMO_COMMENTS.length, 'first comment', who(request.residentId));
        commentsFor.set(request.residentId, n + 1);
        comment = DEMO_COMMENTS[n % DEMO_COMMENTS.length]!;
      }
      const result = await submitMultisourceResponse({
        ...ports,
        requestId: request.id,
        actorId: request.raterId,
        ...multisourceAnswersFromForm({ ...values, comment }),
      });
      if (result.ok) answered += 1;
    }
    out(`  ${endsOn}: ${roundIds.length} rotation rounds, ${requested} DMs to raters; ${answered} answered, ${declined} did not work with the resident, ${requests.length - answered - declined} not answered.`);
    if (ana && !residentView) {
      const view = (await multisourceSummaryForResident({ db, residentId: ana.id, viewerId: ana.id })).message;
      residentView = messageAsPlainText(view);
      await cards?.message({ to: ana.name, what: '/feedback 360 (after July)', shownAs: 'reply' }, view);
    }
  }
  if (!ana) return;

  out(`\n${ana.name} types /feedback 360 after July (only the July block's raters have answered):`);
  for (const line of residentView ?? []) out(line);
  out(`\n${ana.name} types /feedback 360 at the end of December:`);
  const december = (await multisourceSummaryForResident({ db, residentId: ana.id, viewerId: ana.id })).message;
  for (const line of messageAsPlainText(december)) out(line);
  await cards?.message({ to: ana.name, what: '/feedback 360 (end of December)', shownAs: 'reply' }, december);

  if (chair) {
    const ccc = await multisourceSummaryForCcc({ ...ports, programId: program.id, residentId: ana.id, viewerId: chair.id, channel: 'cli' });
    await cards?.message({ to: { personId: chair.id }, what: `/feedback 360 @${ana.name}`, shownAs: 'reply' }, ccc.message);
    out('\nThe CCC chair’s view (/feedback 360 @Ana Ruiz) adds counts per group; results still show only at the threshold, which');
    out('counts different people, not answers: a nurse asked after two blocks who answered twice counts once.');
    for (const group of ccc.summary.groups) {
      const declinedNote = group.didNotWorkWith ? `, ${group.didNotWorkWith} did not work with the resident` : '';
      out(`    ${group.label}: ${group.responses ?? 0} of ${group.asked ?? 0} answered${declinedNote} — ${group.visible ? 'shown' : 'not enough responses yet'}`);
    }
  }
}
