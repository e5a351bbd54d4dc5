import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, hasChatPlatform, loadConfig } from '../src/config.ts';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('configuration', () => {
  it('defaults to PGlite under ./data on port 3000 with no chat platform', () => {
    const config = loadConfig({});
    expect(config).toEqual({
      database: { engine: 'pglite', dataDir: './data' },
      port: 3000,
      logLevel: 'info',
      scheduler: { enabled: true, instance: `${hostname()}:${process.pid}` },
    });
    expect(hasChatPlatform(config)).toBe(false);
  });

  it('uses PostgreSQL when DATABASE_URL is set, and Slack over HTTP or Socket Mode', () => {
    const http = loadConfig({
      DATABASE_URL: 'postgres://app@db.internal:5432/stones',
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 'secret',
      SLACK_API_URL: 'http://127.0.0.1:9999/api/',
      PORT: '8080',
    });
    expect(http.database).toEqual({ engine: 'postgres', url: 'postgres://app@db.internal:5432/stones' });
    expect(http.slack).toEqual({ botToken: 'xoxb-1', signingSecret: 'secret', apiUrl: 'http://127.0.0.1:9999/api/' });
    expect(http.port).toBe(8080);
    const socket = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' });
    expect(socket.slack?.appToken).toBe('xapp-1');
    expect(hasChatPlatform(socket)).toBe(true);
  });

  it('names each bad variable in a sentence, without echoing secret values', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://nope',
      SLACK_BOT_TOKEN: 'xoxp-user-token-should-not-leak',
      SLACK_SIGNING_SECRET: 's',
    });
    expect(problems).toEqual([
      'DATABASE_URL must be a postgres:// or postgresql:// URL.',
      'PORT must be a port number such as 3000.',
      'SLACK_BOT_TOKEN must be a bot token starting with xoxb-.',
    ]);
    expect(problems.join(' ')).not.toContain('xoxp-user-token-should-not-leak');
  });

  it('refuses half a Slack configuration', () => {
    expect(problemsOf({ SLACK_BOT_TOKEN: 'xoxb-1' })).toEqual([
      'SLACK_SIGNING_SECRET is missing: set it to verify requests on /slack/events, or set SLACK_APP_TOKEN for Socket Mode.',
    ]);
    expect(problemsOf({ SLACK_SIGNING_SECRET: 'x' })).toEqual(['SLACK_BOT_TOKEN is missing: Slack needs the bot token (xoxb-…).']);
  });

  it('runs the scheduler unless SCHEDULER=off, under INSTANCE_ID when given', () => {
    expect(loadConfig({ SCHEDULER: 'off', INSTANCE_ID: 'web-2' }).scheduler).toEqual({ enabled: false, instance: 'web-2' });
    expect(loadConfig({ SCHEDULER: 'on' }).scheduler?.enabled).toBe(true);
    expect(problemsOf({ SCHEDULER: 'no' })).toEqual(['SCHEDULER must be on or off.']);
  });
});
