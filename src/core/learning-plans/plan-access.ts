import { and, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { auditLog, people, programMemberships } from '../../db/schema/index.ts';
import type { GrowthAudience } from '../../messages/self-assessment.ts';
import { AppError } from '../errors.ts';
import { LEARNER_ROLES, learnerProgramOf, type ProgramRow } from '../programs/program-context.ts';

/** A resident's program, name and mentor: what every plan and comparison surface starts from. */
export interface ResidentContext {
  residentId: string;
  residentName: string;
  program: ProgramRow;
  mentorId: string | null;
}

/** The resident's program and mentor; refuses a person who is not a resident or fellow. */
export async function residentContext(db: DbOrTx, residentId: string): Promise<ResidentContext> {
  const program = await learnerProgramOf(db, residentId);
  if (!program) throw new AppError('not_found', 'That person is not a resident or fellow here.');
  const [membership] = await db
    .select({ mentorId: programMemberships.mentorId })
    .from(programMemberships)
    .where(
      and(
        eq(programMemberships.personId, residentId),
        eq(programMemberships.programId, program.id),
        inArray(programMemberships.role, [...LEARNER_ROLES]),
      ),
    );
  const [person] = await db.select({ name: people.name }).from(people).where(eq(people.id, residentId));
  return { residentId, residentName: person?.name ?? 'The resident', program, mentorId: membership?.mentorId ?? null };
}

/**
 * Who may read a resident's learning plan and self vs CCC comparison: the resident, the program director(s) of the
 * resident's program and the resident's mentor. Nobody else — not other faculty, not associate PDs, not other
 * residents — because these are the resident's own reflections on their weaknesses.
 */
export async function growthAudienceOf(db: DbOrTx, resident: ResidentContext, viewerId: string): Promise<GrowthAudience> {
  if (viewerId === resident.residentId) return 'resident';
  const roles = await db
    .select({ role: programMemberships.role })
    .from(programMemberships)
    .where(and(eq(programMemberships.personId, viewerId), eq(programMemberships.programId, resident.program.id)));
  if (roles.some((r) => r.role === 'program_director')) return 'program_director';
  if (resident.mentorId !== null && resident.mentorId === viewerId) return 'mentor';
  throw new AppError(
    'not_allowed',
    `Only ${resident.residentName}, their program director and their mentor can see this.`,
  );
}

/** Reads by someone other than the resident are recorded, so a resident can ask who looked at their plan. */
export async function auditGrowthRead(
  db: DbOrTx,
  input: { viewerId: string; audience: GrowthAudience; action: string; residentId: string; details?: Record<string, unknown> },
): Promise<void> {
  if (input.audience === 'resident') return;
  await db.insert(auditLog).values({
    actorId: input.viewerId,
    // The core does not know which chat platform asked; the adapters' own logs do.
    channel: 'chat',
    action: input.action,
    subjectType: 'resident',
    subjectId: input.residentId,
    details: { audience: input.audience, ...input.details },
  });
}

/** Names of the program's program directors, for "talk this over with …". */
export async function programDirectorNames(db: DbOrTx, programId: string): Promise<string[]> {
  const rows = await db
    .select({ name: people.name })
    .from(programMemberships)
    .innerJoin(people, eq(people.id, programMemberships.personId))
    .where(and(eq(programMemberships.programId, programId), eq(programMemberships.role, 'program_director')))
    .orderBy(people.name);
  return rows.map((r) => r.name);
}
