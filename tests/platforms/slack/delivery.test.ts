// The delivery loop main.ts runs: a nudge sends what a use case enqueued at once, Slack's 429 is left to the outbox
// (one attempt, no SDK retry), and stop() waits for the pass in progress so the database can close after it.
import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { identifyChatUser } from '../../../src/core/people/identify-chat-user.ts';
import { systemClock } from '../../../src/core/ports.ts';
import { promptAfterRotations } from '../../../src/core/rotation-evaluations/prompt-after-rotations.ts';
import { chatIdentities, outboxMessages } from '../../../src/db/schema/index.ts';
import { createSlackWebClient } from '../../../src/platforms/slack/app.ts';
import { startSlackDelivery } from '../../../src/platforms/slack/delivery.ts';
import { describeOnEachEngine } from '../../helpers/db.ts';
import { fixedClock, seedDemoProgram } from '../../helpers/demo-program.ts';
import { type FakeSlack, startFakeSlack } from '../../helpers/fake-slack.ts';
import { TEST_TEAM_ID } from '../../helpers/slack-requests.ts';
import { slackIdOf, TEST_NOW } from '../../helpers/slack-world.ts';

describeOnEachEngine('Slack delivery loop', (ctx) => {
  let fake: FakeSlack;
  const logs: string[] = [];
  beforeAll(async () => {
    await seedDemoProgram(ctx.db);
    fake = await startFakeSlack();
    for (const handle of ['maya.lee', 'wendy.morgan']) {
      await identifyChatUser({
        db: ctx.db,
        platform: 'slack',
        workspaceId: TEST_TEAM_ID,
        userId: slackIdOf(handle),
        lookupEmail: async () => `${handle}@stelsewhere.example.org`,
      });
    }
  });
  afterAll(async () => fake?.close());

  // A long interval: only the start-up pass and nudges run during the test.
  const start = () =>
    startSlackDelivery({
      db: ctx.db,
      clock: systemClock,
      client: createSlackWebClient({ botToken: 'xoxb-test', signingSecret: '', apiUrl: fake.url }),
      log: (line) => logs.push(line),
      intervalMs: 60 * 60 * 1000,
    });

  it('a rate-limited send is tried once and left pending for the outbox to retry after Retry-After', async () => {
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 30 }, 100);
    const delivery = start();
    await promptAfterRotations({ db: ctx.db, clock: fixedClock(TEST_NOW), date: '2026-10-31' });
    delivery.nudge();
    // Maya and Wendy each supervised two rotations that ended: four prompts can reach Slack.
    await fake.waitForCount('chat.postMessage', 4);
    const failedAt = Date.now();
    await delivery.stop();
    // One HTTP call per message: the WebClient did not retry behind the outbox's back.
    expect(fake.callsTo('chat.postMessage')).toHaveLength(4);
    const rows = await ctx.db.select().from(outboxMessages).where(inArray(outboxMessages.recipientPersonId, await linked()));
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      expect(row).toMatchObject({ status: 'pending', attempts: 1, lastError: 'Slack rate limited the message' });
      expect(row.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(failedAt + 29_000);
    }
  });

  it('a nudge sends what is due without waiting for the next tick', async () => {
    fake.reset();
    // Make the rate-limited rows due again, as time passing would.
    await ctx.db.update(outboxMessages).set({ nextAttemptAt: new Date(Date.now() - 1000) }).where(inArray(outboxMessages.recipientPersonId, await linked()));
    const delivery = start();
    delivery.nudge();
    const calls = await fake.waitForCount('chat.postMessage', 4);
    await delivery.stop();
    expect(calls.map((c) => c.args.channel).sort()).toEqual(['UMAYALEE', 'UMAYALEE', 'UWENDYMORGAN', 'UWENDYMORGAN']);
    const rows = await ctx.db.select().from(outboxMessages).where(inArray(outboxMessages.recipientPersonId, await linked()));
    expect(rows.map((r) => [r.status, r.platformChannelId]).sort()).toEqual([
      ['sent', fake.dmChannelFor('UMAYALEE')],
      ['sent', fake.dmChannelFor('UMAYALEE')],
      ['sent', fake.dmChannelFor('UWENDYMORGAN')],
      ['sent', fake.dmChannelFor('UWENDYMORGAN')],
    ]);
    expect(logs).toEqual([]);
  });

  /** Person ids of the people linked to Slack above. */
  async function linked(): Promise<string[]> {
    return (await ctx.db.select({ personId: chatIdentities.personId }).from(chatIdentities)).map((r) => r.personId);
  }
});
