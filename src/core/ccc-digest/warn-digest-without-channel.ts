import { enqueueMessage } from '../../delivery/outbox.ts';
import { humanDate } from '../../domain/calendar.ts';
import { context, header, message, paragraph } from '../../messages/model.ts';
import type { CorePorts } from '../ports.ts';
import { cccChannelOf, coordinatorsOf } from '../programs/program-context.ts';
import { programById } from '../self-assessment/period-context.ts';

/**
 * A program whose CCC meets soon has no CCC channel, so its digest cannot be posted: its coordinator(s) (or program
 * director, without one) hear once per period and coordinator, while there is still time to add the channel — the
 * daily job posts the digest on its first run after that, up to the meeting. Returns how many notices were new.
 */
export async function warnDigestWithoutChannel(
  input: Pick<CorePorts, 'db' | 'clock'> & { programId: string; periodCode: string; meetsOn: string },
): Promise<number> {
  const program = await programById(input.db, input.programId);
  const recipients = await coordinatorsOf(input.db, program.id);
  const notice = message(
    `The CCC digest for ${program.name} (${input.periodCode}) cannot be posted: the program has no CCC channel.`,
    header('The CCC digest has nowhere to go'),
    paragraph(
      `The CCC of *${program.name}* meets ${humanDate(input.meetsOn)}, and its digest for ${input.periodCode} is due now, but the program has no CCC channel.`,
    ),
    paragraph(
      `Create a *private* channel for the committee, invite Stepping Stones to it, ${cccChannelOf(program).advice} in the programs file and import it again (\`stepping-stones import programs FILE\`). The digest is posted on the next daily run before the meeting.`,
    ),
    context('Digests hold every resident’s assessments, so they only ever go to a private channel.'),
  );
  let fresh = 0;
  await input.db.transaction(async (tx) => {
    for (const { id } of recipients) {
      const added = await enqueueMessage(tx, {
        idempotencyKey: `ccc-digest-no-channel:${program.id}:${input.periodCode}:${id}`,
        kind: 'ccc-channel-missing',
        recipientPersonId: id,
        programId: program.id,
        message: notice,
      });
      if (added) fresh += 1;
    }
  });
  return fresh;
}
