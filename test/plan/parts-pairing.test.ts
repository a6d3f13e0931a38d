import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/plan/build.js';
import { wiredProviders } from '../../src/integrations/providers.js';
import type { Graph, GraphEdge, GraphNode } from '../../src/graph/types.js';

// Two AWS keys in one file (dev and prod): each secret is written with its own key id, never the
// other's (found in review: parts were paired by target alone, so both got AWS_ACCESS_KEY_ID).
const fp = (n: number) => `fp_${n.toString(16).padStart(24, '0')}`;
const DEV_SECRET = fp(1);
const DEV_ID = fp(2);
const PROD_SECRET = fp(3);
const PROD_ID = fp(4);

function graph(): Graph {
  const cred = (id: string, name: string, kind: string): GraphNode =>
    ({ type: 'credential', id, provider: 'aws', kind, names: [name], redacted: `${name.slice(0, 4)}…FAKE` }) as GraphNode;
  const nodes: GraphNode[] = [
    cred(DEV_SECRET, 'AWS_SECRET_ACCESS_KEY', 'secret_access_key'),
    cred(DEV_ID, 'AWS_ACCESS_KEY_ID', 'access_key_id'),
    cred(PROD_SECRET, 'PROD_AWS_SECRET_ACCESS_KEY', 'secret_access_key'),
    cred(PROD_ID, 'PROD_AWS_ACCESS_KEY_ID', 'access_key_id'),
    { type: 'target', id: 'target:dotenv:.env', kind: 'dotenv', label: 'env file .env', attrs: { file: '.env' } },
  ];
  const stored = (from: string, key: string): GraphEdge => ({ type: 'stored-in', from, to: 'target:dotenv:.env', key });
  const edges: GraphEdge[] = [
    stored(DEV_SECRET, 'AWS_SECRET_ACCESS_KEY'),
    stored(DEV_ID, 'AWS_ACCESS_KEY_ID'),
    stored(PROD_SECRET, 'PROD_AWS_SECRET_ACCESS_KEY'),
    stored(PROD_ID, 'PROD_AWS_ACCESS_KEY_ID'),
  ];
  return { schemaVersion: 1, nodes, edges, warnings: [] };
}

describe('multi-part credentials in plans', () => {
  it('pairs each secret with the key id that carries its own prefix', () => {
    const plan = buildPlan({ root: '/tmp/credctl-parts', graph: graph(), providers: wiredProviders(), select: { all: true }, hasAdmin: () => true });
    expect(plan.credentials.map((c) => c.names[0]).sort()).toEqual(['AWS_SECRET_ACCESS_KEY', 'PROD_AWS_SECRET_ACCESS_KEY']);
    const partsOf = (name: string) =>
      plan.credentials
        .find((c) => c.names[0] === name)!
        .steps.filter((s) => s.action === 'inject')
        .map((s) => s.parts);
    expect(partsOf('AWS_SECRET_ACCESS_KEY')).toEqual([[{ role: 'access-key-id', envName: 'AWS_ACCESS_KEY_ID' }]]);
    expect(partsOf('PROD_AWS_SECRET_ACCESS_KEY')).toEqual([[{ role: 'access-key-id', envName: 'PROD_AWS_ACCESS_KEY_ID' }]]);
  });
});
