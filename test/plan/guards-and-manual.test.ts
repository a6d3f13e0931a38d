import { describe, expect, it } from 'vitest';
import { buildPlan, type PlanBuildInput } from '../../src/plan/build.js';
import { projectSettings, guardsFor } from '../../src/config/sections.js';
import { wiredProviders } from '../../src/integrations/providers.js';
import type { Graph, GraphEdge, GraphNode } from '../../src/graph/types.js';
import { CredctlError } from '../../src/core/errors.js';

// Plans for targets credctl cannot write, and the guards that decide the order: what a token can
// do (its scopes) and what credctl.yaml says, not its env name; and the same order every time.
const fp = (n: number) => `fp_${n.toString(16).padStart(24, '0')}`;
const GH = fp(1); // GH_PACKAGES_TOKEN, a GitHub PAT
const STRIPE = fp(2); // STRIPE_SECRET_KEY, in .env and in Actions secrets of acme/api
const SESSION = fp(3); // SESSION_SECRET, self-issued, in .env
const WHSEC = fp(4); // STRIPE_WEBHOOK_SECRET
const OTHER = fp(5); // another key kept in Actions secrets

function graph(): Graph {
  const nodes: GraphNode[] = [
    { type: 'credential', id: GH, provider: 'github', kind: 'token', names: ['GH_PACKAGES_TOKEN'], redacted: 'ghp_…FAKE' } as GraphNode,
    { type: 'credential', id: STRIPE, provider: 'stripe', kind: 'api_key', names: ['STRIPE_SECRET_KEY'], redacted: 'sk_live_…FAKE' } as GraphNode,
    { type: 'credential', id: SESSION, provider: 'generic', kind: 'generic_secret', names: ['SESSION_SECRET'], redacted: 'FAKE…cdef' } as GraphNode,
    { type: 'credential', id: WHSEC, provider: 'stripe', kind: 'webhook_secret', names: ['STRIPE_WEBHOOK_SECRET'], redacted: 'whsec_…FAKE' } as GraphNode,
    { type: 'credential', id: OTHER, provider: 'stripe', kind: 'api_key', names: ['STRIPE_OTHER_KEY'], redacted: 'sk_live_…OTHR' } as GraphNode,
    { type: 'target', id: 'target:dotenv:.env', kind: 'dotenv', label: 'env file .env', attrs: { file: '.env' } },
    {
      type: 'target',
      id: 'target:github-actions:STRIPE_SECRET_KEY',
      kind: 'github-actions',
      label: 'GitHub Actions secret STRIPE_SECRET_KEY of acme/api',
      attrs: { name: 'STRIPE_SECRET_KEY', repo: 'acme/api' },
    },
    {
      type: 'target',
      id: 'target:github-actions:STRIPE_OTHER_KEY',
      kind: 'github-actions',
      label: 'GitHub Actions secret STRIPE_OTHER_KEY of acme/api',
      attrs: { name: 'STRIPE_OTHER_KEY', repo: 'acme/api' },
    },
    { type: 'target', id: 'target:config-file:config/app.yml', kind: 'config-file', label: 'config file config/app.yml', attrs: { file: 'config/app.yml' } },
  ];
  const edges: GraphEdge[] = [
    { type: 'stored-in', from: GH, to: 'target:dotenv:.env', key: 'GH_PACKAGES_TOKEN' },
    { type: 'stored-in', from: STRIPE, to: 'target:dotenv:.env', key: 'STRIPE_SECRET_KEY' },
    { type: 'stored-in', from: STRIPE, to: 'target:github-actions:STRIPE_SECRET_KEY', key: 'STRIPE_SECRET_KEY' },
    { type: 'stored-in', from: OTHER, to: 'target:github-actions:STRIPE_OTHER_KEY', key: 'STRIPE_OTHER_KEY' },
    { type: 'stored-in', from: SESSION, to: 'target:dotenv:.env', key: 'SESSION_SECRET' },
    { type: 'stored-in', from: SESSION, to: 'target:config-file:config/app.yml', key: 'SESSION_SECRET' },
    { type: 'stored-in', from: WHSEC, to: 'target:dotenv:.env', key: 'STRIPE_WEBHOOK_SECRET' },
    { type: 'guards', from: GH, to: 'target:github-actions:STRIPE_SECRET_KEY', reason: 'provider github' } as GraphEdge,
    { type: 'guards', from: GH, to: 'target:github-actions:STRIPE_OTHER_KEY', reason: 'provider github' } as GraphEdge,
  ];
  return { schemaVersion: 1, nodes, edges, warnings: [] };
}

const providers = wiredProviders();

function plan(extra: Partial<PlanBuildInput> = {}, g: Graph = graph()) {
  return buildPlan({ root: '/tmp/credctl-plan-test', graph: g, providers, select: { all: true }, hasTargetToken: () => false, ...extra });
}
const cred = (p: ReturnType<typeof plan>, id: string) => p.credentials.find((c) => c.id === id)!;
const batchOf = (p: ReturnType<typeof plan>, id: string) => p.order.batches.findIndex((b) => b.includes(id));

describe('manual targets', () => {
  it('a GitHub Actions secret with no token to write it is a manual step naming the settings page and the secret', () => {
    const p = plan({ grantsFor: (id) => (id === GH ? ['read:packages'] : undefined) });
    const stripe = cred(p, STRIPE);
    const manual = stripe.steps.filter((s) => s.action === 'manual-inject');
    expect(manual).toHaveLength(1);
    expect(manual[0]!.envName).toBe('STRIPE_SECRET_KEY');
    expect(manual[0]!.manual?.url).toBe('https://github.com/acme/api/settings/secrets/actions');
    expect(manual[0]!.manual?.instructions).toContain('STRIPE_SECRET_KEY');
    expect(manual[0]!.manual?.confirmKey).toBe('github-actions:acme/api:STRIPE_SECRET_KEY');
    expect(stripe.manualTargets).toEqual([
      {
        place: 'GitHub Actions secrets of acme/api',
        envName: 'STRIPE_SECRET_KEY',
        key: 'github-actions:acme/api:STRIPE_SECRET_KEY',
        url: 'https://github.com/acme/api/settings/secrets/actions',
      },
    ]);
    // The writable .env is still written by credctl; the manual place comes after every write and before revoke.
    const actions = stripe.steps.map((s) => s.action);
    expect(actions.indexOf('inject')).toBeLessThan(actions.indexOf('manual-inject'));
    expect(actions.indexOf('manual-inject')).toBeLessThan(actions.indexOf('revoke'));
  });

  it('with a token for the target (credctl.yaml admin) it is written, not manual', () => {
    const p = plan({ hasTargetToken: (id) => id === 'github', grantsFor: (id) => (id === GH ? ['read:packages'] : undefined) });
    expect(cred(p, STRIPE).steps.some((s) => s.action === 'manual-inject')).toBe(false);
    expect(
      cred(p, STRIPE)
        .steps.filter((s) => s.action === 'inject')
        .map((s) => s.target?.type),
    ).toEqual(['dotenv', 'github-actions']);
  });

  it('a Kubernetes Secret manifest in the project is written as a file, with no Kubernetes token', () => {
    const g = graph();
    g.nodes.push({
      type: 'target',
      id: 'target:k8s-secret:default/app',
      kind: 'k8s-secret',
      label: 'k8s Secret app',
      attrs: { file: 'k8s/secret.yaml', name: 'app' },
    });
    g.edges.push({ type: 'stored-in', from: OTHER, to: 'target:k8s-secret:default/app', key: 'STRIPE_OTHER_KEY' });
    const other = cred(plan({ grantsFor: (id) => (id === GH ? ['read:packages'] : undefined) }, g), OTHER);
    expect(other.steps.filter((s) => s.action === 'inject').map((s) => s.target?.type)).toEqual(['k8s-secret']);
    expect(other.steps.filter((s) => s.action === 'manual-inject').map((s) => s.target?.type)).toEqual(['github-actions']);
  });

  it('a place no plugin can write (a config file literal) is a manual step too, with its own confirm key', () => {
    const s = cred(plan(), SESSION).steps.find((x) => x.action === 'manual-inject')!;
    expect(s.manual?.place).toBe('config file config/app.yml');
    expect(s.manual?.confirmKey).toBe('config-file:config/app.yml:SESSION_SECRET');
  });
});

describe('guards', () => {
  it('with no scope knowledge a token guards as today, and the plan says it is assumed', () => {
    const p = plan();
    expect(batchOf(p, GH)).toBeLessThan(batchOf(p, STRIPE));
    expect(batchOf(p, GH)).toBeLessThan(batchOf(p, OTHER));
    expect(cred(p, GH).guards).toEqual(['{"repo":"acme/api","type":"github-actions"}']);
    expect(cred(p, GH).orderReason).toMatch(/rotated first \(assumed from its provider: its scopes are not known/);
    // The guard rotated in the same plan gives the token: the Actions secret is written, not manual.
    expect(cred(p, STRIPE).steps.some((s) => s.action === 'manual-inject')).toBe(false);
  });

  it('a token whose scopes cannot write Actions secrets does not guard them (a packages-read PAT)', () => {
    const p = plan({ grantsFor: (id) => (id === GH ? ['read:packages', 'write:packages'] : undefined) });
    expect(cred(p, GH).guards).toEqual([]);
    expect(cred(p, GH).orderReason).toBeUndefined();
    expect(p.order.batches).toHaveLength(1);
  });

  it('a token whose scopes can write them guards them, and the reason names the scope', () => {
    const p = plan({ grantsFor: (id) => (id === GH ? ['repo', 'workflow'] : undefined) });
    expect(batchOf(p, GH)).toBeLessThan(batchOf(p, STRIPE));
    expect(cred(p, GH).orderReason).toMatch(/its scopes can write there: repo/);
  });

  it('credctl.yaml guards: none turns an inferred guard off; a list sets exactly what it guards', () => {
    const settings = projectSettings({ guards: { GH_PACKAGES_TOKEN: 'none', SESSION_SECRET: ['github-actions:acme/api'] } });
    const p = plan({ guardsFor: (names) => guardsFor(settings, names) });
    expect(cred(p, GH).guards).toEqual([]);
    expect(cred(p, SESSION).guards).toEqual(['{"repo":"acme/api","type":"github-actions"}']);
    expect(cred(p, SESSION).orderReason).toMatch(/as credctl.yaml guards: says/);
    expect(batchOf(p, SESSION)).toBeLessThan(batchOf(p, STRIPE));
    expect(cred(p, GH).orderReason).toBeUndefined();
  });

  it('rejects a guards: setting that is not none, auto or a list of targets, and an unknown target type', () => {
    for (const bad of [{ X: 'some' }, { X: [] }, { X: ['Git Hub'] }, { 'bad name': 'none' }, ['GH']]) {
      try {
        projectSettings({ guards: bad });
        expect.unreachable(`accepted ${JSON.stringify(bad)}`);
      } catch (err) {
        expect(err).toBeInstanceOf(CredctlError);
        expect((err as CredctlError).exitCode).toBe(3);
        expect((err as CredctlError).message).toMatch(/^credctl.yaml: guards/);
      }
    }
    const settings = projectSettings({ guards: { GH_PACKAGES_TOKEN: ['nosuchtarget'] } });
    expect(() => plan({ guardsFor: (n) => guardsFor(settings, n) })).toThrow(/guards.GH_PACKAGES_TOKEN: unknown target type "nosuchtarget"/);
  });
});

describe('a stable safe order', () => {
  const shape = (p: ReturnType<typeof plan>) => ({
    batches: p.order.batches,
    creds: p.credentials.map((c) => [c.id, c.guards, c.orderReason, c.steps.map((s) => [s.id, s.action, s.envName, s.target?.type, s.manual?.confirmKey])]),
  });

  it('the same input twice gives the same order and steps', () => {
    expect(shape(plan())).toEqual(shape(plan()));
  });

  it('a shuffled graph gives the same order and steps', () => {
    const writable = { hasTargetToken: () => true };
    const base = shape(plan(writable));
    for (let seed = 1; seed <= 5; seed++) {
      const g = graph();
      let x = seed;
      const rnd = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      const shuffle = <T>(a: T[]) =>
        a
          .map((v) => [rnd(), v] as const)
          .sort((p, q) => p[0] - q[0])
          .map(([, v]) => v);
      expect(shape(plan(writable, { ...g, nodes: shuffle(g.nodes), edges: shuffle(g.edges) }))).toEqual(base);
    }
  });

  it('two guards of the same targets, tied, are ordered by id whatever the input order', () => {
    const g = graph();
    const second = fp(6);
    g.nodes.push({ type: 'credential', id: second, provider: 'github', kind: 'token', names: ['GH_DEPLOY_TOKEN'], redacted: 'ghp_…DPLY' } as GraphNode);
    g.edges.push({ type: 'guards', from: second, to: 'target:github-actions:STRIPE_SECRET_KEY', reason: 'provider github' } as GraphEdge);
    const a = plan({}, g);
    const b = plan({}, { ...g, nodes: [...g.nodes].reverse(), edges: [...g.edges].reverse() });
    expect(a.order.batches).toEqual(b.order.batches);
    expect(a.order.batches[0]).toEqual([GH, SESSION, WHSEC, second]);
  });
});

describe('self-issued secrets and kind-specific manual steps', () => {
  it('a session secret is generated by credctl, and its old value retired once no target holds it', () => {
    const s = cred(plan(), SESSION);
    expect(s.strategy).toBe('generate');
    expect(s.steps.map((x) => x.action)).toEqual(['snapshot', 'generate', 'store', 'inject', 'manual-inject', 'promote', 'revoke']);
    expect(s.steps.find((x) => x.action === 'generate')!.generate).toEqual({ alphabet: 'same', minLength: 32 });
    expect(s.steps.find((x) => x.action === 'revoke')!.mode).toBe('retire');
    expect(s.steps.some((x) => x.action === 'manual-create')).toBe(false);
  });

  it('credctl.yaml self_issued marks a generic secret; it never turns a vendor key into a random string', () => {
    const g = graph();
    g.nodes.push({
      type: 'credential',
      id: fp(7),
      provider: 'generic',
      kind: 'generic_secret',
      names: ['WEBHOOK_SIGNING_KEY'],
      redacted: 'FAKE…0001',
    } as GraphNode);
    g.edges.push({ type: 'stored-in', from: fp(7), to: 'target:dotenv:.env', key: 'WEBHOOK_SIGNING_KEY' });
    const declared = new Set(['WEBHOOK_SIGNING_KEY', 'STRIPE_SECRET_KEY']);
    const p = plan({ selfIssued: (names) => names.some((n) => declared.has(n)) }, g);
    expect(cred(p, fp(7)).strategy).toBe('generate');
    expect(cred(p, STRIPE).strategy).toBe('manual');
  });

  it('a Stripe webhook signing secret is rolled on its webhook endpoint, not on the API-keys page', () => {
    const w = cred(plan(), WHSEC);
    expect(w.strategy).toBe('manual');
    const create = w.steps.find((s) => s.action === 'manual-create')!;
    expect(create.manual?.url).toBe('https://dashboard.stripe.com/webhooks');
    expect(create.manual?.instructions).toMatch(/Roll secret/);
    expect(w.steps.find((s) => s.action === 'revoke')!.manual?.url).toBe('https://dashboard.stripe.com/webhooks');
    // A secret key keeps the API-keys page.
    expect(cred(plan(), STRIPE).steps.find((s) => s.action === 'manual-create')!.manual?.url).toMatch(/dashboard\.stripe\.com\/apikeys/);
  });

  it('a compose database password is generated only when nothing but compose services reads it', () => {
    const withConsumers = (kinds: string[]) => {
      const g = graph();
      const pg = fp(8);
      g.nodes.push({ type: 'credential', id: pg, provider: 'generic', kind: 'password', names: ['POSTGRES_PASSWORD'], redacted: 'FAKE…pass' } as GraphNode);
      g.nodes.push({ type: 'name', id: 'name:POSTGRES_PASSWORD', name: 'POSTGRES_PASSWORD' });
      g.edges.push({ type: 'stored-in', from: pg, to: 'target:dotenv:.env', key: 'POSTGRES_PASSWORD' });
      kinds.forEach((kind, i) => {
        g.nodes.push({ type: 'consumer', id: `consumer:${i}`, kind: kind as never, label: kind, file: 'compose.yaml', line: i + 1 });
        g.edges.push({ type: 'referenced-by', from: 'name:POSTGRES_PASSWORD', to: `consumer:${i}`, file: 'compose.yaml', line: i + 1 });
      });
      return cred(plan({}, g), pg);
    };
    const compose = withConsumers(['compose-service', 'compose-service']);
    expect(compose.strategy).toBe('generate');
    expect(compose.steps.find((s) => s.action === 'generate')!.generate).toEqual({ alphabet: 'alnum', minLength: 32 });
    expect(compose.notes?.join(' ')).toMatch(/ALTER USER/);
    expect(withConsumers(['compose-service', 'code']).strategy).toBe('manual');
    expect(withConsumers([]).strategy).toBe('manual');
  });
});

describe('provider.yaml declarations', () => {
  it('reads self_issued and manual_by_kind, and refuses malformed ones naming the file (exit 3)', async () => {
    const { parseProviderFile } = await import('../../src/providers/registry.js');
    const ok = parseProviderFile(
      'acme',
      'id: acme\nname: Acme\nself_issued:\n  - names: [ACME_SIGNING_SECRET]\n    alphabet: hex\n    min_length: 64\nmanual_by_kind:\n  webhook_secret:\n    create: { url: https://acme.example/webhooks, instructions: Roll it. }\n',
      'providers/acme/provider.yaml',
      false,
    );
    expect(ok.selfIssued).toEqual([{ names: ['ACME_SIGNING_SECRET'], alphabet: 'hex', minLength: 64 }]);
    expect(ok.manualByKind).toEqual({ webhook_secret: { create: { url: 'https://acme.example/webhooks', instructions: 'Roll it.' } } });
    for (const bad of [
      'self_issued: {names: [X]}',
      'self_issued:\n  - names: []',
      'self_issued:\n  - names: [X]\n    alphabet: emoji',
      'self_issued:\n  - names: [X]\n    min_length: 8',
      'manual_by_kind:\n  webhook_secret:\n    delete: { url: x }',
    ]) {
      expect(() => parseProviderFile('acme', `id: acme\nname: Acme\n${bad}\n`, 'providers/acme/provider.yaml', false)).toThrow(
        /^providers\/acme\/provider.yaml: (self_issued|manual_by_kind)/,
      );
    }
  });

  it('credctl.yaml credentials.NAME.self_issued must be true or false', () => {
    expect(projectSettings({ credentials: { X: { self_issued: true } } }).credentials.X!.selfIssued).toBe(true);
    expect(() => projectSettings({ credentials: { X: { self_issued: 'yes' } } })).toThrow(/credentials.X.self_issued must be true or false/);
  });
});

describe('manual places declared by target plugins', () => {
  it('Vercel env: the dashboard link to the project env settings, naming the project and the variable', async () => {
    const { manualPlaceFor } = await import('../../src/integrations/targets.js');
    const place = manualPlaceFor({ type: 'vercel-env', projectId: 'prj_FAKE0001', teamId: 'team_FAKE' }, 'STRIPE_SECRET_KEY');
    expect(place.url).toBe('https://vercel.com/d?to=%2F%5Bteam%5D%2F%5Bproject%5D%2Fsettings%2Fenvironment-variables');
    expect(place.instructions).toContain('prj_FAKE0001');
    expect(place.instructions).toContain('STRIPE_SECRET_KEY');
    expect(place.confirmKey).toBe('vercel-env:prj_FAKE0001:STRIPE_SECRET_KEY');
  });

  it('GitHub Actions environment secrets and GitHub Enterprise pages', async () => {
    const { manualPlaceFor } = await import('../../src/integrations/targets.js');
    const env = manualPlaceFor({ type: 'github-actions', repo: 'acme/api', environment: 'production' }, 'STRIPE_SECRET_KEY');
    expect(env).toMatchObject({ url: 'https://github.com/acme/api/settings/environments', confirmKey: 'github-actions:acme/api:production:STRIPE_SECRET_KEY' });
    const ghe = manualPlaceFor({ type: 'github-actions', repo: 'acme/api', apiUrl: 'https://git.example.com/api/v3' }, 'X');
    expect(ghe.url).toBe('https://git.example.com/acme/api/settings/secrets/actions');
  });
});
