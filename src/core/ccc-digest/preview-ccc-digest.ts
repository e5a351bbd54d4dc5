import { auditLog } from '../../db/schema/index.ts';
import type { CorePorts } from '../ports.ts';
import { buildCccDigest, type CccDigest } from './build-ccc-digest.ts';

/**
 * The CCC digest for an operator's preview (`stepping-stones digest --preview`): built like the posted one and
 * recorded in the audit log, since it shows every resident's assessments to whoever runs it.
 */
export async function previewCccDigest(
  input: Pick<CorePorts, 'db' | 'clock'> & { programId: string; periodCode: string; channel?: string },
): Promise<CccDigest> {
  const digest = await buildCccDigest(input);
  await input.db.insert(auditLog).values({
    at: input.clock.now(),
    channel: input.channel ?? 'cli',
    action: 'ccc_digest.preview',
    subjectType: 'program',
    subjectId: digest.program.id,
    details: { period: digest.period.code, residents: digest.totals.residents, flagged: digest.totals.flagged },
  });
  return digest;
}
