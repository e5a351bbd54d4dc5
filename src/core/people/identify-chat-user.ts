import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { chatIdentities, people, programMemberships } from '../../db/schema/index.ts';

/** A person as the core knows them when they act from chat, with every role they hold. */
export interface Actor {
  personId: string;
  name: string;
  email: string;
  memberships: { programId: string; role: string; pgy: number | null }[];
}

async function actorOf(db: Db, personId: string): Promise<Actor | null> {
  const [person] = await db.select().from(people).where(eq(people.id, personId));
  if (!person) return null;
  const memberships = await db
    .select({ programId: programMemberships.programId, role: programMemberships.role, pgy: programMemberships.pgy })
    .from(programMemberships)
    .where(eq(programMemberships.personId, personId));
  return { personId: person.id, name: person.name, email: person.email, memberships };
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
  const [linked] = await db
    .select({ personId: chatIdentities.personId })
    .from(chatIdentities)
    .where(
      and(
        eq(chatIdentities.platform, input.platform),
        eq(chatIdentities.workspaceId, input.workspaceId),
        eq(chatIdentities.userId, input.userId),
      ),
    );
  if (linked) return actorOf(db, linked.personId);
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
  return actorOf(db, matches[0]!.id);
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
