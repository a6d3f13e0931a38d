import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, fake, tempDir, write } from './helpers.js';

// What a working-tree scan loads before it scans is part of its speed: the issuer onboarding
// (the provider registry, the YAML parser, the HTTP client, the trust prompts) cost ~200 ms of
// CPU on every scan, and only a project whose credctl.yaml exists can need it.

afterAll(cleanup);
const BIN = fileURLToPath(new URL('../../bin/credctl', import.meta.url));

/** The module URLs `credctl <args>` resolves, from a loader hook that reports each one on stderr. */
function modulesLoaded(args: string[], cwd: string): string[] {
  const hooks = `export async function resolve(s, c, next) { const r = await next(s, c); process._rawDebug('LOADED ' + r.url); return r; }`;
  const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;
  const r = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', CI: '1' },
  });
  expect(r.status, r.stderr).toBe(1); // findings
  return r.stderr
    .split('\n')
    .filter((l) => l.startsWith('LOADED '))
    .map((l) => l.slice(7));
}

describe('credctl scan start-up', () => {
  it('does not load the issuer onboarding for a project without credctl.yaml', () => {
    const d = tempDir();
    write(d, 'app.env', `STRIPE_SECRET_KEY=${fake.stripe(300)}\n`);
    const loaded = modulesLoaded(['scan', d, '--no-ignore', '--no-graph'], d);
    expect(loaded.some((u) => u.endsWith('/dist/scan/engine.js'))).toBe(true); // the hook saw the scan
    for (const heavy of ['/dist/providers/registry.js', '/dist/integrations/standard/onboard.js', '/node_modules/undici/']) {
      expect(loaded.filter((u) => u.includes(heavy))).toEqual([]);
    }
  });

  it('loads it when credctl.yaml is there', () => {
    const d = tempDir();
    write(d, 'app.env', `STRIPE_SECRET_KEY=${fake.stripe(301)}\n`);
    write(d, 'credctl.yaml', 'project:\n  github: acme/example\n');
    const loaded = modulesLoaded(['scan', d, '--no-ignore', '--no-graph'], d);
    expect(loaded.some((u) => u.endsWith('/dist/integrations/standard/onboard.js'))).toBe(true);
  });
});
