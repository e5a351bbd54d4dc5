import { createServer, type Server } from 'node:http';
import { type Config, defaultInstanceId } from './config.ts';
import { type Clock, systemClock } from './core/ports.ts';
import { openDatabase } from './db/client.ts';
import { createSlackApp, createSlackWebClient, SLACK_EVENTS_PATH, type SlackApp } from './platforms/slack/app.ts';
import { type SlackDelivery, startSlackDelivery } from './platforms/slack/delivery.ts';
import { createTeamsApp, type TeamsApp } from './platforms/teams/app.ts';
import { TEAMS_MESSAGES_PATH } from './platforms/teams/commands.ts';
import { startTeamsDelivery, type TeamsDelivery } from './platforms/teams/delivery.ts';
import { apiFactoryFromClient, staticTokenApiFactory } from './platforms/teams/teams-sender.ts';
import { type Scheduler, startScheduler } from './scheduler/scheduler.ts';

/** A running instance: its HTTP server, its scheduler (unless turned off) and how to stop everything in order. */
export interface RunningSteppingStones {
  server: Server;
  scheduler?: Scheduler;
  stop(): Promise<void>;
}

/** Seams for tests: a clock to move instead of waiting. */
export interface StartOptions {
  clock?: Clock;
}

/**
 * Composition root: config → database → migrations → Slack (its delivery loop, then its app: mounted at
 * `/slack/events` on the one HTTP server that also serves `/healthz`, or connected by Socket Mode; Teams mounts at
 * `/api/messages` when its credentials are set) → the daily scheduler (node-cron per program time zone, with a catch-up of
 * missed days) → shutdown in reverse order.
 */
export async function startSteppingStones(
  config: Config,
  log: (line: string) => void,
  options: StartOptions = {},
): Promise<RunningSteppingStones> {
  const database = await openDatabase(config.database);
  await database.migrate();
  const ports = { db: database.db, clock: options.clock ?? systemClock };

  let delivery: SlackDelivery | undefined;
  let slack: SlackApp | undefined;
  if (config.slack) {
    delivery = startSlackDelivery({ ...ports, client: createSlackWebClient(config.slack), log });
    slack = createSlackApp({ config: config.slack, ports, nudge: delivery.nudge, log, logLevel: config.logLevel });
  }
  const slackListener = slack?.requestListener;
  let teams: TeamsApp | undefined;
  let teamsDelivery: TeamsDelivery | undefined;
  if (config.teams) {
    const nudge = () => teamsDelivery?.nudge();
    teams = createTeamsApp({ config: config.teams, ports, nudge, log, logLevel: config.logLevel });
    await teams.start();
    // The app's client fetches and renews the bot's token; the static test token (NODE_ENV=test only) replaces it.
    const api = config.teams.botToken ? staticTokenApiFactory(config.teams.botToken) : apiFactoryFromClient(teams.app.api);
    teamsDelivery = startTeamsDelivery({ ...ports, api, config: config.teams, log });
  }

  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method === 'GET' && path === '/healthz') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ ok: true, database: database.engine }));
      return;
    }
    if (slackListener && request.method === 'POST' && path === SLACK_EVENTS_PATH) {
      slackListener(request, response);
      return;
    }
    if (teams && request.method === 'POST' && path === TEAMS_MESSAGES_PATH) {
      teams.requestListener(request, response);
      return;
    }
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ ok: false, error: 'not_found' }));
  });
  await new Promise<void>((resolve) => server.listen(config.port, resolve));
  await slack?.start();
  const mode =
    (slack ? `, Slack: ${slack.mode === 'http' ? `HTTP on ${SLACK_EVENTS_PATH}` : 'Socket Mode'}` : '') +
    (teams ? `, Teams: HTTP on ${TEAMS_MESSAGES_PATH}` : '');
  log(`Stepping Stones listening on port ${config.port} (database: ${database.engine}${mode}).`);
  const schedulerConfig = config.scheduler ?? { enabled: true, instance: defaultInstanceId() };
  const scheduler = schedulerConfig.enabled ? startScheduler({ ...ports, instance: schedulerConfig.instance, log }) : undefined;
  return {
    server,
    ...(scheduler ? { scheduler } : {}),
    stop: async () => {
      // Stop taking requests and starting jobs, then let in-flight jobs and deliveries finish, then close the
      // database they use.
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await scheduler?.stop();
      await slack?.stop();
      await teams?.stop();
      await teamsDelivery?.stop();
      await delivery?.stop();
      await database.close();
    },
  };
}
