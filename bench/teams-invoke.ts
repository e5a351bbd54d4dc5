/**
 * `npm run bench -- teams [--rate 20] [--seconds 10]`: how fast the Teams app answers a card submission — a faculty
 * member's answer form (Action.Execute `feedback.answer-form`: the answer stored, the resident's DM and the redraw
 * of the request queued, the card replaced by "Answered ✓") — through the real `/api/messages` endpoint with the
 * SDK's Bot Framework token check, against a bare Teams SDK app in the same run: same SDK, same options, same
 * token check, the same IHttpServerAdapter mounting as app.ts, whose `card.action` handler returns a fixed card at
 * once. Teams waits up to 15 s for an invoke response (and re-sends after that); the goal is our p99 ≤ 1.25 × the
 * bare app's p99, far under 15 s. Goals missed are printed as such; the exit status is 1 only when the flow did not
 * work (a check before timing, the bare app failing, a response that is not the answered card, answers not stored).
 *
 * Two processes, so the load generator never shares the event loop it measures:
 * - this one, "the bot": our app (createTeamsApp, PGlite in memory with the demo program and one open feedback
 *   request per submission to be sent) and the bare app, each on a node:http server on 127.0.0.1;
 * - a child playing Teams' side: the token service (tests/helpers/bot-framework-auth.ts: it signs the JWTs and
 *   serves the OpenID metadata and keys the SDK fetches), the Bot Connector (tests/helpers/fake-teams.ts: member
 *   lookups when a faculty member is linked on first contact), and the client sending invokes open-loop at a fixed
 *   rate over a keep-alive agent, recording send → response headers.
 */
import { createHash } from 'node:crypto';
import { Agent, type RequestListener, type Server } from 'node:http';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { AdaptiveCardActionResponse } from '@microsoft/teams.api';
import { and, eq, inArray } from 'drizzle-orm';
import type { TeamsConfig } from '../src/config.ts';
import { requestFeedback } from '../src/core/feedback-requests/request-feedback.ts';
import { feedbackRequestKey } from '../src/core/feedback-requests/views.ts';
import { openDatabase } from '../src/db/client.ts';
import { feedbackEntries, feedbackRequests, outboxMessages, people, programMemberships } from '../src/db/schema/index.ts';
import { ACTIONS, FORMS } from '../src/messages/actions.ts';
import { parseMessage } from '../src/messages/model.ts';
import { createTeamsApp, createTeamsSdkApp } from '../src/platforms/teams/app.ts';
import { TEAMS_MESSAGES_PATH } from '../src/platforms/teams/commands.ts';
import { renderMessageCard } from '../src/platforms/teams/render/adaptive-card.ts';
import { outboundTestToken, startBotFrameworkAuth, TEST_CLIENT_ID, TEST_TENANT_ID, TEST_TOKEN_ISSUER } from '../tests/helpers/bot-framework-auth.ts';
import { fixedClock, seedDemoProgram } from '../tests/helpers/demo-program.ts';
import { type SeededTeamsUser, startFakeTeams } from '../tests/helpers/fake-teams.ts';
import {
  type Answer,
  botServers,
  expect,
  failures,
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
  type LoadResult,
} from './load-kit.ts';

export interface TeamsBenchOptions {
  /** Invokes per second, per app. */
  rate: number;
  /** Measured seconds per app (after a warm-up). */
  seconds: number;
}

type AppName = 'bare' | 'ours';

const ROLE_ENV = 'STEPPING_STONES_TEAMS_BENCH_ROLE';
/** Replaced by a fresh number in every activity the client sends (activity ids). */
const WARM_UP_SECONDS = 2;
const GOAL_RATIO = 1.25;
/** Teams shows an error on the card (and re-sends the invoke) when the bot has not answered within 15 s. */
const TEAMS_INVOKE_LIMIT_MS = 15_000;
const NOW = '2026-11-02T15:00:00Z';
const EMAIL_DOMAIN = '@stelsewhere.example.org';
const BOT_ID = `28:${TEST_CLIENT_ID}`;
const CARD = 'application/vnd.microsoft.card.adaptive';
const QUESTION = 'How can I make my sign-out to the night team more concise?';
const ANSWER = {
  reinforcing: 'You named the active problems first and kept the plan for each one short.',
  corrective: 'Trim the normal labs from the handoff; say only what the night team has to act on.',
  next_step: 'Tonight, give each handoff in under 60 seconds and ask one closing question.',
};

// ————————————————————————————————————————————————————————————————————————————————————————————————
// Messages between the bot (this process) and the Teams child

interface Ops {
  seed: { input: { users: SeededTeamsUser[] }; output: null };
  calls: { input: { reset: boolean }; output: Record<string, number> };
  send: { input: { url: string; body: string }; output: { status: number; text: string } };
  run: { input: LoadSpec; output: LoadResult };
}
interface Ready {
  serviceUrl: string;
  openIdMetadataUrl: string;
}

// ————————————————————————————————————————————————————————————————————————————————————————————————
// Child: Teams' side (token service, Bot Connector, the load generator)

async function teamsRole(): Promise<void> {
  const [auth, connector] = await Promise.all([startBotFrameworkAuth(), startFakeTeams({ tenantId: TEST_TENANT_ID })]);
  // Teams signs a token per service and reuses it until it nears expiry: one for the whole run.
  const token = auth.token({ serviceUrl: connector.serviceUrl });
  // Keep-alive, no socket cap: an open-loop client must never queue behind its own connection pool.
  const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  let sequence = 0;
  const handlers = {
    seed: async ({ users }) => {
      for (const user of users) connector.seedUser(user);
      return null;
    },
    calls: async ({ reset }) => {
      const counts: Record<string, number> = {};
      for (const call of connector.calls) counts[call.operation] = (counts[call.operation] ?? 0) + 1;
      if (reset) connector.reset();
      return counts;
    },
    send: async ({ url, body }) => {
      const answer = await postActivity(agent, new URL(url), token, body);
      return { status: answer.status, text: answer.text };
    },
    run: (spec: LoadSpec) => {
      const url = new URL(spec.url);
      return runLoad(
        spec,
        (body) => postActivity(agent, url, token, body),
        () => {
          sequence += 1;
          return String(sequence);
        },
        bodyKind,
      );
    },
  } satisfies { [K in keyof Ops]: (input: Ops[K]['input']) => Promise<Ops[K]['output']> };
  serveOps<Ops>(handlers, { serviceUrl: connector.serviceUrl, openIdMetadataUrl: auth.openIdMetadataUrl } satisfies Ready);
}

/** An activity POSTed as Teams posts it, with its Bot Framework token. */
function postActivity(agent: Agent, url: URL, token: string, body: string): Promise<Answer> {
  return post(agent, url, { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body);
}

/** What kind of invoke response a body is: its `type`, or the text itself when it is not one. */
function bodyKind(text: string): string {
  try {
    const body = JSON.parse(text) as { statusCode?: number; type?: string };
    if (body.statusCode === 200 && typeof body.type === 'string') return body.type;
  } catch {
    // Not JSON: shown as it is.
  }
  return text.slice(0, 100) || '(empty)';
}

/** The baseline: the SDK App as createTeamsApp configures it, answering every card action with `card` at once. */
async function startBareApp(config: TeamsConfig, card: unknown): Promise<RequestListener> {
  const { app, adapter } = createTeamsSdkApp(config, 'error', 'stepping-stones/teams-bare');
  app.on('card.action', async (): Promise<AdaptiveCardActionResponse> => ({ statusCode: 200, type: CARD, value: card as never }));
  await app.initialize();
  return adapter.requestListener;
}

// ————————————————————————————————————————————————————————————————————————————————————————————————
// The bot: both apps, the checks, the phases and the report

/** A demo person's Entra object id (a GUID from their handle, as tests/helpers/teams-world.ts derives it). */
function aadIdOf(handle: string): string {
  const hex = createHash('sha256').update(handle).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function handleOf(email: string): string {
  return email.replace(EMAIL_DOMAIN, '').split('@')[0]!;
}

/** The invoke Teams posts when `handle` presses Action.Execute `verb` with `data` on the card of `replyToId`. */
function invokeActivity(serviceUrl: string, handle: string, verb: string, data: Record<string, unknown>, replyToId: string, id: string) {
  return {
    id,
    channelId: 'msteams',
    serviceUrl,
    timestamp: new Date().toISOString(),
    from: { id: `29:${handle}`, name: handle, aadObjectId: aadIdOf(handle) },
    recipient: { id: BOT_ID, name: 'Stepping Stones' },
    conversation: { id: `a:personal-${handle}`, conversationType: 'personal', tenantId: TEST_TENANT_ID },
    channelData: { tenant: { id: TEST_TENANT_ID } },
    type: 'invoke',
    name: 'adaptiveCard/action',
    replyToId,
    value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
  };
}

/** Every Action.Execute of a card. */
function executes(node: unknown): Array<{ verb: string; data: Record<string, unknown> }> {
  if (Array.isArray(node)) return node.flatMap(executes);
  if (!node || typeof node !== 'object') return [];
  const own = (node as { type?: string }).type === 'Action.Execute' ? [node as { verb: string; data: Record<string, unknown> }] : [];
  return [...own, ...Object.values(node).flatMap(executes)];
}

function cardText(node: unknown): string {
  if (Array.isArray(node)) return node.map(cardText).join('\n');
  if (!node || typeof node !== 'object') return '';
  const own = (node as { type?: string }).type === 'TextBlock' ? String((node as { text?: unknown }).text) : '';
  return [own, ...Object.values(node).map(cardText)].filter(Boolean).join('\n');
}

/** Runs the whole benchmark and prints it; returns false when something did not work (not when a goal is missed). */
export async function runTeamsInvokeBench(options: TeamsBenchOptions): Promise<boolean> {
  const { rate, seconds } = options;
  const teams = await startChild<Ops, Ready>(import.meta.url, ROLE_ENV, 'teams');
  const database = await openDatabase({ engine: 'pglite', dataDir: 'memory://' });
  const servers: Server[] = [];
  const problems: string[] = [];
  try {
    const setupAt = performance.now();
    const db = database.db;
    await database.migrate();
    await seedDemoProgram(db);
    const clock = fixedClock(NOW);
    const { serviceUrl, openIdMetadataUrl } = teams.ready;

    // Every demo person is a member the Bot Connector knows by their roster email, so linking by email works.
    const everyone = await db.select({ id: people.id, email: people.email }).from(people);
    const handleByPerson = new Map(everyone.map((p) => [p.id, handleOf(p.email)]));
    await teams.call('seed', {
      users: everyone.map((p) => ({ id: `29:${handleOf(p.email)}`, aadObjectId: aadIdOf(handleOf(p.email)), email: p.email, name: handleOf(p.email), tenantId: TEST_TENANT_ID })),
    });

    // One open request (about PC3, so the answer form has its level picker) per submission the run will send, from
    // the program's residents to its faculty in turn, each queued as a DM with Answer / Can't answer.
    const roleOf = async (role: 'resident' | 'faculty') =>
      (await db.selectDistinct({ id: programMemberships.personId }).from(programMemberships).where(eq(programMemberships.role, role))).map((r) => r.id).sort();
    const [residents, faculty] = [await roleOf('resident'), await roleOf('faculty')];
    const submissions = Math.round(rate * WARM_UP_SECONDS) + Math.round(rate * seconds);
    const needed = faculty.length + submissions;
    for (let i = 0; i < needed; i += 1) {
      const asked = await requestFeedback({
        db,
        clock,
        residentId: residents[i % residents.length]!,
        assessorId: faculty[i % faculty.length]!,
        question: QUESTION,
        subcompetencyCode: 'PC3',
        submissionKey: `bench:${i}`,
      });
      if (!asked.ok) throw new Error(`request ${i} refused: ${JSON.stringify(asked.fieldErrors)}`);
    }
    const requests = await db.select().from(feedbackRequests);

    const config: TeamsConfig = {
      clientId: TEST_CLIENT_ID,
      clientSecret: 'teams-bench-secret',
      tenantId: TEST_TENANT_ID,
      serviceUrl,
      openIdMetadataUrl,
      tokenIssuer: TEST_TOKEN_ISSUER,
      botToken: outboundTestToken(),
    };
    const logs: string[] = [];
    const ours = createTeamsApp({ config, ports: { db, clock }, log: (line) => logs.push(line) });
    await ours.start();
    const urls = {} as Record<AppName, string>;
    urls.ours = await bot.serve(servers, ours.requestListener);

    console.log(
      `Teams invoke latency: ${rate} card submissions/s for ${seconds} s per app, open loop (sent on schedule), after ${WARM_UP_SECONDS} s of warm-up each`,
    );
    console.log(
      `  demo program on PGlite in memory: ${requests.length} open feedback requests from ${residents.length} residents to ${faculty.length} faculty; ` +
        `each submission answers a different one (set up in ${secondsSince(setupAt)} s)`,
    );
    console.log('  our app (createTeamsApp) and a bare Teams SDK app (same SDK, options, token check and IHttpServerAdapter; its card.action');
    console.log('  handler returns a fixed card) each on a node:http server on 127.0.0.1 in this process; every invoke carries a');
    console.log('  Bot Framework JWT checked against keys fetched from the token service; that, the Bot Connector and the client');
    console.log('  run in a child process');
    console.log(`  machine: ${cpus().length} cores, load average ${loadText()} at the start (other work on the machine shows in every figure)`);

    // —— The submissions, as each faculty member's cards carry them ——
    // The request DM as the delivery worker renders it, its Answer button, and the answer form's submit (the form is
    // the same for every request about PC3: it is read from the card our app answers the first press with).
    const dmOf = new Map<string, { data: Record<string, unknown> }>();
    const dms = await db
      .select({ key: outboxMessages.idempotencyKey, message: outboxMessages.message })
      .from(outboxMessages)
      .where(inArray(outboxMessages.idempotencyKey, requests.map((r) => feedbackRequestKey(r.id, r.assessorId))));
    const messageByKey = new Map(dms.map((dm) => [dm.key, dm.message]));
    for (const r of requests) {
      const card = renderMessageCard(parseMessage(messageByKey.get(feedbackRequestKey(r.id, r.assessorId))));
      const answer = executes(card).find((action) => action.verb === ACTIONS.answerRequest);
      if (!answer) throw new Error(`request ${r.id}: its DM has no Answer button`);
      dmOf.set(r.id, { data: answer.data });
    }
    const submissionOf = (r: (typeof requests)[number], id: string, inputs: Record<string, unknown>) =>
      JSON.stringify(
        invokeActivity(serviceUrl, handleByPerson.get(r.assessorId)!, FORMS.answerRequest, { ...dmOf.get(r.id)!.data, ...inputs }, `dm-${r.id}`, id),
      );

    // —— Checks: the flow works through our app before anything is timed (and each faculty member is linked) ——
    const send = (app: AppName, body: string) => teams.call('send', { url: urls[app], body });
    const firstOfEach = faculty.map((f) => requests.find((r) => r.assessorId === f)!);
    let inputs: Record<string, unknown> | undefined;
    let answeredCard: unknown;
    for (const r of firstOfEach) {
      const handle = handleByPerson.get(r.assessorId)!;
      const press = await send('ours', JSON.stringify(invokeActivity(serviceUrl, handle, ACTIONS.answerRequest, dmOf.get(r.id)!.data, `dm-${r.id}`, `check-press-${r.id}`)));
      const form = JSON.parse(press.text) as { type?: string; value?: unknown };
      const submit = executes(form.value).find((action) => action.verb === FORMS.answerRequest);
      if (press.status !== 200 || form.type !== CARD || !submit) {
        problems.push(`Answer by ${handle} did not give the answer form (${press.status} ${press.text.slice(0, 200)})`);
        continue;
      }
      const levels = choiceValues(form.value, 'level');
      inputs ??= { level: levels.includes('3') ? '3' : levels[0], ...ANSWER };
      const answer = await send('ours', submissionOf(r, `check-submit-${r.id}`, inputs));
      const body = JSON.parse(answer.text) as { type?: string; value?: unknown };
      if (answer.status !== 200 || body.type !== CARD || !cardText(body.value).includes('Answered ✓')) {
        problems.push(`the answer by ${handle} was not answered with the "Answered ✓" card (${answer.status} ${answer.text.slice(0, 200)})`);
      }
      answeredCard ??= body.value;
    }
    const stored = (ids: string[]) => db.$count(feedbackEntries, and(eq(feedbackEntries.source, 'request'), inArray(feedbackEntries.feedbackRequestId, ids)));
    expect(problems, (await stored(firstOfEach.map((r) => r.id))) === firstOfEach.length, 'the check submissions did not each store one answer');
    if (problems.length > 0 || !inputs) return report('teams', problems, 'a working flow');

    // The bare app answers with the same card ours did (same size on the wire).
    urls.bare = await bot.serve(servers, await startBareApp(config, answeredCard));
    const bareCheck = await send('bare', submissionOf(firstOfEach[0]!, 'check-bare', inputs));
    expect(problems, bareCheck.status === 200 && bodyKind(bareCheck.text) === CARD, `the bare app answered ${bareCheck.status} ${bareCheck.text.slice(0, 200)}`);
    if (problems.length > 0) return report('teams', problems, 'a working flow');
    const checkCalls = await teams.call('calls', { reset: true });

    // Ours answers each request once (warm-up, then measured); the bare app gets the same bodies.
    const checked = new Set(firstOfEach.map((r) => r.id));
    const open = requests.filter((r) => !checked.has(r.id));
    const warmCount = Math.round(rate * WARM_UP_SECONDS);
    const template = (r: (typeof requests)[number]) => submissionOf(r, `bench-${SEQ}`, inputs!);
    const warmTemplates = open.slice(0, warmCount).map(template);
    const measuredTemplates = open.slice(warmCount).map(template);

    // —— The phases ——
    const results = {} as Record<AppName, Phase>;
    const connectorCalls = {} as Record<AppName, Record<string, number>>;
    const entriesBefore = await db.$count(feedbackEntries);
    let oursWarmUpSent = 0;
    for (const app of ['bare', 'ours'] as const) {
      const warmUp = await teams.call('run', { url: urls[app], templates: warmTemplates, rate, seconds: WARM_UP_SECONDS });
      if (app === 'ours') oursWarmUpSent = warmUp.sent;
      await idle();
      const cpuBefore = process.cpuUsage();
      const measured = await teams.call('run', { url: urls[app], templates: measuredTemplates, rate, seconds });
      await idle();
      const cpu = process.cpuUsage(cpuBefore);
      results[app] = { ...measured, cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / measured.sent };
      connectorCalls[app] = await teams.call('calls', { reset: true });
      const failed = Object.entries(measured.outcomes).filter(([outcome]) => outcome !== '200');
      if (failed.length > 0 && app === 'bare') problems.push(`bare: ${failed.map(([o, n]) => `${n}× ${o}`).join(', ')}`);
      const odd = Object.entries(measured.bodies).filter(([kind]) => kind !== CARD);
      if (odd.length > 0) problems.push(`${app}: responses that are not a card: ${odd.map(([b, n]) => `${n}× ${b}`).join('; ')}`);
    }
    // The bare app stored nothing (it has no database); ours stored one answer per submission it was sent.
    const newEntries = (await db.$count(feedbackEntries)) - entriesBefore;
    const oursSent = oursWarmUpSent + results.ours.sent;
    expect(problems, newEntries === oursSent, `our app was sent ${oursSent} first-time answers and stored ${newEntries}`);

    // —— Report ——
    console.log('');
    const b = summary(results.bare);
    const o = summary(results.ours);
    const row = (app: string, x: ReturnType<typeof summary>, phase: Phase) => [
      app,
      String(phase.sent),
      String(x.failed),
      ms(x.p50),
      ms(x.p99),
      ms(x.max),
      phase.cpuMsPerRequest.toFixed(2),
      ms(phase.maxSendLagMs),
    ];
    printTable(
      ['app', 'requests', 'failed', 'p50 ms', 'p99 ms', 'max ms', 'bot CPU ms/req', 'client lag ms'],
      [
        row('bare', b, results.bare),
        row('ours', o, results.ours),
        ['ours/bare', '', '', ratio(o.p50, b.p50), ratio(o.p99, b.p99), ratio(o.max, b.max), ratio(results.ours.cpuMsPerRequest, results.bare.cpuMsPerRequest), ''],
      ],
      [false, true, true, true, true, true, true, true],
    );
    console.log('  latency: the client sends the invoke → the response headers arrive (the invoke response is written at once');
    console.log('  after the handler), over loopback; a failed request counts as slower than any.');
    console.log('  bot CPU: this process during the measured phase, per request (both apps verify the JWT).');
    console.log(`  machine load average ${loadText()} at the end`);
    console.log('');
    const p99Ratio = o.p99 / b.p99;
    const met = p99Ratio <= GOAL_RATIO && o.max < TEAMS_INVOKE_LIMIT_MS && o.failed === 0;
    console.log(`goal: our p99 ≤ ${GOAL_RATIO} × the bare app's p99, far under Teams' 15 s`);
    console.log(
      `  answer-form submission: ${met ? 'met' : 'NOT MET'} — our p50 ${msText(o.p50)} (bare ${msText(b.p50)}), p99 ${msText(o.p99)} = ` +
        `${Number.isFinite(p99Ratio) ? `${p99Ratio.toFixed(2)} ×` : 'worse than any multiple of'} bare (${msText(b.p99)}); ` +
        `slowest ${msText(o.max)}${Number.isFinite(o.max) ? ` (${((o.max / TEAMS_INVOKE_LIMIT_MS) * 100).toFixed(2)} % of Teams' 15 s)` : ''}` +
        `${o.failed > 0 ? `; ${o.failed} requests failed (${failures(results.ours)})` : ''}`,
    );
    console.log('');
    console.log(
      `what our app did: ${oursSent} answers stored (warm-up included), each with the resident's DM and the request's redraw queued; ` +
        `Bot Connector calls while timed: ours ${callsText(connectorCalls.ours)}, bare ${callsText(connectorCalls.bare)} ` +
        `(before: ${callsText(checkCalls)} while the ${faculty.length} faculty were linked on first contact)`,
    );
    if (logs.length > 0) {
      const firstLines = new Map<string, number>();
      for (const line of logs) {
        const first = line.split('\n')[0]!.replace(/\(ref [0-9a-f]+\)/, '(ref …)');
        firstLines.set(first, (firstLines.get(first) ?? 0) + 1);
      }
      console.log(`  our app logged ${logs.length} time(s):`);
      for (const [line, n] of firstLines) console.log(`    ${n}× ${line}`);
    }
    return report('teams', problems, 'a working flow');
  } finally {
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
    await teams.stop();
    await database.close();
  }
}

/** The values a form card's choice input offers. */
function choiceValues(card: unknown, id: string): string[] {
  const body = ((card as { body?: Array<{ id?: string; choices?: Array<{ value: string }> }> })?.body ?? []).find((element) => element.id === id);
  return (body?.choices ?? []).map((choice) => choice.value);
}

/** The bot's two servers (ours and the bare app), counting requests not yet answered. */
const bot = botServers(TEAMS_MESSAGES_PATH);

/** Waits until every request is answered (the invoke response is the work: nothing runs after it). */
async function idle(): Promise<void> {
  while (bot.inFlight() > 0) await new Promise((resolve) => setTimeout(resolve, 20));
}

function callsText(calls: Record<string, number>): string {
  const made = Object.entries(calls)
    .sort()
    .map(([operation, n]) => `${operation} ×${n}`)
    .join(', ');
  return made || 'none';
}

// The child runs this file too; in the bot process (run.ts imports it) the variable is unset.
if (process.env[ROLE_ENV] === 'teams') await teamsRole();
