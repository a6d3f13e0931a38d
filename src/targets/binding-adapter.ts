import type { Target } from './target.js';

/**
 * The rotation engine's narrower view of a target (src/apply/ports.ts BindingTarget): read the
 * binding's text, write reporting written/unchanged, verify. Declared structurally here so the
 * two folders do not import each other. The adapter remembers each write's server time so that
 * verify() of a write-only target (GitHub) can check it; after a restart the target's ledger
 * answers instead.
 */
export interface BindingTargetView {
  describe(): string;
  read(name: string): Promise<string | null | undefined>;
  write(name: string, value: string): Promise<'written' | 'unchanged'>;
  verify(name: string, value: string): Promise<boolean | 'unverifiable'>;
}

export function asBindingTarget(target: Target): BindingTargetView {
  const writtenAt = new Map<string, string>();
  return {
    describe: () => target.describe(),
    read: (name) => target.readValue(name),
    async write(name, value) {
      const r = await target.write(name, value);
      if (r.writtenAt) writtenAt.set(name, r.writtenAt);
      return r.status;
    },
    verify: (name, value) => target.verify(name, value, { writtenAt: writtenAt.get(name) }),
  };
}
