import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { programs } from '../../db/schema/index.ts';
import { dateIn } from '../../domain/calendar.ts';
import { AppError } from '../errors.ts';
import type { Clock } from '../ports.ts';

export type ProgramRow = typeof programs.$inferSelect;

/** The program a reminder job runs for, and what day it is there now (runs for past dates compare against it). */
export async function programDay(db: DbOrTx, clock: Clock, programId: string): Promise<{ program: ProgramRow; today: string }> {
  const [program] = await db.select().from(programs).where(eq(programs.id, programId));
  if (!program) throw new AppError('not_found', 'That program does not exist.');
  return { program, today: dateIn(program.timeZone, clock.now()) };
}
