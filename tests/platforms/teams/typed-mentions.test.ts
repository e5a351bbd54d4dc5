// In a personal chat Teams offers no people list, so `feedback @Dr Lee How …?` arrives as plain text: the name
// after the @ is matched against the roster (full name, titles ignored; the part of the email before the @; a last
// name that only one person has), and the rest is the question.
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { feedbackRequests } from '../../../src/db/schema/index.ts';
import { describeOnEachEngine } from '../../helpers/db.ts';
import { seedDemoProgram } from '../../helpers/demo-program.ts';
import { personalConversationOf, startTeamsWorld, type TeamsWorld } from '../../helpers/teams-world.ts';

describeOnEachEngine('Teams: a name typed after @ in a personal chat', (ctx) => {
  let world: TeamsWorld;
  beforeAll(async () => {
    await seedDemoProgram(ctx.db);
    world = await startTeamsWorld(ctx.db);
  });
  afterAll(async () => world?.stop());

  /** The words of the last card the bot sent Ana. */
  function lastReply(): string {
    const call = world.fake.activitiesTo(personalConversationOf('ana.ruiz')).at(-1);
    return JSON.stringify(call ? world.fake.cardsIn(call) : []);
  }

  async function requestsTo(handle: string): Promise<number> {
    const [row] = await ctx.db.select({ n: count() }).from(feedbackRequests).where(eq(feedbackRequests.assessorId, await world.personId(handle)));
    return row!.n;
  }

  const cases = [
    ['@Dr Maya Lee', 'maya.lee', 'How can I make my sign-out to the night team more concise?'],
    ['@maya.lee', 'maya.lee', 'How can I present new admissions on rounds in under two minutes?'],
    ['@Chen', 'victor.chen', 'How can I make my family meeting summaries clearer for the nurses?'],
  ] as const;

  for (const [typed, handle, question] of cases) {
    it(`"${typed}" names ${handle}, and the rest is the question`, async () => {
      const before = await requestsTo(handle);
      const response = await world.say('ana.ruiz', `feedback ${typed} ${question}`);
      expect(response.status).toBe(200);
      expect(await requestsTo(handle)).toBe(before + 1);
      const [stored] = await ctx.db.select().from(feedbackRequests).where(eq(feedbackRequests.question, question));
      expect(stored?.assessorId).toBe(await world.personId(handle));
      expect(lastReply()).toContain('Sent to **');
    });
  }

  it('a last name two people share is refused with both names, and nothing is sent', async () => {
    const [before] = await ctx.db.select({ n: count() }).from(feedbackRequests);
    await world.say('ana.ruiz', 'feedback @Haddad How can I hand over a septic patient to the ICU team more clearly?');
    expect(lastReply()).toContain('More than one person is called Haddad: ');
    expect(lastReply()).toContain('Farah Haddad');
    expect(lastReply()).toContain('Omar Haddad');
    const [after] = await ctx.db.select({ n: count() }).from(feedbackRequests);
    expect(after!.n).toBe(before!.n);
  });

  it('a name no one has is refused, saying so', async () => {
    await world.say('ana.ruiz', 'feedback @Nobody Here How can I write clearer discharge summaries?');
    expect(lastReply()).toContain('No one called Nobody');
  });
});
