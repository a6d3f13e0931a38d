import { afterAll, describe, expect, it } from 'vitest';
import { buildGraph } from '../../src/graph/build.js';
import { scanPaths } from '../../src/scan/engine.js';
import { cleanup, gitRepo, write } from '../scan/helpers.js';

// One finding per secret, not per encoding: a Kubernetes Secret's base64 value and the same value
// in a .env are one credential; a password inside a connection URL is one credential with the URL.
afterAll(cleanup);

const STRIPE = 'sk_live_51FAKEq8Hd2kLp0Zr7VbN3xTy9wXa1b2c3d4';
const PASSWORD = 'FAKEpw8Hd2kLp0Zr7VbN';

async function graphOf(files: Record<string, string>) {
  const d = gitRepo();
  for (const [p, t] of Object.entries(files)) write(d, p, t);
  const { findings } = await scanPaths({ paths: [d], base: d, workers: 1 });
  return { findings, graph: buildGraph(d, { findings }) };
}

describe('one credential per secret', () => {
  it('joins a base64 Kubernetes Secret value to the same plain value elsewhere, classified by its vendor rule', async () => {
    const b64 = Buffer.from(STRIPE).toString('base64');
    const { findings, graph } = await graphOf({
      '.env': `STRIPE_SECRET_KEY=${STRIPE}\n`,
      'k8s/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: billing\ntype: Opaque\ndata:\n  STRIPE_SECRET_KEY: ${b64}\n`,
    });
    const k8s = findings.find((f) => f.file === 'k8s/secret.yaml')!;
    expect(k8s).toMatchObject({ ruleId: 'stripe-secret-key', encoding: 'base64', name: 'STRIPE_SECRET_KEY' });
    expect(k8s.fingerprint).toBe(findings.find((f) => f.file === '.env')!.fingerprint);
    const creds = graph.nodes.filter((n) => n.type === 'credential');
    expect(creds).toHaveLength(1);
    expect(creds[0]).toMatchObject({ provider: 'stripe' });
    expect(JSON.stringify(graph)).not.toContain(STRIPE);
    expect(JSON.stringify(findings)).not.toContain(b64);
  });

  it('counts the password inside a connection URL as the URL credential, not a second unnamed one', async () => {
    const { graph } = await graphOf({ '.env': `DATABASE_URL=postgres://app:${PASSWORD}@db.fake.internal:5432/app\n` });
    const creds = graph.nodes.filter((n) => n.type === 'credential');
    expect(creds).toHaveLength(1);
    expect(creds[0]).toMatchObject({ names: ['DATABASE_URL'] });
  });

  it('keeps a password that is also bound on its own as its own credential, derived from by the URL', async () => {
    const { graph } = await graphOf({ '.env': `DB_PASSWORD=${PASSWORD}\nDATABASE_URL=postgres://app:${PASSWORD}@db.fake.internal:5432/app\n` });
    expect(graph.nodes.filter((n) => n.type === 'credential')).toHaveLength(2);
    expect(graph.edges.filter((e) => e.type === 'derived-from')).toHaveLength(1);
  });
});
