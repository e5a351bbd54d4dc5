// Socket Mode: with an app token the same app connects out over a WebSocket instead of serving /slack/events,
// and the same listeners answer envelopes; acks travel back on the socket.
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { feedbackRequests } from '../../../src/db/schema/index.ts';
import { FORMS } from '../../../src/messages/actions.ts';
import { createSlackApp, type SlackApp } from '../../../src/platforms/slack/app.ts';
import { describeOnEachEngine } from '../../helpers/db.ts';
import { fixedClock, seedDemoProgram } from '../../helpers/demo-program.ts';
import { type FakeSlack, startFakeSlack } from '../../helpers/fake-slack.ts';
import { buildSlashCommand, buildViewSubmission, stateValue, TEST_TEAM_ID } from '../../helpers/slack-requests.ts';
import { blockText, demoHandles, slackIdOf, TEST_NOW } from '../../helpers/slack-world.ts';
import { type LocalSocketMode, startLocalSocketMode } from './local-socket-mode.ts';

describeOnEachEngine('Slack in Socket Mode', (ctx) => {
  let fake: FakeSlack;
  let socket: LocalSocketMode;
  let slack: SlackApp;
  const logs: string[] = [];
  beforeAll(async () => {
    await seedDemoProgram(ctx.db);
    fake = await startFakeSlack({ teamId: TEST_TEAM_ID });
    for (const handle of demoHandles()) fake.seedUser({ id: slackIdOf(handle), email: `${handle}@stelsewhere.example.org`, teamId: TEST_TEAM_ID });
    socket = await startLocalSocketMode(fake.url);
    slack = createSlackApp({
      config: { botToken: 'xoxb-test', signingSecret: '', appToken: 'xapp-1-test', apiUrl: socket.apiUrl },
      ports: { db: ctx.db, clock: fixedClock(TEST_NOW) },
      log: (line) => logs.push(line),
      logLevel: 'error',
    });
    await slack.start();
  });
  afterAll(async () => {
    await slack?.stop();
    // Stopping sends a close frame; the connection ends once the server has answered it.
    await socket?.disconnected();
    await socket?.close();
    await fake?.close();
  });

  it('connects with the app token and has no HTTP listener of its own', async () => {
    await socket.connected();
    expect(slack.mode).toBe('socket');
    expect(slack.requestListener).toBeUndefined();
    expect(socket.connectionsOpened).toEqual(['xapp-1-test']);
  });

  it('acks a /feedback envelope on the socket and opens the request modal', async () => {
    const command = buildSlashCommand({
      command: '/feedback',
      userId: slackIdOf('ana.ruiz'),
      triggerId: 'socket.trigger.1',
      responseUrl: fake.responseUrl('socket-1'),
    });
    const ack = await socket.send({ envelope_id: 'env-1', type: 'slash_commands', payload: command, accepts_response_payload: true });
    expect(ack).toEqual({});
    const opened = await fake.waitFor('views.open', (c) => c.args.trigger_id === 'socket.trigger.1');
    expect(opened.args.view).toMatchObject({ callback_id: FORMS.requestFeedback, title: { text: 'Ask for feedback' } });
  });

  it('answers a view submission envelope with field errors in the ack payload', async () => {
    const view = (await fake.waitFor('views.open', (c) => c.args.trigger_id === 'socket.trigger.1')).args.view as {
      private_metadata: string;
      blocks: unknown[];
    };
    const submission = buildViewSubmission({
      callbackId: FORMS.requestFeedback,
      viewId: 'VSOCKET1',
      privateMetadata: view.private_metadata,
      blocks: view.blocks,
      userId: slackIdOf('ana.ruiz'),
      stateValues: {
        assessor: { assessor: stateValue.usersSelect(slackIdOf('maya.lee')) },
        subcompetency: { subcompetency: stateValue.staticSelect('PC3') },
        question: { question: stateValue.plainText('Any feedback?') },
        due: { due: stateValue.datepicker('2026-11-05') },
      },
    });
    const ack = await socket.send({ envelope_id: 'env-2', type: 'interactive', payload: submission, accepts_response_payload: true });
    expect(ack).toEqual({ response_action: 'errors', errors: { question: expect.stringMatching(/^Make it more specific: /) } });
    const [stored] = await ctx.db.select({ n: count() }).from(feedbackRequests);
    expect(stored?.n).toBe(0);
  });

  it('replies to /feedback help through the response URL', async () => {
    const command = buildSlashCommand({ command: '/feedback', text: 'help', responseUrl: fake.responseUrl('socket-help') });
    await socket.send({ envelope_id: 'env-3', type: 'slash_commands', payload: command, accepts_response_payload: true });
    const reply = await fake.waitFor('response_url', (c) => c.targetId === 'socket-help');
    expect(blockText(reply.args.blocks as Record<string, unknown>[])).toContain('/feedback help');
    expect(logs).toEqual([]);
  });
});
