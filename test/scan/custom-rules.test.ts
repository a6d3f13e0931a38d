import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, runCredctl, gitRepo, write } from './helpers.js';

// A project's own rules and allowlist (credctl.yaml detection, or a rules file it names) in the
// providers/<id>/rules.yaml schema. They come from the repository, so they are checked before
// they run: a rule that could hang a scan is refused with a one-line error, exit 3.
afterAll(cleanup);

// The rule's own example (in credctl.yaml or the rules file) is test data, not a finding; a token in
// the code is.
const TOKEN = 'acme_FAKEm4Jt6Rw2Yv8Pq1Zx5Cn9Bs3Hd7Lk';
const RULE = `    - id: acme-internal-token
      name: ACME internal token
      kind: token
      regex: '\\b(acme_[A-Za-z0-9]{32})\\b'
      keywords: [acme_]
      examples:
        positive: ['ACME_TOKEN=acme_FAKEq8Hd2kLp0Zr7VbN3xTy9wXa1b2c3']
        negative: ['acme_short']
`;

function project(yaml: string, files: Record<string, string> = {}): string {
  const d = gitRepo();
  write(d, 'credctl.yaml', yaml);
  for (const [p, t] of Object.entries(files)) write(d, p, t);
  return d;
}
const scan = (d: string) => runCredctl(['scan', '--json', '--no-graph'], { cwd: d });

describe('custom detection rules', () => {
  it('credctl.yaml rules find what the shipped rules do not, and its allowlist drops matches by path and value', async () => {
    const d = project(`detection:\n  provider: acme\n  rules:\n${RULE}  allowlist:\n    paths: ['^test/fixtures/']\n    values: ['^acme_FAKEallowed']\n`, {
      'src/client.js': `const t = "${TOKEN}";\n`,
      'test/fixtures/client.js': `const t = "${TOKEN}";\n`,
      'src/other.js': 'const t = "acme_FAKEallowed0123456789abcdefABCDEF";\n',
    });
    const r = await scan(d);
    expect(r.code).toBe(1);
    const findings = JSON.parse(r.stdout).findings;
    expect(findings.map((f: { file: string; ruleId: string; provider: string }) => [f.file, f.ruleId, f.provider])).toEqual([
      ['src/client.js', 'acme-internal-token', 'acme'],
    ]);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
  });

  it('a rules file named by credctl.yaml works the same, and runs in the pre-commit scan too', async () => {
    const d = project('detection:\n  rules: security/rules.yaml\n', {
      'security/rules.yaml': `provider: acme\nrules:\n${RULE.replace(/^ {2}/gm, '')}`,
      'src/client.js': `const t = "${TOKEN}";\n`,
    });
    const found = JSON.parse((await scan(d)).stdout).findings;
    expect(found.map((f: { file: string }) => f.file)).toEqual(['src/client.js']);
    await runCredctl(['hook', 'install'], { cwd: d });
    write(d, 'src/new.js', `export const t = "${TOKEN.replace('FAKEm', 'FAKEz')}";\n`);
    const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
    execFileSync('git', ['add', 'src/new.js'], { cwd: d });
    const staged = await runCredctl(['scan', '--staged', '--json'], { cwd: d });
    expect(staged.code).toBe(1);
    expect(JSON.parse(staged.stdout).findings[0]).toMatchObject({ ruleId: 'acme-internal-token', file: 'src/new.js' });
  });

  const refused: [string, string, RegExp][] = [
    ['catastrophic backtracking', `regex: '(acme_(?:[a-z]+)+)$'`, /backtrack catastrophically/],
    ['a backreference', `regex: '(acme_)(x)\\2'`, /backreference/],
    ['no keywords', `regex: 'acme_[a-z]{8}'\n      keywords: []`, /keywords of at least 3 characters/],
    ['an unknown field', `regex: 'acme_[a-z]{8}'\n      keyword: [acme_]`, /unknown field "keyword"/],
    ['a huge regex', `regex: 'acme_${'[a-z]'.repeat(300)}'`, /at most 1000/],
    ['an invalid regex', `regex: 'acme_('`, /invalid regex/],
    ['a catastrophic paths pattern', `regex: 'acme_[a-z]{8}'\n      paths: ['^(a+)+$']`, /pattern "\^\(a\+\)\+\$": regex can backtrack catastrophically/],
  ];
  for (const [what, body, message] of refused) {
    it(`refuses a rule with ${what}: one line, exit 3, no stack`, async () => {
      const keywords = body.includes('keywords') || body.includes('keyword:') ? '' : '\n      keywords: [acme_]';
      const d = project(`detection:\n  rules:\n    - id: custom-bad\n      kind: token\n      ${body}${keywords}\n`);
      const r = await scan(d);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/credctl\.yaml: rule custom-bad/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }

  it('refuses a rules file outside the project', async () => {
    const d = project('detection:\n  rules: ../elsewhere.yaml\n');
    const r = await scan(d);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/must be a file inside the project/);
  });
});

describe('credctl rules test', () => {
  it('runs the examples and passes', async () => {
    const d = project(`detection:\n  provider: acme\n  rules:\n${RULE}`);
    const r = await runCredctl(['rules', 'test'], { cwd: d });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ok\s+acme-internal-token\s+2\/2 examples/);
  });

  it('names a failing example by number, never prints it, and exits 1', async () => {
    const d = project('x: 1\n', {
      'rules.yaml': `provider: acme\nrules:\n${RULE.replace(/^ {2}/gm, '').replace("negative: ['acme_short']", `negative: ['acme_short', 'NOT_SECRET=${TOKEN}']`)}`,
    });
    const r = await runCredctl(['rules', 'test', 'rules.yaml', '--json'], { cwd: d });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ rules: 1, examples: 3, failed: [{ ruleId: 'acme-internal-token', expect: 'none', example: 2 }] });
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
  });

  it('says so when credctl.yaml has no detection section', async () => {
    const d = project('project: { github: acme/app }\n');
    const r = await runCredctl(['rules', 'test'], { cwd: d });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no detection section/);
  });
});
