import type { Db } from '../../db/client.ts';
import { auditLog } from '../../db/schema/index.ts';
import { enqueueMessage } from '../../delivery/outbox.ts';
import { cccDigestMessages } from '../../messages/ccc-digest.ts';
import { AppError } from '../errors.ts';
import type { CorePorts } from '../ports.ts';
import { cccChannelOf } from '../programs/program-context.ts';
import { programById } from '../self-assessment/period-context.ts';
import { buildCccDigest } from './build-ccc-digest.ts';

/** The outbox key of a digest's header; its resident replies name it as their thread parent. */
export function cccDigestHeaderKey(programId: string, periodCode: string): string {
  return `ccc-digest:${programId}:${periodCode}:header`;
}

/** The outbox key of one resident's reply in a digest's thread. */
export function cccDigestResidentKey(programId: string, periodCode: string, residentId: string): string {
  return `ccc-digest:${programId}:${periodCode}:resident:${residentId}`;
}

/**
 * Posts a program's CCC digest for a period to its CCC channel: the header, and one thread reply per resident with
 * flagged residents first, enqueued in one transaction. The keys are per (program, period, resident), so posting
 * again (a repeated job, a second CLI run) enqueues nothing. The outbox worker holds each reply until the header is
 * sent and posts it in the header's thread; the Slack sender refuses a channel that is not private.
 */
export async function postCccDigest(
  input: Pick<CorePorts, 'db' | 'clock'> & {
    programId: string;
    periodCode: string;
    /** Where the post came from, for the audit log: `scheduler` (the default) or `cli`. */
    channel?: string;
  },
): Promise<{ residents: number; flagged: number; enqueued: number }> {
  const program = await programById(input.db, input.programId);
  const { platform, channel, advice } = cccChannelOf(program);
  if (!channel) {
    throw new AppError(
      'invalid_input',
      `${program.name} has no CCC channel, so the digest has nowhere to go: ${advice} in the programs file and import it again (stepping-stones import programs FILE).`,
    );
  }
  // Built outside the transaction: on PGlite (one connection) nothing may query alongside an open transaction.
  const digest = await buildCccDigest(input);
  const messages = cccDigestMessages(digest);
  const headerKey = cccDigestHeaderKey(program.id, digest.period.code);
  const enqueued = await (input.db as Db).transaction(async (tx) => {
    let count = 0;
    const common = { platform, recipientChannelId: channel, programId: program.id };
    if (await enqueueMessage(tx, { ...common, idempotencyKey: headerKey, kind: 'ccc-digest-header', message: messages.header })) count += 1;
    for (const resident of messages.residents) {
      const added = await enqueueMessage(tx, {
        ...common,
        idempotencyKey: cccDigestResidentKey(program.id, digest.period.code, resident.residentId),
        kind: 'ccc-digest-resident',
        threadParentKey: headerKey,
        message: resident.message,
      });
      if (added) count += 1;
    }
    // Everyone's assessments leave for the CCC channel: recorded once, when they are first queued.
    if (count > 0) {
      await tx.insert(auditLog).values({
        at: input.clock.now(),
        channel: input.channel ?? 'scheduler',
        action: 'ccc_digest.post',
        subjectType: 'program',
        subjectId: program.id,
        details: { period: digest.period.code, platform, channel, residents: digest.totals.residents, flagged: digest.totals.flagged },
      });
    }
    return count;
  });
  return { residents: digest.totals.residents, flagged: digest.totals.flagged, enqueued };
}
