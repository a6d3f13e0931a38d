import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRules, providersDir } from '../../src/providers/rules.js';
import { cleanup, credctl, REPO, tempDir } from '../scan/helpers.js';

// `credctl --version` is the bare version; `--version --json` also says which rule set runs, so
// two installs (or a CI log and a laptop) can tell whether they would find the same things.
afterAll(cleanup);
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

describe('credctl --version', () => {
  it('prints the bare version, and with --json the rule set and Node.js too', () => {
    expect(credctl(['--version'])).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
    for (const args of [
      ['--version', '--json'],
      ['--json', '--version'],
    ]) {
      const r = credctl(args);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(Object.keys(doc)[0]).toBe('credctlVersion');
      expect(doc).toMatchObject({ credctlVersion: VERSION, node: process.version, ruleSet: { rules: loadRules(providersDir()).length } });
      expect(doc.ruleSet.version).toMatch(/^sha256:[0-9a-f]{16}$/);
      expect(doc.ruleSet.providers).toBeGreaterThan(30);
    }
  });

  it('the rule-set version follows the rules: an edited rule changes it, an identical copy does not', () => {
    const copy = tempDir('credctl-rules-copy-');
    cpSync(providersDir(), copy, { recursive: true });
    const version = (env: Record<string, string>) => JSON.parse(credctl(['--version', '--json'], { env }).stdout).ruleSet;
    const shipped = version({}).version;
    const same = version({ CREDCTL_PROVIDERS_DIR: copy });
    expect(same).toMatchObject({ version: shipped, dir: copy });
    const file = join(copy, 'stripe', 'rules.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/name: /, 'name: Edited '));
    expect(version({ CREDCTL_PROVIDERS_DIR: copy }).version).not.toBe(shipped);
    // A rules folder that is not there is a clear input error, not a crash.
    const bad = credctl(['--version', '--json'], { env: { CREDCTL_PROVIDERS_DIR: join(copy, 'nope') } });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/^credctl: cannot read the rules folder .*: no such file or directory\n$/);
  });
});
