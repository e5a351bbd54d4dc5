/**
 * `npm run demo -- --cards`: the demo's half-year as Microsoft Teams would show it. Every message queued in the
 * outbox, every reply and every form someone opens is rendered by the Teams adapter's own renderer and printed as
 * Adaptive Card JSON, in the order they happen.
 */
import { asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { outboxMessages, people } from '../db/schema/index.ts';
import type { Form, Message } from '../messages/model.ts';
import { type AdaptiveCard, renderFormCard, renderMessageCard, renderMessageCards } from '../platforms/teams/render/adaptive-card.ts';

/** How Teams shows a card: posted anew, updating an earlier card in place, in a thread, as a command's answer, or in a dialog. */
export type ShownAs = 'message' | 'update' | 'thread reply' | 'reply' | 'dialog';

/** One thing someone sees during the demo's half-year, as Teams would show it. */
export interface DemoCardEntry {
  /** Who sees it: a person, or the program's CCC channel. */
  to: string;
  /** What it is: a sent message's outbox kind, or the command or button that showed it. */
  what: string;
  shownAs: ShownAs;
  /** More than one when a message is too large for one card (each under Teams' size limit, in order). */
  cards: AdaptiveCard[];
}

/** Who sees something: a name as shown, or a person looked up by id. */
export type DemoViewer = string | { personId: string };

/** Collects the demo's cards; the demo parts call it where they show something. */
export interface DemoCards {
  /** A message or reply someone sees: queued messages before it come first. */
  message(seen: { to: DemoViewer; what: string; shownAs: ShownAs }, message: Message): Promise<void>;
  /** A form someone opens (a dialog in Teams). */
  form(seen: { to: DemoViewer; what: string }, form: Form): Promise<void>;
  /** The messages queued in the outbox since the last call, in the order the delivery worker would send them. */
  takeOutbox(): Promise<void>;
  readonly entries: readonly DemoCardEntry[];
}

/** The collector for one demo run over its database. */
export function createDemoCards(db: Db): DemoCards {
  const entries: DemoCardEntry[] = [];
  const taken = new Set<string>();

  async function takeOutbox(): Promise<void> {
    const rows = await db
      .select({
        id: outboxMessages.id,
        kind: outboxMessages.kind,
        message: outboxMessages.message,
        channel: outboxMessages.recipientChannelId,
        threadParentKey: outboxMessages.threadParentKey,
        replacesKey: outboxMessages.replacesKey,
        name: people.name,
      })
      .from(outboxMessages)
      .leftJoin(people, eq(people.id, outboxMessages.recipientPersonId))
      .orderBy(asc(outboxMessages.createdAt), asc(outboxMessages.id));
    for (const row of rows) {
      if (taken.has(row.id)) continue;
      taken.add(row.id);
      const message = row.message as Message;
      // An update replaces one activity, so it is one card (shortened if need be), as the sender renders it.
      const shownAs: ShownAs = row.replacesKey ? 'update' : row.threadParentKey ? 'thread reply' : 'message';
      entries.push({
        to: row.name ?? (row.channel ? `channel ${row.channel}` : 'nobody'),
        what: row.kind,
        shownAs,
        cards: shownAs === 'update' ? [renderMessageCard(message)] : renderMessageCards(message),
      });
    }
  }

  async function nameOf(viewer: DemoViewer): Promise<string> {
    if (typeof viewer === 'string') return viewer;
    const [person] = await db.select({ name: people.name }).from(people).where(eq(people.id, viewer.personId));
    return person?.name ?? viewer.personId;
  }

  return {
    entries,
    takeOutbox,
    async message(seen, message) {
      await takeOutbox();
      entries.push({ to: await nameOf(seen.to), what: seen.what, shownAs: seen.shownAs, cards: renderMessageCards(message) });
    },
    async form(seen, form) {
      await takeOutbox();
      // A dialog (task module) honours only Action.Submit.
      entries.push({ to: await nameOf(seen.to), what: seen.what, shownAs: 'dialog', cards: [renderFormCard(form, { submitAs: 'submit' })] });
    },
  };
}
