import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proofText, verifyProof } from '../../src/incident/proof.js';
import { runCli } from '../helpers/cli.js';
import { makeRotationProject, startTestIssuer, type Issuer } from '../helpers/rotation-project.js';

// One leak carried through: open an incident from the leaked file, see it open, rotate, accept
// the key nothing here uses, close with a proof, and verify the proof on a clean copy. The proof
// must fail on any changed byte, and no value may appear in any output or file credctl wrote.
let issuer: Issuer;
beforeAll(async () => {
  issuer = await startTestIssuer();
});
afterAll(async () => issuer?.close());

const STRANGER = 'sk_live_51FAKEq8Hd2kLp0Zr7VbN3xTy9'; // a Stripe-shaped test key this project never used

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

describe('credctl incident', () => {
  it('opens from a leak, tracks the recovery, refuses to close early, closes with a proof that verifies offline', async () => {
    const p = await makeRotationProject(issuer, { names: ['EVENTS_API_KEY', 'BILLING_API_KEY'], health: 'pass' });
    const secrets = [...Object.values(p.values), STRANGER];
    writeFileSync(
      join(p.root, 'leak.txt'),
      `${Object.entries(p.values)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n')}\nSTRIPE_SECRET_KEY=${STRANGER}\n`,
    );
    const outputs: string[] = [];
    const run = async (...args: string[]) => {
      const r = await runCli(args, { cwd: p.root, env: p.env });
      outputs.push(r.stdout, r.stderr);
      return r;
    };

    const opened = await run('incident', 'open', '--leaked', 'leak.txt', '--title', 'leak.txt pasted in a public issue', '--no-probe', '--json');
    expect(opened.code, opened.stderr).toBe(1);
    const id = JSON.parse(opened.stdout).incident.id as string;
    expect(id).toMatch(/^inc-/);

    const first = await run('incident', 'status', '--json');
    expect(first.code).toBe(1);
    const states = (out: string) =>
      Object.fromEntries(JSON.parse(out).incidents[0].credentials.map((c: { names: string[]; state: string }) => [c.names[0], c.state]));
    expect(states(first.stdout)).toEqual({ EVENTS_API_KEY: 'exposed', BILLING_API_KEY: 'exposed', STRIPE_SECRET_KEY: 'exposed' });
    const human = await run('incident', 'status');
    expect(human.stdout).toMatch(/next: credctl rotate EVENTS_API_KEY/);
    expect(human.stdout).toMatch(/next: credctl incident accept fp_/);

    // `credctl status` is a CI gate: an open incident keeps it red.
    const gate = await run('status', '--no-probe');
    expect(gate.code).toBe(1);
    expect(gate.stdout).toMatch(/^INCIDENT EVENTS_API_KEY .*incident inc-.*: exposed; next: credctl rotate EVENTS_API_KEY/m);

    const early = await run('incident', 'close', '--proof', 'proof.json', '--no-input');
    expect(early.code).toBe(6);
    expect(early.stderr).toMatch(/3 open item\(s\)/);

    const rotated = await run('rotate', '--project', '--yes', '--no-input');
    expect(rotated.code, rotated.stderr).toBe(0);
    const after = await run('incident', 'status', '--json');
    expect(states(after.stdout)).toEqual({ EVENTS_API_KEY: 'old-revoked', BILLING_API_KEY: 'old-revoked', STRIPE_SECRET_KEY: 'exposed' });
    expect(after.code).toBe(1);
    const checked = await run('incident', 'status', '--check');
    expect(checked.stdout).toMatch(/EVENTS_API_KEY .*\n(?:.*\n)*? +checked now: old refused, new live; .*: new/);

    // The same leak again: the rotated keys are old news; only the stranger is still exposed.
    const again = await run('blast-radius', '--leaked', 'leak.txt', '--no-probe');
    expect(again.stdout).toMatch(/Already dealt with \(2\)/);
    expect(again.stdout).toMatch(/Blast radius: 1 exposed credential/);
    // Runs that came committed in the repository are not the user's record: nothing is hidden then.
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.test', ...args], { cwd: p.root, stdio: 'ignore' });
    git('add', '-f', '.credctl/runs');
    git('commit', '-q', '-m', 'state that came with the repository');
    const planted = await run('blast-radius', '--leaked', 'leak.txt', '--no-probe');
    expect(planted.stdout).toMatch(/Blast radius: 3 exposed credentials/);
    expect(planted.stderr).toMatch(/state files are committed in this repository .*not trusted to mark a leak as dealt with/);
    git('rm', '-r', '-q', '--cached', '.credctl/runs');
    git('commit', '-q', '-m', 'untrack');

    // A value pasted by mistake where a name goes is never echoed back.
    const pasted = await run('incident', 'accept', STRANGER, '--reason', 'x');
    expect(pasted.code).toBe(2);
    const accepted = await run('incident', 'accept', 'STRIPE_SECRET_KEY', '--reason', 'a Stripe test-mode key from the tutorial');
    expect(accepted.code, accepted.stderr).toBe(0);
    const settled = await run('incident', 'status', id);
    expect(settled.code).toBe(0);
    expect(settled.stdout).toMatch(/every credential is settled/);
    // A person's word settles it for this incident, but a later leak of it is still reported:
    // only an acceptance the provider backed (it refused the key) hides it.
    const later = await run('blast-radius', '--leaked', 'leak.txt', '--no-probe');
    expect(later.code).toBe(1);
    expect(later.stdout).toMatch(/Blast radius: 1 exposed credential/);

    // The record on disk is not signed: one changed outside credctl is refused at close (exit 4).
    const recordFile = join(p.root, '.credctl', 'incidents', id, 'incident.json');
    const record = readFileSync(recordFile, 'utf8');
    const edited = JSON.parse(record);
    edited.credentials = edited.credentials.filter((c: { names: string[] }) => c.names[0] !== 'STRIPE_SECRET_KEY');
    writeFileSync(recordFile, JSON.stringify(edited));
    const forged = await run('incident', 'close', '--proof', 'forged.json', '--no-input');
    expect(forged.code).toBe(4);
    expect(forged.stderr).toMatch(/credentials differ from those the audit log says it opened with/);
    writeFileSync(recordFile, record);

    const closed = await run('incident', 'close', '--proof', 'proof.json', '--no-input');
    expect(closed.code, closed.stderr).toBe(0);
    expect(closed.stdout).toMatch(/EVENTS_API_KEY: old refused, new live; .*: new/);
    expect((await run('incident', 'close', id, '--proof', 'again.json', '--no-input')).code).toBe(6);
    expect((await run('status', '--no-probe')).code).toBe(0);
    const md = await run('incident', 'status', id, '--format', 'md');
    expect(md.stdout).toMatch(/Closed .* proof digest/);
    const page = await run('incident', 'status', id, '--format', 'html');
    expect(page.stdout).toMatch(/^<!doctype html>/);
    expect(page.stdout).toContain('Content-Security-Policy');
    for (const fact of ['EVENTS_API_KEY', 'BILLING_API_KEY', 'old value revoked', 'accepted: a Stripe test-mode key from the tutorial', 'leak.txt line'])
      expect(page.stdout).toContain(fact);

    // On another machine: only the proof and the public key.
    const elsewhere = mkdtempSync(join(tmpdir(), 'credctl-auditor-'));
    cpSync(join(p.root, 'proof.json'), join(elsewhere, 'proof.json'));
    cpSync(join(p.root, '.credctl', 'audit.pub'), join(elsewhere, 'audit.pub'));
    const verified = await runCli(['incident', 'verify', 'proof.json', '--pubkey', 'audit.pub'], { cwd: elsewhere, env: { ...p.env, HOME: elsewhere } });
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(new RegExp(`verified: incident ${id} .*3 credential`));

    // Without the published key, the proof could be anyone's (a consistent proof is easy to make
    // with a key of one's own): refused as bad usage, not passed; --unpinned checks consistency
    // and says plainly that the signer is not established, never `ok`.
    const auditor = { cwd: elsewhere, env: { ...p.env, HOME: elsewhere } };
    for (const args of [[], ['--json']]) {
      const bare = await runCli(['incident', 'verify', 'proof.json', ...args], auditor);
      expect(bare.code).toBe(2);
      expect(bare.stdout).toBe('');
      expect(bare.stderr).toMatch(/--pubkey FILE/);
    }
    const both = await runCli(['incident', 'verify', 'proof.json', '--pubkey', 'audit.pub', '--unpinned'], auditor);
    expect(both.code).toBe(2);
    const unpinned = await runCli(['incident', 'verify', 'proof.json', '--unpinned', '--json'], auditor);
    expect(unpinned.code, unpinned.stderr).toBe(1);
    expect(JSON.parse(unpinned.stdout)).toMatchObject({ ok: false, consistent: true, pinnedKey: false, signer: 'not established', incident: id });
    const unpinnedText = await runCli(['incident', 'verify', 'proof.json', '--unpinned'], auditor);
    expect(unpinnedText.code).toBe(1);
    expect(unpinnedText.stdout).toMatch(/^consistent, signer NOT established: incident /);
    expect(unpinnedText.stdout).not.toMatch(/^verified/);
    const pinnedJson = await runCli(['incident', 'verify', 'proof.json', '--pubkey', 'audit.pub', '--json'], auditor);
    expect(JSON.parse(pinnedJson.stdout)).toMatchObject({ ok: true, consistent: true, pinnedKey: true });

    // Any changed byte fails with exit 4 (sampled across the whole file, every part of it).
    const bytes = readFileSync(join(elsewhere, 'proof.json'));
    const tampered = join(elsewhere, 'tampered.json');
    const step = Math.max(1, Math.floor(bytes.length / 150));
    for (let at = 0; at < bytes.length; at += step) {
      const copy = Buffer.from(bytes);
      copy[at] = copy[at] === 0x20 ? 0x09 : copy[at]! ^ 0x01;
      writeFileSync(tampered, copy);
      expect(() => verifyProof(tampered), `byte ${at}`).toThrow(expect.objectContaining({ exitCode: 4 }));
    }
    // Re-serialised in credctl's own form, a changed close time or list of cited entries fails too.
    const proof = JSON.parse(bytes.toString('utf8'));
    for (const [n, change] of [
      (x: typeof proof) => (x.incident.closed.at = '1999-01-01T00:00:00.000Z'),
      (x: typeof proof) => (x.incident.closed.by = 'someone-else'),
      (x: typeof proof) => (x.coveredBy = []),
      (x: typeof proof) => (x.credentials[0].state = 'exposed'),
    ].entries()) {
      const copy = structuredClone(proof);
      change(copy);
      writeFileSync(tampered, proofText(copy));
      expect(() => verifyProof(tampered, readFileSync(join(elsewhere, 'audit.pub'), 'utf8')), `change ${n}`).toThrow(expect.objectContaining({ exitCode: 4 }));
    }
    for (const key of [['--pubkey', 'audit.pub'], ['--unpinned']]) {
      const viaCli = await runCli(['incident', 'verify', 'tampered.json', ...key, '--json'], { cwd: elsewhere, env: p.env });
      expect(viaCli.code).toBe(4);
      expect(viaCli.stderr).toMatch(/not an intact credctl incident proof/);
      expect(JSON.parse(viaCli.stdout)).toMatchObject({ ok: false, consistent: false });
    }

    // A revoked value put back in a file (a stale copy, a bad merge) is due in status.
    writeFileSync(join(p.root, 'stale.env'), `EVENTS_API_KEY=${p.values.EVENTS_API_KEY}\n`);
    const stale = await run('status', '--no-probe');
    expect(stale.code).toBe(1);
    expect(stale.stdout).toMatch(/^REVOKED +EVENTS_API_KEY .*still holds a value credctl revoked/m);

    // Never a value: not in any output, the incident record, the proof or the audit log.
    const files = [...walk(join(p.root, '.credctl')).filter((f) => /incident|audit|runs/.test(f) && !f.endsWith('store.enc.json')), join(p.root, 'proof.json')];
    const written = files.map((f) => readFileSync(f, 'utf8'));
    for (const s of secrets) {
      for (const text of [...outputs, ...written]) expect(text.includes(s), text.slice(Math.max(0, text.indexOf(s) - 200), text.indexOf(s) + 10)).toBe(false);
    }
  }, 60_000);
});
