/**
 * The Teams conversations the bot knows. Teams can only be messaged proactively in a conversation the bot was told
 * of (installed, written in) or opened itself, at that conversation's own service URL, so each is stored when an
 * activity arrives from it.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { chatIdentities, outboxMessages, teamsConversations } from '../../db/schema/index.ts';
import { TEAMS_NOT_INSTALLED } from './install-notices.ts';

/** A conversation as an activity describes it. */
export interface TeamsConversationRecord {
  id: string;
  kind: 'personal' | 'channel' | 'group_chat';
  serviceUrl: string;
  tenantId: string;
  /** The person of a personal conversation, once identified. */
  personId?: string;
  /** The team of a channel conversation. */
  teamId?: string;
}

/**
 * Stores (or refreshes: service URLs move between regions) a conversation. For a personal conversation of a known
 * person it also records it on their Teams identity and makes their messages that waited for it due now, so a
 * prompt queued before they installed the app goes out as soon as they do.
 */
export async function storeTeamsConversation(
  db: Db,
  conversation: TeamsConversationRecord,
  now: Date = new Date(),
  options: { skipIfKnown?: boolean } = {},
): Promise<void> {
  if (options.skipIfKnown && (await isKnown(db, conversation))) return;
  await db
    .insert(teamsConversations)
    .values({
      id: conversation.id,
      kind: conversation.kind,
      serviceUrl: conversation.serviceUrl,
      tenantId: conversation.tenantId,
      personId: conversation.personId ?? null,
      teamId: conversation.teamId ?? null,
      updatedAt: now,
    })
    .onConflictDoUpdate({
      target: teamsConversations.id,
      set: {
        serviceUrl: conversation.serviceUrl,
        tenantId: conversation.tenantId,
        updatedAt: now,
        ...(conversation.personId ? { personId: conversation.personId } : {}),
        ...(conversation.teamId ? { teamId: conversation.teamId } : {}),
      },
    });
  if (conversation.kind !== 'personal' || !conversation.personId) return;
  await db
    .update(chatIdentities)
    .set({ conversationId: conversation.id, serviceUrl: conversation.serviceUrl })
    .where(and(eq(chatIdentities.personId, conversation.personId), eq(chatIdentities.platform, 'teams')));
  await db
    .update(outboxMessages)
    .set({ nextAttemptAt: new Date(0) })
    .where(
      and(
        eq(outboxMessages.recipientPersonId, conversation.personId),
        eq(outboxMessages.platform, 'teams'),
        eq(outboxMessages.status, 'pending'),
        // Only rows waiting for the app to be installed: a row leased by a worker at this moment must keep its lease,
        // or it could be sent twice.
        sql`${outboxMessages.lastError} like ${`${TEAMS_NOT_INSTALLED}%`}`,
      ),
    );
}

/**
 * True when the conversation is stored exactly as the activity describes it (same service URL and tenant, and the
 * same person or team where the activity names one): every message and click of a known person then costs one read
 * instead of three writes.
 */
async function isKnown(db: Db, conversation: TeamsConversationRecord): Promise<boolean> {
  const [row] = await db.select().from(teamsConversations).where(eq(teamsConversations.id, conversation.id));
  return (
    row !== undefined &&
    row.serviceUrl === conversation.serviceUrl &&
    row.tenantId === conversation.tenantId &&
    (conversation.personId === undefined || row.personId === conversation.personId) &&
    (conversation.teamId === undefined || row.teamId === conversation.teamId)
  );
}

/** A conversation without its thread: `19:x@thread.tacv2;messageid=17` → `19:x@thread.tacv2`. */
export function baseConversationId(conversationId: string): string {
  return conversationId.split(';')[0]!;
}
