import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ExitCode } from '../../src/core/exit-codes.js';
import { fingerprint } from '../../src/core/fingerprint.js';
import { rewriteSecret } from '../../src/integrations/k8s-secret/manifest.js';
import { openTarget } from '../../src/integrations/targets.js';
import { everything, tempProject } from './helpers.js';

const OLD = 'sk_live_51FAKEoldoldoldoldoldold0001';
const NEW = 'sk_live_51FAKEnewnewnewnewnewnew0002';
const b64 = (s: string) => Buffer.from(s).toString('base64');

const MANIFEST = `# deploy bundle
apiVersion: v1
kind: ConfigMap
metadata:
  name: app
data:
  STRIPE_SECRET_KEY: not-a-secret   # same key, other kind: must not change
---
apiVersion: v1
kind: Secret
metadata:
  name: app
  namespace: prod
type: Opaque
data:
  STRIPE_SECRET_KEY: ${b64(OLD)}  # rotated by credctl
  DB_PASSWORD: "${b64('hunter2FAKE')}"
stringData:
  WEBHOOK_SECRET: 'whsec_FAKEoldoldold0001'
---
apiVersion: v1
kind: Secret
metadata:
  name: app
  namespace: staging
data:
  STRIPE_SECRET_KEY: ${b64(OLD)}
`;

describe('k8s Secret manifests', () => {
  let p: ReturnType<typeof tempProject>;
  afterEach(() => p?.cleanup());

  it('rewrites one data key (base64) and nothing else, byte for byte', async () => {
    p = tempProject();
    p.file('k8s/secret.yaml', MANIFEST.replace(/^/, ''), 0o600);
    const t = await openTarget({ type: 'k8s-secret', file: 'k8s/secret.yaml', name: 'app', namespace: 'prod' }, { projectRoot: p.root });
    expect(await t.readFingerprint('STRIPE_SECRET_KEY')).toBe(fingerprint(OLD));
    expect(await t.readValue('STRIPE_SECRET_KEY')).toBe(OLD);
    const r = await t.write('STRIPE_SECRET_KEY', NEW, { expectFingerprint: fingerprint(OLD) });
    expect(r.status).toBe('written');
    const expected = MANIFEST.replace(`STRIPE_SECRET_KEY: ${b64(OLD)}  # rotated`, `STRIPE_SECRET_KEY: ${b64(NEW)}  # rotated`);
    expect(p.read('k8s/secret.yaml')).toBe(expected);
    expect(await t.verify('STRIPE_SECRET_KEY', NEW)).toBe(true);
    expect((await t.write('STRIPE_SECRET_KEY', NEW)).status).toBe('unchanged');
    expect(everything(r)).not.toContain(NEW);
    expect(everything(r)).not.toContain(b64(NEW));
  });

  it('rewrites a stringData key keeping its single quotes', async () => {
    p = tempProject();
    p.file('s.yaml', MANIFEST);
    const t = await openTarget({ type: 'k8s-secret', file: 's.yaml', name: 'app', namespace: 'prod', key: 'WEBHOOK_SECRET' }, { projectRoot: p.root });
    expect(await t.readFingerprint('ignored')).toBe(fingerprint('whsec_FAKEoldoldold0001'));
    await t.write('ignored', "whsec_FAKE'new'0002");
    expect(p.read('s.yaml')).toBe(MANIFEST.replace(`'whsec_FAKEoldoldold0001'`, `'whsec_FAKE''new''0002'`));
    expect(await t.verify('x', "whsec_FAKE'new'0002")).toBe(true);
  });

  it('updates both data and stringData when both hold the key (stringData wins in Kubernetes)', () => {
    const src = `kind: Secret\nmetadata: {name: s}\ndata:\n  K: ${b64(OLD)}\nstringData:\n  K: ${OLD}\n`;
    const out = rewriteSecret(src, { name: 's', key: 'K' }, NEW, 'x.yaml');
    expect(out).toBe(`kind: Secret\nmetadata: {name: s}\ndata:\n  K: ${b64(NEW)}\nstringData:\n  K: ${NEW}\n`);
  });

  it('quotes a stringData value that would not read back as a string when plain', () => {
    const src = `kind: Secret\nmetadata:\n  name: s\nstringData:\n  PORT: abc\n  PASS: old # c\n`;
    expect(rewriteSecret(src, { name: 's', key: 'PORT' }, '12345', 'x')).toBe(src.replace('PORT: abc', 'PORT: "12345"'));
    expect(rewriteSecret(src, { name: 's', key: 'PASS' }, 'a: b #FAKE\n', 'x')).toBe(src.replace('PASS: old # c', 'PASS: "a: b #FAKE\\n" # c'));
    const docs = parseAllDocuments(rewriteSecret(src, { name: 's', key: 'PASS' }, 'true', 'x'));
    expect((docs as any)[0].getIn(['stringData', 'PASS'])).toBe('true');
  });

  it('replaces a block scalar keeping the line break after it', () => {
    const src = `kind: Secret\nmetadata:\n  name: s\ndata:\n  K: |\n    ${b64(OLD)}\n  L: eA==\n`;
    expect(rewriteSecret(src, { name: 's', key: 'K' }, NEW, 'x')).toBe(`kind: Secret\nmetadata:\n  name: s\ndata:\n  K: "${b64(NEW)}"\n  L: eA==\n`);
  });

  it('refuses an ambiguous Secret, a missing key, an alias; leaves the file alone', async () => {
    p = tempProject();
    p.file('s.yaml', MANIFEST);
    const ambiguous = await openTarget({ type: 'k8s-secret', file: 's.yaml', name: 'app' }, { projectRoot: p.root });
    await expect(ambiguous.write('STRIPE_SECRET_KEY', NEW)).rejects.toMatchObject({ exitCode: ExitCode.BadInput });
    const missing = await openTarget({ type: 'k8s-secret', file: 's.yaml', name: 'app', namespace: 'prod' }, { projectRoot: p.root });
    await expect(missing.write('NOT_THERE', NEW)).rejects.toMatchObject({ exitCode: ExitCode.Refused });
    expect(p.read('s.yaml')).toBe(MANIFEST);
    const aliased = `kind: Secret\nmetadata: {name: s}\nstringData:\n  A: &v old\n  B: *v\n`;
    expect(() => rewriteSecret(aliased, { name: 's', key: 'A' }, NEW, 'x')).toThrow(/anchor/);
    expect(() => rewriteSecret(aliased, { name: 's', key: 'B' }, NEW, 'x')).toThrow(/alias/);
  });

  it('invalid YAML is bad input', async () => {
    p = tempProject();
    p.file('bad.yaml', 'kind: Secret\nmetadata: [unclosed\n');
    const t = await openTarget({ type: 'k8s-secret', file: 'bad.yaml', name: 's' }, { projectRoot: p.root });
    await expect(t.readFingerprint('K')).rejects.toMatchObject({ exitCode: ExitCode.BadInput });
  });
});
