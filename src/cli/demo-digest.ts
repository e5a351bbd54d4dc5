import { buildCccDigest } from '../core/ccc-digest/build-ccc-digest.ts';
import type { Clock } from '../core/ports.ts';
import type { Db } from '../db/client.ts';
import { programs } from '../db/schema/index.ts';
import { cccDigestMessages } from '../messages/ccc-digest.ts';
import type { DemoCards } from './demo-cards.ts';
import { digestAsText } from './digest-command.ts';

/** Flagged residents shown in full; the rest as their one-line summary, so the demo's output stays readable. */
const SHOWN_IN_FULL = 1;

/**
 * The demo's half-year ends with the CCC digest, as `stepping-stones digest --preview` prints it: the header, the
 * most flagged resident in full (flags, evidence, levels against the expected band, self vs faculty, narratives,
 * plan, the chart in words), and one line for each of the others. `cards` gets all of it: the header and every
 * resident's reply in its thread.
 */
export async function runDemoDigest(db: Db, out: (line: string) => void, cards?: DemoCards): Promise<void> {
  const [program] = await db.select().from(programs);
  if (!program) return;
  const clock: Clock = { now: () => new Date('2026-12-31T23:59:00Z') };
  const digest = await buildCccDigest({ db, clock, programId: program.id, periodCode: '2026-mid' });
  const messages = cccDigestMessages(digest);
  out('\nThe half-year ends with the CCC digest (`stepping-stones digest --program internal-medicine --period 2026-mid --preview`):');
  out('In Slack it is one header in the private CCC channel and one thread reply per resident, each with a trend chart image.\n');
  const full = { header: messages.header, residents: messages.residents.slice(0, SHOWN_IN_FULL) };
  for (const line of digestAsText(full)) out(`  ${line}`);
  const rest = messages.residents.slice(SHOWN_IN_FULL);
  if (rest.length) {
    out('');
    out(`  ${'─'.repeat(78)}`);
    out(`  The other ${rest.length} replies, by their first line:`);
    for (const resident of rest) out(`    ${resident.flagged ? '⚑' : ' '} ${resident.message.text}`);
  }
  if (cards) {
    await cards.message({ to: 'CCC channel', what: 'ccc-digest header', shownAs: 'message' }, messages.header);
    for (const [index, resident] of messages.residents.entries()) {
      const name = digest.residents[index]?.name ?? resident.residentId;
      await cards.message({ to: 'CCC channel', what: `ccc-digest resident: ${name}`, shownAs: 'thread reply' }, resident.message);
    }
  }
}
