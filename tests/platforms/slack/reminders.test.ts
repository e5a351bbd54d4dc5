// Reminders through the real Slack adapter: the scheduler's daily jobs enqueue them, the real sender posts them to
// the fake Slack, and people click Snooze / Can't answer / Did not work with as signed block_actions requests.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { requestFeedback } from '../../../src/core/feedback-requests/request-feedback.ts';
import type { Db } from '../../../src/db/client.ts';
import { evaluationDeclines, feedbackRequests, outboxMessages, programs, reminderSnoozes } from '../../../src/db/schema/index.ts';
import { ACTIONS, REMINDER_ACTIONS } from '../../../src/messages/actions.ts';
import { runDailyJobs } from '../../../src/scheduler/daily-jobs.ts';
import { describeOnEachEngine } from '../../helpers/db.ts';
import { seedDemoProgram } from '../../helpers/demo-program.ts';
import { blockText, type PostedMessage, type SlackWorld, startSlackWorld } from '../../helpers/slack-world.ts';

async function programOf(db: Db) {
  const [program] = await db.select().from(programs);
  return program!;
}

describeOnEachEngine('Slack: reminders with Snooze, Can’t answer and Did not work with', (ctx) => {
  let world: SlackWorld;
  let requestId: string;
  // Mornings in Chicago: the scheduler's daily jobs for that local date.
  const day = async (date: string, only: string[]) => {
    world.clock.set(`${date}T14:00:00Z`);
    const outcomes = await runDailyJobs({ db: ctx.db, clock: world.clock, program: await programOf(ctx.db), date, instance: 'test', only });
    expect(outcomes.every((o) => o.status === 'ran')).toBe(true);
    return outcomes;
  };
  const buttonsOf = (blocks: Record<string, unknown>[]) =>
    blocks.flatMap((b) => (b.type === 'actions' ? (b.elements as { action_id: string }[]).map((e) => e.action_id.replace(/~\d+$/, '')) : []));

  beforeAll(async () => {
    await seedDemoProgram(ctx.db);
    world = await startSlackWorld(ctx.db);
    await world.link('ana.ruiz', 'maya.lee', 'samuel.brooks', 'victor.chen', 'wendy.morgan', 'yusuf.adeyemi', 'teresa.alvarez', 'grace.kim');
    await day('2026-10-31', ['rotation-prompts']);
    world.clock.set('2026-11-02T15:00:00Z');
    const sent = await requestFeedback({
      db: ctx.db,
      clock: world.clock,
      residentId: await world.personId('ana.ruiz'),
      assessorId: await world.personId('maya.lee'),
      question: 'How can I make my sign-out to the night team more concise?',
      submissionKey: 'slack-reminders-1',
    });
    if (!sent.ok) throw new Error(JSON.stringify(sent.fieldErrors));
    requestId = sent.requestId;
    await ctx.db.update(feedbackRequests).set({ createdAt: new Date('2026-11-02T15:00:00Z') }).where(eq(feedbackRequests.id, requestId));
    await world.deliver();
  });
  afterAll(async () => world?.stop());

  let samuel: PostedMessage;

  it('the +3 rotation reminder carries the prompt’s buttons for each waiting resident and two snoozes', async () => {
    await day('2026-11-03', ['evaluation-reminders']);
    await world.deliver();
    samuel = await world.dm('evaluation-reminder', 'samuel.brooks');
    expect(samuel.text).toBe('Reminder: General Medicine Wards A ended Sat, Oct 31 — Dev Patel, Julia Costa are still waiting for your feedback.');
    expect(buttonsOf(samuel.blocks)).toEqual([
      ACTIONS.giveEvaluation,
      ACTIONS.didNotWorkWith,
      ACTIONS.giveEvaluation,
      ACTIONS.didNotWorkWith,
      REMINDER_ACTIONS.snoozeOneDay,
      REMINDER_ACTIONS.snoozeThreeDays,
    ]);
  });

  it('Snooze 3 days replaces the buttons with "Snoozed until …" and stores the snooze; someone else’s click is refused', async () => {
    world.clock.set('2026-11-03T20:30:00Z');
    const click = await world.click('samuel.brooks', samuel, world.button(samuel, REMINDER_ACTIONS.snoozeThreeDays));
    expect(click.status).toBe(200);
    const update = await world.fake.waitFor('chat.update', (c) => c.args.ts === samuel.ts);
    expect(blockText(update.args.blocks as Record<string, unknown>[])).toContain("Snoozed until Fri, Nov 6 — I'll remind you then.");
    expect(buttonsOf(update.args.blocks as Record<string, unknown>[])).toEqual([]);
    const snoozes = await ctx.db.select().from(reminderSnoozes);
    expect(snoozes).toHaveLength(1);
    expect(snoozes[0]).toMatchObject({ subjectKind: 'rotation-prompt', personId: await world.personId('samuel.brooks') });
    expect(snoozes[0]!.snoozedUntil.toISOString()).toBe('2026-11-06T06:00:00.000Z');

    // Someone else's click on the same button is refused and changes nothing.
    const other = await world.click('ana.ruiz', samuel, world.button(samuel, REMINDER_ACTIONS.snoozeOneDay));
    const reply = await world.reply(other.triggerId);
    expect(String(reply.args.text)).toContain('Only the faculty who supervised this rotation can evaluate it.');
    expect(await ctx.db.select().from(reminderSnoozes)).toHaveLength(1);
  });

  it('Did not work with on a reminder records the decline, and the +7 reminder lists only who is still waiting', async () => {
    const victor = await world.dm('evaluation-reminder', 'victor.chen');
    expect(victor.text).toContain('Farah Haddad, Lena Fischer');
    await world.click('victor.chen', victor, world.button(victor, ACTIONS.didNotWorkWith, 0));
    const update = await world.fake.waitFor('chat.update', (c) => c.args.ts === victor.ts);
    expect(blockText(update.args.blocks as Record<string, unknown>[])).toContain('you did not work together');
    expect(await ctx.db.select().from(evaluationDeclines).where(eq(evaluationDeclines.facultyId, await world.personId('victor.chen')))).toHaveLength(1);
    // His original prompt, clicked nowhere, is redrawn too: Farah shows as not worked with, Lena still has her buttons.
    const original = await world.dm('rotation-prompt', 'victor.chen');
    await world.deliver();
    const redraw = await world.fake.waitFor('chat.update', (c) => c.args.ts === original.ts);
    const redrawn = blockText(redraw.args.blocks as Record<string, unknown>[]);
    expect(redrawn).toMatch(/Farah Haddad[^\n]*did not work together/);
    expect(buttonsOf(redraw.args.blocks as Record<string, unknown>[])).toContain(ACTIONS.giveEvaluation);

    await day('2026-11-07', ['evaluation-reminders']);
    await world.deliver();
    const again = await world.dm('evaluation-reminder', 'victor.chen', 'Lena Fischer is');
    expect(again.text).toBe('Reminder: Medical ICU ended Sat, Oct 31 — Lena Fischer is still waiting for your feedback.');
    expect(blockText(again.blocks)).toContain('The rotation ended Sat, Oct 31, 7 days ago.');
    // Samuel's snooze ended on Nov 6: his +7 comes on day 7 like everyone else's.
    const sevens = await ctx.db.select().from(outboxMessages).where(and(eq(outboxMessages.kind, 'evaluation-reminder'), eq(outboxMessages.status, 'sent')));
    expect(sevens.filter((r) => r.idempotencyKey.endsWith(':7')).map((r) => r.recipientPersonId)).toContain(await world.personId('samuel.brooks'));
  });

  it('Can’t answer on a request reminder closes the request, tells the resident, and stops the reminders', async () => {
    await day('2026-11-05', ['request-reminders']);
    await world.deliver();
    const reminder = await world.dm('feedback-request-reminder', 'maya.lee');
    expect(reminder.text).toBe('Reminder: Ana Ruiz is still waiting for your answer: "How can I make my sign-out to the night team more concise?"');
    expect(buttonsOf(reminder.blocks)).toEqual([ACTIONS.answerRequest, ACTIONS.cannotAnswer, REMINDER_ACTIONS.snoozeOneDay, REMINDER_ACTIONS.snoozeThreeDays]);

    const snooze = await world.click('maya.lee', reminder, world.button(reminder, REMINDER_ACTIONS.snoozeOneDay));
    expect(snooze.status).toBe(200);
    const snoozed = await world.fake.waitFor('chat.update', (c) => c.args.ts === reminder.ts);
    expect(blockText(snoozed.args.blocks as Record<string, unknown>[])).toContain("Snoozed until Fri, Nov 6 — I'll remind you then.");

    // The snoozed message has no buttons left; the original request DM still has Can't answer.
    const original = await world.dm('feedback-request', 'maya.lee');
    await world.click('maya.lee', original, world.button(original, ACTIONS.cannotAnswer));
    const closed = await world.fake.waitFor('chat.update', (c) => c.args.ts === original.ts);
    expect(blockText(closed.args.blocks as Record<string, unknown>[])).toContain("You said you can't answer this one");
    const [request] = await ctx.db.select().from(feedbackRequests).where(eq(feedbackRequests.id, requestId));
    expect(request?.status).toBe('declined');
    expect(
      await ctx.db
        .select()
        .from(outboxMessages)
        .where(and(eq(outboxMessages.kind, 'feedback-declined'), eq(outboxMessages.recipientPersonId, await world.personId('ana.ruiz')))),
    ).toHaveLength(1);

    const [later] = await day('2026-11-09', ['request-reminders']);
    expect(later).toMatchObject({ status: 'ran', result: { reminded: 0, alreadyReminded: 0, snoozed: 0 } });
    const [expiry] = await day('2026-11-16', ['request-expiry']);
    expect(expiry).toMatchObject({ status: 'ran', result: { expired: 0 } });
  });
});
