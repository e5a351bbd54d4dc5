import { and, eq, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { chatIdentities, people, programMemberships } from '../../db/schema/index.ts';

/** A person as the core knows them when they act from chat, with every role they hold. */
export interface Actor {
  personId: string;
  name: string;
  email: string;
  memberships: { programId: string; role: string; pgy: number | null }[];
}

// One query: every click and command starts here, so the person and their roles come back together.
async function actorWhere(db: Db, condition: SQL | undefined, viaIdentity: boolean): Promise<Actor | null> {
  const base = db
    .select({
      personId: people.id,
      name: people.name,
      email: people.email,
      programId: programMemberships.programId,
      role: programMemberships.role,
      pgy: programMemberships.pgy,
    })
    .from(people);
  const joined = viaIdentity ? base.innerJoin(chatIdentities, eq(chatIdentities.personId, people.id)) : base;
  const rows = await joined.leftJoin(programMemberships, eq(programMemberships.personId, people.id)).where(condition);
  const first = rows[0];
  if (!first) return null;
  return {
    personId: first.personId,
    name: first.name,
    email: first.email,
    memberships: rows
      .filter((r) => r.programId !== null && r.role !== null)
      .map((r) => ({ programId: r.programId!, role: r.role!, pgy: r.pgy })),
  };
}

/**
 * Finds the person behind a chat user. The first time a user writes, the adapter passes the email the platform
 * knows for them; a roster person with that email is linked to the chat account from then on. Unknown → null.
 */
export async function identifyChatUser(input: {
  db: Db;
  platform: 'slack' | 'teams';
  workspaceId: string;
  userId: string;
  lookupEmail?: () => Promise<string | undefined>;
}): Promise<Actor | null> {
  const { db } = input;
  const linked = await actorWhere(
    db,
    and(
      eq(chatIdentities.platform, input.platform),
      eq(chatIdentities.workspaceId, input.workspaceId),
      eq(chatIdentities.userId, input.userId),
    ),
    true,
  );
  if (linked) return linked;
  const email = (await input.lookupEmail?.())?.trim().toLowerCase();
  if (!email) return null;
  const matches = await db.select({ id: people.id }).from(people).where(eq(people.email, email));
  // An email on two institutions' rosters is ambiguous; linking either would show one the other's data.
  if (matches.length !== 1) return null;
  await db
    .insert(chatIdentities)
    .values({
      personId: matches[0]!.id,
      platform: input.platform,
      workspaceId: input.workspaceId,
      userId: input.userId,
      confirmedAt: new Date(),
    })
    .onConflictDoNothing();
  return actorById(db, matches[0]!.id);
}

/** A roster person as an Actor, by id (someone named in a command rather than acting); null when unknown. */
export function actorById(db: Db, personId: string): Promise<Actor | null> {
  return actorWhere(db, eq(people.id, personId), false);
}

/** The chat user id of a person on a platform, for mentions and DMs; null when they have never been linked. */
export async function chatUserIdOf(db: Db, personId: string, platform: 'slack' | 'teams'): Promise<string | null> {
  const [identity] = await db
    .select({ userId: chatIdentities.userId })
    .from(chatIdentities)
    .where(and(eq(chatIdentities.personId, personId), eq(chatIdentities.platform, platform)));
  return identity?.userId ?? null;
}

/** The message an unknown chat user gets: what happened and who can fix it. */
export const UNKNOWN_USER_MESSAGE =
  'Stepping Stones does not know you yet. Ask your program coordinator to add your work email to the roster (stepping-stones import people), then try again.';
