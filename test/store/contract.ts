import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/core/fingerprint.js';
import type { SecretStore } from '../../src/store/types.js';

/**
 * The one behaviour both store backends must have. Each backend's test file calls this with a
 * factory that returns a fresh, empty store (and, optionally, a second handle on the same
 * underlying storage, to prove values survive a new process-like instance).
 */
export interface ContractSubject {
  fresh(): Promise<{ store: SecretStore; reopen(): SecretStore }>;
}

export function storeContract(label: string, subject: () => ContractSubject | null, skipReason?: () => string | undefined): void {
  describe(`secret store contract: ${label}`, () => {
    const run = (name: string, fn: (s: SecretStore, reopen: () => SecretStore) => Promise<void>) =>
      it(name, async (ctx) => {
        const reason = skipReason?.();
        if (reason) ctx.skip(reason);
        const sub = subject();
        if (!sub) return ctx.skip('backend unavailable');
        const { store, reopen } = await sub.fresh();
        await fn(store, reopen);
      });

    run('put then get returns the value; a fresh handle reads it too', async (s, reopen) => {
      const v = 'sk_live_51FAKEcontractvalue000001';
      const info = await s.put('STRIPE_SECRET_KEY', v, ['current']);
      expect(info).toMatchObject({ version: 1, labels: ['current'], fingerprint: fingerprint(v) });
      expect(await s.get('STRIPE_SECRET_KEY')).toBe(v);
      expect(await reopen().get('STRIPE_SECRET_KEY')).toBe(v);
    });

    run('get of a missing name, version or label is null', async (s) => {
      expect(await s.get('NOPE')).toBeNull();
      await s.put('A', 'value-FAKE-a1');
      expect(await s.get('A', { version: 2 })).toBeNull();
      expect(await s.get('A', { label: 'current' })).toBeNull();
    });

    run('versions count up; selection by number, by label, latest by default', async (s) => {
      await s.put('K', 'FAKE-v1-value', ['current']);
      await s.put('K', 'FAKE-v2-value', ['pending']);
      expect(await s.get('K')).toBe('FAKE-v2-value');
      expect(await s.get('K', { version: 1 })).toBe('FAKE-v1-value');
      expect(await s.get('K', { label: 'current' })).toBe('FAKE-v1-value');
      expect(await s.get('K', { label: 'pending' })).toBe('FAKE-v2-value');
      const vs = await s.versions('K');
      expect(vs.map((v) => [v.version, v.labels])).toEqual([
        [1, ['current']],
        [2, ['pending']],
      ]);
      expect(vs[1]!.fingerprint).toBe(fingerprint('FAKE-v2-value'));
    });

    run('promoting pending to current moves current to previous and drops pending', async (s) => {
      await s.put('K', 'FAKE-old-value', ['current']);
      await s.put('K', 'FAKE-new-value', ['pending']);
      await s.setLabel('K', 2, 'current');
      const vs = await s.versions('K');
      expect(vs.map((v) => [v.version, v.labels])).toEqual([
        [1, ['previous']],
        [2, ['current']],
      ]);
      expect(await s.get('K', { label: 'previous' })).toBe('FAKE-old-value');
      // Rolling back moves them the other way.
      await s.setLabel('K', 1, 'current');
      expect((await s.versions('K')).map((v) => v.labels)).toEqual([['current'], ['previous']]);
    });

    run('putting with current moves previous along', async (s) => {
      await s.put('K', 'FAKE-one', ['current']);
      await s.put('K', 'FAKE-two', ['current']);
      expect(await s.get('K', { label: 'previous' })).toBe('FAKE-one');
      expect(await s.get('K', { label: 'current' })).toBe('FAKE-two');
    });

    run('list shows names and metadata, never values', async (s) => {
      await s.put('B_TOKEN', 'ghp_FAKElistcanary0000000000000000000001', ['current']);
      await s.put('A_KEY', 'FAKE-list-value-2', ['pending']);
      const list = await s.list();
      expect(list.map((e) => e.name)).toEqual(['A_KEY', 'B_TOKEN']);
      expect(list[1]).toMatchObject({ versions: 1, latest: 1, labels: { current: 1 } });
      expect(JSON.stringify(list)).not.toContain('FAKElistcanary');
      expect(JSON.stringify(list)).not.toContain('FAKE-list-value-2');
    });

    run('delete removes every version; deleting again reports nothing removed', async (s, reopen) => {
      await s.put('GONE', 'FAKE-delete-1');
      await s.put('GONE', 'FAKE-delete-2');
      expect(await s.delete('GONE')).toBe(true);
      expect(await s.get('GONE')).toBeNull();
      expect(await reopen().get('GONE', { version: 1 })).toBeNull();
      expect(await s.versions('GONE')).toEqual([]);
      expect(await s.delete('GONE')).toBe(false);
    });

    run('values survive unicode, newlines and long PEM-like content exactly', async (s) => {
      const pem = '-----BEGIN FAKE KEY-----\n' + 'QUJD'.repeat(400) + '\n-----END FAKE KEY-----\n';
      const odd = 'pässwörd FAKE 🔑 "quotes" \\ back';
      await s.put('PEM', pem);
      await s.put('ODD', odd);
      expect(await s.get('PEM')).toBe(pem);
      expect(await s.get('ODD')).toBe(odd);
    });

    run('names are validated; setLabel on a missing version fails clearly', async (s) => {
      await expect(s.put('bad name with spaces', 'FAKE-x')).rejects.toThrow(/invalid secret name/);
      await expect(s.put('../escape', 'FAKE-x')).rejects.toThrow(/invalid secret name/);
      await s.put('L', 'FAKE-label-x');
      await expect(s.setLabel('L', 9, 'current')).rejects.toThrow(/version 9 does not exist/);
    });

    run('concurrent puts from one process get distinct versions', async (s) => {
      const vals = Array.from({ length: 6 }, (_, i) => `FAKE-concurrent-${i}`);
      const infos = await Promise.all(vals.map((v) => s.put('C', v)));
      expect(new Set(infos.map((i) => i.version)).size).toBe(6);
      for (const info of infos) {
        const v = await s.get('C', { version: info.version });
        expect(fingerprint(v!)).toBe(info.fingerprint);
      }
    });
  });
}
