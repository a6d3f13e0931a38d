// Which signing key the audit log uses, where it finds the store holding it, and what a lock held
// by another credctl does: the log signs with the version of its key labelled `current` (a newer
// version staged in the store is not used until it is made current), a log given no store opens
// the project's own (telling the person, once, about a key it had to create), and a lock another
// credctl holds too long is that error (exit 8), not "cannot write the audit log" (exit 4).
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openAuditLog, type AuditEntry } from '../../src/audit/log.js';
import { AUDIT_KEY_NAME, generateSigningKey, parsePublicKey } from '../../src/audit/keys.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { storeError } from '../../src/core/errors.js';
import { ExitCode } from '../../src/core/exit-codes.js';
import { projectPaths } from '../../src/core/paths.js';
import { fileAuditStore } from '../../src/state/files.js';
import { auditFixture, type AuditFixture } from './helpers.js';

const fixtures: AuditFixture[] = [];
const dirs: string[] = [];
function fixture(): AuditFixture {
  const f = auditFixture();
  fixtures.push(f);
  return f;
}
const cwd = process.cwd();
afterEach(() => {
  process.chdir(cwd);
  vi.unstubAllEnvs();
  for (const f of fixtures.splice(0)) rmSync(f.dir, { recursive: true, force: true });
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the signing key', () => {
  it('is the version labelled current, not a newer one staged beside it', async () => {
    const f = fixture();
    const current = generateSigningKey();
    const staged = generateSigningKey();
    await f.store.put(AUDIT_KEY_NAME, current.privatePem, ['current']);
    await f.store.put(AUDIT_KEY_NAME, staged.privatePem);
    const log = await openAuditLog(f.paths, { store: f.store });
    await log.append({ action: 'test.signed', outcome: 'ok' });
    expect(readFileSync(f.paths.auditPub, 'utf8')).toBe(current.publicPem);
    const logText = readFileSync(f.paths.audit, 'utf8');
    expect(verifyAudit({ logText, checkpointsText: '', publicKey: parsePublicKey(current.publicPem) })).toMatchObject({ ok: true });
    const again = await openAuditLog(f.paths, { store: f.store });
    await again.append({ action: 'test.again', outcome: 'ok' });
    expect(
      readFileSync(f.paths.audit, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as AuditEntry).action),
    ).toEqual(['test.signed', 'test.again']);
  });
});

describe('a log given no store', () => {
  it("opens the project's store, and passes on its one-time note about a key it created", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'credctl-audit-nostore-'));
    dirs.push(dir);
    const root = join(dir, 'project');
    mkdirSync(join(root, '.git'), { recursive: true });
    vi.stubEnv('HOME', join(dir, 'home'));
    vi.stubEnv('XDG_CONFIG_HOME', undefined);
    vi.stubEnv('CREDCTL_STORE', 'file');
    vi.stubEnv('CREDCTL_KEY_FILE', undefined);
    vi.stubEnv('CREDCTL_PASSPHRASE', undefined);
    vi.stubEnv('CREDCTL_STATE_DIR', undefined);
    process.chdir(root);
    const notes: string[] = [];
    const log = await openAuditLog(projectPaths(), { note: (m) => notes.push(m) });
    await log.append({ action: 'test.nostore', outcome: 'ok' });
    expect(notes.some((n) => n.includes(join(dir, 'home', '.config', 'credctl', 'store.key')))).toBe(true);
    expect(readFileSync(join(root, '.credctl', 'store.enc.json'), 'utf8')).toContain(AUDIT_KEY_NAME);
  });
});

describe('a lock held by another credctl', () => {
  it('keeps its own error and exit code (8), and nothing is appended', async () => {
    const f = fixture();
    const files = fileAuditStore(f.paths);
    const held = storeError(`could not lock the audit log: ${f.paths.audit}.lock is locked (held by pid 1 on elsewhere)`, 'Another credctl is running.');
    const storage = { ...files, location: files.location, checkpointsLocation: files.checkpointsLocation, lock: async () => Promise.reject(held) };
    const log = await openAuditLog(f.paths, { store: f.store, storage });
    const err = await log.append({ action: 'test.locked', outcome: 'ok' }).catch((e: unknown) => e);
    expect(err).toBe(held);
    expect((err as { exitCode: number }).exitCode).toBe(ExitCode.Store);
  });
});
