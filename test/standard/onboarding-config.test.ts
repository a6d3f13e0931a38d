import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCredctlYaml } from '../../src/config/credctl-yaml.js';
import { PROVIDER_MEMBERS, projectSettings } from '../../src/config/sections.js';
import { allIntegrations } from '../../src/integrations/registry.js';
import { runCli } from '../helpers/cli.js';

/**
 * credctl.yaml keys credctl does not know are an error naming the key and the file (exit 3), not
 * silence: issue 17's `providers.acme` entry with a `provider:` field was quietly ignored.
 */
function project(yaml: string): string {
  const root = mkdtempSync(join(tmpdir(), 'credctl-cfg-'));
  execFileSync('git', ['init', '-q', root]);
  writeFileSync(join(root, 'credctl.yaml'), yaml);
  return root;
}

const error = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err as { message: string; exitCode: number };
  }
  throw new Error('expected an error');
};

describe('credctl.yaml: unknown keys', () => {
  it('every documented section and member loads: guards, credentials.NAME.self_issued', () => {
    const settings = projectSettings(
      loadCredctlYaml(project('guards:\n  GH_PACKAGES_TOKEN: none\ncredentials:\n  WEBHOOK_SIGNING_KEY:\n    self_issued: true\n    owner: platform\n')),
    );
    expect(settings.credentials.WEBHOOK_SIGNING_KEY).toMatchObject({ selfIssued: true, owner: 'platform' });
  });

  it('an unknown top-level key is exit 3 naming it and the file', () => {
    const err = error(() => loadCredctlYaml(project('provders:\n  acme: { issuer: https://acme.example }\n')));
    expect(err.exitCode).toBe(3);
    expect(err.message).toBe('credctl.yaml: unknown key "provders"');
  });

  it('an unknown provider member (a `provider:` typo) is exit 3 naming providers.<id>.<key>', () => {
    const err = error(() => projectSettings(loadCredctlYaml(project('providers:\n  acme:\n    issuer: https://acme.example\n    provider: acme\n'))));
    expect(err.exitCode).toBe(3);
    expect(err.message).toBe('credctl.yaml: unknown key "providers.acme.provider"');
  });

  it('unknown members of credentials, access, policy and project are errors too', () => {
    for (const [yaml, key] of [
      ['credentials:\n  API_KEY:\n    owner: a\n    helth: []\n', 'credentials.API_KEY.helth'],
      ['access:\n  jane:\n    file: [.env]\n', 'access.jane.file'],
      ['policy:\n  maxage: 90d\n', 'policy.maxage'],
      ['project:\n  gitlab: a/b\n', 'project.gitlab'],
    ]) {
      const err = error(() => projectSettings(loadCredctlYaml(project(yaml!))));
      expect(err.exitCode).toBe(3);
      expect(err.message).toBe(`credctl.yaml: unknown key "${key}"`);
    }
  });

  it('a command that works with providers reports it in one line, exit 3, and scan too', async () => {
    const root = project('providers:\n  acme:\n    isuer: https://acme.example\n');
    for (const args of [
      ['providers', 'list'],
      ['scan', root, '--no-graph'],
    ]) {
      const run = await runCli(args, { cwd: root });
      expect(run.code).toBe(3);
      expect(run.stderr.split('\n')[0]).toBe('credctl: credctl.yaml: unknown key "providers.acme.isuer"');
    }
  });

  it('providers.<id> members are exactly issuer, admin and the keys integrations declare', () => {
    const declared = new Set(['issuer', 'admin', 'project', ...allIntegrations().flatMap((i) => (i.config ?? []).map((k) => k.key))]);
    expect([...PROVIDER_MEMBERS].sort()).toEqual([...declared].sort());
  });

  it('every credctl.yaml shipped in the repository uses known keys only', () => {
    const repo = join(import.meta.dirname, '..', '..');
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.name === 'node_modules' || e.name === '.git' || e.name === 'dist') continue;
        if (e.isDirectory()) walk(join(dir, e.name));
        else if (e.name === 'credctl.yaml') found.push(dir);
      }
    };
    walk(join(repo, 'fixtures'));
    walk(join(repo, 'docs'));
    expect(found.length).toBeGreaterThan(0);
    for (const dir of found) expect(() => projectSettings(loadCredctlYaml(dir)), relative(repo, dir)).not.toThrow();
  });
});

describe('credctl.yaml: an issuer onboarded from its URL alone', () => {
  it('with a path is refused (exit 3), never reduced to its origin (found in review)', async () => {
    const { onboardIssuers } = await import('../../src/integrations/standard/onboard.js');
    const err = await onboardIssuers({ providers: { acme: { issuer: 'https://shared.example/acme' } } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ exitCode: 3, message: expect.stringMatching(/providers\.acme\.issuer has a path.*not supported/) });
  });
});
