import { describe, expect, it } from 'vitest';
import { rotationOrder } from '../../src/plan/order.js';

const guards = (pairs: [string, string[]][]) => new Map(pairs.map(([g, ds]) => [g, new Set(ds)]));
const position = (batches: string[][], id: string) => batches.findIndex((b) => b.includes(id));

describe('rotationOrder', () => {
  it('rotates a guard before every credential written into a target it guards', () => {
    // gh guards the Actions secrets where stripe and openai live; vercel guards where stripe lives.
    const { batches, cycles } = rotationOrder({
      ids: ['stripe', 'openai', 'gh', 'vercel', 'db'],
      guards: guards([
        ['gh', ['stripe', 'openai']],
        ['vercel', ['stripe']],
      ]),
    });
    expect(cycles).toEqual([]);
    expect(position(batches, 'gh')).toBeLessThan(position(batches, 'stripe'));
    expect(position(batches, 'gh')).toBeLessThan(position(batches, 'openai'));
    expect(position(batches, 'vercel')).toBeLessThan(position(batches, 'stripe'));
    // Independent credentials share the first batch so they can run in parallel.
    expect(batches[0]).toEqual(['db', 'gh', 'vercel']);
    expect(batches.flat().sort()).toEqual(['db', 'gh', 'openai', 'stripe', 'vercel']);
  });

  it('chains guards transitively', () => {
    const { batches } = rotationOrder({
      ids: ['a', 'b', 'c'],
      guards: guards([
        ['a', ['b']],
        ['b', ['c']],
      ]),
    });
    expect(batches).toEqual([['a'], ['b'], ['c']]);
  });

  it('ignores a guard stored in the target it guards (no self-cycle)', () => {
    const { batches, cycles } = rotationOrder({ ids: ['gh', 'x'], guards: guards([['gh', ['gh', 'x']]]) });
    expect(cycles).toEqual([]);
    expect(batches).toEqual([['gh'], ['x']]);
  });

  it('detects a cycle and runs its members one at a time, most-guarding first', () => {
    const { batches, cycles } = rotationOrder({
      ids: ['p', 'q', 'r', 'z'],
      guards: guards([
        ['p', ['q']],
        ['q', ['p', 'r']],
        ['r', ['z']],
      ]),
    });
    expect(cycles).toEqual([['q', 'p']]);
    expect(batches).toEqual([['q'], ['p'], ['r'], ['z']]);
  });
});

describe('rotationOrder: only what is being rotated', () => {
  it('a guard left out of this rotation orders nothing, and credentials outside it never appear', () => {
    // gh and vercel are not rotated now; vercel also guards a target of db, which is not rotated either.
    const { batches, cycles } = rotationOrder({
      ids: ['stripe', 'openai'],
      guards: guards([
        ['gh', ['stripe']],
        ['vercel', ['stripe', 'db']],
        ['stripe', ['unlisted']],
      ]),
    });
    expect(cycles).toEqual([]);
    expect(batches).toEqual([['openai', 'stripe']]);
  });

  it('a cycle whose members guard as many each runs in id order', () => {
    const { batches, cycles } = rotationOrder({
      ids: ['b', 'a'],
      guards: guards([
        ['a', ['b']],
        ['b', ['a']],
      ]),
    });
    expect(cycles).toEqual([['a', 'b']]);
    expect(batches).toEqual([['a'], ['b']]);
  });

  it('a cycle member kept in a target it guards does not count that as guarding one more', () => {
    // b also guards its own storage; that must not move it ahead of a.
    const { cycles } = rotationOrder({
      ids: ['a', 'b'],
      guards: guards([
        ['a', ['b']],
        ['b', ['a', 'b']],
      ]),
    });
    expect(cycles).toEqual([['a', 'b']]);
  });
});

describe('rotationOrder: the same plan whatever order the inputs come in', () => {
  // A plan is reviewed, then applied: if the order changed with the order a scan listed the
  // credentials in, the plan approved would not be the plan that runs.
  const permutations = <T>(xs: T[]): T[][] =>
    xs.length <= 1 ? [xs] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));

  it('credentials freed by the same guard share a batch in id order', () => {
    for (const dependents of permutations(['d', 'b', 'c'])) {
      const { batches } = rotationOrder({ ids: ['c', 'a', 'd', 'b'], guards: guards([['a', dependents]]) });
      expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
    }
  });

  it('a cycle of three whose members guard as many each runs in id order, from any starting order', () => {
    for (const ids of permutations(['a', 'b', 'c'])) {
      const { batches, cycles } = rotationOrder({
        ids,
        guards: guards([
          ['c', ['a']],
          ['a', ['b']],
          ['b', ['c']],
        ]),
      });
      expect(cycles).toEqual([['a', 'b', 'c']]);
      expect(batches).toEqual([['a'], ['b'], ['c']]);
    }
  });

  it('two independent cycles are listed in id order', () => {
    for (const ids of permutations(['w', 'x', 'y', 'z'])) {
      const { cycles } = rotationOrder({
        ids,
        guards: guards([
          ['w', ['x']],
          ['x', ['w']],
          ['y', ['z']],
          ['z', ['y']],
        ]),
      });
      expect(cycles).toEqual([
        ['w', 'x'],
        ['y', 'z'],
      ]);
    }
  });
});
