// The contract suite's Slack driver: ChatDriver (contract-driver.ts) over the real Slack world of slack-world.ts —
// the app from createSlackApp behind its HTTP receiver, signed requests in, the fake Web API recording what goes
// out. Everything Slack-shaped (Block Kit, trigger ids, response URLs, view ids, mrkdwn) stays in this file.
import { eq } from 'drizzle-orm';
import { outboxMessages, programs } from '../../src/db/schema/index.ts';
import { parseMessage } from '../../src/messages/model.ts';
import { renderMessage } from '../../src/platforms/slack/render/block-kit.ts';
import { seedCccDigestProgram } from './ccc-digest-program.ts';
import type {
  ChannelPost,
  ChatDriver,
  FormValue,
  FormValues,
  Seen,
  SeenButton,
  SeenField,
  SeenFieldKind,
  SeenForm,
  SeenMessage,
  StartDriver,
} from './contract-driver.ts';
import { sentMessagesTo } from './contract-driver.ts';
import { fixedClock, seedDemoProgram } from './demo-program.ts';
import type { RecordedCall } from './fake-slack.ts';
import { appHomeOpened } from './slack-growth.ts';
import { blockAction, slashCommand, stateValue, type ViewStateValue, viewSubmission } from './slack-requests.ts';
import { type OpenedView, type RenderedButton, type SlackWorld, slackIdOf, startSlackWorld, TEST_NOW } from './slack-world.ts';

type Blocks = Record<string, unknown>[];

/** Where a Slack surface is, so a click on it can be sent the way Slack would send it. */
type SurfaceRef =
  /** A message in a channel or DM (posted by the bot): clicks carry its channel and ts. */
  | { kind: 'message'; channel: string; ts: string | undefined; blocks: Blocks }
  /** An ephemeral reply (to a command or click): clicks carry its response_url. */
  | { kind: 'ephemeral'; blocks: Blocks }
  /** The person's App Home. */
  | { kind: 'home'; blocks: Blocks };

/** Where a modal was opened from: its outcome after submission shows up there. */
type Origin = { kind: 'message'; channel: string; ts: string | undefined } | { kind: 'reply'; responseId: string } | { kind: 'home' };

interface FormRef {
  kind: 'form';
  view: OpenedView;
  origin: Origin;
}

let sequence = 0;
const nextId = (prefix: string) => `${prefix}.${++sequence}.${Date.now()}`;

// ---------------------------------------------------------------------------------------------------------------
// Reading Block Kit as a person reads it
// ---------------------------------------------------------------------------------------------------------------

/** Slack mrkdwn → plain text: links keep their words, bold/italics lose their markers, bullets are "- ", entities are decoded. */
export function plainText(mrkdwn: string): string {
  return mrkdwn
    .replace(/<([^|>]+)\|([^>]*)>/g, '$2')
    .replace(/<(https?:[^>]+)>/g, '$1')
    .replace(/\*([^*\n]+)\*/g, '$1')
    .replace(/(^|[^\w])_([^_\n]+)_(?!\w)/g, '$1$2')
    // Bullets as the model writes them.
    .replace(/^• /gm, '- ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function textOfObject(value: unknown): string | undefined {
  if (value && typeof value === 'object' && typeof (value as { text?: unknown }).text === 'string') return (value as { text: string }).text;
  return undefined;
}

/** The readable lines of Block Kit blocks (sections, fields, headers, context), skipping inputs and buttons. */
function linesOf(blocks: Blocks): string[] {
  const lines: string[] = [];
  for (const block of blocks) {
    switch (block.type) {
      case 'header':
      case 'section': {
        const text = textOfObject(block.text);
        if (text !== undefined) lines.push(plainText(text));
        for (const field of (block.fields as unknown[] | undefined) ?? []) {
          const t = textOfObject(field);
          if (t !== undefined) lines.push(plainText(t));
        }
        break;
      }
      case 'context':
        for (const element of (block.elements as unknown[] | undefined) ?? []) {
          const t = textOfObject(element);
          if (t !== undefined) lines.push(plainText(t));
        }
        break;
      case 'input': {
        const label = textOfObject(block.label);
        if (label !== undefined) lines.push(label);
        const hint = textOfObject(block.hint);
        if (hint !== undefined) lines.push(hint);
        break;
      }
      default:
        break;
    }
  }
  return lines;
}

function renderedButtons(blocks: Blocks): RenderedButton[] {
  return blocks.flatMap((block) =>
    block.type === 'actions'
      ? (block.elements as RenderedButton[]).filter((e) => (e as unknown as { type: string }).type === 'button')
      : block.accessory && (block.accessory as { type?: string }).type === 'button'
        ? [block.accessory as RenderedButton]
        : [],
  );
}

const neutralActionId = (actionId: string) => actionId.replace(/~\d+$/, '');

function seenButtons(blocks: Blocks): SeenButton[] {
  return renderedButtons(blocks).map((b) => ({ label: b.text.text, actionId: neutralActionId(b.action_id) }));
}

/** A surface as Seen: a notice when it is one sentence with nothing to press, else a message. */
function seenSurface(ref: SurfaceRef, summary: string): Seen {
  const buttons = seenButtons(ref.blocks);
  const text = linesOf(ref.blocks).join('\n');
  if (buttons.length === 0 && ref.blocks.length === 1 && ref.blocks[0]!.type === 'section') return { kind: 'notice', text, buttons: [], ref };
  return { kind: 'message', text, summary: plainText(summary), buttons, ref } satisfies SeenMessage;
}

function optionValues(element: Record<string, unknown>): string[] | undefined {
  const options = element.options as { value: string }[] | undefined;
  const groups = element.option_groups as { options: { value: string }[] }[] | undefined;
  if (options) return options.map((o) => o.value);
  if (groups) return groups.flatMap((g) => g.options.map((o) => o.value));
  return undefined;
}

function fieldOf(block: Record<string, unknown>): SeenField {
  const element = block.element as Record<string, unknown>;
  const type = String(element.type);
  const kinds: Record<string, [SeenFieldKind, boolean]> = {
    users_select: ['people', false],
    multi_users_select: ['people', true],
    static_select: ['choice', false],
    multi_static_select: ['choice', true],
    radio_buttons: ['choice', false],
    plain_text_input: ['text', false],
    datepicker: ['date', false],
    checkboxes: ['checkbox', false],
  };
  const [kind, multiple] = kinds[type] ?? (() => {
    throw new Error(`the contract driver does not know Slack input ${type}`);
  })();
  const options = optionValues(element);
  const initial = initialOf(element);
  return {
    id: String(block.block_id),
    label: textOfObject(block.label) ?? '',
    kind,
    multiple,
    optional: block.optional === true,
    ...(options && { options }),
    ...(initial !== undefined && { initial }),
  };
}

const handleOfSlackId = new Map<string, string>();

function initialOf(element: Record<string, unknown>): FormValue | undefined {
  switch (element.type) {
    case 'users_select':
      return typeof element.initial_user === 'string' ? (handleOfSlackId.get(element.initial_user) ?? element.initial_user) : undefined;
    case 'static_select':
    case 'radio_buttons':
      return (element.initial_option as { value: string } | undefined)?.value;
    case 'multi_static_select':
      return (element.initial_options as { value: string }[] | undefined)?.map((o) => o.value);
    case 'plain_text_input':
      return element.initial_value as string | undefined;
    case 'datepicker':
      return element.initial_date as string | undefined;
    case 'checkboxes':
      return element.initial_options ? (element.initial_options as unknown[]).length > 0 : undefined;
    default:
      return undefined;
  }
}

function seenForm(view: OpenedView, origin: Origin, errors?: Record<string, string>): SeenForm {
  const inputs = view.blocks.filter((b) => b.type === 'input');
  return {
    kind: 'form',
    title: view.title.text,
    submitLabel: (view as unknown as { submit?: { text: string } }).submit?.text ?? '',
    fieldIds: inputs.map((b) => String(b.block_id)),
    fields: inputs.map(fieldOf),
    ...(errors && { errors }),
    text: linesOf(view.blocks).join('\n'),
    buttons: [],
    ref: { kind: 'form', view, origin } satisfies FormRef,
  };
}

/** A neutral value as the Slack state entry of an input element. */
function stateFor(element: Record<string, unknown>, value: FormValue): ViewStateValue {
  const list = (v: FormValue) => (v === null ? [] : Array.isArray(v) ? v : [String(v)]);
  const one = (v: FormValue) => (v === null || v === false ? null : Array.isArray(v) ? (v[0] ?? null) : String(v));
  switch (element.type) {
    case 'users_select':
      return stateValue.usersSelect(one(value) === null ? null : slackIdOf(one(value)!));
    case 'multi_users_select':
      return stateValue.multiUsersSelect(list(value).map(slackIdOf));
    case 'static_select':
      return stateValue.staticSelect(one(value));
    case 'radio_buttons':
      return stateValue.radioButtons(one(value));
    case 'multi_static_select':
      return stateValue.multiStaticSelect(list(value));
    case 'plain_text_input':
      return stateValue.plainText(one(value));
    case 'datepicker':
      return stateValue.datepicker(one(value));
    case 'checkboxes':
      return stateValue.checkboxes(value === true ? ['true'] : []);
    default:
      throw new Error(`the contract driver cannot fill Slack input ${String(element.type)}`);
  }
}

/** "@ana.ruiz" in typed text → Slack's escaped mention. */
function renderMentions(text: string): string {
  return text.replace(/@([a-z]+(?:\.[a-z]+)+)/g, (_, handle: string) => `<@${slackIdOf(handle)}|${handle}>`);
}

/** The neutral command words that are spelled differently in `/feedback`. */
function slashText(text: string): string {
  return renderMentions(text.replace(/^self-assessment\b/i, 'self'));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------------------------------------------

export const startSlackDriver: StartDriver = async (db, options) => {
  if (options.seed === 'demo') await seedDemoProgram(db);
  else await seedCccDigestProgram(db);
  const clock = fixedClock(options.now ?? TEST_NOW);
  const world: SlackWorld = await startSlackWorld(db, { clock });
  // The CCC channel the programs file names is a private channel of the workspace (digests go only there).
  for (const program of await db.select({ channel: programs.cccSlackChannelId }).from(programs)) {
    if (program.channel) world.fake.seedChannel({ id: program.channel, name: 'im-ccc', isPrivate: true });
  }
  const fake = world.fake;

  /** Waits for the first call after `from` that `relevant` accepts, then for Slack traffic to settle. */
  async function outcomeAfter(from: number, relevant: (call: RecordedCall) => boolean, what: string): Promise<RecordedCall> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const found = fake.calls.slice(from).find(relevant);
      if (found) {
        // The listener may still be working (a redraw, then a confirmation): let it finish before the next step.
        let seen = fake.calls.length;
        for (;;) {
          await sleep(40);
          if (fake.calls.length === seen) break;
          seen = fake.calls.length;
        }
        return found;
      }
      if (Date.now() > deadline) {
        throw new Error(`nothing came back for ${what}; calls since: ${fake.calls.slice(from).map((c) => c.method).join(', ') || 'none'}; logs: ${world.logs.join(' | ')}`);
      }
      await sleep(5);
    }
  }

  const toUser = (handle: string) => (call: RecordedCall) =>
    call.method === 'chat.postMessage' && (call.args.channel === slackIdOf(handle) || call.args.channel === fake.dmChannelFor(slackIdOf(handle)));

  /** What a recorded outcome call shows the person. */
  function seenOf(call: RecordedCall, origin: Origin, triggerId?: string): Seen {
    switch (call.method) {
      case 'views.open': {
        const view = { ...(call.args.view as Omit<OpenedView, 'id'>), id: `V${String(triggerId ?? call.args.trigger_id).replace(/[^A-Za-z0-9]/g, '')}` };
        if (view.blocks.some((b) => b.type === 'input')) return seenForm(view, origin);
        return seenSurface({ kind: 'ephemeral', blocks: view.blocks }, view.title.text);
      }
      case 'chat.update':
        return seenSurface({ kind: 'message', channel: String(call.args.channel), ts: String(call.args.ts), blocks: call.args.blocks as Blocks }, String(call.args.text ?? ''));
      case 'chat.postMessage':
        return seenSurface({ kind: 'message', channel: fake.dmChannelFor(String(call.args.channel)), ts: undefined, blocks: call.args.blocks as Blocks }, String(call.args.text ?? ''));
      case 'response_url':
        return seenSurface({ kind: 'ephemeral', blocks: (call.args.blocks as Blocks | undefined) ?? [] }, String(call.args.text ?? ''));
      case 'views.publish':
        return seenSurface({ kind: 'home', blocks: (call.args.view as { blocks: Blocks }).blocks }, '');
      default:
        throw new Error(`unexpected outcome ${call.method}`);
    }
  }

  /** The current state of a message the outbox sent: its last chat.update, else what chat.postMessage posted. */
  function currentMessage(handle: string, row: typeof outboxMessages.$inferSelect): SeenMessage {
    const channel = row.platformChannelId!;
    const ts = row.platformMessageId!;
    const update = fake.callsTo('chat.update').filter((c) => c.args.ts === ts && c.args.channel === channel).at(-1);
    if (update) return seenOf(update, { kind: 'message', channel, ts }) as SeenMessage;
    const { text } = renderMessage(parseMessage(row.message));
    const post = fake
      .callsTo('chat.postMessage')
      .filter((c) => (c.args.channel === slackIdOf(handle) || c.args.channel === channel) && c.args.text === text)
      .at(-1);
    if (!post) throw new Error(`the fake never received the ${row.kind} message to ${handle}`);
    const seen = seenSurface({ kind: 'message', channel, ts, blocks: post.args.blocks as Blocks }, text);
    return seen.kind === 'message' ? seen : { kind: 'message', text: seen.text, summary: plainText(text), buttons: [], ref: seen.ref };
  }

  async function sentRows(handle: string, kind: string) {
    return sentMessagesTo(db, await world.personId(handle), kind);
  }

  const driver: ChatDriver = {
    platform: 'slack',
    db,
    clock,
    personId: (handle) => world.personId(handle),
    async link(...handles) {
      for (const handle of handles) handleOfSlackId.set(slackIdOf(handle), handle);
      await world.link(...handles);
    },
    async command(handle, text) {
      handleOfSlackId.set(slackIdOf(handle), handle);
      const from = fake.calls.length;
      if (text.trim().toLowerCase() === 'home') {
        const response = await appHomeOpened(world, slackIdOf(handle));
        if (response.status !== 200) throw new Error(`app_home_opened answered ${response.status}`);
        const call = await outcomeAfter(from, (c) => c.method === 'views.publish' && c.args.user_id === slackIdOf(handle), `${handle}'s Home`);
        return seenOf(call, { kind: 'home' });
      }
      const responseId = nextId('command-reply');
      const triggerId = nextId('command');
      const response = await slashCommand(world.target, {
        command: '/feedback',
        text: slashText(text),
        userId: slackIdOf(handle),
        userName: handle,
        triggerId,
        responseUrl: fake.responseUrl(responseId),
      });
      if (response.status !== 200) throw new Error(`/feedback ${text} answered ${response.status}`);
      const call = await outcomeAfter(
        from,
        (c) => (c.method === 'views.open' && c.args.trigger_id === triggerId) || (c.method === 'response_url' && c.targetId === responseId) || toUser(handle)(c),
        `/feedback ${text}`,
      );
      return seenOf(call, { kind: 'reply', responseId }, triggerId);
    },
    deliver: () => world.deliver(),
    async inbox(handle, kind, containing) {
      const row = (await sentRows(handle, kind)).filter((r) => containing === undefined || parseMessage(r.message).text.includes(containing)).at(-1);
      if (!row?.platformChannelId || !row.platformMessageId) {
        throw new Error(`no ${kind} message${containing ? ` containing "${containing}"` : ''} was sent to ${handle}`);
      }
      return currentMessage(handle, row);
    },
    async received(handle, kind) {
      return (await sentRows(handle, kind)).map((row) => currentMessage(handle, row));
    },
    async press(handle, seen, actionId, nth = 0) {
      handleOfSlackId.set(slackIdOf(handle), handle);
      const ref = seen.ref as SurfaceRef | undefined;
      if (!ref || ref.kind === undefined || (ref as unknown as FormRef).kind === 'form') throw new Error(`nothing to press in: ${seen.text}`);
      const button = renderedButtons(ref.blocks).filter((b) => neutralActionId(b.action_id) === actionId)[nth];
      if (!button) throw new Error(`no button ${actionId} #${nth} in: ${seen.text}`);
      const triggerId = nextId('click');
      const responseId = nextId('click-reply');
      const from = fake.calls.length;
      const common = { actionId: button.action_id, value: button.value, userId: slackIdOf(handle), userName: handle, triggerId };
      let origin: Origin;
      let relevant: (call: RecordedCall) => boolean;
      const opened = (c: RecordedCall) => c.method === 'views.open' && c.args.trigger_id === triggerId;
      const replied = (c: RecordedCall) => c.method === 'response_url' && c.targetId === responseId;
      if (ref.kind === 'message') {
        if (ref.ts === undefined) throw new Error(`this message was not posted through the outbox; its buttons cannot be pressed: ${seen.text}`);
        origin = { kind: 'message', channel: ref.channel, ts: ref.ts };
        const response = await blockAction(world.target, {
          ...common,
          channelId: ref.channel,
          messageTs: ref.ts,
          messageBlocks: ref.blocks,
          responseUrl: fake.responseUrl(responseId),
        });
        if (response.status !== 200) throw new Error(`the click answered ${response.status}`);
        relevant = (c) => opened(c) || replied(c) || (c.method === 'chat.update' && c.args.ts === ref.ts) || toUser(handle)(c);
      } else if (ref.kind === 'ephemeral') {
        origin = { kind: 'reply', responseId };
        const response = await blockAction(world.target, {
          ...common,
          channelId: 'C0CHANNEL',
          isEphemeral: true,
          messageBlocks: ref.blocks,
          responseUrl: fake.responseUrl(responseId),
        });
        if (response.status !== 200) throw new Error(`the click answered ${response.status}`);
        relevant = (c) => opened(c) || replied(c) || toUser(handle)(c);
      } else {
        origin = { kind: 'home' };
        const response = await blockAction(world.target, { ...common, view: { type: 'home', viewId: `VHOME${slackIdOf(handle)}` } });
        if (response.status !== 200) throw new Error(`the click answered ${response.status}`);
        relevant = (c) => opened(c) || toUser(handle)(c) || (c.method === 'views.publish' && c.args.user_id === slackIdOf(handle));
      }
      const call = await outcomeAfter(from, relevant, `${handle} pressing ${actionId}`);
      return seenOf(call, origin, triggerId);
    },
    async submit(handle, form, values: FormValues) {
      handleOfSlackId.set(slackIdOf(handle), handle);
      const ref = form.ref as FormRef | undefined;
      if (form.kind !== 'form' || ref?.kind !== 'form') throw new Error(`not a form: ${form.text}`);
      for (const id of Object.keys(values)) if (!form.fieldIds.includes(id)) throw new Error(`the form "${form.title}" has no field ${id}`);
      const stateValues: Record<string, Record<string, ViewStateValue>> = {};
      for (const block of ref.view.blocks.filter((b) => b.type === 'input')) {
        const id = String(block.block_id);
        const element = block.element as Record<string, unknown>;
        const initial = initialOf(element);
        const value = id in values ? values[id]! : (initial ?? null);
        stateValues[id] = { [String(element.action_id ?? id)]: stateFor(element, value) };
      }
      const from = fake.calls.length;
      const response = await viewSubmission(world.target, {
        callbackId: ref.view.callback_id,
        privateMetadata: ref.view.private_metadata,
        viewId: ref.view.id,
        blocks: ref.view.blocks,
        stateValues,
        userId: slackIdOf(handle),
        userName: handle,
      });
      if (response.status !== 200) throw new Error(`the submission answered ${response.status}`);
      const body = response.body as { response_action?: string; errors?: Record<string, string>; view?: Omit<OpenedView, 'id'> } | '';
      if (body && body.response_action === 'errors') return seenForm(ref.view, ref.origin, body.errors ?? {});
      if (body && body.response_action === 'update' && body.view) {
        // An update keeps the modal (and so its view id).
        const view = { ...body.view, id: ref.view.id };
        if (view.blocks.some((b) => b.type === 'input')) return seenForm(view, ref.origin);
        return seenSurface({ kind: 'ephemeral', blocks: view.blocks }, view.title.text);
      }
      if (body !== '') throw new Error(`unexpected answer to a submission: ${response.text}`);
      // The modal closed: the outcome appears where it was opened from (or by DM when that place is gone).
      const origin = ref.origin;
      const call = await outcomeAfter(
        from,
        (c) =>
          (origin.kind === 'message' && c.method === 'chat.update' && c.args.ts === origin.ts) ||
          (origin.kind === 'reply' && c.method === 'response_url' && c.targetId === origin.responseId) ||
          (origin.kind === 'home' && c.method === 'views.publish' && c.args.user_id === slackIdOf(handle)) ||
          toUser(handle)(c),
        `${handle} submitting "${form.title}"`,
      );
      return seenOf(call, origin);
    },
    async channelPosts(channel) {
      if (channel !== 'ccc') throw new Error(`unknown channel ${channel}`);
      const [program] = await db.select({ channel: programs.cccSlackChannelId }).from(programs);
      const id = program?.channel;
      if (!id) throw new Error('the program has no CCC channel');
      const rows = await db.select().from(outboxMessages).where(eq(outboxMessages.platformChannelId, id));
      const posts = fake.callsTo('chat.postMessage').filter((c) => c.args.channel === id);
      const asSeen = (call: RecordedCall, ts: string | undefined) =>
        seenSurface({ kind: 'message', channel: id, ts, blocks: call.args.blocks as Blocks }, String(call.args.text ?? '')) as SeenMessage;
      return posts
        .filter((c) => c.args.thread_ts === undefined)
        .map((top): ChannelPost => {
          const ts = rows.find((r) => r.threadParentKey === null && renderMessage(parseMessage(r.message)).text === top.args.text)?.platformMessageId ?? undefined;
          const replies = ts === undefined ? [] : posts.filter((c) => c.args.thread_ts === ts).map((c) => asSeen(c, undefined));
          return { post: asSeen(top, ts), replies };
        });
    },
    errors: () => world.logs,
    stop: () => world.stop(),
  };
  return driver;
};
