// Three concurrent instances, one simulated month: zero duplicates, zero lost. Each instance has its own
// PostgreSQL connection pool, its own scheduler (ticks through the run coordinator and node-cron's matcher) and its
// own delivery worker with the real Slack sender and WebClient; all share one database and one fake Slack. A
// shared clock moves hour by hour through 30 days, every instance ticking and delivering at the same time.
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { answerFeedbackRequest } from '../../src/core/feedback-requests/answer-feedback-request.ts';
import { requestFeedback } from '../../src/core/feedback-requests/request-feedback.ts';
import { createGoal } from '../../src/core/learning-plans/create-goal.ts';
import { snoozeReminder } from '../../src/core/reminders/snooze-reminder.ts';
import { addDays, zonedInstant } from '../../src/domain/calendar.ts';
import { declineRotationEvaluation, submitRotationEvaluation } from '../../src/core/rotation-evaluations/rotation-evaluation.ts';
import { type Database, databaseFromPostgresUrl } from '../../src/db/client.ts';
import { chatIdentities, feedbackRequests, jobClaims, outboxMessages, people, rotationAssignments, rotations } from '../../src/db/schema/index.ts';
import { deliverDueMessages } from '../../src/delivery/worker.ts';
import { parseMessage } from '../../src/messages/model.ts';
import { createSlackWebClient } from '../../src/platforms/slack/app.ts';
import { renderMessage } from '../../src/platforms/slack/render/block-kit.ts';
import { createSlackAccountLookup, createSlackSender } from '../../src/platforms/slack/slack-sender.ts';
import { DAILY_JOB_NAMES } from '../../src/scheduler/daily-jobs.ts';
import { type Scheduler, startScheduler } from '../../src/scheduler/scheduler.ts';
import { describeOnPostgres } from '../helpers/db.ts';
import { demoPerson, fixedClock, seedDemoProgram } from '../helpers/demo-program.ts';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack.ts';
import { demoHandles, slackIdOf } from '../helpers/slack-world.ts';

const ZONE = 'America/Chicago';
const FIRST_DAY = '2026-11-25';
const DAYS = 30;
const CCC_CHANNEL = 'C0CCCDEMO01';
const EMAIL_DOMAIN = '@stelsewhere.example.org';

interface Instance {
  name: string;
  database: Database;
  scheduler: Scheduler;
  deliver: () => Promise<{ sent: number; failed: number }>;
}

describeOnPostgres('three instances, one simulated month', (ctx) => {
  const clock = fixedClock(zonedInstant(ZONE, FIRST_DAY).toISOString());
  let fake: FakeSlack;
  const instances: Instance[] = [];
  const logs: string[] = [];
  const person: Record<string, string> = {};

  function startInstance(name: string, database: Database): Instance {
    const client = createSlackWebClient({ botToken: 'xoxb-test', signingSecret: 'unused', apiUrl: fake.url });
    // The real sender; charts are drawn by a stand-in (drawing is the chart module's business, not this test's).
    const sender = createSlackSender(client, { renderChart: async () => new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]) });
    const lookup = createSlackAccountLookup(client);
    return {
      name,
      database,
      scheduler: startScheduler({ db: database.db, clock, instance: name, log: (line) => logs.push(`${name}: ${line}`), refresh: false }),
      deliver: () => deliverDueMessages({ db: database.db, clock, senders: { slack: sender }, lookups: { slack: lookup }, log: (line) => logs.push(line) }),
    };
  }

  async function assignment(code: string, handle: string, endsOn: string): Promise<string> {
    const [row] = await ctx.db
      .select({ id: rotationAssignments.id })
      .from(rotationAssignments)
      .innerJoin(rotations, eq(rotations.id, rotationAssignments.rotationId))
      .where(and(eq(rotations.code, code), eq(rotationAssignments.residentId, person[handle]!), eq(rotationAssignments.endsOn, endsOn)));
    return row!.id;
  }

  async function ask(resident: string, faculty: string, question: string, key: string): Promise<string> {
    const sent = await requestFeedback({ db: ctx.db, clock, residentId: person[resident]!, assessorId: person[faculty]!, question, submissionKey: key });
    if (!sent.ok) throw new Error(JSON.stringify(sent.fieldErrors));
    // The database stamps createdAt with its own now(); the request is asked at the simulated instant.
    await ctx.db.update(feedbackRequests).set({ createdAt: clock.now() }).where(eq(feedbackRequests.id, sent.requestId));
    return sent.requestId;
  }

  // What people do during the month, at 10:00 on these days (the program's time).
  const requestIds: Record<string, string> = {};
  const actions: Record<string, () => Promise<void>> = {
    '2026-11-25': async () => {
      const goal = await createGoal({ db: ctx.db, clock, residentId: person['ana.ruiz']!, action: 'Present every new admission in under 3 minutes.', dueOn: '2026-12-10' });
      if (!goal.ok) throw new Error(JSON.stringify(goal.fieldErrors));
    },
    '2026-11-26': async () => {
      requestIds.unanswered = await ask('ana.ruiz', 'maya.lee', 'How can I make my sign-out to the night team more concise?', 'month-1');
    },
    '2026-12-01': async () => {
      // Maya finishes the ED prompt (one evaluation, one decline); Victor declines Julia, Dev is still waiting.
      const evaluated = await submitRotationEvaluation({
        db: ctx.db,
        clock,
        assignmentId: await assignment('ED', 'ana.ruiz', '2026-11-30'),
        actorId: person['maya.lee']!,
        ratings: { PC3: '3' },
        directlyObserved: true,
        reinforcing: 'Fast, safe triage.',
        nextStep: 'Present your top three differentials before the plan.',
      });
      expect(evaluated.ok).toBe(true);
      await declineRotationEvaluation({ db: ctx.db, clock, assignmentId: await assignment('ED', 'gabe.lindqvist', '2026-11-30'), actorId: person['maya.lee']! });
      await declineRotationEvaluation({ db: ctx.db, clock, assignmentId: await assignment('WARDS-B', 'julia.costa', '2026-11-30'), actorId: person['victor.chen']! });
      requestIds.answered = await ask('ben.okafor', 'victor.chen', 'What is one thing to change in how I run the family meeting for bed 4?', 'month-2');
    },
    '2026-12-02': async () => {
      const answered = await answerFeedbackRequest({
        db: ctx.db,
        clock,
        requestId: requestIds.answered!,
        actorId: person['victor.chen']!,
        reinforcing: 'You let the family speak first.',
        nextStep: 'Next time, summarize the plan in one sentence at the end.',
      });
      expect(answered.ok).toBe(true);
    },
    '2026-12-05': async () => {
      // Omar snoozes his cardiology prompt 3 days: his +7 reminder moves from Dec 7 to Dec 8.
      const snoozed = await snoozeReminder({
        db: ctx.db,
        clock,
        subject: 'rotation-prompt',
        id: await assignment('CARDS', 'ben.okafor', '2026-11-30'),
        actorId: person['omar.haddad']!,
        days: 3,
      });
      expect(snoozed.snoozedUntil).toBe('2026-12-08');
    },
    '2026-12-09': async () => {
      for (const handle of ['chloe.nguyen', 'isaac.mensah']) {
        await declineRotationEvaluation({ db: ctx.db, clock, assignmentId: await assignment('WARDS-A', handle, '2026-11-30'), actorId: person['teresa.alvarez']! });
      }
    },
    '2026-12-12': async () => {
      requestIds.late = await ask('chloe.nguyen', 'samuel.brooks', 'What is one thing I did well in the code on Tuesday, and one thing to change?', 'month-3');
    },
  };

  beforeAll(async () => {
    fake = await startFakeSlack({ botUserId: 'U0BOT', teamId: 'T0TEAM' });
    for (const handle of demoHandles()) fake.seedUser({ id: slackIdOf(handle), email: `${handle}${EMAIL_DOMAIN}`, name: handle, teamId: 'T0TEAM' });
    fake.seedChannel({ id: CCC_CHANNEL, name: 'ccc-internal-medicine', isPrivate: true });
    await seedDemoProgram(ctx.db);
    for (const handle of demoHandles()) person[handle] = await demoPerson(ctx.db, handle);
    for (const name of ['i1', 'i2', 'i3']) instances.push(startInstance(name, databaseFromPostgresUrl(ctx.database.url!, { max: 4 })));
    // Midnight of the first day: nothing is due before the day's 07:00 tick, and nothing before the first day.
    expect(await Promise.all(instances.map((i) => i.scheduler.caughtUp))).toEqual([{}, {}, {}]);
  });

  afterAll(async () => {
    for (const instance of instances) {
      await instance.scheduler.stop();
      await instance.database.close();
    }
    await fake?.close();
  });

  it('moves the clock hour by hour through 30 days with three instances ticking and delivering at once', async () => {
    for (let day = 0; day < DAYS; day += 1) {
      const date = addDays(FIRST_DAY, day);
      for (let hour = 0; hour < 24; hour += 1) {
        clock.set(zonedInstant(ZONE, date, hour).toISOString());
        if (hour === 10) await actions[date]?.();
        if (date === '2026-12-15' && hour === 9) {
          // Instance 2 restarts mid-morning: its catch-up finds every day already done by the others.
          const old = instances[1]!;
          await old.scheduler.stop();
          instances[1] = { ...startInstance('i2-restarted', old.database) };
          expect(await instances[1].scheduler.caughtUp).toEqual({});
        }
        const now = clock.now();
        await Promise.all([...instances.map((i) => i.scheduler.tick(now)), ...instances.map((i) => i.deliver())]);
        // Drain: all three workers together until a pass sends nothing.
        for (let pass = 0; pass < 50; pass += 1) {
          const results = await Promise.all(instances.map((i) => i.deliver()));
          if (results.every((r) => r.sent === 0 && r.failed === 0)) break;
        }
      }
    }
    expect(logs.filter((line) => /FAILED|failed|dead/.test(line))).toEqual([]);
  }, 600_000);

  it('every outbox row was sent, and each daily job ran once per day, on one instance', async () => {
    const rows = await ctx.db.select().from(outboxMessages);
    expect(rows.filter((r) => r.status !== 'sent').map((r) => [r.idempotencyKey, r.status, r.lastError])).toEqual([]);
    const claims = await ctx.db.select().from(jobClaims);
    expect(claims).toHaveLength(DAYS * DAILY_JOB_NAMES.length);
    expect(claims.every((c) => c.finishedAt !== null && !(c.result as Record<string, unknown>).error)).toBe(true);
    // All three took part.
    expect(new Set(claims.map((c) => c.claimedBy.replace('-restarted', ''))).size).toBeGreaterThan(1);
  });

  it('the fake Slack got exactly one post, update or upload per outbox row: zero duplicates, zero lost', async () => {
    const rows = await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.status, 'sent'));
    const slackIds = new Map(
      (await ctx.db.select({ personId: chatIdentities.personId, userId: chatIdentities.userId }).from(chatIdentities)).map((r) => [r.personId, r.userId]),
    );
    const byKey = new Map(rows.map((r) => [r.idempotencyKey, r]));
    const tally = (items: string[]) => {
      const counts = new Map<string, number>();
      for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
      return [...counts.entries()].sort(([a], [b]) => a.localeCompare(b));
    };
    const chartOnly = (r: (typeof rows)[number]) => {
      const blocks = parseMessage(r.message).blocks;
      return blocks.length > 0 && blocks.every((b) => b.type === 'chart');
    };

    const posts = rows.filter((r) => !r.replacesKey && !chartOnly(r));
    const expectedPosts = posts.map((r) => {
      const channel = r.recipientChannelId ?? (r.threadParentKey ? byKey.get(r.threadParentKey)?.platformChannelId : undefined) ?? slackIds.get(r.recipientPersonId!);
      return `${channel} ${renderMessage(parseMessage(r.message)).text}`;
    });
    const actualPosts = fake.callsTo('chat.postMessage').map((c) => `${c.args.channel} ${c.args.text}`);
    expect(actualPosts).toHaveLength(posts.length);
    expect(tally(actualPosts)).toEqual(tally(expectedPosts));
    // Each post row recorded a distinct Slack message.
    expect(new Set(posts.map((r) => `${r.platformChannelId} ${r.platformMessageId}`)).size).toBe(posts.length);

    const updates = rows.filter((r) => r.replacesKey);
    const expectedUpdates = updates.map((r) => {
      const target = byKey.get(r.replacesKey!)!;
      return `${target.platformChannelId} ${target.platformMessageId}`;
    });
    expect(tally(fake.callsTo('chat.update').map((c) => `${c.args.channel} ${c.args.ts}`))).toEqual(tally(expectedUpdates));

    expect(fake.callsTo('files.completeUploadExternal')).toHaveLength(rows.filter(chartOnly).length);
  });

  it('sent what the month called for: prompts, reminders at +3/+7 (one snoozed a day), escalations, expiry, nudges, the digest', async () => {
    const rows = await ctx.db.select().from(outboxMessages);
    const kinds = (kind: string) => rows.filter((r) => r.kind === kind);
    // The November block: 12 residents, 8 faculty prompts (faculty × rotation).
    expect(kinds('rotation-prompt')).toHaveLength(8);
    // +3 on Dec 3 to the 7 prompts Maya had not finished; +7 to the same 7 (Omar's on Dec 8, after his snooze).
    const reminders = kinds('evaluation-reminder');
    expect(reminders.filter((r) => r.idempotencyKey.endsWith(':3'))).toHaveLength(7);
    expect(reminders.filter((r) => r.idempotencyKey.endsWith(':7'))).toHaveLength(7);
    const omar = reminders.find((r) => r.recipientPersonId === person['omar.haddad'] && r.idempotencyKey.endsWith(':7') && parseMessage(r.message).text.includes('Cardiology'));
    expect(omar?.sentAt?.toISOString()).toBe(zonedInstant(ZONE, '2026-12-08', 7).toISOString());
    // Dec 14: five blocks still owe feedback (ED is done; Teresa finished wards A but Yusuf did not), one coordinator.
    const escalations = kinds('evaluation-escalation');
    expect(escalations).toHaveLength(5);
    expect(new Set(escalations.map((r) => r.recipientPersonId))).toEqual(new Set([person['grace.kim']]));
    // Requests: the unanswered one reminded twice then expired on Dec 10 (its DM and both reminders redrawn); the
    // answered one never reminded; the late one reminded on Dec 15 and 19.
    const requestReminders = kinds('feedback-request-reminder').map((r) => r.idempotencyKey.split(':')[2]);
    expect(requestReminders.filter((id) => id === requestIds.unanswered)).toHaveLength(2);
    expect(requestReminders.filter((id) => id === requestIds.late)).toHaveLength(2);
    expect(requestReminders).toHaveLength(4);
    expect(kinds('feedback-expired')).toHaveLength(1);
    expect(kinds('feedback-request-expired').map((r) => r.replacesKey?.split(':')[0]).sort()).toEqual(['feedback-request', 'reminder', 'reminder']);
    const [expired] = await ctx.db.select().from(feedbackRequests).where(inArray(feedbackRequests.id, [requestIds.unanswered!]));
    expect(expired?.status).toBe('expired');
    expect(kinds('goal-due')).toHaveLength(1);
    // The CCC digest, Dec 8 (7 days before the Dec 15 meeting): a header and one reply per resident in its thread.
    const header = kinds('ccc-digest-header');
    expect(header).toHaveLength(1);
    expect(header[0]?.sentAt?.toISOString()).toBe(zonedInstant(ZONE, '2026-12-08', 7).toISOString());
    const residents = await ctx.db.select().from(people);
    expect(kinds('ccc-digest-resident').length).toBeGreaterThan(0);
    expect(kinds('ccc-digest-resident').length).toBeLessThan(residents.length);
    // 360 rounds and self-assessment invitations match what their jobs reported.
    const claims = await ctx.db.select().from(jobClaims);
    const reported = (job: string, field: string) =>
      claims.filter((c) => c.job === job).reduce((sum, c) => sum + Number((c.result as Record<string, unknown>)[field] ?? 0), 0);
    expect(kinds('multisource-request').length).toBe(reported('multisource-rounds', 'requested'));
    expect(reported('multisource-rounds', 'rounds')).toBe(6);
    expect(kinds('self-assessment-invite').length).toBe(reported('self-assessment-window', 'invited'));
    expect(kinds('self-assessment-invite').length).toBe(12);
  });
});
