/**
 * The steps every Teams handler shares — parse at the edge, identify the person (linking them by the email of
 * their member profile the first time), remember the conversation, turn failures into friendly cards — so each
 * handler is only "which use case, with which input".
 */
import { randomBytes } from 'node:crypto';
import { and, eq, ilike, or } from 'drizzle-orm';
import { AppError } from '../../core/errors.ts';
import { type Actor, actorById, identifyChatUser } from '../../core/people/identify-chat-user.ts';
import type { CorePorts } from '../../core/ports.ts';
import { people } from '../../db/schema/index.ts';
import type { Message } from '../../messages/model.ts';
import { baseConversationId, storeTeamsConversation } from './conversations.ts';
import { type TeamsMention, type TeamsTurn, TeamsInboundError } from './inbound.ts';
import { type AdaptiveCard, renderMessageCard } from './render/adaptive-card.ts';

/** Where the adapter writes what went wrong; one line per event, never shown to users. */
export type TeamsLog = (line: string) => void;

/** A member of a conversation as the Bot Connector describes them (the parts we read). */
export interface TeamsMember {
  id: string;
  aadObjectId?: string;
  email?: string;
  userPrincipalName?: string;
  name?: string;
}

/** Looks up a member of the turn's conversation (`GET /v3/conversations/{id}/members/{userId}`). */
export type MemberLookup = (conversationId: string, userId: string) => Promise<TeamsMember | undefined>;

/** What handlers are given: the core's ports, a log, and a way to have enqueued messages sent at once. */
export interface TeamsDeps {
  ports: CorePorts;
  log: TeamsLog;
  /** Called after a use case ran, so the delivery loop sends what it enqueued without waiting for its next tick. */
  nudge: () => void;
}

/** A message activity carrying one card (in-turn replies; the delivery worker splits long messages itself). */
export function cardActivity(card: AdaptiveCard) {
  return { type: 'message' as const, text: '', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive' as const, content: card }] };
}

/** A message activity showing a neutral message as one card. */
export function messageActivity(content: Message) {
  return cardActivity(renderMessageCard(content));
}

/** The email a member profile gives (Teams fills `email` for most accounts, `userPrincipalName` for all). */
function emailOf(member: TeamsMember | undefined): string | undefined {
  const candidate = member?.email ?? member?.userPrincipalName;
  return candidate?.includes('@') ? candidate : undefined;
}

/**
 * The person behind the turn's sender, linking them by the email of their member profile on first contact; null
 * when the roster has no match. A personal conversation is remembered for proactive messages.
 */
export async function identifyTeamsUser(
  deps: TeamsDeps,
  members: MemberLookup,
  turn: TeamsTurn,
  options: { installed?: boolean } = {},
): Promise<Actor | null> {
  const actor = await identifyChatUser({
    db: deps.ports.db,
    platform: 'teams',
    workspaceId: turn.tenantId,
    userId: turn.aadObjectId,
    lookupEmail: async () => emailOf(await members(turn.conversationId, turn.userId)),
  });
  // An installation is always stored in full: it may be a reinstall whose held messages must now become due.
  await rememberConversation(deps, turn, actor?.personId, { skipIfKnown: !options.installed });
  return actor;
}

/** Stores the turn's conversation; a personal one with its person, a channel with its team. */
export async function rememberConversation(
  deps: TeamsDeps,
  turn: TeamsTurn,
  personId: string | undefined,
  options: { skipIfKnown?: boolean } = {},
): Promise<void> {
  await storeTeamsConversation(
    deps.ports.db,
    {
      id: baseConversationId(turn.conversationId),
      kind: turn.conversationType,
      serviceUrl: turn.serviceUrl,
      tenantId: turn.tenantId,
      ...(turn.conversationType === 'personal' && personId ? { personId } : {}),
      ...(turn.teamId ? { teamId: turn.teamId } : {}),
    },
    deps.ports.clock.now(),
    options,
  );
}

const TITLES = /^(dr\.?|doctor|prof\.?|professor)\s+/i;

function normalName(name: string): string {
  return name.replace(TITLES, '').replace(/\s+/g, ' ').trim().toLowerCase();
}

/**
 * The person a mention names. A real mention (picked from Teams' people list) is looked up as a member and linked
 * by email like anyone else; a name typed after "@" in a personal chat, where Teams offers no people list, is
 * matched against the roster of the actor's institution by full name (titles such as "Dr" ignored) or by the part
 * of the email before the "@", and must match exactly one person.
 */
export async function mentionedPerson(
  deps: TeamsDeps,
  members: MemberLookup,
  turn: TeamsTurn,
  actor: Actor,
  mention: TeamsMention | { typed: string },
): Promise<Actor> {
  if ('userId' in mention) {
    const member = await members(turn.conversationId, mention.userId).catch(() => undefined);
    if (member?.aadObjectId) {
      const found = await identifyChatUser({
        db: deps.ports.db,
        platform: 'teams',
        workspaceId: turn.tenantId,
        userId: member.aadObjectId.toLowerCase(),
        lookupEmail: async () => emailOf(member),
      });
      if (found) return found;
    }
    return byName(deps, actor, mention.name);
  }
  return byName(deps, actor, mention.typed);
}

async function byName(deps: TeamsDeps, actor: Actor, typed: string): Promise<Actor> {
  const wanted = normalName(typed.replace(/^@/, ''));
  if (!wanted) throw new AppError('not_found', 'Say whom to ask after the @, e.g. feedback @Maya Lee and then your question.');
  const [self] = await deps.ports.db.select({ institutionId: people.institutionId }).from(people).where(eq(people.id, actor.personId));
  const handle = wanted.replace(/\s+/g, '.');
  const likeText = (text: string) => text.replace(/[%_\\]/g, '');
  const roster = await deps.ports.db
    .select({ id: people.id, name: people.name, email: people.email })
    .from(people)
    .where(
      and(
        eq(people.institutionId, self!.institutionId),
        or(ilike(people.name, `%${likeText(wanted.split(' ').at(-1)!)}%`), ilike(people.email, `${likeText(handle)}@%`)),
      ),
    );
  const matches = roster.filter((p) => normalName(p.name) === wanted || p.email.split('@')[0] === handle);
  const lastNameMatches = roster.filter((p) => normalName(p.name).split(' ').at(-1) === wanted);
  const chosen = matches.length > 0 ? matches : lastNameMatches;
  if (chosen.length === 0) throw new AppError('not_found', `No one called ${typed.replace(/^@/, '')} is in Stepping Stones. Check the name, or ask your coordinator to add them.`);
  if (chosen.length > 1) {
    throw new AppError('invalid_input', `More than one person is called ${typed.replace(/^@/, '')}: ${chosen.map((p) => p.name).join(', ')}. Use the full name.`);
  }
  const person = await actorById(deps.ports.db, chosen[0]!.id);
  if (!person) throw new AppError('not_found', 'That person is not in Stepping Stones.');
  return person;
}

/**
 * What the person sees when something fails. Refusals (AppError) and unreadable activities say what happened; any
 * other error is a bug: it is logged with a short reference, and the person gets the reference, never a stack.
 */
export function failureText(error: unknown, log: TeamsLog): string {
  if (error instanceof AppError || error instanceof TeamsInboundError) return error.userMessage;
  const ref = randomBytes(4).toString('hex');
  log(`Teams handler failed (ref ${ref}): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return `Something went wrong (ref ${ref}). Please try again; if it keeps happening, give this reference to your program coordinator.`;
}
