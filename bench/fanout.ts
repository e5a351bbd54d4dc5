/**
 * `npm run bench -- fanout [--postgres URL]`: the end-of-rotation fan-out and delivery.
 *
 * - Enqueue: `promptAfterRotations` for a day on which 5,000 faculty each supervised residents on a rotation that
 *   ended (30 programs, 5,000 faculty, 2,500 residents, two residents per prompt, some already evaluated or
 *   declined). Goal: ≤ 2 s. Baseline in the same run: a plain batched insert of as many outbox rows carrying the
 *   same messages (what enqueueing costs at the least), so the ratio is what building the prompts adds.
 *   Then the same run again (nothing new to enqueue).
 * - Delivery: the Slack delivery loop of production (startSlackDelivery: deliverDueMessages + the Slack sender,
 *   pacing on) against the fake Slack Web API in this process, to many DMs (the first 1,000 prompts, one per
 *   person) and to one channel (paced at Slack's one message per second). Baseline: the same number of
 *   chat.postMessage calls made straight through the same WebClient, as many at a time as the worker sends.
 *
 * Runs on PGlite and, with a server, PostgreSQL.
 */
import { performance } from 'node:perf_hooks';
import { eq, sql } from 'drizzle-orm';
import { systemClock } from '../src/core/ports.ts';
import { promptAfterRotations } from '../src/core/rotation-evaluations/prompt-after-rotations.ts';
import type { Db } from '../src/db/client.ts';
import {
  assignmentSupervisors,
  chatIdentities,
  evaluationDeclines,
  feedbackEntries,
  institutions,
  outboxMessages,
  people,
  programMemberships,
  programs,
  rotationAssignments,
  rotations,
} from '../src/db/schema/index.ts';
import { enqueueMessages } from '../src/delivery/outbox.ts';
import { message, paragraph } from '../src/messages/model.ts';
import { createSlackWebClient } from '../src/platforms/slack/app.ts';
import { startSlackDelivery } from '../src/platforms/slack/delivery.ts';
import { startFakeSlack } from '../tests/helpers/fake-slack.ts';
import { TEST_TEAM_ID } from '../tests/helpers/slack-requests.ts';
import { benchEngines, benchServerUrl, type Engine, goal, openEngine, printTable, quantile, seconds } from './engines.ts';
import { uuidFrom } from './ids.ts';

const PROMPT_DATE = '2026-10-31';
const PROGRAMS = 30;
const FACULTY = 5000;
const RESIDENTS = 2500;
const ROTATIONS_PER_PROGRAM = 10;
const ENQUEUE_GOAL_SECONDS = 2;
const DM_MESSAGES = 1000;
const CHANNEL_MESSAGES = 6;
/** The worker's default: rows sent at the same time to different destinations. */
const WORKER_CONCURRENCY = 4;
const BATCH = 1000;

interface EngineFigures {
  engine: Engine;
  baselineInsert: number;
  enqueue: number;
  prompted: number;
  again: number;
  againPrompted: number;
  dmBaseline: number;
  dmDelivery: number;
  channelDelivery: number;
  channelGapsMs: number[];
}

export async function runFanoutBench(): Promise<void> {
  const serverUrl = benchServerUrl();
  console.log(
    `fan-out: ${PROGRAMS} programs, ${FACULTY} faculty, ${RESIDENTS} residents, blocks ending ${PROMPT_DATE}: ` +
      `${FACULTY} prompts of 2 residents each; delivery of ${DM_MESSAGES} DMs and ${CHANNEL_MESSAGES} messages to one channel`,
  );
  const figures: EngineFigures[] = [];
  for (const engine of benchEngines(serverUrl)) {
    const opened = await openEngine(engine, serverUrl);
    try {
      figures.push(await measure(engine, opened.database.db));
    } finally {
      await opened.close();
    }
  }

  console.log('');
  printTable(
    ['engine', 'baseline insert s', 'promptAfterRotations s', 'ratio', 'prompts', 'run again s', 'new'],
    figures.map((f) => [
      f.engine,
      f.baselineInsert.toFixed(2),
      f.enqueue.toFixed(2),
      (f.enqueue / f.baselineInsert).toFixed(2),
      String(f.prompted),
      f.again.toFixed(2),
      String(f.againPrompted),
    ]),
    [false, true, true, true, true, true, true],
  );
  for (const f of figures) goal(`${f.engine} enqueue ${FACULTY} prompts`, f.enqueue, ENQUEUE_GOAL_SECONDS, 's');

  console.log('');
  printTable(
    ['engine', `direct postMessage msg/s`, 'outbox → Slack DMs msg/s', 'ratio', 'one channel msg/s', 'channel gaps ms (min–max)'],
    figures.map((f) => [
      f.engine,
      (DM_MESSAGES / f.dmBaseline).toFixed(0),
      (DM_MESSAGES / f.dmDelivery).toFixed(0),
      (f.dmBaseline / f.dmDelivery).toFixed(2),
      ((CHANNEL_MESSAGES - 1) / f.channelDelivery).toFixed(2),
      `${Math.min(...f.channelGapsMs).toFixed(0)}–${Math.max(...f.channelGapsMs).toFixed(0)}`,
    ]),
    [false, true, true, true, true, true],
  );
  console.log('  ratio = outbox throughput / direct calls (1.00 would be no cost over calling Slack directly);');
  console.log('  one channel: first to last message, paced at SLACK_PACE_MS (Slack allows ~1 message/s per channel).');
  console.log('  The fake Slack runs in this process, so its work counts against both columns alike.');
}

async function measure(engine: Engine, db: Db): Promise<EngineFigures> {
  const seededAt = performance.now();
  const seeded = await seedFanout(db);
  if (engine === 'postgres') await db.execute(sql`analyze`);
  console.log(`${engine}: seeded ${seeded.assignments} assignments, ${seeded.pairs} supervisor pairs in ${seconds(seededAt)} s`);

  const enqueueAt = performance.now();
  const first = await promptAfterRotations({ db, clock: systemClock, date: PROMPT_DATE });
  const enqueue = (performance.now() - enqueueAt) / 1000;
  const againAt = performance.now();
  const second = await promptAfterRotations({ db, clock: systemClock, date: PROMPT_DATE });
  const again = (performance.now() - againAt) / 1000;
  if (first.prompted !== FACULTY) throw new Error(`expected ${FACULTY} prompts, got ${first.prompted}`);

  // Baseline: the same messages inserted again as plain rows under other keys, in 1,000-row inserts: what
  // enqueueing 5,000 prompts costs at the least.
  const built = await db
    .select({ recipient: outboxMessages.recipientPersonId, message: outboxMessages.message })
    .from(outboxMessages)
    .where(eq(outboxMessages.kind, 'rotation-prompt'));
  const baselineAt = performance.now();
  await db.transaction(async (tx) => {
    for (let i = 0; i < built.length; i += BATCH) {
      await tx.insert(outboxMessages).values(
        built.slice(i, i + BATCH).map((row, k) => ({
          idempotencyKey: `baseline:${i + k}`,
          kind: 'baseline',
          platform: 'slack' as const,
          recipientPersonId: row.recipient,
          message: row.message,
          nextAttemptAt: new Date(0),
        })),
      );
    }
  });
  const baselineInsert = (performance.now() - baselineAt) / 1000;
  await db.delete(outboxMessages).where(eq(outboxMessages.kind, 'baseline'));
  const promptBytes = built.reduce((n, row) => n + JSON.stringify(row.message).length, 0) / Math.max(1, built.length);
  console.log(
    `${engine}: promptAfterRotations enqueued ${first.prompted} prompts for ${first.residents} residents in ${enqueue.toFixed(2)} s ` +
      `(plain insert of the same ${built.length} messages, ${promptBytes.toFixed(0)} bytes of JSON each: ${baselineInsert.toFixed(2)} s); ` +
      `again: ${second.prompted} new, ${second.alreadyPrompted} already, ${again.toFixed(2)} s`,
  );

  // Delivery: keep the first DM_MESSAGES prompts due, hold the rest back.
  await db.execute(sql`
    update outbox_messages set next_attempt_at = '2100-01-01T00:00:00Z'
    where kind = 'rotation-prompt'
      and id not in (select id from outbox_messages where kind = 'rotation-prompt' order by created_at limit ${DM_MESSAGES})`);

  const fake = await startFakeSlack({ teamId: TEST_TEAM_ID });
  try {
    const client = createSlackWebClient({ botToken: 'xoxb-bench', signingSecret: '', apiUrl: fake.url });
    // Warm the client and the fake (first connection, first JSON parse) outside the timings.
    await client.chat.postMessage({ channel: 'C0WARMUP', text: 'warm-up' });

    const directAt = performance.now();
    let nextCall = 0;
    await Promise.all(
      Array.from({ length: WORKER_CONCURRENCY }, async () => {
        while (nextCall < DM_MESSAGES) {
          nextCall += 1;
          await client.chat.postMessage({ channel: `D${String(nextCall).padStart(8, '0')}`, text: 'You supervised residents…' });
        }
      }),
    );
    const dmBaseline = (performance.now() - directAt) / 1000;
    fake.reset();

    const logs: string[] = [];
    const deliveryAt = performance.now();
    const delivery = startSlackDelivery({ db, clock: systemClock, client, log: (line) => logs.push(line), intervalMs: 1000 });
    await fake.waitForCount('chat.postMessage', DM_MESSAGES, undefined, 600_000);
    const dmDelivery = (performance.now() - deliveryAt) / 1000;
    await delivery.stop();
    const [sentCount] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(outboxMessages)
      .where(sql`${outboxMessages.kind} = 'rotation-prompt' and ${outboxMessages.status} = 'sent'`);
    if (sentCount?.n !== DM_MESSAGES) throw new Error(`expected ${DM_MESSAGES} prompts marked sent, found ${sentCount?.n}`);
    if (logs.length > 0) console.log(`${engine}: delivery said: ${logs.slice(0, 3).join(' | ')}`);
    fake.reset();

    // One channel: a burst the worker must pace.
    await db.transaction((tx) =>
      enqueueMessages(
        tx,
        Array.from({ length: CHANNEL_MESSAGES }, (_, k) => ({
          idempotencyKey: `bench-channel:${k}`,
          kind: 'bench-channel',
          recipientChannelId: 'C0PROGRAM',
          platform: 'slack' as const,
          message: message(`Announcement ${k + 1}`, [paragraph(`Announcement ${k + 1} of ${CHANNEL_MESSAGES}`)]),
        })),
      ),
    );
    const channelDelivery = startSlackDelivery({ db, clock: systemClock, client, log: (line) => logs.push(line), intervalMs: 1000 });
    const posts = await fake.waitForCount('chat.postMessage', CHANNEL_MESSAGES, (call) => call.args.channel === 'C0PROGRAM', 60_000);
    await channelDelivery.stop();
    const times = posts.map((p) => p.at);
    const gaps = times.slice(1).map((at, i) => at - times[i]!);
    const channelSeconds = (times[times.length - 1]! - times[0]!) / 1000;
    console.log(
      `${engine}: ${DM_MESSAGES} DMs through the outbox in ${dmDelivery.toFixed(2)} s (direct calls ${dmBaseline.toFixed(2)} s); ` +
        `${CHANNEL_MESSAGES} channel messages over ${channelSeconds.toFixed(2)} s, median gap ${quantile([...gaps].sort((a, b) => a - b), 0.5).toFixed(0)} ms`,
    );
    return {
      engine,
      baselineInsert,
      enqueue,
      prompted: first.prompted,
      again,
      againPrompted: second.prompted,
      dmBaseline,
      dmDelivery,
      channelDelivery: channelSeconds,
      channelGapsMs: gaps,
    };
  } finally {
    await fake.close();
  }
}

/**
 * Programs, faculty with Slack accounts, residents, and one block per resident ending on PROMPT_DATE. Faculty f of
 * a program supervises resident f (mod the roster) and the one ten places on, who are on the same rotation: one prompt of two
 * residents per faculty member. One evaluation in ten already given, one in twenty declined.
 */
export async function seedFanout(db: Db) {
  const [institution] = await db.insert(institutions).values({ slug: 'fanout', name: 'Fan-out University' }).returning();
  const programRows = Array.from({ length: PROGRAMS }, (_, p) => ({
    id: uuidFrom('program', p),
    institutionId: institution!.id,
    slug: `program-${p}`,
    name: `Program ${p}`,
    specialty: 'Internal Medicine',
  }));
  await db.insert(programs).values(programRows);
  const personRows: (typeof people.$inferInsert)[] = [];
  const memberships: (typeof programMemberships.$inferInsert)[] = [];
  const identities: (typeof chatIdentities.$inferInsert)[] = [];
  const rotationRows: (typeof rotations.$inferInsert)[] = [];
  const assignments: (typeof rotationAssignments.$inferInsert)[] = [];
  const supervisors: (typeof assignmentSupervisors.$inferInsert)[] = [];
  const evaluations: (typeof feedbackEntries.$inferInsert)[] = [];
  const declines: (typeof evaluationDeclines.$inferInsert)[] = [];
  const facultyPer = FACULTY / PROGRAMS;
  for (const [p, program] of programRows.entries()) {
    const faculty = Array.from({ length: Math.floor(facultyPer) + (p < FACULTY % PROGRAMS ? 1 : 0) }, (_, k) => uuidFrom(`faculty-${p}`, k));
    const residentCount = Math.floor(RESIDENTS / PROGRAMS) + (p < RESIDENTS % PROGRAMS ? 1 : 0);
    const residents = Array.from({ length: residentCount }, (_, k) => uuidFrom(`resident-${p}`, k));
    for (const [k, id] of faculty.entries()) {
      personRows.push({ id, institutionId: institution!.id, email: `faculty.${p}.${k}@fanout.example.org`, name: `Faculty ${p}-${k}` });
      memberships.push({ programId: program.id, personId: id, role: 'faculty' });
      identities.push({ personId: id, platform: 'slack', workspaceId: TEST_TEAM_ID, userId: `UF${p}X${k}` });
    }
    for (const [k, id] of residents.entries()) {
      personRows.push({ id, institutionId: institution!.id, email: `resident.${p}.${k}@fanout.example.org`, name: `Resident ${p}-${k}` });
      memberships.push({ programId: program.id, personId: id, role: 'resident', pgy: 1 + (k % 3) });
    }
    const rotationIds = Array.from({ length: ROTATIONS_PER_PROGRAM }, (_, r) => uuidFrom(`rotation-${p}`, r));
    for (const [r, id] of rotationIds.entries()) rotationRows.push({ id, programId: program.id, code: `ROT${r}`, name: `Rotation ${r}` });
    const assignmentIds = residents.map((residentId, k) => {
      const id = uuidFrom(`assignment-${p}`, k);
      assignments.push({ id, rotationId: rotationIds[k % ROTATIONS_PER_PROGRAM]!, residentId, startsOn: '2026-10-04', endsOn: PROMPT_DATE });
      return id;
    });
    for (const [f, facultyId] of faculty.entries()) {
      const k1 = f % residentCount;
      const k2 = k1 + ROTATIONS_PER_PROGRAM < residentCount ? k1 + ROTATIONS_PER_PROGRAM : k1 - ROTATIONS_PER_PROGRAM;
      for (const k of [k1, k2]) {
        const assignmentId = assignmentIds[k]!;
        supervisors.push({ assignmentId, facultyId });
        const n = supervisors.length;
        if (n % 10 === 0) {
          evaluations.push({
            programId: program.id,
            residentId: residents[k]!,
            authorId: facultyId,
            source: 'rotation_evaluation',
            rotationAssignmentId: assignmentId,
            reinforcing: 'Clear presentations',
          });
        } else if (n % 20 === 1) declines.push({ rotationAssignmentId: assignmentId, facultyId });
      }
    }
  }
  await insertInBatches(db, people, personRows);
  await insertInBatches(db, programMemberships, memberships);
  await insertInBatches(db, chatIdentities, identities);
  await insertInBatches(db, rotations, rotationRows);
  await insertInBatches(db, rotationAssignments, assignments);
  await insertInBatches(db, assignmentSupervisors, supervisors);
  await insertInBatches(db, feedbackEntries, evaluations);
  await insertInBatches(db, evaluationDeclines, declines);
  return { assignments: assignments.length, pairs: supervisors.length };
}

// biome-ignore lint/suspicious/noExplicitAny: a generic helper over any drizzle table
async function insertInBatches(db: Db, table: any, rows: readonly object[]): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) await db.insert(table).values(rows.slice(i, i + BATCH));
}
