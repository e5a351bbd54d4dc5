import { hostname } from 'node:os';
import { z } from 'zod';

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const environmentSchema = z.object({
  DATABASE_URL: optionalText.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
  ),
  DATA_DIR: optionalText.pipe(z.string().default('./data')),
  PORT: optionalText.pipe(
    z
      .string()
      .regex(/^\d{1,5}$/, 'must be a port number such as 3000')
      .transform(Number)
      .pipe(z.number().min(1, 'must be between 1 and 65535').max(65535, 'must be between 1 and 65535'))
      .default(3000),
  ),
  SLACK_BOT_TOKEN: optionalText.pipe(z.string().startsWith('xoxb-', 'must be a bot token starting with xoxb-').optional()),
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_APP_TOKEN: optionalText.pipe(z.string().startsWith('xapp-', 'must be an app-level token starting with xapp-').optional()),
  SLACK_API_URL: optionalText.pipe(z.url({ message: 'must be a URL such as https://slack.com/api/' }).optional()),
  TEAMS_CLIENT_ID: optionalText,
  TEAMS_CLIENT_SECRET: optionalText,
  TEAMS_TENANT_ID: optionalText,
  TEAMS_SERVICE_URL: optionalText.pipe(z.url({ message: 'must be a URL such as https://smba.trafficmanager.net/teams/' }).optional()),
  TEAMS_OPENID_METADATA_URL: optionalText.pipe(z.url({ message: 'must be the URL of the Bot Framework OpenID metadata' }).optional()),
  TEAMS_TOKEN_ISSUER: optionalText.pipe(z.url({ message: 'must be the issuer URL of Bot Framework tokens' }).optional()),
  TEAMS_BOT_TOKEN: optionalText,
  NODE_ENV: optionalText,
  LOG_LEVEL: optionalText.pipe(z.enum(['debug', 'info', 'warn', 'error']).default('info')),
  SCHEDULER: optionalText.pipe(z.enum(['on', 'off'], { message: 'must be on or off' }).default('on')),
  INSTANCE_ID: optionalText.pipe(z.string().max(200, 'must be at most 200 characters').optional()),
});

/** Database settings: PostgreSQL when a URL is given, otherwise embedded PGlite under the data folder. */
export type DatabaseConfig = { engine: 'postgres'; url: string } | { engine: 'pglite'; dataDir: string };

/** Slack settings; Socket Mode when an app token is present, otherwise HTTP on `/slack/events`. */
export interface SlackConfig {
  botToken: string;
  signingSecret: string;
  appToken?: string;
  apiUrl?: string;
}

/**
 * Teams settings. The endpoints default to the public cloud; government clouds and offline tests set them. A static
 * outbound token replaces the client credentials flow in tests only (NODE_ENV=test).
 */
export interface TeamsConfig {
  clientId: string;
  clientSecret: string;
  tenantId: string;
  /** The Bot Connector base URL for messages to conversations the bot has not been told a service URL for. */
  serviceUrl?: string;
  /** Where inbound tokens' signing keys are published (the keys URL is derived from it). */
  openIdMetadataUrl?: string;
  /** The issuer inbound tokens must carry. */
  tokenIssuer?: string;
  /** Offline tests only: the bearer token sent to the Bot Connector instead of one from Microsoft's login service. */
  botToken?: string;
}

/**
 * The daily scheduler: on by default on every instance (claims keep several from acting twice); `SCHEDULER=off`
 * for extra web-only instances. The instance id names this process in job claims and cron slots.
 */
export interface SchedulerConfig {
  enabled: boolean;
  instance: string;
}

/** The whole validated configuration; modules receive their slice, never `process.env`. */
export interface Config {
  database: DatabaseConfig;
  port: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  slack?: SlackConfig;
  teams?: TeamsConfig;
  /** Absent: the scheduler runs, named after this host and process. */
  scheduler?: SchedulerConfig;
}

/** How an instance is named when INSTANCE_ID is not set: unique per process on a host. */
export function defaultInstanceId(): string {
  return `${hostname()}:${process.pid}`;
}

/** Start-up stops with this: one sentence per bad variable, naming it. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    // Only the variable's name and the rule are reported: values may be secrets.
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${String(issue.path[0] ?? 'environment')} ${issue.message}.`),
    );
  }
  const e = parsed.data;
  const problems: string[] = [];
  let slack: SlackConfig | undefined;
  const slackNames = ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN'] as const;
  if (slackNames.some((name) => e[name] !== undefined)) {
    if (!e.SLACK_BOT_TOKEN) problems.push('SLACK_BOT_TOKEN is missing: Slack needs the bot token (xoxb-…).');
    if (!e.SLACK_SIGNING_SECRET && !e.SLACK_APP_TOKEN) {
      problems.push(
        'SLACK_SIGNING_SECRET is missing: set it to verify requests on /slack/events, or set SLACK_APP_TOKEN for Socket Mode.',
      );
    }
    if (e.SLACK_BOT_TOKEN) {
      slack = {
        botToken: e.SLACK_BOT_TOKEN,
        signingSecret: e.SLACK_SIGNING_SECRET ?? '',
        ...(e.SLACK_APP_TOKEN ? { appToken: e.SLACK_APP_TOKEN } : {}),
        ...(e.SLACK_API_URL ? { apiUrl: e.SLACK_API_URL } : {}),
      };
    }
  }
  let teams: TeamsConfig | undefined;
  const teamsNames = ['TEAMS_CLIENT_ID', 'TEAMS_CLIENT_SECRET', 'TEAMS_TENANT_ID'] as const;
  if (teamsNames.some((name) => e[name] !== undefined)) {
    for (const name of teamsNames) {
      if (!e[name]) problems.push(`${name} is missing: Teams needs the bot's client id, client secret and tenant id together.`);
    }
    if (e.TEAMS_BOT_TOKEN && e.NODE_ENV !== 'test') {
      problems.push('TEAMS_BOT_TOKEN is for offline tests only and is refused unless NODE_ENV=test: remove it and let the client secret fetch tokens.');
    }
    if (e.TEAMS_CLIENT_ID && e.TEAMS_CLIENT_SECRET && e.TEAMS_TENANT_ID) {
      teams = {
        clientId: e.TEAMS_CLIENT_ID,
        clientSecret: e.TEAMS_CLIENT_SECRET,
        tenantId: e.TEAMS_TENANT_ID,
        ...(e.TEAMS_SERVICE_URL ? { serviceUrl: e.TEAMS_SERVICE_URL } : {}),
        ...(e.TEAMS_OPENID_METADATA_URL ? { openIdMetadataUrl: e.TEAMS_OPENID_METADATA_URL } : {}),
        ...(e.TEAMS_TOKEN_ISSUER ? { tokenIssuer: e.TEAMS_TOKEN_ISSUER } : {}),
        ...(e.TEAMS_BOT_TOKEN ? { botToken: e.TEAMS_BOT_TOKEN } : {}),
      };
    }
  } else if (e.TEAMS_BOT_TOKEN && e.NODE_ENV !== 'test') {
    problems.push('TEAMS_BOT_TOKEN is for offline tests only and is refused unless NODE_ENV=test.');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    database: e.DATABASE_URL ? { engine: 'postgres', url: e.DATABASE_URL } : { engine: 'pglite', dataDir: e.DATA_DIR },
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    ...(slack ? { slack } : {}),
    ...(teams ? { teams } : {}),
    scheduler: { enabled: e.SCHEDULER === 'on', instance: e.INSTANCE_ID ?? defaultInstanceId() },
  };
}

/** True when at least one chat platform can run; `start` refuses to run a bot nobody can reach. */
export function hasChatPlatform(config: Config): boolean {
  return config.slack !== undefined || config.teams !== undefined;
}
