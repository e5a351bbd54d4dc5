// One process, one port: the composition root serves Slack's /slack/events and Teams' /api/messages on the same
// HTTP server, and the Teams delivery loop sends what the Teams app enqueued.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSteppingStones, type RunningSteppingStones } from '../../../src/main.ts';
import { type BotFrameworkAuth, outboundTestToken, startBotFrameworkAuth, TEST_CLIENT_ID, TEST_TENANT_ID, TEST_TOKEN_ISSUER } from '../../helpers/bot-framework-auth.ts';
import { type FakeSlack, startFakeSlack } from '../../helpers/fake-slack.ts';
import { type FakeTeams, startFakeTeams } from '../../helpers/fake-teams.ts';
import { slashCommand, TEST_SIGNING_SECRET } from '../../helpers/slack-requests.ts';

describe('startSteppingStones with Slack and Teams on one port', () => {
  let slack: FakeSlack;
  let teams: FakeTeams;
  let auth: BotFrameworkAuth;
  let running: RunningSteppingStones;
  let origin: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'stepping-stones-main-teams-'));
  const lines: string[] = [];
  beforeAll(async () => {
    slack = await startFakeSlack();
    teams = await startFakeTeams({ tenantId: TEST_TENANT_ID });
    auth = await startBotFrameworkAuth();
    running = await startSteppingStones(
      {
        database: { engine: 'pglite', dataDir },
        port: 0,
        logLevel: 'error',
        slack: { botToken: 'xoxb-test', signingSecret: TEST_SIGNING_SECRET, apiUrl: slack.url },
        teams: {
          clientId: TEST_CLIENT_ID,
          clientSecret: 'unused-in-tests',
          tenantId: TEST_TENANT_ID,
          serviceUrl: teams.serviceUrl,
          openIdMetadataUrl: auth.openIdMetadataUrl,
          tokenIssuer: TEST_TOKEN_ISSUER,
          botToken: outboundTestToken(),
        },
        scheduler: { enabled: false, instance: 'test' },
      },
      (line) => lines.push(line),
    );
    origin = `http://127.0.0.1:${(running.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await running?.stop();
    await slack?.close();
    await teams?.close();
    await auth?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('says both platforms are mounted', () => {
    expect(lines).toContain('Stepping Stones listening on port 0 (database: pglite, Slack: HTTP on /slack/events, Teams: HTTP on /api/messages).');
  });

  it('answers a Teams activity with a valid token on /api/messages and refuses one without', async () => {
    const activity = {
      type: 'message',
      id: 'main-1',
      channelId: 'msteams',
      serviceUrl: teams.serviceUrl,
      from: { id: '29:someone', aadObjectId: '0a1b2c3d-0000-4000-8000-000000000001', name: 'Someone' },
      recipient: { id: `28:${TEST_CLIENT_ID}` },
      conversation: { id: 'a:main-personal', conversationType: 'personal', tenantId: TEST_TENANT_ID },
      text: 'help',
    };
    const refused = await fetch(`${origin}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
    expect(refused.status).toBe(401);
    expect(teams.calls).toHaveLength(0);
    const response = await fetch(`${origin}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${auth.token({ serviceUrl: teams.serviceUrl })}` },
      body: JSON.stringify(activity),
    });
    expect(response.status).toBe(200);
    // Not on the roster: told so, in the conversation the message came from.
    const reply = await teams.waitFor('send', (c) => c.conversationId === 'a:main-personal');
    expect(JSON.stringify(reply.activity?.attachments)).toContain('Stepping Stones does not know you yet');
  });

  it('still routes Slack on /slack/events', async () => {
    const target = { url: `${origin}/slack/events`, signingSecret: TEST_SIGNING_SECRET };
    const response = await slashCommand(target, { command: '/feedback', text: 'help', responseUrl: slack.responseUrl('main-teams-help') });
    expect(response.status).toBe(200);
    await slack.waitFor('response_url', (c) => c.targetId === 'main-teams-help');
  });
});
