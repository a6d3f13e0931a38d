import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJournal } from '../../src/apply/journal.js';
import { listRuns } from '../../src/commands/rotate.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { makeRotationProject, startTestIssuer } from '../helpers/rotation-project.js';

// Ctrl-C in the middle of a rotation run is the person stopping, not a crash and not the end of
// the run: the step under way finishes, no other starts, and the run is journaled as interrupted.
// `apply --list-runs` says so, `incident status` does not count the steps that never ran, and
// `apply --resume` finishes it. A real process gets a real SIGINT while a health check runs
// (the check waits for the test's go-ahead, so the signal lands mid-step every time).
const built = existsSync(join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js'));
const NAMES = ['EVENTS_API_KEY', 'BILLING_API_KEY'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!built)('Ctrl-C during a rotation run', () => {
  it('stops after the step under way, exits 130 "Cancelled.", reads as interrupted everywhere, and resumes to the end', async () => {
    const issuer = await startTestIssuer();
    try {
      const p = await makeRotationProject(issuer, { names: NAMES });
      // The app's smoke test, held at its start until the test says go.
      const check = join(p.root, 'check.mjs');
      writeFileSync(
        check,
        `import { existsSync, writeFileSync } from 'node:fs';
writeFileSync('health-started', '');
const until = Date.now() + 20_000;
while (!existsSync('go') && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
${readFileSync(check, 'utf8')}`,
      );
      writeFileSync(join(p.root, 'leak.txt'), NAMES.map((n) => `${n}=${p.values[n]}`).join('\n') + '\n');
      const env = p.env;
      const opened = await runCli(['incident', 'open', '--leaked', 'leak.txt', '--title', 'keys in a pasted log', '--no-probe', '--json', '--root', p.root], {
        cwd: p.root,
        env,
      });
      expect(opened.code, opened.stderr).toBe(1);

      const run = await spawnCli(['rotate', '--project', '--yes', '--no-input', '--concurrency', '1', '--root', p.root], {
        env,
        cwd: p.root,
        timeoutMs: 60_000,
        started: (child) => {
          void (async () => {
            while (!existsSync(join(p.root, 'health-started'))) await sleep(20);
            child.kill('SIGINT');
            // The health check goes on to its end (it is not credctl's to kill); then the run stops.
            await sleep(200);
            writeFileSync(join(p.root, 'go'), '');
          })();
        },
      });
      expect(run.signal, run.stderr).toBeNull();
      expect(run.code, run.stderr).toBe(130);
      expect(run.stderr).toMatch(/Cancelled\.\n$/);
      expect(run.stderr).not.toMatch(/internal error|This is a bug/);
      for (const v of Object.values(p.values)) expect(run.stdout + run.stderr).not.toContain(v);

      // Interrupted, not finished: listed so, and the way on is offered.
      const [listed] = listRuns(p.root);
      expect(listed!.finished).toBe(false);
      expect(run.stderr).toContain(`credctl apply --resume ${listed!.runId}`);
      const list = await runCli(['apply', '--list-runs', '--root', p.root], { cwd: p.root, env });
      expect(list.stdout).toMatch(new RegExp(`^${listed!.runId} +INTERRUPTED`, 'm'));

      // The health check under way finished and was journaled; nothing started after it.
      const journal = readJournal(join(p.root, '.credctl', 'runs', listed!.runId, 'journal.jsonl'));
      const health = journal.find((r) => r.event === 'done' && r.step?.includes('/health'))!;
      expect(health).toBeDefined();
      const after = journal.slice(journal.indexOf(health) + 1);
      expect(after.filter((r) => r.event === 'start' || r.event === 'done' || r.event === 'rollback')).toEqual([]);
      expect(journal.at(-1)!.event).toBe('run-interrupted');
      // The old keys still work: nothing was revoked, nothing undone.
      for (const v of Object.values(p.values)) expect(await p.whoami(v)).toBe(200);

      // The incident counts only what the journal says was done.
      const states = async () => {
        const r = await runCli(['incident', 'status', '--json', '--root', p.root], { cwd: p.root, env });
        return { code: r.code, credentials: JSON.parse(r.stdout).incidents[0].credentials as { names: string[]; state: string; next?: string }[] };
      };
      const midway = await states();
      expect(midway.code).toBe(1);
      const started = midway.credentials.find((c) => c.state !== 'exposed')!;
      expect(started.state).toBe('in-every-target');
      expect(started.next).toBe(`credctl apply --resume ${listed!.runId}`);
      expect(midway.credentials.filter((c) => c.state === 'exposed')).toHaveLength(1);

      // Resumed: the run finishes what it had not done, and every old key is revoked.
      const resumed = await runCli(['apply', '--resume', listed!.runId, '--yes', '--no-input', '--root', p.root], { cwd: p.root, env });
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(listRuns(p.root)[0]!.finished).toBe(true);
      for (const v of Object.values(p.values)) expect(await p.whoami(v)).toBe(401);
      expect((await states()).credentials.map((c) => c.state)).toEqual(['old-revoked', 'old-revoked']);
      expect(p.audit().ok).toBe(true);
      await p.admin.close();
    } finally {
      await issuer.close();
    }
  }, 90_000);
});
