// The Slack manifest must declare exactly what the code uses: a command missing from it never reaches the app, a
// scope missing breaks a call in production only, and an unused scope asks workspace admins for more than needed.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import {
  ACTIONS,
  CCC_FORMS,
  FORMS,
  HOME_ACTIONS,
  MULTISOURCE_ACTIONS,
  MULTISOURCE_FORMS,
  PLAN_ACTIONS,
  PLAN_FORMS,
  REMINDER_ACTIONS,
  SELF_ASSESSMENT_ACTIONS,
  SELF_ASSESSMENT_FORMS,
} from '../../../src/messages/actions.ts';
import {
  SLACK_ACTION_IDS,
  SLACK_BOT_EVENTS,
  SLACK_BOT_SCOPES,
  SLACK_COMMANDS,
  SLACK_EVENTS_PATH,
  SLACK_METHOD_SCOPES,
  SLACK_VIEW_CALLBACK_IDS,
} from '../../../src/platforms/slack/app.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;

const manifestSchema = z.object({
  features: z.object({
    app_home: z.object({ messages_tab_enabled: z.boolean(), home_tab_enabled: z.boolean() }),
    bot_user: z.object({ display_name: z.string() }),
    slash_commands: z.array(z.object({ command: z.string(), url: z.string(), description: z.string(), should_escape: z.boolean() })).default([]),
  }),
  oauth_config: z.object({ scopes: z.object({ bot: z.array(z.string()), user: z.array(z.string()).optional() }) }),
  settings: z.object({
    interactivity: z.object({ is_enabled: z.boolean(), request_url: z.string() }).optional(),
    event_subscriptions: z.object({ request_url: z.string(), bot_events: z.array(z.string()) }).optional(),
    socket_mode_enabled: z.boolean(),
  }),
});

const manifest = manifestSchema.parse(parse(readFileSync(join(ROOT, 'manifests/slack/manifest.yaml'), 'utf8')));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** Web API methods the Slack adapter calls: `client.chat.update(…)`, `client.apiCall('x.y', …)`. */
function calledMethods(): Set<string> {
  const methods = new Set<string>();
  for (const file of sourceFiles(join(ROOT, 'src/platforms/slack'))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/\bclient\.([a-z]+(?:\.[a-z]+)*)\.([a-zA-Z0-9]+)\s*\(/g)) methods.add(`${match[1]}.${match[2]}`);
    for (const match of text.matchAll(/\.apiCall\(\s*['"]([\w.]+)['"]/g)) methods.add(match[1]!);
  }
  return methods;
}

describe('manifests/slack/manifest.yaml agrees with the code', () => {
  it('declares exactly the slash commands the app registers, pointing at /slack/events, with mentions escaped', () => {
    expect(manifest.features.slash_commands.map((c) => c.command).sort()).toEqual([...SLACK_COMMANDS].sort());
    for (const command of manifest.features.slash_commands) {
      expect(new URL(command.url).pathname).toBe(SLACK_EVENTS_PATH);
      // The quick form reads "<@U123|name>", which Slack only sends when the command escapes mentions.
      expect(command.should_escape).toBe(true);
    }
  });

  it('enables interactivity on /slack/events because the app has buttons and modals', () => {
    expect(SLACK_ACTION_IDS.length + SLACK_VIEW_CALLBACK_IDS.length).toBeGreaterThan(0);
    expect(manifest.settings.interactivity?.is_enabled).toBe(true);
    expect(new URL(manifest.settings.interactivity!.request_url).pathname).toBe(SLACK_EVENTS_PATH);
  });

  it('subscribes to exactly the events the app handles, on /slack/events, with the Home tab on for app_home_opened', () => {
    expect(manifest.settings.event_subscriptions?.bot_events ?? []).toEqual([...SLACK_BOT_EVENTS]);
    expect(SLACK_BOT_EVENTS).toContain('app_home_opened');
    expect(new URL(manifest.settings.event_subscriptions!.request_url).pathname).toBe(SLACK_EVENTS_PATH);
    // views.publish fails with not_enabled unless the manifest turns the Home tab on.
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
  });

  it('asks for exactly the bot scopes the code needs, and no user scopes', () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...SLACK_BOT_SCOPES]);
    expect(manifest.oauth_config.scopes.user ?? []).toEqual([]);
    // DMs are how requests, answers and prompts arrive.
    expect(manifest.features.app_home.messages_tab_enabled).toBe(true);
  });

  it('every Web API method the adapter calls has its scopes listed, and every listed method is called', () => {
    const called = calledMethods();
    // The scan itself must see the calls we know are there, or the comparison below proves nothing.
    expect([...called]).toEqual(expect.arrayContaining(['chat.postMessage', 'chat.update', 'views.open', 'users.info']));
    expect(new Set(Object.keys(SLACK_METHOD_SCOPES))).toEqual(called);
  });

  it('every button and form the core renders has a listener, and every listener a button or form', () => {
    expect([...SLACK_ACTION_IDS].sort()).toEqual(
      [
        ...Object.values(ACTIONS),
        ...Object.values(MULTISOURCE_ACTIONS),
        ...Object.values(SELF_ASSESSMENT_ACTIONS),
        ...Object.values(PLAN_ACTIONS),
        ...Object.values(HOME_ACTIONS),
        ...Object.values(REMINDER_ACTIONS),
      ].sort(),
    );
    expect([...SLACK_VIEW_CALLBACK_IDS].sort()).toEqual(
      [
        ...Object.values(FORMS),
        ...Object.values(MULTISOURCE_FORMS),
        ...Object.values(SELF_ASSESSMENT_FORMS),
        ...Object.values(PLAN_FORMS),
        ...Object.values(CCC_FORMS),
      ].sort(),
    );
  });
});
