// The fake Slack's tools for delivery tests: channels conversations.info knows, raw upload bytes, and seeded random
// faults that replay the same way for the same seed.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSlackWebClient } from '../../src/platforms/slack/app.ts';
import { type FakeSlack, type RecordedCall, startFakeSlack } from '../helpers/fake-slack.ts';

let fake: FakeSlack;
beforeAll(async () => {
  fake = await startFakeSlack();
});
afterAll(async () => fake?.close());

const client = () => createSlackWebClient({ botToken: 'xoxb-test', signingSecret: '', apiUrl: fake.url });

it('conversations.info answers for seeded channels and DMs, and channel_not_found otherwise', async () => {
  fake.seedChannel({ id: 'C0CCC', name: 'im-ccc', isPrivate: true });
  fake.seedChannel({ id: 'C0PUB', name: 'general' });
  const ccc = await client().conversations.info({ channel: 'C0CCC' });
  expect(ccc.channel).toMatchObject({ id: 'C0CCC', name: 'im-ccc', is_private: true, is_channel: true });
  expect((await client().conversations.info({ channel: 'C0PUB' })).channel).toMatchObject({ name: 'general', is_private: false });
  expect((await client().conversations.info({ channel: 'D0ANA' })).channel).toMatchObject({ is_im: true });
  await expect(client().conversations.info({ channel: 'C0NOPE' })).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
});

it('keeps the raw bytes of an upload, so a PNG can be checked', async () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0x80]);
  await client().files.uploadV2({ channel_id: 'C0CCC', filename: 'chart.png', file: png });
  const upload = await fake.waitFor('file_upload');
  expect(fake.uploadedFile(upload.targetId!)?.bytes.equals(png)).toBe(true);
  expect(fake.uploadedFile(upload.targetId!)?.filename).toBe('chart.png');
});

it('injects seeded faults: the same seed fails the same calls, and each failure is recorded on its call', async () => {
  const outcomes = async (seed: number) => {
    fake.reset();
    fake.injectFaults({ seed, rate429: 0.3, retryAfterSeconds: 2, rate500: 0.1, slowRate: 0.1, slowMs: 5, methods: ['chat.postMessage'] });
    for (let i = 0; i < 40; i += 1) {
      await client()
        .chat.postMessage({ channel: 'C0CCC', text: `m${i}` })
        .catch(() => undefined);
    }
    // Methods not listed are never failed.
    await client().auth.test();
    fake.stopFaults();
    await client().chat.postMessage({ channel: 'C0CCC', text: 'after' });
    return fake.calls.map((c: RecordedCall) => (c.failure ? JSON.stringify(c.failure) : 'ok'));
  };
  const first = await outcomes(7);
  expect(await outcomes(7)).toEqual(first);
  expect(await outcomes(8)).not.toEqual(first);
  expect(first.filter((o) => o.includes('429')).length).toBeGreaterThan(4);
  expect(first).toContain(JSON.stringify({ status: 429, retryAfter: 2 }));
  expect(first).toContain(JSON.stringify({ status: 500 }));
  expect(first).toContain(JSON.stringify({ delayMs: 5 }));
  expect(first.slice(-2)).toEqual(['ok', 'ok']);
});
