/**
 * `npm run bench -- ack [--rate 100] [--seconds 10]`: how fast the Slack app acknowledges `/feedback`, a button
 * click (Give feedback → the evaluation modal) and a modal submission (the end-of-rotation evaluation), measured
 * through the real HTTP receiver, against a bare Bolt app with the same receiver whose handlers only ack(), in the
 * same run. Slack gives an app 3 s to acknowledge; the goals are our p99 ≤ 1.25 × the bare app's p99, far under
 * 3 s, and a bot process under 250 MB of RSS with PGlite. Goals missed are printed as such, not failed on: the exit
 * status is 1 only when the flows did not work (a check before timing, the bare app failing, a wrong ack body).
 *
 * Three processes, so that no side measures or serves on the event loop it is measuring:
 * - this one, "the bot": our app (createSlackApp on a node:http server, PGlite in memory with the demo program) and
 *   the bare app (on its own server), nothing else while a phase runs;
 * - a child playing Slack's edge: it signs requests and sends them open-loop at a fixed rate over a keep-alive
 *   agent (each on its schedule, whether or not earlier answers came back), recording send → response headers;
 * - a child playing Slack's Web API (tests/helpers/fake-slack.ts), which our listeners call after (or, for
 *   submissions, around) their ack: views.open, users.info, chat.update, response_url posts.
 * Both children run this same file, chosen by an environment variable.
 */
import { Agent, type Server } from 'node:http';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { and, eq, inArray } from 'drizzle-orm';
import { promptAfterRotations } from '../src/core/rotation-evaluations/prompt-after-rotations.ts';
import { openDatabase } from '../src/db/client.ts';
import { feedbackEntries, outboxMessages, people, programMemberships } from '../src/db/schema/index.ts';
import { ACTIONS, FORMS } from '../src/messages/actions.ts';
import { parseMessage } from '../src/messages/model.ts';
import { createSlackApp, SLACK_EVENTS_PATH } from '../src/platforms/slack/app.ts';
import { renderMessage } from '../src/platforms/slack/render/block-kit.ts';
import { fixedClock, seedDemoProgram } from '../tests/helpers/demo-program.ts';
import { type SeededUser, startFakeSlack } from '../tests/helpers/fake-slack.ts';
import {
  buildBlockAction,
  buildSlashCommand,
  buildViewSubmission,
  slackSignature,
  stateValue,
  TEST_BOT_ID,
  TEST_BOT_USER_ID,
  TEST_TEAM_ID,
  type ViewStateValues,
} from '../tests/helpers/slack-requests.ts';

import {
  type Answer,
  answeredOk,
  botServers,
  type Child as KitChild,
  expect,
  failures,
  type LoadResult,
  type LoadSpec,
  loadText,
  ms,
  msText,
  type Phase,
  post,
  printTable,
  ratio,
  report,
  runLoad,
  SEQ,
  secondsSince,
  serveOps,
  startChild,
  summary,
} from './load-kit.ts';

export interface AckBenchOptions {
  /** Requests per second, per kind and app. */
  rate: number;
  /** Measured seconds per kind and app (after a warm-up). */
  seconds: number;
}

type Kind = 'command' | 'button' | 'view';
const KINDS: readonly Kind[] = ['command', 'button', 'view'];
const KIND_LABELS: Record<Kind, string> = {
  command: '/feedback (opens the request modal)',
  button: 'button evaluation.give (opens the evaluation modal)',
  view: 'view submission evaluation.form (stores, acks)',
};
type AppName = 'bare' | 'ours';

const ROLE_ENV = 'STEPPING_STONES_ACK_BENCH_ROLE';
const SIGNING_SECRET = 'ack-bench-signing-secret';
/** Replaced by a fresh number in every request the client sends (trigger ids, response URLs). */
const WARM_UP_SECONDS = 2;
const GOAL_RATIO = 1.25;
const SLACK_ACK_LIMIT_MS = 3000;
const RSS_GOAL_BYTES = 250e6;
/** The day the demo schedule's October blocks ended, and an instant two days later for the fixed clock. */
const PROMPT_DATE = '2026-10-31';
const NOW = '2026-11-02T15:00:00Z';
const EMAIL_DOMAIN = '@stelsewhere.example.org';

// ————————————————————————————————————————————————————————————————————————————————————————————————
// Messages between the bot (this process) and its two children

/** A Slack load: the kit's, with the secret each request is signed with. */
interface SlackLoadSpec extends LoadSpec {
  signingSecret: string;
}

interface OpenedView {
  callback_id: string;
  private_metadata: string;
  blocks: Record<string, unknown>[];
}

interface Ops {
  seed: { input: { users: SeededUser[] }; output: null };
  viewsOpened: { input: { triggerIds: string[] }; output: Record<string, OpenedView> };
  calls: { input: { reset: boolean }; output: Record<string, number> };
  send: { input: { url: string; signingSecret: string; body: string }; output: { status: number; text: string } };
  run: { input: SlackLoadSpec; output: LoadResult };
}
/** A child process running this file in a role, answering ops over IPC. */
type Child = KitChild<Ops, { apiUrl?: string; origin?: string }>;

// ————————————————————————————————————————————————————————————————————————————————————————————————
// Child: Slack's edge (the load generator)

async function clientRole(): Promise<void> {
  // Keep-alive, no socket cap: an open-loop client must never queue behind its own connection pool.
  const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  let sequence = 0;
  serveOps<Ops>(
    {
      send: async ({ url, signingSecret, body }) => {
        const answer = await sendSigned(agent, new URL(url), signingSecret, body);
        return { status: answer.status, text: answer.text };
      },
      run: (spec) => {
        const url = new URL(spec.url);
        return runLoad(
          spec,
          (body) => sendSigned(agent, url, spec.signingSecret, body),
          () => {
            sequence += 1;
            return String(sequence);
          },
          (text) => (text === '' ? '(empty)' : text.slice(0, 100)),
        );
      },
    },
    {},
  );
}

function sendSigned(agent: Agent, url: URL, signingSecret: string, body: string): Promise<Answer> {
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': slackSignature(signingSecret, timestamp, body),
  };
  return post(agent, url, headers, body);
}

// ————————————————————————————————————————————————————————————————————————————————————————————————
// Child: Slack's Web API

async function fakeSlackRole(): Promise<void> {
  const fake = await startFakeSlack({ botUserId: TEST_BOT_USER_ID, botId: TEST_BOT_ID, teamId: TEST_TEAM_ID });
  serveOps<Ops>(
    {
      seed: async ({ users }) => {
        for (const user of users) fake.seedUser(user);
        return null;
      },
      viewsOpened: async ({ triggerIds }) => {
        const wanted = new Set(triggerIds);
        const found: Record<string, OpenedView> = {};
        const deadline = performance.now() + 10_000;
        while (Object.keys(found).length < wanted.size && performance.now() < deadline) {
          for (const call of fake.callsTo('views.open')) {
            const trigger = String(call.args.trigger_id);
            if (wanted.has(trigger)) found[trigger] = call.args.view as OpenedView;
          }
          if (Object.keys(found).length < wanted.size) await sleep(20);
        }
        return found;
      },
      calls: async ({ reset }) => {
        const counts: Record<string, number> = {};
        for (const call of fake.calls) counts[call.method] = (counts[call.method] ?? 0) + 1;
        if (reset) fake.reset();
        return counts;
      },
    },
    { apiUrl: fake.url, origin: fake.origin },
  );
}

// ————————————————————————————————————————————————————————————————————————————————————————————————
// The bot: both apps, the checks, the phases and the report

/** Runs the whole benchmark and prints it; returns false when something did not work (not when a goal is missed). */
export async function runAckLatencyBench(options: AckBenchOptions): Promise<boolean> {
  const { rate, seconds } = options;
  const rssAtStart = process.resourceUsage().maxRSS;
  const [client, slack] = await Promise.all([startChild<Ops, Child['ready']>(import.meta.url, ROLE_ENV, 'client'), startChild<Ops, Child['ready']>(import.meta.url, ROLE_ENV, 'fake-slack')]);
  const apiUrl = slack.ready.apiUrl!;
  const origin = slack.ready.origin!;
  const database = await openDatabase({ engine: 'pglite', dataDir: 'memory://' });
  const servers: Server[] = [];
  const problems: string[] = [];
  try {
    const setupAt = performance.now();
    const db = database.db;
    await database.migrate();
    await seedDemoProgram(db);
    const clock = fixedClock(NOW);
    const prompts = await promptAfterRotations({ db, clock, date: PROMPT_DATE });
    const rssAfterSetUp = process.resourceUsage().maxRSS;

    // Every demo person is a user of the fake workspace with their roster email, so linking by email works.
    const everyone = await db.select({ id: people.id, email: people.email }).from(people);
    const slackIdByPerson = new Map(everyone.map((p) => [p.id, slackIdOf(p.email)]));
    await slack.call('seed', {
      users: everyone.map((p) => ({ id: slackIdOf(p.email), email: p.email, name: handleOf(p.email), teamId: TEST_TEAM_ID })),
    });

    const logs: string[] = [];
    const ours = createSlackApp({
      config: { botToken: 'xoxb-ack-bench', signingSecret: SIGNING_SECRET, apiUrl },
      ports: { db, clock },
      logLevel: 'error',
      log: (line) => logs.push(line),
    });
    if (!ours.requestListener) throw new Error('createSlackApp did not give an HTTP request listener (Socket Mode?)');
    const oursUrl = await bot.serve(servers, ours.requestListener);

    // The baseline: same receiver class, options and log level; its handlers only ack. The signing secret belongs
    // to the receiver (App ignores its own when given one); botId/botUserId skip auth.test.
    const bareReceiver = new HTTPReceiver({
      signingSecret: SIGNING_SECRET,
      endpoints: SLACK_EVENTS_PATH,
      logLevel: LogLevel.ERROR,
      processBeforeResponse: false,
    });
    const bare = new App({
      receiver: bareReceiver,
      token: 'xoxb-ack-bench',
      botId: TEST_BOT_ID,
      botUserId: TEST_BOT_USER_ID,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: apiUrl, retryConfig: { retries: 0 } },
    });
    bare.command('/feedback', async ({ ack }) => ack());
    bare.action(/.*/, async ({ ack }) => ack());
    bare.view(/.*/, async ({ ack }) => ack());
    const bareUrl = await bot.serve(servers, bareReceiver.requestListener);
    const urls: Record<AppName, string> = { bare: bareUrl, ours: oursUrl };

    // —— What the three kinds of request are ——
    const residents = await db
      .selectDistinct({ email: people.email })
      .from(people)
      .innerJoin(programMemberships, eq(programMemberships.personId, people.id))
      .where(eq(programMemberships.role, 'resident'));
    const commandTemplates = residents.map(({ email }) =>
      formBody(
        buildSlashCommand({
          command: '/feedback',
          text: '',
          userId: slackIdOf(email),
          userName: handleOf(email),
          teamId: TEST_TEAM_ID,
          triggerId: `bench.command.${SEQ}`,
          responseUrl: `${origin}/response/command.${SEQ}`,
        }),
      ),
    );

    // Give feedback buttons as the faculty received them: the rotation prompts rendered from the outbox.
    const promptRows = await db
      .select({ recipient: outboxMessages.recipientPersonId, message: outboxMessages.message })
      .from(outboxMessages)
      .where(eq(outboxMessages.kind, 'rotation-prompt'));
    const clicks: { userId: string; body: string }[] = [];
    promptRows.forEach((row, n) => {
      const userId = slackIdByPerson.get(row.recipient ?? '')!;
      const { blocks } = renderMessage(parseMessage(row.message));
      const buttons = blocks.flatMap((block) => (block.type === 'actions' ? block.elements : [])) as { action_id?: string; value?: string }[];
      for (const button of buttons.filter((b) => b.action_id?.replace(/~\d+$/, '') === ACTIONS.giveEvaluation)) {
        const payload = buildBlockAction({
          actionId: button.action_id!,
          ...(button.value !== undefined ? { value: button.value } : {}),
          userId,
          teamId: TEST_TEAM_ID,
          channelId: `D${userId.slice(1)}`,
          messageTs: `1793620800.${String(n + 1).padStart(6, '0')}`,
          messageBlocks: blocks,
          triggerId: `bench.click.${SEQ}`,
          responseUrl: `${origin}/response/click.${SEQ}`,
        });
        clicks.push({ userId, body: formBody({ payload: JSON.stringify(payload) }) });
      }
    });
    const buttonTemplates = clicks.map((c) => c.body);

    console.log(
      `ack latency: ${rate} requests/s for ${seconds} s per kind and app, open loop (sent on schedule), after ${WARM_UP_SECONDS} s of warm-up each`,
    );
    console.log(
      `  demo program on PGlite in memory: ${residents.length} residents send /feedback in turn; ${prompts.prompted} rotation prompts of ${PROMPT_DATE} ` +
        `hold ${clicks.length} Give feedback buttons (${prompts.residents} residents), clicked and submitted in turn (set up in ${secondsSince(setupAt)} s)`,
    );
    console.log(
      '  our app (createSlackApp) and a bare Bolt app (same HTTPReceiver, handlers only ack) each on a node:http server on 127.0.0.1 in this process;',
    );
    console.log('  the signed requests come from a child process (keep-alive agent), the fake Slack Web API runs in another');
    console.log(`  machine: ${cpus().length} cores, load average ${loadText()} at the start (other work on the machine shows in every figure)`);

    // —— Checks: each flow does what it should through our app, before anything is timed ——
    const check = async (body: string) => client.call('send', { url: oursUrl, signingSecret: SIGNING_SECRET, body });
    const commandCheck = await check(commandTemplates[0]!.replaceAll(SEQ, 'check'));
    const opened = await slack.call('viewsOpened', { triggerIds: ['bench.command.check'] });
    expect(problems, commandCheck.status === 200, `/feedback answered ${commandCheck.status} ${commandCheck.text}`);
    expect(
      problems,
      opened['bench.command.check']?.callback_id === FORMS.requestFeedback,
      `/feedback did not open the request modal (views.open: ${JSON.stringify(opened['bench.command.check']?.callback_id)})`,
    );
    const clickTriggers = clicks.map((_, i) => `bench.click.check${i}`);
    for (const [i, c] of clicks.entries()) {
      const answer = await check(c.body.replaceAll(SEQ, `check${i}`));
      expect(problems, answer.status === 200, `Give feedback answered ${answer.status} ${answer.text}`);
    }
    const evaluationViews = await slack.call('viewsOpened', { triggerIds: clickTriggers });
    const viewTemplates: string[] = [];
    for (const [i, c] of clicks.entries()) {
      const view = evaluationViews[clickTriggers[i]!];
      if (view?.callback_id !== FORMS.rotationEvaluation) {
        problems.push(`Give feedback #${i} did not open the evaluation modal (views.open: ${JSON.stringify(view?.callback_id)})`);
        continue;
      }
      viewTemplates.push(
        formBody({
          payload: JSON.stringify(
            buildViewSubmission({
              callbackId: view.callback_id,
              privateMetadata: view.private_metadata,
              viewId: `VBENCH${i + 1}`,
              blocks: view.blocks,
              stateValues: filledIn(view.blocks),
              userId: c.userId,
              teamId: TEST_TEAM_ID,
            }),
          ),
        }),
      );
    }
    await slack.call('calls', { reset: true });
    if (problems.length > 0 || viewTemplates.length === 0) return report('ack', problems, 'working flows');

    // —— The phases ——
    const results = new Map<Kind, Record<AppName, Phase>>();
    const behind = new Map<Kind, string>();
    const evaluationsStored = () =>
      db.$count(feedbackEntries, and(eq(feedbackEntries.source, 'rotation_evaluation'), inArray(feedbackEntries.rotationAssignmentId, assignmentIdsOf(viewTemplates))));
    const templates: Record<Kind, string[]> = { command: commandTemplates, button: buttonTemplates, view: viewTemplates };
    const expectedBody: Record<Kind, string> = { command: '(empty)', button: '(empty)', view: '(empty)' };
    for (const kind of KINDS) {
      const byApp = {} as Record<AppName, Phase>;
      let evaluationsBefore = 0;
      // Submissions were not sent during the checks: an evaluation stored before the buttons were timed would have
      // sent those clicks down another path (a done resident). Their checks are the counts after our phase.
      if (kind === 'view') evaluationsBefore = await evaluationsStored();
      for (const app of ['bare', 'ours'] as const) {
        const spec = { url: urls[app], signingSecret: SIGNING_SECRET, templates: templates[kind], rate, seconds };
        await slack.call('calls', { reset: true });
        const warmUp = await client.call('run', { ...spec, seconds: Math.min(WARM_UP_SECONDS, seconds) });
        await quiesce(slack);
        // The bot's CPU from the first measured request until the work behind the last ack is over, per request.
        const cpuBefore = process.cpuUsage();
        const measured = await client.call('run', spec);
        await quiesce(slack);
        const cpu = process.cpuUsage(cpuBefore);
        byApp[app] = { ...measured, cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / measured.sent };
        const acked = answeredOk(warmUp) + answeredOk(measured);
        const requests = warmUp.sent + measured.sent;
        for (const [phase, result] of [
          ['warm-up', warmUp],
          ['measured', measured],
        ] as const) {
          // A bare app that fails, or an ack of ours that is not the success answer, means the flows were not
          // measured; failed requests of ours (lost or late under load) are a result, shown in the table.
          const failed = Object.entries(result.outcomes).filter(([outcome]) => outcome !== '200');
          if (failed.length > 0 && app === 'bare') problems.push(`${kind} bare ${phase}: ${failed.map(([o, n]) => `${n}× ${o}`).join(', ')}`);
          const odd = Object.entries(result.bodies).filter(([body]) => body !== expectedBody[kind]);
          if (odd.length > 0) problems.push(`${kind} ${app} ${phase}: unexpected ack bodies: ${odd.map(([b, n]) => `${n}× ${b}`).join('; ')}`);
        }
        if (app === 'ours') {
          const calls = await slack.call('calls', { reset: true });
          const made = Object.entries(calls)
            .sort()
            .map(([method, n]) => `${method} ×${n}`)
            .join(', ');
          let line = `${requests} requests, ${acked} acked → Web API calls after the acks: ${made || 'none'}`;
          const expected = kind === 'view' ? 'chat.update' : 'views.open';
          if ((calls[expected] ?? 0) !== acked) line += ` (${expected} ≠ acks: some work did not finish)`;
          if (kind === 'view') {
            const stored = (await evaluationsStored()) - evaluationsBefore;
            line += `; ${stored} new evaluation(s) stored (the first submission per assignment), the rest were duplicates (a Slack retry, a double click)`;
            expect(problems, stored === viewTemplates.length, `view: ${stored} evaluations stored for ${viewTemplates.length} assignments`);
          }
          behind.set(kind, line);
        }
      }
      results.set(kind, byApp);
    }
    const rssAtEnd = process.resourceUsage().maxRSS;
    const rssNow = process.memoryUsage().rss;

    // —— Report ——
    console.log('');
    const rows: string[][] = [];
    const verdicts: string[] = [];
    for (const kind of KINDS) {
      const r = results.get(kind)!;
      const b = ackSummary(r.bare);
      const o = ackSummary(r.ours);
      const row = (label: string, app: AppName, x: ReturnType<typeof ackSummary>, phase: Phase) => [
        label,
        app,
        String(phase.sent),
        String(x.failed),
        ms(x.p50),
        ms(x.p99),
        ms(x.max),
        phase.cpuMsPerRequest.toFixed(2),
        ms(phase.maxSendLagMs),
      ];
      rows.push(row(KIND_LABELS[kind], 'bare', b, r.bare));
      rows.push(row('', 'ours', o, r.ours));
      rows.push(['', 'ours/bare', '', '', ratio(o.p50, b.p50), ratio(o.p99, b.p99), ratio(o.max, b.max), ratio(r.ours.cpuMsPerRequest, r.bare.cpuMsPerRequest), '']);
      const p99Ratio = o.p99 / b.p99;
      const met = p99Ratio <= GOAL_RATIO && o.max < SLACK_ACK_LIMIT_MS && o.failed === 0;
      const capacity = Math.floor(1000 / r.ours.cpuMsPerRequest);
      verdicts.push(
        `${kind}: ${met ? 'met' : 'NOT MET'} — our p99 ${msText(o.p99)} = ${Number.isFinite(p99Ratio) ? `${p99Ratio.toFixed(2)} ×` : 'worse than any multiple of'} bare (${msText(b.p99)}); ` +
          `slowest ${msText(o.max)}${Number.isFinite(o.max) ? ` (${Math.round(o.max / 30)} % of Slack's 3 s)` : ''}` +
          `${o.over3s > 0 ? `; ${o.over3s} acks at or over 3 s` : ''}${o.failed > 0 ? `; ${o.failed} requests failed (${failures(r.ours)})` : ''}` +
          `; ${r.ours.cpuMsPerRequest.toFixed(1)} ms of bot CPU per request ≈ ${capacity} requests/s on one core${capacity < rate ? `, below the ${rate}/s sent` : ''}`,
      );
    }
    printTable(
      ['kind', 'app', 'requests', 'failed', 'p50 ms', 'p99 ms', 'max ms', 'bot CPU ms/req', 'client lag ms'],
      rows,
      [false, false, true, true, true, true, true, true, true],
    );
    console.log('  latency: the client sends a request → the response headers arrive (the ack), over loopback; a failed request');
    console.log('  (no answer, or not 200) counts as slower than any, so it shows in p99/max as "fail" once it is 1 % of them.');
    console.log('  bot CPU: this process, from the first measured request until the work behind the last ack is done.');
    console.log('  client lag: how late the client sent a request against its schedule (its own health, not the app\'s).');
    console.log('');
    console.log(`  machine load average ${loadText()} at the end`);
    console.log('');
    console.log(`goal: our p99 ≤ ${GOAL_RATIO} × the bare app's p99, far under Slack's 3 s`);
    for (const line of verdicts) console.log(`  ${line}`);
    console.log('');
    console.log('what our app did besides acking (from the fake Web API, warm-up included):');
    for (const kind of KINDS) console.log(`  ${kind}: ${behind.get(kind)}`);
    // Its log is for failures (a listener's error, an ack that came too late): a result too, shown as it is.
    if (logs.length > 0) {
      const firstLines = new Map<string, number>();
      for (const line of logs) {
        const first = line.split('\n')[0]!.replace(/\(ref [0-9a-f]+\)/, '(ref …)');
        firstLines.set(first, (firstLines.get(first) ?? 0) + 1);
      }
      console.log(`  our app logged ${logs.length} time(s):`);
      for (const [line, n] of firstLines) console.log(`    ${n}× ${line}`);
    }
    console.log('');
    const rssMet = rssAtEnd * 1024 < RSS_GOAL_BYTES;
    console.log(
      `peak RSS of the bot process (maxRSS, never decreases): ${mib(rssAtEnd)} = ${((rssAtEnd * 1024) / 1e6).toFixed(0)} MB — ` +
        `goal < 250 MB with PGlite: ${rssMet ? 'met' : 'NOT MET'}`,
    );
    console.log(
      `  the peak as it grew: ${mib(rssAtStart)} with the modules loaded, ${mib(rssAfterSetUp)} once PGlite was open, migrated and seeded, ` +
        `${mib(rssAtEnd)} at the end (RSS now: ${(rssNow / 1048576).toFixed(0)} MiB)`,
    );
    console.log(
      '  this is the whole bench process: our app, PGlite in memory (its WebAssembly heap) with the demo program, the bare app,',
    );
    console.log('  Node, tsx and the bench itself; the client and the fake Slack Web API are separate processes and not counted');
    return report('ack', problems, 'working flows');
  } finally {
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
    await Promise.all([client.stop(), slack.stop()]);
    await database.close();
  }
}

/** The bot's two servers (ours and the bare app), counting requests not yet answered (or lost). */
const bot = botServers(SLACK_EVENTS_PATH);

/** Waits until the bot is idle: every request answered, and no new Web API call (work after an ack) for 300 ms. */
async function quiesce(slack: Child): Promise<void> {
  let last = -1;
  let quiet = 0;
  while (quiet < 3) {
    await sleep(100);
    const total = Object.values(await slack.call('calls', { reset: false })).reduce((sum, n) => sum + n, 0);
    quiet = total === last && bot.inFlight() === 0 ? quiet + 1 : 0;
    last = total;
  }
}

/** An evaluation form filled in as a faculty member would: a level per subcompetency, observed, three comments. */
function filledIn(blocks: Record<string, unknown>[]): ViewStateValues {
  const texts: Record<string, string> = {
    reinforcing: 'Clear, prioritized presentations on rounds; families felt heard.',
    corrective: 'Commit to a plan before presenting it instead of listing options.',
    next_step: 'On your next block, open each presentation with your plan for the day.',
  };
  const values: ViewStateValues = {};
  for (const block of blocks) {
    if (block.type !== 'input' || typeof block.block_id !== 'string') continue;
    const element = block.element as { type: string; action_id: string; options?: { value: string }[] };
    const options = element.options ?? [];
    let value: ReturnType<typeof stateValue.plainText>;
    if (element.type === 'static_select') value = stateValue.staticSelect((options.find((o) => o.value === '3') ?? options[0])?.value ?? null);
    else if (element.type === 'checkboxes') value = stateValue.checkboxes(options.map((o) => o.value));
    else if (element.type === 'plain_text_input') value = stateValue.plainText(texts[element.action_id] ?? 'Benchmark text.');
    else continue;
    values[block.block_id] = { [element.action_id]: value };
  }
  return values;
}

/** The assignment ids the submission templates are about (from their private_metadata payloads). */
function assignmentIdsOf(viewTemplates: string[]): string[] {
  return viewTemplates.map((body) => {
    const payload = JSON.parse(new URLSearchParams(body).get('payload')!) as { view: { private_metadata: string } };
    return (JSON.parse(payload.view.private_metadata) as { p: { id: string } }).p.id;
  });
}

function formBody(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

function handleOf(email: string): string {
  return email.replace(EMAIL_DOMAIN, '').split('@')[0]!;
}

/** The fake workspace's user id of a demo person: ana.ruiz@… → UANARUIZ. */
function slackIdOf(email: string): string {
  return `U${handleOf(email)
    .replace(/[^a-z]/gi, '')
    .toUpperCase()}`;
}

/** The kit's percentiles, and how many acks reached Slack's 3 s. */
function ackSummary(result: LoadResult) {
  const { sorted, ...figures } = summary(result);
  return { ...figures, over3s: sorted.filter((v) => v >= SLACK_ACK_LIMIT_MS).length };
}

function mib(kib: number): string {
  return `${(kib / 1024).toFixed(0)} MiB`;
}

// The two children run this file too; in the bot process (run.ts imports it) the variable is unset.
const role = process.env[ROLE_ENV];
if (role === 'client') await clientRole();
else if (role === 'fake-slack') await fakeSlackRole();
