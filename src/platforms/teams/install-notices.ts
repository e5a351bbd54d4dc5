/**
 * People who cannot be messaged in Teams yet. A bot can only write to someone who has the app (installed by them,
 * or for them by an admin or a team): until then their messages wait, retried every hour, and their program's
 * coordinator is told once who they are, so someone can ask them to install it. Each person is named once per
 * program (`teams_install_notices`); a later pass that finds new people sends a notice naming only those.
 */
import { createHash } from 'node:crypto';
import { and, eq, inArray, isNull, like, lte, sql } from 'drizzle-orm';
import type { Clock } from '../../core/ports.ts';
import type { Db, DbOrTx } from '../../db/client.ts';
import { chatIdentities, outboxMessages, people, programMemberships, programs, teamsInstallNotices } from '../../db/schema/index.ts';
import { enqueueMessages } from '../../delivery/outbox.ts';
import { chunk } from '../../messages/text.ts';
import { type Message, message, paragraph } from '../../messages/model.ts';

/**
 * How a message waiting for its recipient to install the app is marked (the start of the row's last error), so
 * the notice sweep and `storeTeamsConversation` can tell it from a message in backoff.
 */
export const TEAMS_NOT_INSTALLED = 'Not installed in Teams';

/** How long a message for someone without the app waits before it is looked at again. */
export const TEAMS_INSTALL_WAIT_SECONDS = 3600;

/** The outbox kind of the notice a coordinator gets. */
export const TEAMS_INSTALL_NOTICE_KIND = 'teams-install-notice';

const NAMES_PER_PARAGRAPH = 40;

/**
 * Before each Teams delivery pass: due messages to people with no Teams account linked at all are held for an hour
 * (no try is spent, they are never given up on) and marked {@link TEAMS_NOT_INSTALLED}. The sender marks the others
 * it finds the same way (a 1:1 chat Teams refuses to open). Returns how many were held.
 */
export async function holdTeamsMessagesWithoutApp(input: { db: Db; clock: Clock }): Promise<number> {
  const now = input.clock.now();
  const noIdentity = sql`not exists (select 1 from ${chatIdentities} where ${chatIdentities.personId} = ${outboxMessages.recipientPersonId} and ${chatIdentities.platform} = 'teams')`;
  const held = await input.db
    .update(outboxMessages)
    .set({
      nextAttemptAt: new Date(now.getTime() + TEAMS_INSTALL_WAIT_SECONDS * 1000),
      lastError: `${TEAMS_NOT_INSTALLED}: the recipient has not installed Stepping Stones in Teams (no Teams account is linked yet)`,
    })
    .where(
      and(
        eq(outboxMessages.status, 'pending'),
        eq(outboxMessages.platform, 'teams'),
        sql`${outboxMessages.recipientPersonId} is not null`,
        // An update replaces a message already sent; a follow-up part goes to the conversation of its first part.
        isNull(outboxMessages.replacesKey),
        isNull(outboxMessages.recipientChannelId),
        isNull(outboxMessages.threadParentKey),
        // Only rows due now: a reminder held for later keeps its time, and a waiting row is looked at once an hour.
        lte(outboxMessages.nextAttemptAt, now),
        noIdentity,
      ),
    )
    .returning({ id: outboxMessages.id });
  return held.length;
}

/**
 * Both steps at once, for a pass run by hand (tests, one-shot delivery): holds what is due for people without a
 * Teams account, then tells coordinators of everyone marked so far. The loop runs them around its pass instead.
 */
export async function noticeTeamsRecipientsWithoutApp(input: { db: Db; clock: Clock }): Promise<{ held: number; notices: number }> {
  const held = await holdTeamsMessagesWithoutApp(input);
  const notices = await noticeCoordinatorsOfMissingApp(input);
  return { held, notices };
}

/**
 * After each Teams delivery pass: every recipient of a message marked {@link TEAMS_NOT_INSTALLED} is recorded in
 * `teams_install_notices` for the message's program (or, without one, each Teams program they belong to), and the
 * program's coordinators (else its program directors) get one notice naming the people recorded just now, in the
 * same transaction. Someone already named is not named again. Returns how many notices were enqueued.
 */
export async function noticeCoordinatorsOfMissingApp(input: { db: Db; clock: Clock }): Promise<number> {
  const now = input.clock.now();
  return input.db.transaction(async (tx) => {
    const waiting = await tx
      .selectDistinct({ personId: outboxMessages.recipientPersonId, programId: outboxMessages.programId })
      .from(outboxMessages)
      .where(
        and(
          eq(outboxMessages.status, 'pending'),
          eq(outboxMessages.platform, 'teams'),
          like(outboxMessages.lastError, `${TEAMS_NOT_INSTALLED}%`),
          sql`${outboxMessages.recipientPersonId} is not null`,
          // People already named for the row's program need no second look.
          sql`not exists (select 1 from ${teamsInstallNotices} where ${teamsInstallNotices.personId} = ${outboxMessages.recipientPersonId} and ${teamsInstallNotices.programId} = ${outboxMessages.programId})`,
        ),
      );
    if (waiting.length === 0) return 0;
    const pairs = new Map<string, { programId: string; personId: string }>();
    const withoutProgram = [...new Set(waiting.filter((w) => !w.programId).map((w) => w.personId!))];
    for (const w of waiting) if (w.programId) pairs.set(`${w.programId}:${w.personId}`, { programId: w.programId, personId: w.personId! });
    if (withoutProgram.length > 0) {
      const memberships = await tx
        .selectDistinct({ programId: programMemberships.programId, personId: programMemberships.personId })
        .from(programMemberships)
        .innerJoin(programs, eq(programs.id, programMemberships.programId))
        .where(and(inArray(programMemberships.personId, withoutProgram), eq(programs.chatPlatform, 'teams')));
      for (const m of memberships) pairs.set(`${m.programId}:${m.personId}`, m);
    }
    if (pairs.size === 0) return 0;
    const named = await tx
      .insert(teamsInstallNotices)
      .values([...pairs.values()].map((p) => ({ ...p, notifiedAt: now })))
      .onConflictDoNothing({ target: [teamsInstallNotices.programId, teamsInstallNotices.personId] })
      .returning({ programId: teamsInstallNotices.programId, personId: teamsInstallNotices.personId });
    if (named.length === 0) return 0;
    return enqueueInstallNotices(tx, named);
  });
}

/** Enqueues, per program, one notice to each coordinator naming the people just recorded. */
async function enqueueInstallNotices(tx: DbOrTx, named: readonly { programId: string; personId: string }[]): Promise<number> {
  const byProgram = new Map<string, string[]>();
  for (const n of named) byProgram.set(n.programId, [...(byProgram.get(n.programId) ?? []), n.personId]);
  const programIds = [...byProgram.keys()];
  const staff = await tx
    .select({ programId: programMemberships.programId, personId: programMemberships.personId, role: programMemberships.role })
    .from(programMemberships)
    .where(and(inArray(programMemberships.programId, programIds), inArray(programMemberships.role, ['coordinator', 'program_director'])));
  const namedPeople = await tx
    .select({ id: people.id, name: people.name, email: people.email })
    .from(people)
    .where(inArray(people.id, [...new Set(named.map((n) => n.personId))]));
  const personById = new Map(namedPeople.map((p) => [p.id, p]));
  const programRows = await tx.select({ id: programs.id, name: programs.name }).from(programs).where(inArray(programs.id, programIds));
  const programName = new Map(programRows.map((p) => [p.id, p.name]));
  const outgoing = [];
  for (const [programId, personIds] of byProgram) {
    const coordinators = staff.filter((s) => s.programId === programId && s.role === 'coordinator');
    const recipients = (coordinators.length > 0 ? coordinators : staff.filter((s) => s.programId === programId && s.role === 'program_director')).map(
      (s) => s.personId,
    );
    const listed = personIds
      .map((id) => personById.get(id))
      .filter((p) => p !== undefined)
      .sort((a, b) => a.name.localeCompare(b.name));
    // Sorted ids name the batch: the same people are never recorded twice, so a key never repeats by accident.
    const batch = createHash('sha256').update([...personIds].sort().join(',')).digest('hex').slice(0, 16);
    for (const recipient of new Set(recipients)) {
      const others = listed.filter((p) => p.id !== recipient);
      if (others.length === 0) continue;
      outgoing.push({
        idempotencyKey: `${TEAMS_INSTALL_NOTICE_KIND}:${programId}:${batch}:${recipient}`,
        kind: TEAMS_INSTALL_NOTICE_KIND,
        recipientPersonId: recipient,
        programId,
        message: installNoticeMessage(programName.get(programId) ?? 'your program', others),
      });
    }
  }
  return enqueueMessages(tx, outgoing);
}

/** The coordinator's notice: who cannot be reached in Teams, and what to do about it. */
export function installNoticeMessage(programName: string, waiting: readonly { name: string; email: string }[]): Message {
  const count = waiting.length === 1 ? '1 person' : `${waiting.length} people`;
  const lines = waiting.map((p) => `- ${p.name} (${p.email})`);
  return message(
    `${count} in ${programName} cannot get Stepping Stones messages in Teams yet`,
    paragraph(
      `*Messages are waiting for ${count} in ${programName}.* Stepping Stones can only message people in Teams once they have the app, and these people do not have it yet:`,
    ),
    ...chunk(lines, NAMES_PER_PARAGRAPH).map((group) => paragraph(group.join('\n'))),
    paragraph(
      '*What to do:* ask them to add Stepping Stones in Teams (Apps → search "Stepping Stones" → Add), or have your Teams admin install it for them. Their messages go out as soon as they do; you will not be told about them again.',
    ),
  );
}
