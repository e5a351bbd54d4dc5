#!/usr/bin/env node
// tsx lets the TypeScript sources run as they are on every Node the package supports (>=22.12),
// without a build step between `git clone` and `npm run demo`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
