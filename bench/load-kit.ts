// What the latency benchmarks (ack-latency.ts for Slack, teams-invoke.ts for Teams) share: children that play the
// platform's side over IPC, an open-loop load at a fixed rate, tracking of the bot's in-flight requests, and the
// figures and tables they print. Each benchmark keeps only what its platform does differently.
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { type Agent, createServer, type OutgoingHttpHeaders, type RequestListener, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/** Replaced by a fresh number in every request the client sends (trigger ids, response URLs, activity ids). */
export const SEQ = 'SEQ0SEQ';

/** One open-loop load: bodies used in turn (each `SEQ` replaced by a number unique in the client's life). */
export interface LoadSpec {
  url: string;
  templates: string[];
  rate: number;
  seconds: number;
}

export interface LoadResult {
  sent: number;
  /** Send → response headers of every request answered 200, in milliseconds. */
  latenciesOkMs: number[];
  /** HTTP status (or "error: …") → count. */
  outcomes: Record<string, number>;
  /** What the 200 answers said, shortened or classified by the benchmark → count. */
  bodies: Record<string, number>;
  /** The most any request was sent behind its schedule (the client's own health, not the app's). */
  maxSendLagMs: number;
}

/** One measured phase: the client's figures and the bot's CPU. */
export interface Phase extends LoadResult {
  cpuMsPerRequest: number;
}

// ————————————————————————————————————————————————————————————————————————————————————————————————
// Children answering ops over IPC

// The ops a child answers are an interface of name → { input, output }.
type In<Op> = Op extends { input: infer I } ? I : never;
type Out<Op> = Op extends { output: infer O } ? O : never;
type Handlers<Ops> = { [K in keyof Ops]?: (input: In<Ops[K]>) => Promise<Out<Ops[K]>> };
interface RequestMessage {
  id: number;
  op: string;
  input: unknown;
}
interface ReplyMessage {
  id: number;
  output?: unknown;
  error?: string;
}

/** A child process running a benchmark file in a role, answering ops over IPC. */
export interface Child<Ops, Ready> {
  ready: Ready;
  call<K extends keyof Ops & string>(op: K, input: In<Ops[K]>): Promise<Out<Ops[K]>>;
  stop(): Promise<void>;
}

/** Forks `file` (a benchmark's import.meta.url) with `roleEnv=role`, and waits until it says it is ready. */
export async function startChild<Ops, Ready>(file: string, roleEnv: string, role: string): Promise<Child<Ops, Ready>> {
  const runTs = fileURLToPath(new URL('../bin/run-ts.js', import.meta.url));
  const child: ChildProcess = fork(runTs, [fileURLToPath(file)], {
    env: { ...process.env, [roleEnv]: role },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let ready!: (value: Ready) => void;
  const readyPromise = new Promise<Ready>((resolve) => {
    ready = resolve;
  });
  child.on('message', (raw) => {
    const message = raw as ReplyMessage & { ready?: Ready };
    if (message.ready) return ready(message.ready);
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error !== undefined) waiter?.reject(new Error(`${role}: ${message.error}`));
    else waiter?.resolve(message.output);
  });
  const exited = once(child, 'exit');
  void exited.then(([code]) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`the ${role} process exited (${code})`));
    pending.clear();
  });
  const info = await Promise.race([
    readyPromise,
    exited.then(([code]) => {
      throw new Error(`the ${role} process exited (${code}) before it was ready`);
    }),
  ]);
  let next = 0;
  return {
    ready: info,
    call(op, input) {
      next += 1;
      const id = next;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ id, op, input } satisfies RequestMessage);
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.disconnect();
      await exited;
    },
  };
}

/** The child's side: announce readiness, then answer ops until the bot disconnects. */
export function serveOps<Ops>(handlers: Handlers<Ops>, ready: unknown): void {
  process.on('disconnect', () => process.exit(0));
  process.on('message', (raw) => {
    const message = raw as RequestMessage;
    const handler = handlers[message.op as keyof Ops] as ((input: unknown) => Promise<unknown>) | undefined;
    const answer = handler ? handler(message.input) : Promise.reject(new Error(`no op ${message.op} here`));
    answer.then(
      (output) => process.send?.({ id: message.id, output: output ?? null } satisfies ReplyMessage),
      (error: unknown) => process.send?.({ id: message.id, error: (error as Error).stack ?? String(error) } satisfies ReplyMessage),
    );
  });
  process.send?.({ ready });
}

// ————————————————————————————————————————————————————————————————————————————————————————————————
// The load

/** One answer: status (0 when none came), body, and send → response headers in milliseconds. */
export interface Answer {
  status: number;
  text: string;
  headersMs: number;
}

/** POSTs `body` with `headers` and times it to the response headers; never rejects. */
export function post(agent: Agent, url: URL, headers: OutgoingHttpHeaders, body: string): Promise<Answer> {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = request(url, { method: 'POST', agent, headers: { 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
      const headersMs = performance.now() - started;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headersMs }));
      res.on('error', (error) => resolve({ status: 0, text: error.message, headersMs }));
    });
    req.setTimeout(30_000, () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', (error) => resolve({ status: 0, text: error.message, headersMs: Number.NaN }));
    req.end(body);
  });
}

/**
 * Sends `rate × seconds` requests through `send`, the i-th at start + i/rate whatever the answers before it (an
 * open loop), and waits for every answer. `bodyKind` names what a 200 answer said.
 */
export function runLoad(
  spec: Omit<LoadSpec, 'url'>,
  send: (body: string) => Promise<Answer>,
  nextSequence: () => string,
  bodyKind: (text: string) => string,
): Promise<LoadResult> {
  const total = Math.max(1, Math.round(spec.rate * spec.seconds));
  const intervalMs = 1000 / spec.rate;
  const result: LoadResult = { sent: 0, latenciesOkMs: [], outcomes: {}, bodies: {}, maxSendLagMs: 0 };
  const answers: Promise<void>[] = [];
  const bump = (counts: Record<string, number>, key: string) => {
    counts[key] = (counts[key] ?? 0) + 1;
  };
  return new Promise((resolve) => {
    const start = performance.now() + 10;
    let next = 0;
    const tick = () => {
      const now = performance.now();
      while (next < total && start + next * intervalMs <= now) {
        result.maxSendLagMs = Math.max(result.maxSendLagMs, now - (start + next * intervalMs));
        const body = spec.templates[next % spec.templates.length]!.replaceAll(SEQ, nextSequence());
        result.sent += 1;
        answers.push(
          send(body).then((answer) => {
            if (answer.status === 0) return bump(result.outcomes, `error: ${answer.text}`);
            bump(result.outcomes, String(answer.status));
            if (answer.status !== 200) return;
            result.latenciesOkMs.push(answer.headersMs);
            bump(result.bodies, bodyKind(answer.text));
          }),
        );
        next += 1;
      }
      if (next < total) setTimeout(tick, Math.max(0, start + next * intervalMs - performance.now()));
      else void Promise.all(answers).then(() => resolve(result));
    };
    setTimeout(tick, 10);
  });
}

// ————————————————————————————————————————————————————————————————————————————————————————————————
// The bot's servers

/** The bot's HTTP servers on loopback, counting the requests they received and have not finished answering. */
export function botServers(path: string) {
  let inFlight = 0;
  return {
    inFlight: () => inFlight,
    /** Serves `listener` on a new server on 127.0.0.1; resolves with the URL of `path` on it. */
    async serve(servers: Server[], listener: RequestListener): Promise<string> {
      const server = createServer((req, res) => {
        inFlight += 1;
        res.once('close', () => {
          inFlight -= 1;
        });
        listener(req, res);
      });
      servers.push(server);
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
    },
  };
}

// ————————————————————————————————————————————————————————————————————————————————————————————————
// Checks, figures and tables

/** Prints the problems found (the figures then do not measure a working flow); true when there were none. */
export function report(bench: string, problems: string[], what: string): boolean {
  if (problems.length === 0) return true;
  console.error('');
  console.error(`${bench} bench: ${problems.length} problem(s), the figures above do not measure ${what}:`);
  for (const problem of problems) console.error(`  ${problem}`);
  return false;
}

export function expect(problems: string[], ok: boolean, problem: string): void {
  if (!ok) problems.push(problem);
}

export function answeredOk(result: LoadResult): number {
  return result.outcomes['200'] ?? 0;
}

export function failures(result: LoadResult): string {
  return Object.entries(result.outcomes)
    .filter(([outcome]) => outcome !== '200')
    .map(([outcome, n]) => `${n}× ${outcome}`)
    .join(', ');
}

/** Nearest-rank percentiles over every request sent; a failed one (no answer, or not 200) ranks above all. */
export function summary(result: LoadResult) {
  const failed = result.sent - answeredOk(result);
  const sorted = [...result.latenciesOkMs].sort((a, b) => a - b);
  const at = (q: number) => {
    const rank = Math.min(result.sent, Math.max(1, Math.ceil(q * result.sent)));
    return rank <= sorted.length ? sorted[rank - 1]! : Number.POSITIVE_INFINITY;
  };
  return { p50: at(0.5), p99: at(0.99), max: at(1), failed, sorted };
}

export function ms(value: number): string {
  if (!Number.isFinite(value)) return 'fail';
  return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
}

export function msText(value: number): string {
  return Number.isFinite(value) ? `${ms(value)} ms` : 'a failed request';
}

export function ratio(a: number, b: number): string {
  return Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '—';
}

export function loadText(): string {
  return loadavg()
    .map((n) => n.toFixed(1))
    .join(' / ');
}

export function secondsSince(at: number): string {
  return ((performance.now() - at) / 1000).toFixed(1);
}

export function printTable(header: string[], body: string[][], rightAligned: boolean[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row.map((value, i) => (rightAligned[i] ? value.padStart(widths[i]!) : value.padEnd(widths[i]!))).join('  ').trimEnd();
  console.log(line(header));
  for (const row of body) console.log(line(row));
}
