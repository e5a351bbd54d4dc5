import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findChatSdkImports } from './import-boundaries.ts';

const repository = fileURLToPath(new URL('../../', import.meta.url));
const leakyFixture = fileURLToPath(new URL('../fixtures/chat-sdk-leak/', import.meta.url));

describe('platform-neutral layers', () => {
  it('src/domain and src/core import no chat SDK', () => {
    expect(findChatSdkImports(repository)).toEqual([]);
  });

  it('the check fails when a chat SDK is imported there, in any form', () => {
    expect(findChatSdkImports(leakyFixture)).toEqual([
      { file: 'src/domain/leaky-rule.ts', line: 2, specifier: '@slack/web-api' },
      { file: 'src/core/leaky-use-case.ts', line: 2, specifier: '@slack/bolt' },
      { file: 'src/core/leaky-use-case.ts', line: 3, specifier: '@slack/bolt' },
      { file: 'src/core/leaky-use-case.ts', line: 6, specifier: '@microsoft/teams.apps' },
    ]);
  });
});
