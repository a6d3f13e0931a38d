/**
 * The order in which credentials are rotated (design promise 3: never re-expose).
 *
 * A credential G *guards* a target T when G is needed to write T (a GitHub token guards that repo's
 * Actions secrets). If C's replacement were written into T while the old, possibly stolen G still
 * worked, whoever holds G could read the replacement. So G is rotated, and its old value revoked,
 * before any other credential's new value is written into T: an edge G → C for every target of C
 * that G guards.
 *
 * The result is a list of batches; credentials in one batch are independent and may run in
 * parallel. Cycles (G guards a target of H and H guards a target of G) cannot be ordered safely;
 * the stated rule: a cycle's members run one after another in a single batch, ordered by how many
 * credentials each guards (most first), then by id, and the plan records the cycle so a person
 * sees that the later members' targets were written while an earlier member's old value was
 * already revoked but the others' were not. A guard whose own value lives in a target it guards
 * (a GitHub token kept in that repo's secrets) is not a cycle: its replacement is written with
 * the replacement itself.
 */
export interface OrderInput {
  /** Every credential to rotate, by id. */
  ids: string[];
  /** guard id → ids of credentials that have a target that guard protects. */
  guards: Map<string, Set<string>>;
}

export interface OrderResult {
  batches: string[][];
  /** Each cycle found, as its member ids in the order they will run. */
  cycles: string[][];
}

export function rotationOrder(input: OrderInput): OrderResult {
  const ids = [...new Set(input.ids)].sort();
  const idSet = new Set(ids);
  const succ = new Map<string, Set<string>>();
  for (const id of ids) succ.set(id, new Set());
  for (const [g, dependents] of input.guards) {
    if (!idSet.has(g)) continue;
    for (const d of dependents) if (d !== g && idSet.has(d)) succ.get(g)!.add(d);
  }

  // Collapse strongly connected components (Tarjan), then order the component DAG by levels.
  const comps = stronglyConnected(ids, succ);
  const compOf = new Map<string, number>();
  comps.forEach((c, i) => c.forEach((id) => compOf.set(id, i)));
  const compSucc = comps.map(() => new Set<number>());
  const indeg = comps.map(() => 0);
  for (const [a, bs] of succ) {
    for (const b of bs) {
      const ca = compOf.get(a)!;
      const cb = compOf.get(b)!;
      if (ca !== cb && !compSucc[ca]!.has(cb)) {
        compSucc[ca]!.add(cb);
        indeg[cb]!++;
      }
    }
  }
  const guardCount = (id: string) => succ.get(id)!.size;
  // A component's members come in id order and sort is stable, so members guarding as many stay in id order.
  const ordered = (c: string[]) => [...c].sort((a, b) => guardCount(b) - guardCount(a));

  const batches: string[][] = [];
  const cycles: string[][] = [];
  let frontier = comps.map((_, i) => i).filter((i) => indeg[i] === 0);
  while (frontier.length) {
    const batch: string[] = [];
    const next: number[] = [];
    // Cycles run alone, sequentially, in a batch of their own; acyclic components share a batch.
    const cyclic = frontier.filter((i) => comps[i]!.length > 1);
    const single = frontier.filter((i) => comps[i]!.length === 1);
    for (const i of single) batch.push(comps[i]![0]!);
    if (batch.length) batches.push(batch.sort());
    for (const i of cyclic) {
      const members = ordered(comps[i]!);
      cycles.push(members);
      for (const m of members) batches.push([m]);
    }
    for (const i of frontier) {
      for (const j of compSucc[i]!) if (--indeg[j]! === 0) next.push(j);
    }
    frontier = next;
  }
  return { batches, cycles };
}

function stronglyConnected(ids: string[], succ: Map<string, Set<string>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  // Stryker disable next-line ArrayDeclaration: a sentinel at the bottom is never popped (popping stops at v, pushed above it)
  const stack: string[] = [];
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    // Stryker disable next-line ArrayDeclaration: succ has an entry for every id, so the fallback is never used
    for (const w of succ.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      out.push(comp.sort());
    }
  };
  for (const id of ids) if (!idx.has(id)) visit(id);
  return out;
}
