// The Slack adapter under test, end to end: the real app from createSlackApp behind a real HTTP server on
// 127.0.0.1, its WebClient talking to the fake Web API, the demo program in the database and every demo person
// known to the fake Slack by their roster email. Tests drive it with signed requests and read what came out.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq } from 'drizzle-orm';
import { parse as parseCsv } from 'csv-parse/sync';
import { identifyChatUser } from '../../src/core/people/identify-chat-user.ts';
import type { Clock } from '../../src/core/ports.ts';
import type { Db } from '../../src/db/client.ts';
import { outboxMessages, people } from '../../src/db/schema/index.ts';
import { deliverDueMessages } from '../../src/delivery/worker.ts';
import { parseMessage } from '../../src/messages/model.ts';
import { createSlackApp, createSlackWebClient, SLACK_EVENTS_PATH, type SlackApp } from '../../src/platforms/slack/app.ts';
import { renderMessage } from '../../src/platforms/slack/render/block-kit.ts';
import { createSlackSender } from '../../src/platforms/slack/slack-sender.ts';
import type { SlackConfig } from '../../src/config.ts';
import { contentFile } from './content.ts';
import { fixedClock } from './demo-program.ts';
import { type FakeSlack, type RecordedCall, startFakeSlack } from './fake-slack.ts';
import {
  blockAction,
  type SignedResponse,
  type SlackTarget,
  slashCommand,
  TEST_BOT_USER_ID,
  TEST_SIGNING_SECRET,
  TEST_TEAM_ID,
  type ViewStateValue,
  viewSubmission,
} from './slack-requests.ts';

/** The instant the flows happen at: two days after the October block ended. */
export const TEST_NOW = '2026-11-02T15:00:00Z';

const EMAIL_DOMAIN = '@stelsewhere.example.org';

/** The Slack user id a demo person has in the fake workspace: "ana.ruiz" → "UANARUIZ". */
export function slackIdOf(handle: string): string {
  return `U${handle.replace(/[^a-z]/gi, '').toUpperCase()}`;
}

/** Handles ("ana.ruiz") of everyone in the demo roster. */
export function demoHandles(): string[] {
  const rows: { email: string }[] = parseCsv(contentFile('demo/people.csv'), { columns: true });
  return rows.map((row) => row.email.replace(EMAIL_DOMAIN, ''));
}

/** A message the bot posted (a DM), as a test clicks on it: where it is and its blocks as Slack got them. */
export interface PostedMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: Record<string, unknown>[];
}

/** A button as rendered in a posted message. */
export interface RenderedButton {
  action_id: string;
  value: string;
  text: { text: string };
}

export interface SlackWorld {
  fake: FakeSlack;
  /** Signed requests go here (`/slack/events` of the app under test); response URLs point at the fake. */
  target: SlackTarget;
  slack: SlackApp;
  clock: ReturnType<typeof fixedClock>;
  /** Lines the adapter logged (unexpected errors with their reference ids). */
  logs: string[];
  /** One delivery pass: sends due outbox rows through the real Slack sender to the fake. */
  deliver(): Promise<{ sent: number; failed: number }>;
  /** Links people to their Slack accounts as their first contact with the bot would. */
  link(...handles: string[]): Promise<void>;
  /** The last DM of a kind the bot sent to a person (after deliver()), found through the outbox's recorded ids. */
  dm(kind: string, handle: string, containing?: string): Promise<PostedMessage>;
  /** A button of a posted message by action id; `nth` picks among the same action (one per resident). */
  button(message: PostedMessage, actionId: string, nth?: number): RenderedButton;
  /** `handle` clicks `button` in `message`; resolves with the HTTP answer and the trigger id used. */
  click(handle: string, message: PostedMessage, button: RenderedButton): Promise<SignedResponse & { triggerId: string }>;
  /** The modal views.open opened for a trigger id. */
  openedView(triggerId: string): Promise<OpenedView>;
  /** `handle` submits `view` with these field values (field id → state value). */
  submit(handle: string, view: OpenedView, values: Record<string, ViewStateValue>, viewId?: string): Promise<SignedResponse>;
  /** `handle` types `/feedback <text>`; `responseId` names the response URL so its reply can be awaited. */
  command(handle: string, text: string, responseId: string): Promise<SignedResponse & { triggerId: string }>;
  /** The ephemeral reply (response_url post) for a command or click. */
  reply(responseId: string): Promise<RecordedCall>;
  personId(handle: string): Promise<string>;
  stop(): Promise<void>;
}

/** A modal as the app asked Slack to open it. */
export interface OpenedView {
  callback_id: string;
  private_metadata: string;
  title: { text: string };
  blocks: Record<string, unknown>[];
  /** The view id the fake gave it (submissions carry it back). */
  id: string;
}

let triggers = 0;

/**
 * Starts the world on `db` (which must hold the demo program). Every demo person is a Slack user of the fake
 * workspace with their roster email, so identity linking by email works as it would on Slack.
 */
export async function startSlackWorld(db: Db, options: { clock?: ReturnType<typeof fixedClock> } = {}): Promise<SlackWorld> {
  const clock = options.clock ?? fixedClock(TEST_NOW);
  const fake = await startFakeSlack({ botUserId: TEST_BOT_USER_ID, teamId: TEST_TEAM_ID });
  for (const handle of demoHandles()) {
    fake.seedUser({ id: slackIdOf(handle), email: `${handle}${EMAIL_DOMAIN}`, name: handle, teamId: TEST_TEAM_ID });
  }
  const config: SlackConfig = { botToken: 'xoxb-test', signingSecret: TEST_SIGNING_SECRET, apiUrl: fake.url };
  const logs: string[] = [];
  const slack = createSlackApp({ config, ports: { db, clock }, log: (line) => logs.push(line), logLevel: 'error' });
  const server: Server = createServer((request, response) => slack.requestListener!(request, response));
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const target: SlackTarget = {
    url: `http://127.0.0.1:${port}${SLACK_EVENTS_PATH}`,
    signingSecret: TEST_SIGNING_SECRET,
    responseUrl: fake.responseUrl,
  };
  const sender = createSlackSender(createSlackWebClient(config));
  // The outbox stamps a row's first attempt with the database's now(), not the use case's clock, so rows written
  // under the fixed test clock (in the past) are due only by wall-clock time.
  const wallClock: Clock = { now: () => new Date() };

  const world: SlackWorld = {
    fake,
    target,
    slack,
    clock,
    logs,
    deliver: () => deliverDueMessages({ db, clock: wallClock, senders: { slack: sender } }),
    async link(...handles) {
      for (const handle of handles) {
        await identifyChatUser({
          db,
          platform: 'slack',
          workspaceId: TEST_TEAM_ID,
          userId: slackIdOf(handle),
          lookupEmail: async () => `${handle}${EMAIL_DOMAIN}`,
        });
      }
    },
    async personId(handle) {
      const [person] = await db.select({ id: people.id }).from(people).where(eq(people.email, `${handle}${EMAIL_DOMAIN}`));
      if (!person) throw new Error(`no demo person ${handle}`);
      return person.id;
    },
    async dm(kind, handle, containing) {
      const rows = await db
        .select()
        .from(outboxMessages)
        .where(and(eq(outboxMessages.kind, kind), eq(outboxMessages.recipientPersonId, await world.personId(handle)), eq(outboxMessages.status, 'sent')))
        .orderBy(outboxMessages.createdAt);
      const row = rows.filter((r) => containing === undefined || parseMessage(r.message).text.includes(containing)).at(-1);
      if (!row?.platformChannelId || !row.platformMessageId) throw new Error(`no ${kind} DM was sent to ${handle}`);
      const { text } = renderMessage(parseMessage(row.message));
      const call = fake
        .callsTo('chat.postMessage')
        .filter((c) => c.args.channel === slackIdOf(handle) && c.args.text === text)
        .at(-1);
      if (!call) throw new Error(`the fake never received the ${kind} DM to ${handle}`);
      return { channel: row.platformChannelId, ts: row.platformMessageId, text, blocks: call.args.blocks as Record<string, unknown>[] };
    },
    button(message, actionId, nth = 0) {
      const buttons = message.blocks
        .flatMap((block) => (block.type === 'actions' ? (block.elements as RenderedButton[]) : block.accessory ? [block.accessory as RenderedButton] : []))
        .filter((element) => element.action_id.replace(/~\d+$/, '') === actionId);
      const found = buttons[nth];
      if (!found) throw new Error(`no button ${actionId} #${nth} in "${message.text}"`);
      return found;
    },
    async click(handle, message, button) {
      triggers += 1;
      const triggerId = `click.${triggers}.${Date.now()}`;
      const response = await blockAction(target, {
        actionId: button.action_id,
        value: button.value,
        userId: slackIdOf(handle),
        userName: handle,
        channelId: message.channel,
        messageTs: message.ts,
        messageBlocks: message.blocks,
        triggerId,
        responseUrl: fake.responseUrl(triggerId),
      });
      return { ...response, triggerId };
    },
    async openedView(triggerId) {
      const call = await fake.waitFor('views.open', (c) => c.args.trigger_id === triggerId);
      const view = call.args.view as Omit<OpenedView, 'id'>;
      // One view per trigger, so its id can be derived from the trigger (the fake's answer is not recorded).
      return { ...view, id: `V${triggerId.replace(/[^A-Za-z0-9]/g, '')}` };
    },
    submit(handle, view, values, viewId = view.id) {
      return viewSubmission(target, {
        callbackId: view.callback_id,
        privateMetadata: view.private_metadata,
        viewId,
        blocks: view.blocks,
        stateValues: Object.fromEntries(Object.entries(values).map(([field, value]) => [field, { [field]: value }])),
        userId: slackIdOf(handle),
        userName: handle,
      });
    },
    async command(handle, text, responseId) {
      triggers += 1;
      const triggerId = `command.${triggers}.${Date.now()}`;
      const response = await slashCommand(target, {
        command: '/feedback',
        text,
        userId: slackIdOf(handle),
        userName: handle,
        triggerId,
        responseUrl: fake.responseUrl(responseId),
      });
      return { ...response, triggerId };
    },
    reply: (responseId) => fake.waitFor('response_url', (c) => c.targetId === responseId),
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await slack.stop();
      await fake.close();
    },
  };
  return world;
}

/** All text of Block Kit blocks (section text, fields, context, header), for assertions on what a person reads. */
export function blockText(blocks: readonly Record<string, unknown>[]): string {
  const parts: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if (typeof record.text === 'string') parts.push(record.text);
      for (const [key, child] of Object.entries(record)) if (key !== 'value' && key !== 'text') visit(child);
      if (record.text && typeof record.text === 'object') visit(record.text);
    }
  };
  visit(blocks);
  return parts.join('\n');
}
