// Proves the offline Slack harness (fake Web API + signed request builders) against the real Bolt app.
import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../../helpers/fake-slack.ts';
import {
  type BoltForTest,
  blockAction,
  postSigned,
  slashCommand,
  startBoltForTest,
  stateValue,
  TEST_BOT_USER_ID,
  TEST_SIGNING_SECRET,
  TEST_TEAM_ID,
  viewClosed,
  viewSubmission,
} from '../../helpers/slack-requests.ts';

const { ErrorCode } = webApi;

let fake: FakeSlack;
let bolt: BoltForTest;
// Errors the /ping listener caught from client.chat.postMessage, in order.
const postErrors: unknown[] = [];
const closedViews: string[] = [];

beforeAll(async () => {
  fake = await startFakeSlack({ botUserId: TEST_BOT_USER_ID });
  bolt = await startBoltForTest(
    (app) => {
      app.command('/ping', async ({ ack, command, client }) => {
        await ack();
        try {
          await client.chat.postMessage({
            channel: command.channel_id,
            text: `pong ${command.text}`,
            blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `pong ${command.text}` } }],
          });
        } catch (error) {
          postErrors.push(error);
        }
      });
      app.command('/echo', async ({ ack, respond }) => {
        await ack();
        await respond({ response_type: 'ephemeral', text: 'echoed' });
      });
      app.action('open_form', async ({ ack, body, client }) => {
        await ack();
        if (body.type !== 'block_actions') return;
        await client.views.open({
          trigger_id: body.trigger_id,
          view: {
            type: 'modal',
            callback_id: 'rating_form',
            private_metadata: JSON.stringify({ assignment: 42 }),
            title: { type: 'plain_text', text: 'Rate' },
            submit: { type: 'plain_text', text: 'Submit' },
            blocks: [
              {
                type: 'input',
                block_id: 'comment',
                label: { type: 'plain_text', text: 'Comment' },
                element: { type: 'plain_text_input', action_id: 'value' },
              },
            ],
          },
        });
      });
      app.view('rating_form', async ({ ack, view }) => {
        const comment = view.state.values.comment?.value?.value;
        if (!comment) {
          await ack({ response_action: 'errors', errors: { comment: 'Please write a comment.' } });
          return;
        }
        await ack();
      });
      app.view({ callback_id: 'rating_form', type: 'view_closed' }, async ({ ack, view }) => {
        await ack();
        closedViews.push(view.id);
      });
    },
    { slackApiUrl: fake.url, responseUrl: fake.responseUrl },
  );
});

afterAll(async () => {
  await bolt?.stop();
  await fake?.close();
});

beforeEach(() => {
  fake.reset();
  postErrors.length = 0;
});

async function nextPostError(): Promise<unknown> {
  const deadline = Date.now() + 2000;
  while (postErrors.length === 0) {
    if (Date.now() > deadline) throw new Error('the /ping listener caught no error');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return postErrors.shift();
}

describe('signed requests into the real Bolt receiver', () => {
  it('acks a signed slash command with 200 and the listener reaches the fake Web API', async () => {
    const res = await slashCommand(bolt, { command: '/ping', text: 'hello', channelId: 'C0PING', userId: 'U0RES' });
    expect(res.status).toBe(200);

    const call = await fake.waitFor('chat.postMessage');
    expect(call.token).toBe('xoxb-test');
    expect(call.args).toMatchObject({
      channel: 'C0PING',
      text: 'pong hello',
      // Bolt's per-request client adds the team of the incoming request.
      team_id: TEST_TEAM_ID,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'pong hello' } }],
    });
    expect(postErrors).toEqual([]);
  });

  it('rejects a wrong signature with 401 and runs no listener', async () => {
    const res = await slashCommand(bolt, { command: '/ping' }, { signature: `v0=${'0'.repeat(64)}` });
    expect(res.status).toBe(401);

    const signedWithOtherSecret = await postSigned(
      bolt.url,
      { command: '/ping', text: '', team_id: TEST_TEAM_ID },
      { signingSecret: 'not-the-secret' },
    );
    expect(signedWithOtherSecret.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.callsTo('chat.postMessage')).toEqual([]);
  });

  it('rejects a correctly signed request whose timestamp is 6 minutes old with 401', async () => {
    const sixMinutesAgo = Math.floor(Date.now() / 1000) - 6 * 60;
    const res = await slashCommand(bolt, { command: '/ping' }, { timestamp: sixMinutesAgo });
    expect(res.status).toBe(401);
  });

  it('answers a view submission with the ack body as the HTTP response', async () => {
    const invalid = await viewSubmission(bolt, {
      callbackId: 'rating_form',
      privateMetadata: '{"assignment":42}',
      stateValues: { comment: { value: stateValue.plainText('') } },
    });
    expect(invalid.status).toBe(200);
    expect(invalid.body).toEqual({ response_action: 'errors', errors: { comment: 'Please write a comment.' } });

    const valid = await viewSubmission(bolt, {
      callbackId: 'rating_form',
      stateValues: { comment: { value: stateValue.plainText('Great handoff') } },
    });
    expect(valid.status).toBe(200);
    expect(valid.body).toBe('');
  });

  it('routes a block action to views.open with the trigger id and the view JSON-decoded', async () => {
    const res = await blockAction(bolt, { actionId: 'open_form', value: 'a-42', messageTs: '1700000000.000100' });
    expect(res.status).toBe(200);

    const call = await fake.waitFor('views.open');
    expect(call.args.trigger_id).toEqual(expect.any(String));
    expect(call.args.view).toMatchObject({ type: 'modal', callback_id: 'rating_form' });
  });

  it('delivers view_closed to its listener', async () => {
    const res = await viewClosed(bolt, { callbackId: 'rating_form', viewId: 'V0CLOSED' });
    expect(res.status).toBe(200);
    await expect.poll(() => closedViews).toContain('V0CLOSED');
  });

  it("records respond() posts to the payload's response_url", async () => {
    const res = await slashCommand(bolt, { command: '/echo', responseUrl: fake.responseUrl('echo-1') });
    expect(res.status).toBe(200);
    const call = await fake.waitFor('response_url', (c) => c.targetId === 'echo-1');
    expect(call.args).toEqual({ response_type: 'ephemeral', text: 'echoed' });
  });
});

describe('failure injection seen through the WebClient', () => {
  it('a 429 with Retry-After surfaces as a rate-limit error (rejectRateLimitedCalls: true)', async () => {
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    await slashCommand(bolt, { command: '/ping' });
    const error = (await nextPostError()) as { code: string; retryAfter: number };
    expect(error.code).toBe(ErrorCode.RateLimitedError);
    expect(error.retryAfter).toBe(1);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('a 500 with retries: 0 surfaces as an HTTP error after a single attempt', async () => {
    fake.failNext('chat.postMessage', { status: 500 });
    await slashCommand(bolt, { command: '/ping' });
    const error = (await nextPostError()) as { code: string; statusCode: number };
    expect(error.code).toBe(ErrorCode.HTTPError);
    expect(error.statusCode).toBe(500);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('a Slack error answer surfaces as a platform error', async () => {
    fake.failNext('chat.postMessage', { slackError: 'channel_not_found' });
    await slashCommand(bolt, { command: '/ping' });
    const error = (await nextPostError()) as { code: string; data: { error: string } };
    expect(error.code).toBe(ErrorCode.PlatformError);
    expect(error.data.error).toBe('channel_not_found');
  });

  it('failures apply to the next N calls only, then answers are normal again', async () => {
    const client = new webApi.WebClient('xoxb-test', {
      slackApiUrl: fake.url,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
    fake.failNext('chat.update', { slackError: 'message_not_found' }, 2);
    await expect(client.chat.update({ channel: 'C1', ts: '1.000001', text: 'x' })).rejects.toMatchObject({
      data: { error: 'message_not_found' },
    });
    await expect(client.chat.update({ channel: 'C1', ts: '1.000001', text: 'x' })).rejects.toThrow();
    await expect(client.chat.update({ channel: 'C1', ts: '1.000001', text: 'x' })).resolves.toMatchObject({
      ok: true,
      ts: '1.000001',
    });
    expect(fake.callsTo('chat.update').map((c) => c.failure !== undefined)).toEqual([true, true, false]);
  });

  it('a delay slows the answer down', async () => {
    const client = new webApi.WebClient('xoxb-test', { slackApiUrl: fake.url, retryConfig: { retries: 0 } });
    fake.failNext('auth.test', { delayMs: 200 });
    const started = Date.now();
    await expect(client.auth.test()).resolves.toMatchObject({ ok: true, user_id: TEST_BOT_USER_ID });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });
});

describe('the fake Web API methods', () => {
  const client = () => new webApi.WebClient('xoxb-test', { slackApiUrl: fake.url, retryConfig: { retries: 0 } });

  it('gives increasing unique ts to posted messages, and DMs posted to a user id land in its D channel', async () => {
    const a = await client().chat.postMessage({ channel: 'C1', text: 'a' });
    const b = await client().chat.postMessage({ channel: 'U0RES', text: 'b' });
    expect(Number(b.ts)).toBeGreaterThan(Number(a.ts));
    expect(b.channel).toBe(fake.dmChannelFor('U0RES'));
    const ephemeral = await client().chat.postEphemeral({ channel: 'C1', user: 'U0RES', text: 'e' });
    expect(ephemeral.message_ts).toEqual(expect.any(String));
  });

  it('opens deterministic DM channels and looks up seeded users', async () => {
    fake.seedUser({ id: 'U0FAC', email: 'Faculty@Example.org', name: 'faculty', teamId: TEST_TEAM_ID });
    const first = await client().conversations.open({ users: 'U0FAC' });
    const again = await client().conversations.open({ users: 'U0FAC' });
    expect(first.channel?.id).toMatch(/^D/);
    expect(again.channel?.id).toBe(first.channel?.id);

    const found = await client().users.lookupByEmail({ email: 'faculty@example.org' });
    expect(found.user).toMatchObject({ id: 'U0FAC', team_id: TEST_TEAM_ID, profile: { email: 'Faculty@Example.org' } });
    const info = await client().users.info({ user: 'U0FAC' });
    expect(info.user?.name).toBe('faculty');
    await expect(client().users.lookupByEmail({ email: 'nobody@example.org' })).rejects.toMatchObject({
      data: { error: 'users_not_found' },
    });
  });

  it('answers the views methods with a view id and hash', async () => {
    const view = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'T' }, blocks: [] };
    const opened = await client().views.open({ trigger_id: '1.2.3', view });
    expect(opened.view).toMatchObject({ id: expect.stringMatching(/^V/), hash: expect.any(String) });
    const updated = await client().views.update({ view_id: opened.view!.id!, view });
    expect(updated.view?.id).toBe(opened.view?.id);
    const pushed = await client().views.push({ trigger_id: '1.2.3', view });
    expect(pushed.view?.id).not.toBe(opened.view?.id);
    const home = await client().views.publish({ user_id: 'U0RES', view: { type: 'home', blocks: [] } });
    expect(home.view).toMatchObject({ id: expect.stringMatching(/^V/), type: 'home' });
  });

  it('serves files.uploadV2 end to end (URL, upload POST, completion)', async () => {
    const result = await client().files.uploadV2({
      channel_id: 'C0CCC',
      filename: 'ratings.csv',
      title: 'Ratings',
      content: 'resident,level\nr1,3\n',
    });
    expect(result.ok).toBe(true);
    const upload = await fake.waitFor('file_upload');
    expect(upload.args).toMatchObject({ content: 'resident,level\nr1,3\n' });
    expect(fake.uploadedFile(upload.targetId!)?.content).toBe('resident,level\nr1,3\n');
    const completed = await fake.waitFor('files.completeUploadExternal');
    expect(completed.args).toMatchObject({ channel_id: 'C0CCC', files: [{ id: upload.targetId, title: 'Ratings' }] });
    expect(fake.calls.map((c) => c.method)).toEqual([
      'files.getUploadURLExternal',
      'file_upload',
      'files.completeUploadExternal',
    ]);
  });

  it('fails loudly on methods it does not implement', async () => {
    await expect(client().apiCall('reactions.add', { channel: 'C1', name: 'x', timestamp: '1.1' })).rejects.toMatchObject({
      data: { error: 'unknown_method' },
    });
  });

  it('waitFor times out with a useful message', async () => {
    await expect(fake.waitFor('chat.delete', undefined, 50)).rejects.toThrow(/chat\.delete/);
  });

  it('uses the signing secret the harness defaults to', () => {
    expect(bolt.signingSecret).toBe(TEST_SIGNING_SECRET);
  });
});
