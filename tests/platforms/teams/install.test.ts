// Installing the app: Teams posts both an installationUpdate and a conversationUpdate (the bot joined) for a
// personal install; the person gets their dashboard once, and the conversation is stored for proactive messages.
// Added to a team, the bot remembers the channel (so the CCC digest can be posted there) and says nothing.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { teamsConversations } from '../../../src/db/schema/index.ts';
import { TEST_TENANT_ID } from '../../helpers/bot-framework-auth.ts';
import { describeOnEachEngine } from '../../helpers/db.ts';
import { seedDemoProgram } from '../../helpers/demo-program.ts';
import { aadIdOf, BOT_ID, personalConversationOf, startTeamsWorld, type TeamsWorld, teamsUserIdOf } from '../../helpers/teams-world.ts';

describeOnEachEngine('Teams: installing the app', (ctx) => {
  let world: TeamsWorld;
  beforeAll(async () => {
    await seedDemoProgram(ctx.db);
    world = await startTeamsWorld(ctx.db);
  });
  afterAll(async () => world?.stop());

  it('a personal install shows the dashboard once and stores the personal conversation with its person', async () => {
    expect((await world.install('ana.ruiz')).status).toBe(200);
    const joined = { ...world.messageActivity('ana.ruiz', ''), type: 'conversationUpdate', membersAdded: [{ id: BOT_ID }] };
    delete (joined as { text?: string }).text;
    expect((await world.post(joined)).status).toBe(200);
    const sent = world.fake.activitiesTo(personalConversationOf('ana.ruiz'));
    expect(sent).toHaveLength(1);
    expect(JSON.stringify(world.fake.cardsIn(sent[0]!))).toContain('Hello, Ana');
    const [stored] = await ctx.db.select().from(teamsConversations).where(eq(teamsConversations.id, personalConversationOf('ana.ruiz')));
    expect(stored).toMatchObject({ kind: 'personal', personId: await world.personId('ana.ruiz'), serviceUrl: world.fake.serviceUrl, tenantId: TEST_TENANT_ID });
  });

  it('added to a team, the bot remembers the channel with its team and posts nothing', async () => {
    const channel = '19:general-demo@thread.tacv2';
    const before = world.fake.calls.length;
    const response = await world.post({
      type: 'conversationUpdate',
      id: 'team-added-1',
      channelId: 'msteams',
      serviceUrl: world.fake.serviceUrl,
      from: { id: teamsUserIdOf('maya.lee'), aadObjectId: aadIdOf('maya.lee') },
      recipient: { id: BOT_ID },
      conversation: { id: channel, conversationType: 'channel', tenantId: TEST_TENANT_ID },
      channelData: { tenant: { id: TEST_TENANT_ID }, team: { id: '19:team-demo@thread.tacv2' } },
      membersAdded: [{ id: BOT_ID }],
    });
    expect(response.status).toBe(200);
    const [stored] = await ctx.db.select().from(teamsConversations).where(eq(teamsConversations.id, channel));
    expect(stored).toMatchObject({ kind: 'channel', teamId: '19:team-demo@thread.tacv2', personId: null });
    expect(world.fake.calls.slice(before).filter((c) => c.operation === 'send' || c.operation === 'reply')).toHaveLength(0);
  });
});
