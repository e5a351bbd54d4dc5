/**
 * The edge: every Teams activity a handler acts on is checked here with zod before anything reads it, so a
 * malformed or hand-crafted activity becomes a friendly sentence instead of a TypeError deep in a use case.
 */
import { z } from 'zod';
import { type Payload, payloadSchema } from '../../messages/model.ts';

/** An activity that does not have the shape we expect; `userMessage` is what the person sees. */
export class TeamsInboundError extends Error {
  readonly userMessage: string;
  constructor(userMessage: string, cause?: unknown) {
    super(userMessage, cause === undefined ? undefined : { cause });
    this.name = 'TeamsInboundError';
    this.userMessage = userMessage;
  }
}

export const STALE_CARD = 'That card could not be read. It may belong to an old message; type "home" for a fresh start.';

// Bot Framework ids: `29:…` users, `a:…` / `19:…@thread.…` conversations, GUIDs for AAD objects and tenants.
const botId = z.string().min(1).max(512);
const guid = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/);
const serviceUrl = z.url({ protocol: /^https?$/ }).max(1000);

const conversationSchema = z.object({
  id: botId,
  conversationType: z.enum(['personal', 'channel', 'groupChat']).default('personal'),
  tenantId: guid.optional(),
});

const baseActivity = {
  id: z.string().min(1).max(512).optional(),
  serviceUrl,
  from: z.object({ id: botId, name: z.string().max(512).optional(), aadObjectId: guid.optional() }),
  conversation: conversationSchema,
  recipient: z.object({ id: botId }).optional(),
  channelData: z
    .looseObject({
      tenant: z.object({ id: guid }).optional(),
      team: z.object({ id: botId }).optional(),
      channel: z.object({ id: botId }).optional(),
    })
    .optional(),
};

/** Who acts, where: the facts every handler needs from an activity. */
export interface TeamsTurn {
  activityId: string | undefined;
  serviceUrl: string;
  tenantId: string;
  /** The Bot Framework user id (`29:…`), which member lookups take. */
  userId: string;
  /** The Entra (AAD) object id: the stable id a person is linked by. */
  aadObjectId: string;
  userName: string | undefined;
  conversationId: string;
  conversationType: 'personal' | 'channel' | 'group_chat';
  teamId: string | undefined;
}

function turnOf(a: z.infer<z.ZodObject<typeof baseActivity>>, what: string): TeamsTurn {
  const tenantId = a.conversation.tenantId ?? a.channelData?.tenant?.id;
  if (!tenantId) throw new TeamsInboundError(`This ${what} does not say which Microsoft 365 organization it came from.`);
  if (!a.from.aadObjectId) throw new TeamsInboundError('Stepping Stones works only with people of your organization (this account has no Entra id).');
  return {
    activityId: a.id,
    serviceUrl: a.serviceUrl,
    tenantId,
    userId: a.from.id,
    aadObjectId: a.from.aadObjectId.toLowerCase(),
    userName: a.from.name,
    conversationId: a.conversation.id,
    conversationType: a.conversation.conversationType === 'groupChat' ? 'group_chat' : a.conversation.conversationType,
    teamId: a.channelData?.team?.id,
  };
}

function parse<T>(schema: z.ZodType<T>, value: unknown, userMessage: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new TeamsInboundError(userMessage, parsed.error);
  return parsed.data;
}

const mentionSchema = z.object({
  type: z.literal('mention'),
  mentioned: z.object({ id: botId, name: z.string().max(512).optional() }),
  text: z.string().max(1000).optional(),
});

const messageSchema = z.object({
  ...baseActivity,
  type: z.literal('message'),
  text: z.string().max(10_000).default(''),
  entities: z.array(z.looseObject({ type: z.string() })).max(100).default([]),
});

/** Someone the message mentions (not the bot): their Bot Framework id and the name Teams showed. */
export interface TeamsMention {
  userId: string;
  name: string;
  /** The mention as it appears in the text (`<at>Dr Lee</at>`). */
  text: string;
}

/** A typed message to the bot: the turn, the text with the bot's own mention removed, the people mentioned. */
export interface TeamsMessage extends TeamsTurn {
  text: string;
  mentions: TeamsMention[];
}

export function parseTeamsMessage(body: unknown): TeamsMessage {
  const m = parse(messageSchema, body, 'That message could not be read. Please try again.');
  const botUserId = m.recipient?.id;
  const mentions: TeamsMention[] = [];
  let text = m.text;
  for (const entity of m.entities) {
    const mention = mentionSchema.safeParse(entity);
    if (!mention.success) continue;
    const shown = mention.data.text ?? `<at>${mention.data.mentioned.name ?? ''}</at>`;
    // In a channel the bot is addressed by mention: that mention is not part of what was asked.
    if (mention.data.mentioned.id === botUserId) {
      text = text.replace(shown, ' ');
      continue;
    }
    mentions.push({ userId: mention.data.mentioned.id, name: mention.data.mentioned.name ?? shown.replace(/<\/?at>/g, ''), text: shown });
  }
  return { ...turnOf(m, 'message'), text: text.replace(/\s+/g, ' ').trim(), mentions };
}

const cardActionSchema = z.object({
  ...baseActivity,
  type: z.literal('invoke'),
  name: z.literal('adaptiveCard/action'),
  replyToId: z.string().max(512).optional(),
  value: z.object({
    action: z.object({
      type: z.literal('Action.Execute'),
      verb: z.string().min(1).max(200),
      data: z.record(z.string(), z.unknown()).default({}),
    }),
  }),
});

/** A press of an Action.Execute button (or a form card's submit): verb, payload and the card's input values. */
export interface TeamsCardAction extends TeamsTurn {
  verb: string;
  payload: Payload;
  /** Input values Teams merged into the action's data, keyed by input id. */
  inputs: Readonly<Record<string, unknown>>;
  /** The activity id of the message the card sits in. */
  messageId: string | undefined;
}

export function parseTeamsCardAction(body: unknown): TeamsCardAction {
  const a = parse(cardActionSchema, body, STALE_CARD);
  const payload = payloadSchema.safeParse(a.value.action.data);
  if (!payload.success) throw new TeamsInboundError(STALE_CARD, payload.error);
  return { ...turnOf(a, 'card'), verb: a.value.action.verb, payload: payload.data, inputs: a.value.action.data, messageId: a.replyToId };
}

const installSchema = z.object({
  ...baseActivity,
  type: z.enum(['installationUpdate', 'conversationUpdate']),
  action: z.string().max(64).optional(),
  membersAdded: z.array(z.object({ id: botId })).max(500).optional(),
});

/** The app installed (personal or in a team), or the bot added to a conversation. */
export interface TeamsInstall {
  turn: TeamsTurn;
  /** True when the bot itself joined (not merely another member). */
  botJoined: boolean;
}

export function parseTeamsInstall(body: unknown): TeamsInstall {
  const a = parse(installSchema, body, 'That installation event could not be read.');
  const botUserId = a.recipient?.id;
  const botJoined = a.type === 'installationUpdate' || (a.membersAdded ?? []).some((member) => member.id === botUserId);
  return { turn: turnOf(a, 'event'), botJoined };
}
