// What the self-assessment, plan and Home tests need beyond slack-world: modals that move on in place
// (response_action "update"), clicks in ephemeral replies and on the App Home, and signed app_home_opened events.
import type { RecordedCall } from './fake-slack.ts';
import { blockAction, postSigned, type SignedResponse, TEST_TEAM_ID } from './slack-requests.ts';
import { blockText, type OpenedView, type RenderedButton, type SlackWorld, slackIdOf } from './slack-world.ts';

let sequence = 0;
const next = (prefix: string) => `${prefix}.${++sequence}.${Date.now()}`;

/** The view a submission's answer moved the modal on to (response_action "update"), as the next submission needs it. */
export function updatedView(response: SignedResponse, previous: OpenedView): OpenedView {
  const body = response.body as { response_action?: string; view?: Omit<OpenedView, 'id'> };
  if (body?.response_action !== 'update' || !body.view) throw new Error(`expected response_action update, got ${response.text}`);
  // An update keeps the modal (and so its view id).
  return { ...body.view, id: previous.id };
}

/** Input block ids of a view, in order. */
export function inputIds(view: { blocks: Record<string, unknown>[] }): string[] {
  return view.blocks.filter((b) => b.type === 'input').map((b) => String(b.block_id));
}

/** Every button of some blocks (actions rows and section accessories). */
export function buttonsOf(blocks: readonly Record<string, unknown>[]): RenderedButton[] {
  return blocks.flatMap((block) =>
    block.type === 'actions' ? (block.elements as RenderedButton[]) : block.accessory ? [block.accessory as RenderedButton] : [],
  );
}

/** A button by action id (and which of several), as rendered. */
export function buttonIn(blocks: readonly Record<string, unknown>[], actionId: string, nth = 0): RenderedButton {
  const found = buttonsOf(blocks).filter((b) => b.action_id.replace(/~\d+$/, '') === actionId)[nth];
  if (!found) throw new Error(`no button ${actionId} #${nth} in:\n${blockText(blocks)}`);
  return found;
}

/**
 * `handle` clicks a button of an ephemeral reply (recorded as a response_url post): Slack sends the reply's own
 * response_url with it, under a new id here so its answer can be awaited.
 */
export async function clickEphemeral(world: SlackWorld, handle: string, reply: RecordedCall, button: RenderedButton) {
  const triggerId = next('eph');
  const responseId = next('eph-reply');
  const response = await blockAction(world.target, {
    actionId: button.action_id,
    value: button.value,
    userId: slackIdOf(handle),
    userName: handle,
    channelId: 'C0CHANNEL',
    isEphemeral: true,
    messageBlocks: reply.args.blocks as unknown[],
    triggerId,
    responseUrl: world.fake.responseUrl(responseId),
  });
  return { ...response, triggerId, responseId };
}

/** `handle` clicks a button on their App Home tab: the click carries the Home view, and no response_url. */
export async function clickHome(world: SlackWorld, handle: string, button: RenderedButton) {
  const triggerId = next('home');
  const response = await blockAction(world.target, {
    actionId: button.action_id,
    value: button.value,
    userId: slackIdOf(handle),
    userName: handle,
    view: { type: 'home', viewId: `VHOME${slackIdOf(handle)}` },
    triggerId,
  });
  return { ...response, triggerId };
}

/** Slack's app_home_opened event for `userId` (Events API JSON, signed like every request). */
export function appHomeOpened(world: SlackWorld, userId: string, tab: 'home' | 'messages' = 'home'): Promise<SignedResponse> {
  const body = {
    token: 'verification-token',
    team_id: TEST_TEAM_ID,
    api_app_id: 'A0APP',
    event: { type: 'app_home_opened', user: userId, channel: `D${userId.slice(1)}`, tab, event_ts: `${Date.now() / 1000}` },
    type: 'event_callback',
    event_id: next('Ev').replace(/[^A-Za-z0-9]/g, ''),
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ enterprise_id: null, team_id: TEST_TEAM_ID, user_id: 'U0BOT', is_bot: true, is_enterprise_install: false }],
  };
  return postSigned(world.target.url, JSON.stringify(body), { signingSecret: world.target.signingSecret, contentType: 'application/json' });
}

/** The Home views.publish sent for `userId`: the `nth` one (0 = the first), waiting for it if needed. */
export async function publishedHome(world: SlackWorld, userId: string, nth = 0): Promise<{ type: string; blocks: Record<string, unknown>[] }> {
  const calls = await world.fake.waitForCount('views.publish', nth + 1, (c) => c.args.user_id === userId, 4000);
  return calls[nth]!.args.view as { type: string; blocks: Record<string, unknown>[] };
}
