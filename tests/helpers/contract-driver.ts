// The platform-neutral side of the contract suite (tests/contract): what a person does in a chat app and what they
// see, in the product's words. A driver implements it over one platform's real adapter (Slack: contract-slack-
// driver.ts; Teams: the lead's, once the adapter lands); the scenarios in tests/contract/scenarios.ts are written
// against this interface only, so both platforms must pass the same assertions.
//
// Conventions every driver keeps:
// - People are named by handle, the part of their roster email before the @ ("ana.ruiz"). In typed text a mention
//   is "@handle"; the driver renders it in its platform's syntax (Slack <@U…|…>, Teams <at>…</at> + entity).
// - Text is what a person reads, as plain text: markup removed (bold, italics, links keep their words), entities
//   decoded, one block per line. The message's notification text is `summary`, not part of `text`.
// - A notice is a short answer that is only a sentence: no buttons, one paragraph (a refusal, a confirmation, a
//   modal/card replaced by a sentence). Anything richer is a message.
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../../src/db/client.ts';
import { outboxMessages } from '../../src/db/schema/index.ts';

export type Platform = 'slack' | 'teams';

/** A button as the person sees it; `actionId` is the model's id (src/messages/actions.ts), without platform suffixes. */
export interface SeenButton {
  label: string;
  actionId: string;
}

/**
 * A message the person sees: a DM/personal-chat message, a reply to what they typed or clicked, the Home/dashboard,
 * a channel post. `ref` is the driver's own handle to press its buttons; scenarios never look inside it.
 */
export interface SeenMessage {
  kind: 'message';
  text: string;
  /** The notification (fallback) text, where the platform has one; '' otherwise. */
  summary: string;
  buttons: SeenButton[];
  readonly ref: unknown;
}

/** A one-sentence answer with nothing to press. */
export interface SeenNotice {
  kind: 'notice';
  text: string;
  buttons: [];
  readonly ref?: unknown;
}

/** The kinds of input a form field is, as a person fills it in. */
export type SeenFieldKind = 'choice' | 'people' | 'text' | 'date' | 'checkbox';

/** One input of a form. `options` are the values a choice offers (a level picker's are rating values). */
export interface SeenField {
  id: string;
  label: string;
  kind: SeenFieldKind;
  multiple: boolean;
  optional: boolean;
  options?: string[];
  /** What the field holds before the person touches it (a stored answer being changed, a suggested date). */
  initial?: FormValue;
}

/**
 * A form (Slack modal; Teams form card). Submitting it again after field errors keeps the same form; a form the
 * person moved on from (the next self-assessment page) is a new SeenForm.
 */
export interface SeenForm {
  kind: 'form';
  title: string;
  submitLabel: string;
  /** The input ids, in order. */
  fieldIds: string[];
  fields: SeenField[];
  /** Problems shown beside the inputs (field id → sentence); absent when there are none. */
  errors?: Record<string, string>;
  /** Everything else the form says (intro, labels, hints, level descriptors), as plain text. */
  text: string;
  buttons: [];
  readonly ref: unknown;
}

export type Seen = SeenMessage | SeenNotice | SeenForm;

/**
 * A submitted value. A choice or level is its option value ('3', '2.5', 'not_yet_level_1', 'not_observed'); a
 * person picker takes a handle; a date is YYYY-MM-DD; a checkbox is true/false; null leaves a field empty. Fields a
 * submission does not name keep their initial value (as a person leaving a prefilled input alone would).
 */
export type FormValue = string | string[] | boolean | null;
export type FormValues = Record<string, FormValue>;

/** A top-level channel post with the replies in its thread, in order. */
export interface ChannelPost {
  post: SeenMessage;
  replies: SeenMessage[];
}

/** What the world is seeded with before the driver starts. */
export type Seed =
  /** The demo program (content/demo) through the real importers. */
  | 'demo'
  /** The demo program plus the known evidence of tests/helpers/ccc-digest-program.ts. */
  | 'ccc-digest';

export interface DriverOptions {
  seed: Seed;
  /** The instant the scenario happens at (default TEST_NOW). */
  now?: string;
}

/** A clock the scenario moves; the driver's adapter and every use case read it. */
export interface ScenarioClock {
  now(): Date;
  set(iso: string): void;
}

/** One chat platform driven end to end through its real adapter, in the product's language. */
export interface ChatDriver {
  readonly platform: Platform;
  readonly db: Db;
  readonly clock: ScenarioClock;
  /** The roster person behind a handle. */
  personId(handle: string): Promise<string>;
  /** Links people's chat accounts as their first contact with the bot would (so messages can reach them). */
  link(...handles: string[]): Promise<void>;
  /**
   * The person types a command: the words after the command name. '' opens the request form; '@maya.lee How …?'
   * asks at once; 'help', 'plan', 'plan show [@x]', 'self-assessment [period]', 'compare [@x]', '360 [@x]',
   * 'ccc @x', 'home'. Resolves with what the person then sees.
   */
  command(handle: string, text: string): Promise<Seen>;
  /** One outbox delivery pass through the platform's real sender. */
  deliver(): Promise<{ sent: number; failed: number }>;
  /** The last message of an outbox kind the person received (its current state, after any redraws). */
  inbox(handle: string, kind: string, containing?: string): Promise<SeenMessage>;
  /** Every message of an outbox kind the person received, oldest first. */
  received(handle: string, kind: string): Promise<SeenMessage[]>;
  /**
   * The person presses a button (`nth` among the same action, e.g. one per resident) of something they see — also
   * a stale copy of it (another device): resolves with the redrawn message, the form it opened, or a notice.
   */
  press(handle: string, seen: Seen, actionId: string, nth?: number): Promise<Seen>;
  /** The person submits a form: the form again with field errors, the next form, or the outcome they see. */
  submit(handle: string, form: Seen, values: FormValues): Promise<Seen>;
  /** A channel's posts and their thread replies; 'ccc' is the program's CCC channel. */
  channelPosts(channel: 'ccc'): Promise<ChannelPost[]>;
  /** Unexpected failures the adapter logged (reference ids with stacks); a passing scenario leaves this empty. */
  errors(): readonly string[];
  stop(): Promise<void>;
}

/** Starts a driver on a fresh migrated database (seeding it as asked). */
export type StartDriver = (db: Db, options: DriverOptions) => Promise<ChatDriver>;

/** The buttons' action ids of something seen, in order. */
export function actionIdsOf(seen: Seen): string[] {
  return seen.buttons.map((b) => b.actionId);
}

/** The label of the `nth` button with this action id; throws when there is none. */
export function buttonLabel(seen: Seen, actionId: string, nth = 0): string {
  const found = seen.buttons.filter((b) => b.actionId === actionId)[nth];
  if (!found) throw new Error(`no button ${actionId} #${nth} in: ${seen.text}`);
  return found.label;
}

/** Narrows a Seen to a form, with a readable failure otherwise. */
export function asForm(seen: Seen): SeenForm {
  if (seen.kind !== 'form') throw new Error(`expected a form, saw a ${seen.kind}: ${seen.text}`);
  return seen;
}

/** Narrows a Seen to a message, with a readable failure otherwise. */
export function asMessage(seen: Seen): SeenMessage {
  if (seen.kind !== 'message') throw new Error(`expected a message, saw a ${seen.kind}: ${seen.text}`);
  return seen;
}

/** The outbox rows of a kind sent to a person, oldest first: what both drivers read a person's messages from. */
export function sentMessagesTo(db: Db, personId: string, kind: string) {
  return db
    .select()
    .from(outboxMessages)
    .where(and(eq(outboxMessages.kind, kind), eq(outboxMessages.recipientPersonId, personId), eq(outboxMessages.status, 'sent')))
    .orderBy(asc(outboxMessages.createdAt));
}
