// The contract suite's Teams driver: ChatDriver (contract-driver.ts) over the real Teams world of teams-world.ts —
// the app from createTeamsApp behind /api/messages, activities with valid Bot Framework JWTs in, the fake Bot
// Connector recording what goes out, and the real Teams sender for the outbox. Everything Teams-shaped (Adaptive
// Cards, Action.Execute verbs, invoke responses, conversation ids, `<at>` mentions) stays in this file.
//
// Teams replaces a card in place with the invoke response: the fake never sees that, so the driver keeps each
// card's latest state itself (from invoke responses and from the updates the outbox PUTs) as Teams' client would.
import { identifyChatUser } from '../../src/core/people/identify-chat-user.ts';
import { type outboxMessages, people, programs } from '../../src/db/schema/index.ts';
import { deliverDueMessages } from '../../src/delivery/worker.ts';
import { storeTeamsConversation } from '../../src/platforms/teams/conversations.ts';
import { noticeTeamsRecipientsWithoutApp } from '../../src/platforms/teams/install-notices.ts';
import { createTeamsSender, staticTokenApiFactory } from '../../src/platforms/teams/teams-sender.ts';
import { TEST_TENANT_ID } from './bot-framework-auth.ts';
import { seedCccDigestProgram } from './ccc-digest-program.ts';
import type { ChannelPost, ChatDriver, FormValue, FormValues, Seen, SeenButton, SeenField, SeenForm, SeenMessage, StartDriver } from './contract-driver.ts';
import { sentMessagesTo } from './contract-driver.ts';
import { fixedClock, seedDemoProgram } from './demo-program.ts';
import type { TeamsCall } from './fake-teams.ts';
import { demoHandles, TEST_NOW } from './slack-world.ts';
import { aadIdOf, personalConversationOf, startTeamsWorld, type TeamsResponse, teamsUserIdOf, wallClock } from './teams-world.ts';

type Card = Record<string, unknown>;
type Element = Record<string, unknown>;

/** Where a card is: its conversation and activity (so its buttons can be pressed), and its content. */
interface CardRef {
  conversationId: string;
  activityId: string | undefined;
  card: Card;
}

const CCC_CONVERSATION = '19:ccc-demo@thread.tacv2';
const EMAIL_DOMAIN = '@stelsewhere.example.org';

// ---------------------------------------------------------------------------------------------------------------
// Reading an Adaptive Card as a person reads it
// ---------------------------------------------------------------------------------------------------------------

/** Card markdown → plain text: links keep their words, bold and italics lose their markers. */
function plainText(markdown: string): string {
  return markdown
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/(^|[^\w])_([^_\n]+)_(?!\w)/g, '$1$2')
    .replace(/\n\n/g, '\n');
}

/** Every element of a card body in reading order, containers opened. */
function elementsOf(items: readonly unknown[]): Element[] {
  const out: Element[] = [];
  for (const item of items) {
    if (!item || typeof item !== 'object') continue;
    const element = item as Element;
    out.push(element);
    if (Array.isArray(element.items)) out.push(...elementsOf(element.items));
    if (Array.isArray(element.columns)) out.push(...elementsOf(element.columns));
  }
  return out;
}

function executeActions(card: Card): Element[] {
  const fromSets = elementsOf((card.body as unknown[]) ?? []).flatMap((e) => (e.type === 'ActionSet' ? ((e.actions as Element[]) ?? []) : []));
  return [...fromSets, ...(((card.actions as Element[] | undefined) ?? []))].filter((a) => a.type === 'Action.Execute');
}

function linesOf(card: Card): string[] {
  const lines: string[] = [];
  for (const element of elementsOf((card.body as unknown[]) ?? [])) {
    if (element.type === 'TextBlock' && element.color !== 'Attention') lines.push(plainText(String(element.text)));
    if (element.type === 'FactSet') for (const fact of element.facts as { title: string; value: string }[]) lines.push(`${fact.title}\n${plainText(fact.value)}`);
    if (String(element.type).startsWith('Input.') && typeof element.label === 'string') lines.push(element.label);
  }
  return lines;
}

function isForm(card: Card): boolean {
  return elementsOf((card.body as unknown[]) ?? []).some((e) => String(e.type).startsWith('Input.'));
}

function seenCard(ref: CardRef, personIds: ReadonlyMap<string, string>): Seen {
  if (isForm(ref.card)) return seenForm(ref, personIds);
  const buttons: SeenButton[] = executeActions(ref.card).map((a) => ({ label: String(a.title), actionId: String(a.verb) }));
  const body = (ref.card.body as Element[]) ?? [];
  const text = linesOf(ref.card).join('\n');
  if (buttons.length === 0 && body.length === 1 && body[0]!.type === 'TextBlock') return { kind: 'notice', text, buttons: [], ref };
  return { kind: 'message', text, summary: String(ref.card.fallbackText ?? ''), buttons, ref } satisfies SeenMessage;
}

function seenForm(ref: CardRef, personIds: ReadonlyMap<string, string>): SeenForm {
  const body = elementsOf((ref.card.body as unknown[]) ?? []);
  const fields: SeenField[] = [];
  const errors: Record<string, string> = {};
  const homeless: string[] = [];
  for (const element of body) {
    const type = String(element.type);
    if (type.startsWith('Input.')) {
      fields.push(fieldOf(element, personIds));
      continue;
    }
    if (type === 'TextBlock' && element.color === 'Attention') {
      const last = fields.at(-1);
      if (last) errors[last.id] = String(element.text);
      else homeless.push(String(element.text));
    }
  }
  if (homeless.length > 0 && fields[0]) errors[fields[0].id] = [errors[fields[0].id], ...homeless].filter(Boolean).join(' ');
  const submit = ((ref.card.actions as Element[] | undefined) ?? [])[0];
  const heading = body.find((e) => e.type === 'TextBlock');
  return {
    kind: 'form',
    title: String(heading?.text ?? ''),
    submitLabel: String(submit?.title ?? ''),
    fieldIds: fields.map((f) => f.id),
    fields,
    ...(Object.keys(errors).length > 0 && { errors }),
    text: linesOf(ref.card).join('\n'),
    buttons: [],
    ref,
  };
}

function fieldOf(element: Element, personIds: ReadonlyMap<string, string>): SeenField {
  const type = String(element.type);
  const id = String(element.id);
  const optional = element.isRequired !== true;
  const label = String(element.label ?? '');
  const raw = typeof element.value === 'string' ? element.value : undefined;
  if (type === 'Input.ChoiceSet') {
    const values = ((element.choices as { value: string }[] | undefined) ?? []).map((c) => c.value);
    const multiple = element.isMultiSelect === true;
    // The Teams form offers the program's people by person id: to a person it is a people picker.
    const people = values.length > 0 && values.every((v) => personIds.has(v));
    const initialValues = raw === undefined ? undefined : raw.split(',').filter(Boolean);
    const initial = initialValues === undefined ? undefined : multiple ? initialValues : initialValues[0];
    return {
      id,
      label,
      kind: people ? 'people' : 'choice',
      multiple,
      optional,
      ...(!people && { options: values }),
      ...(initial !== undefined && { initial: people && typeof initial === 'string' ? (personIds.get(initial) ?? initial) : initial }),
    };
  }
  if (type === 'Input.Toggle') return { id, label, kind: 'checkbox', multiple: false, optional: true, ...(raw !== undefined && { initial: raw === 'true' }) };
  if (type === 'Input.Date') return { id, label, kind: 'date', multiple: false, optional, ...(raw !== undefined && { initial: raw }) };
  return { id, label, kind: 'text', multiple: false, optional, ...(raw !== undefined && { initial: raw }) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------------------------------------------

export const startTeamsDriver: StartDriver = async (db, options) => {
  if (options.seed === 'demo') await seedDemoProgram(db);
  else await seedCccDigestProgram(db);
  // The program lives in Teams: its people are messaged there, and its CCC team channel (the bot installed in the
  // team, so the channel's service URL is known) gets the digest.
  const clock = fixedClock(options.now ?? TEST_NOW);
  const world = await startTeamsWorld(db, { clock });
  const fake = world.fake;
  await db.update(programs).set({ chatPlatform: 'teams', cccTeamsConversationId: CCC_CONVERSATION });
  await storeTeamsConversation(db, { id: CCC_CONVERSATION, kind: 'channel', serviceUrl: fake.serviceUrl, tenantId: TEST_TENANT_ID, teamId: '19:team-demo@thread.tacv2' });

  const everyone = await db.select({ id: people.id, email: people.email }).from(people);
  // The program's Teams admin installed the app for everyone (as Teams admins do for a whole program), so each person
  // has a personal chat with the bot and can be messaged; each installation is posted as Teams posts it.
  for (const handle of demoHandles()) {
    const response = await world.install(handle);
    if (response.status !== 200) throw new Error(`installing for ${handle} answered ${response.status}`);
  }
  // person id → handle: form choices name people by id.
  const handleOf = new Map(everyone.map((p) => [p.id, p.email.replace(EMAIL_DOMAIN, '')]));
  const idOfHandle = new Map(everyone.map((p) => [p.email.replace(EMAIL_DOMAIN, ''), p.id]));
  const nameOfHandle = new Map<string, string>();
  for (const p of await db.select({ email: people.email, name: people.name }).from(people)) nameOfHandle.set(p.email.replace(EMAIL_DOMAIN, ''), p.name);

  // The latest state of each card, as Teams shows it: conversation|activity → card and when it was drawn.
  const current = new Map<string, { card: Card; at: number }>();
  const keyOf = (conversationId: string, activityId: string) => `${conversationId}|${activityId}`;
  const sender = createTeamsSender({ db, api: staticTokenApiFactory(world.config.botToken!), config: world.config });

  function cardOfCall(call: TeamsCall): Card {
    const card = fake.cardsIn(call)[0];
    if (!card) throw new Error(`the activity has no card: ${JSON.stringify(call.activity?.raw).slice(0, 300)}`);
    return card;
  }

  function activityIdOf(call: TeamsCall): string | undefined {
    const response = call.response as { id?: string; activityId?: string } | undefined;
    return response?.activityId ?? response?.id;
  }

  /** The card of a message as it is now: the latest of what was posted, what the outbox PUT, and invoke responses. */
  function currentCard(conversationId: string, activityId: string): Card {
    const posted = fake.activity(conversationId, activityId);
    const put = fake.updates(conversationId).filter((c) => c.activityId === activityId).at(-1);
    const local = current.get(keyOf(conversationId, activityId));
    if (local && (!put || local.at >= put.at)) return local.card;
    if (!posted) throw new Error(`the fake never received activity ${activityId} in ${conversationId}`);
    const card = fake.cardsIn(posted)[0];
    if (!card) throw new Error(`activity ${activityId} has no card`);
    return card;
  }

  const seen = (ref: CardRef) => seenCard(ref, handleOf);

  /** A typed mention of a handle as Teams sends it: `<at>Name</at>` in the text and a mention entity. */
  function renderMentions(text: string): { text: string; entities: Record<string, unknown>[] } {
    const entities: Record<string, unknown>[] = [];
    const rendered = text.replace(/@([a-z]+(?:\.[a-z]+)+)/g, (_, handle: string) => {
      const name = nameOfHandle.get(handle) ?? handle;
      entities.push({ type: 'mention', mentioned: { id: teamsUserIdOf(handle), name }, text: `<at>${name}</at>` });
      return `<at>${name}</at>`;
    });
    return { text: rendered, entities };
  }

  /** The neutral command words as a person types them to the bot in Teams. */
  function typedText(text: string): string {
    const trimmed = text.trim();
    if (trimmed === '') return 'feedback';
    if (trimmed.startsWith('@') || /^360\b/.test(trimmed)) return `feedback ${trimmed}`;
    return trimmed;
  }

  function expectOk(response: TeamsResponse, what: string) {
    if (response.status !== 200) throw new Error(`${what} answered ${response.status}: ${JSON.stringify(response.body)}; logs: ${world.logs.join(' | ')}`);
  }

  /** The last card posted to a conversation after call number `from`. */
  async function postedAfter(conversationId: string, from: number, what: string): Promise<CardRef> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const calls = fake.calls.slice(from).filter((c) => (c.operation === 'send' || c.operation === 'reply') && c.conversationId === conversationId && (c.status ?? 200) < 300);
      const last = calls.at(-1);
      if (last) return { conversationId, activityId: activityIdOf(last), card: cardOfCall(last) };
      if (Date.now() > deadline) throw new Error(`nothing came back for ${what}; logs: ${world.logs.join(' | ')}`);
      await sleep(5);
    }
  }

  /** What an invoke answered: the card replaced, a new message beside it, or a sentence. */
  async function invokeOutcome(response: TeamsResponse, ref: CardRef, from: number): Promise<Seen> {
    const body = response.body as { statusCode?: number; type?: string; value?: unknown };
    if (body?.type === 'application/vnd.microsoft.card.adaptive') {
      const card = body.value as Card;
      // A form in a card's place is a step on the way: the message it came from is what the person goes back to.
      if (ref.activityId && !isForm(card)) current.set(keyOf(ref.conversationId, ref.activityId), { card, at: Date.now() });
      return seen({ ...ref, card });
    }
    if (body?.type === 'application/vnd.microsoft.activity.message') {
      const shown = fake.calls.slice(from).filter((c) => c.operation === 'send' && c.conversationId === ref.conversationId && (c.status ?? 200) < 300).at(-1);
      if (shown) return seen({ conversationId: ref.conversationId, activityId: activityIdOf(shown), card: cardOfCall(shown) });
      return { kind: 'notice', text: String(body.value), buttons: [] };
    }
    throw new Error(`unexpected invoke response ${JSON.stringify(response.body).slice(0, 300)}`);
  }

  async function sentRows(handle: string, kind: string) {
    return sentMessagesTo(db, await world.personId(handle), kind);
  }

  function rowMessage(row: typeof outboxMessages.$inferSelect): SeenMessage {
    const ref: CardRef = { conversationId: row.platformChannelId!, activityId: row.platformMessageId!, card: currentCard(row.platformChannelId!, row.platformMessageId!) };
    const shown = seen(ref);
    if (shown.kind === 'message') return shown;
    return { kind: 'message', text: shown.text, summary: String(ref.card.fallbackText ?? ''), buttons: [], ref };
  }

  async function link(handle: string) {
    const actor = await identifyChatUser({
      db,
      platform: 'teams',
      workspaceId: TEST_TENANT_ID,
      userId: aadIdOf(handle),
      lookupEmail: async () => `${handle}${EMAIL_DOMAIN}`,
    });
    if (!actor) throw new Error(`no demo person ${handle}`);
    // Their first contact was in their personal chat with the bot: Teams told the bot of that conversation.
    await storeTeamsConversation(db, { id: personalConversationOf(handle), kind: 'personal', serviceUrl: fake.serviceUrl, tenantId: TEST_TENANT_ID, personId: actor.personId });
  }

  const driver: ChatDriver = {
    platform: 'teams',
    db,
    clock,
    personId: (handle) => world.personId(handle),
    async link(...handles) {
      for (const handle of handles) await link(handle);
    },
    async command(handle, text) {
      const from = fake.calls.length;
      const { text: typed, entities } = renderMentions(typedText(text));
      const response = await world.say(handle, typed, entities.length > 0 ? { entities } : {});
      expectOk(response, `"${typed}"`);
      return seen(await postedAfter(personalConversationOf(handle), from, `"${typed}"`));
    },
    async deliver() {
      await noticeTeamsRecipientsWithoutApp({ db, clock: wallClock });
      return deliverDueMessages({ db, clock: wallClock, senders: { teams: sender } });
    },
    async inbox(handle, kind, containing) {
      const rows = await sentRows(handle, kind);
      const row = rows.filter((r) => containing === undefined || JSON.stringify(r.message).includes(containing)).at(-1);
      if (!row?.platformChannelId || !row.platformMessageId) throw new Error(`no ${kind} message${containing ? ` containing "${containing}"` : ''} was sent to ${handle}`);
      return rowMessage(row);
    },
    async received(handle, kind) {
      return (await sentRows(handle, kind)).map(rowMessage);
    },
    async press(handle, shown, actionId, nth = 0) {
      const ref = shown.ref as CardRef | undefined;
      if (!ref?.card) throw new Error(`nothing to press in: ${shown.text}`);
      const action = executeActions(ref.card).filter((a) => a.verb === actionId)[nth];
      if (!action) throw new Error(`no button ${actionId} #${nth} in: ${shown.text}`);
      const from = fake.calls.length;
      const response = await world.execute(handle, actionId, action.data as Record<string, unknown>, ref.activityId, ref.conversationId);
      expectOk(response, `${handle} pressing ${actionId}`);
      return invokeOutcome(response, ref, from);
    },
    async submit(handle, form, values: FormValues) {
      const ref = form.ref as CardRef | undefined;
      if (form.kind !== 'form' || !ref?.card) throw new Error(`not a form: ${form.text}`);
      for (const id of Object.keys(values)) if (!form.fieldIds.includes(id)) throw new Error(`the form "${form.title}" has no field ${id}`);
      const submit = ((ref.card.actions as Element[] | undefined) ?? [])[0];
      if (!submit) throw new Error(`the form "${form.title}" has no submit button`);
      const data: Record<string, unknown> = { ...(submit.data as Record<string, unknown>) };
      for (const field of form.fields) {
        const value: FormValue | undefined = field.id in values ? values[field.id] : field.initial;
        if (value === undefined || value === null) continue;
        const one = (v: string) => (field.kind === 'people' ? (idOfHandle.get(v) ?? v) : v);
        if (field.kind === 'checkbox') data[field.id] = value === true ? 'true' : 'false';
        else if (Array.isArray(value)) data[field.id] = value.map(one).join(',');
        else data[field.id] = one(String(value));
      }
      const from = fake.calls.length;
      const response = await world.execute(handle, String(submit.verb), data, ref.activityId, ref.conversationId);
      expectOk(response, `${handle} submitting "${form.title}"`);
      return invokeOutcome(response, ref, from);
    },
    async channelPosts(channel) {
      if (channel !== 'ccc') throw new Error(`unknown channel ${channel}`);
      const top = fake.activitiesTo(CCC_CONVERSATION);
      return top.map((call): ChannelPost => {
        const rootId = activityIdOf(call);
        const post = seen({ conversationId: CCC_CONVERSATION, activityId: rootId, card: cardOfCall(call) }) as SeenMessage;
        const replies = rootId
          ? fake.activitiesTo(`${CCC_CONVERSATION};messageid=${rootId}`).map((reply) => seen({ conversationId: CCC_CONVERSATION, activityId: activityIdOf(reply), card: cardOfCall(reply) }) as SeenMessage)
          : [];
        return { post, replies };
      });
    },
    errors: () => world.logs,
    stop: () => world.stop(),
  };
  return driver;
};

