import { and, asc, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import {
  competencies,
  levelDescriptors,
  milestoneSets,
  programMemberships,
  programs,
  subcompetencies,
} from '../../db/schema/index.ts';

/** Roles whose members may be asked for feedback by a resident of the same program. */
export const ASSESSOR_ROLES = [
  'faculty',
  'rater',
  'program_director',
  'associate_program_director',
  'ccc_member',
  'ccc_chair',
  'resident',
  'fellow',
] as const;

export const LEARNER_ROLES = ['resident', 'fellow'] as const;

/** A subcompetency as chat surfaces show it, with its five level descriptors. */
export interface SubcompetencyView {
  id: string;
  code: string;
  name: string;
  competencyCode: string;
  competencyName: string;
  descriptors: Record<number, string>;
}

export type ProgramRow = typeof programs.$inferSelect;

/** The program a person is a resident or fellow in (the first, for the rare person in two). */
export async function learnerProgramOf(db: DbOrTx, personId: string): Promise<ProgramRow | null> {
  const [row] = await db
    .select({ program: programs })
    .from(programMemberships)
    .innerJoin(programs, eq(programs.id, programMemberships.programId))
    .where(and(eq(programMemberships.personId, personId), inArray(programMemberships.role, [...LEARNER_ROLES])));
  return row?.program ?? null;
}

/** True when the person holds one of the roles in the program. */
export async function hasRoleIn(db: DbOrTx, personId: string, programId: string, roles: readonly string[]): Promise<boolean> {
  const rows = await db
    .select({ role: programMemberships.role })
    .from(programMemberships)
    .where(and(eq(programMemberships.personId, personId), eq(programMemberships.programId, programId)));
  return rows.some((r) => roles.includes(r.role));
}

// Milestone sets change only when a program imports a new one, yet every form that shows levels needs the whole
// set with its descriptors (three queries, ~100 rows). They are kept per database for a few minutes; an import in
// this process forgets them at once, one in another process (the CLI) is seen within the TTL.
const MILESTONE_SET_TTL_MS = 5 * 60_000;
const milestoneSetCache = new WeakMap<object, Map<string, { loadedAt: number; views: Promise<SubcompetencyView[]> }>>();

/** Drops cached milestone sets of a database (after an import changed them). */
export function forgetMilestoneSets(db: DbOrTx): void {
  milestoneSetCache.delete(db);
}

/** The program's milestone set, in order, with descriptors; empty when the program names no loaded set. */
export async function subcompetenciesOf(db: DbOrTx, program: ProgramRow, onlyIds?: string[]): Promise<SubcompetencyView[]> {
  if (!program.milestoneSetCode || !program.milestoneSetVersion) return [];
  const key = `${program.milestoneSetCode} ${program.milestoneSetVersion}`;
  const cache = milestoneSetCache.get(db) ?? new Map<string, { loadedAt: number; views: Promise<SubcompetencyView[]> }>();
  milestoneSetCache.set(db, cache);
  let entry = cache.get(key);
  if (!entry || Date.now() - entry.loadedAt > MILESTONE_SET_TTL_MS) {
    entry = { loadedAt: Date.now(), views: loadMilestoneSet(db, program.milestoneSetCode, program.milestoneSetVersion) };
    cache.set(key, entry);
    // A failed load must not be remembered.
    entry.views.catch(() => cache.delete(key));
  }
  const views = await entry.views;
  if (!onlyIds) return views;
  const wanted = new Set(onlyIds);
  return views.filter((view) => wanted.has(view.id));
}

async function loadMilestoneSet(db: DbOrTx, code: string, version: string): Promise<SubcompetencyView[]> {
  const [set] = await db
    .select({ id: milestoneSets.id })
    .from(milestoneSets)
    .where(and(eq(milestoneSets.code, code), eq(milestoneSets.version, version)));
  if (!set) return [];
  const rows = await db
    .select({
      id: subcompetencies.id,
      code: subcompetencies.code,
      name: subcompetencies.name,
      competencyCode: competencies.code,
      competencyName: competencies.name,
    })
    .from(subcompetencies)
    .innerJoin(competencies, eq(competencies.id, subcompetencies.competencyId))
    .where(eq(subcompetencies.milestoneSetId, set.id))
    .orderBy(asc(competencies.position), asc(subcompetencies.position));
  const descriptors = rows.length
    ? await db
        .select()
        .from(levelDescriptors)
        .where(inArray(levelDescriptors.subcompetencyId, rows.map((r) => r.id)))
    : [];
  return rows.map((row) => ({
    ...row,
    descriptors: Object.fromEntries(descriptors.filter((d) => d.subcompetencyId === row.id).map((d) => [d.level, d.description])),
  }));
}

/** Who hears of the program's logistics problems: its coordinators, or its program director(s) when it has none. */
export async function coordinatorsOf(db: DbOrTx, programId: string): Promise<{ id: string }[]> {
  for (const role of ['coordinator', 'program_director'] as const) {
    const found = await db
      .select({ id: programMemberships.personId })
      .from(programMemberships)
      .where(and(eq(programMemberships.programId, programId), eq(programMemberships.role, role)));
    if (found.length > 0) return found;
  }
  return [];
}

/** Where a program's CCC digest goes: its platform (programs file `platform`) and its CCC channel there, if set. */
export function cccChannelOf(program: Pick<ProgramRow, 'chatPlatform' | 'cccSlackChannelId' | 'cccTeamsConversationId'>): {
  platform: 'slack' | 'teams';
  channel: string | null;
  /** What to add to the programs file when the channel is missing. */
  advice: string;
} {
  const teams = program.chatPlatform === 'teams';
  const channel = (teams ? program.cccTeamsConversationId : program.cccSlackChannelId)?.trim() || null;
  const advice = teams
    ? "add the CCC team channel's conversation id as `ccc.teams_conversation`"
    : "add the private channel's id as `ccc.slack_channel`";
  return { platform: program.chatPlatform, channel, advice };
}
