import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// Tests run the TypeScript sources directly; `npm test` builds dist/ first (pretest) because
// some tests spawn the real CLI (bin/credctl -> dist/) and worker threads need compiled JS.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Tests compile rules from many temp folders: keep their parsed-rules cache out of ~/.cache.
    // Trust records (credctl trust) go to a temp config dir too, never the real ~/.config.
    // CREDCTL_OFFLINE: the suite never reaches a real vendor (a leaked fixture key would be sent
    // to api.stripe.com otherwise); only loopback stand-ins answer.
    env: { CREDCTL_CACHE_DIR: join(tmpdir(), 'credctl-test-rules-cache'), CREDCTL_CONFIG_DIR: join(tmpdir(), 'credctl-test-config'), CREDCTL_OFFLINE: '1' },
    reporters: ['default'],
  },
});
