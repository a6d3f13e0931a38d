import type { BlastItem, BlastReport } from '../../src/report/model.js';

/**
 * A generated blast-radius report of `count` credentials for the HTML tests: long env names and
 * deep paths (past the old 30-character cut), targets and consumers shared between credentials,
 * a recovery order, evidence lines and score reasons. Everything is fake; the model holds no values.
 */
const PROVIDERS = ['stripe', 'github', 'aws', 'example', 'sendgrid', 'twilio', 'postgres', 'vercel'];
const CONSUMERS = [
  'Deploy / deploy',
  'code src/lib/payments/reconciliation-client.ts',
  'Deployment payments/api-server',
  'CronJob jobs/nightly-export-to-the-warehouse',
  'compose service worker',
  'code worker/client.py',
  'Release / publish-container-image',
  'Deployment web/frontend',
  'code services/notifications/email_sender.go',
  'compose service api',
];
const TARGETS = [
  'GitHub Actions secret acme/webapp STRIPE_SECRET_KEY',
  'Vercel env production EXAMPLE_API_KEY',
  'Kubernetes Secret payments/api-keys in namespace production',
  'GitHub Actions secret acme/worker AWS_SECRET_ACCESS_KEY',
  'Vercel env preview DATABASE_URL',
  'Kubernetes Secret jobs/export-credentials',
  'docker-compose.yml environment of service worker',
  'GitHub Actions environment production secret SENDGRID_API_KEY',
  '1Password vault Engineering item Payments',
  'AWS Secrets Manager prod/payments/reconciliation',
  'GitLab CI variable acme/monorepo TWILIO_AUTH_TOKEN',
  'Heroku config var acme-api-production',
];
const PLACES = [
  '.env.production',
  'services/payments-worker/config/environments/production/.env.production.local',
  'k8s/secret.yaml',
  'docker-compose.yml',
  'deploy/helm/charts/payments/values-production.yaml',
  'worker/settings.py',
  '.github/workflows/deploy.yml',
  'infra/terraform/modules/notifications/variables.auto.tfvars',
];

export interface GeneratedReport {
  report: BlastReport;
  /** Names whose label in the picture is past the old 30-character cut. */
  longNames: string[];
}

export function generatedReport(count = 30, mutate?: (item: BlastItem, index: number) => void): GeneratedReport {
  const items: BlastItem[] = [];
  const longNames: string[] = [];
  for (let n = 0; n < count; n++) {
    const provider = PROVIDERS[n % PROVIDERS.length]!;
    const name = n % 4 === 0 ? `${provider.toUpperCase()}_SECRET_KEY_FOR_THE_RECONCILIATION_WORKER_${n}` : `${provider.toUpperCase()}_KEY_${n}`;
    if (name.length > 30) longNames.push(name);
    const places = [0, 1, 2]
      .slice(0, 1 + (n % 3))
      .map((k) => ({ file: PLACES[(n + k * 3) % PLACES.length]!, line: 3 + ((n * 7 + k) % 40), ...(k === 1 ? { git: 'untracked' as const } : {}) }));
    const consumers = [0, 1].slice(0, 1 + (n % 2)).map((k) => {
      const label = CONSUMERS[(n * 3 + k * 5) % CONSUMERS.length]!;
      return { id: `consumer-${label}`, kind: 'code', label };
    });
    const targets = [0, 1, 2].slice(0, n % 4 === 3 ? 0 : 1 + (n % 3)).map((k) => {
      const label = TARGETS[(n * 5 + k * 4) % TARGETS.length]!;
      return { key: `target-${label}`, label };
    });
    const score = 95 - ((n * 13) % 80);
    const item: BlastItem = {
      id: `cred-${String(n).padStart(2, '0')}`,
      redacted: `${provider}_live_…${String(n).padStart(4, '0')}`,
      provider,
      kind: 'api_key',
      names: [name],
      exposedVia: [
        `leaked file incident-paste.txt line ${n + 2}`,
        ...(n % 5 === 0 ? [`git history commit 0123abc${n} ${places[0]!.file}:${places[0]!.line}`] : []),
      ],
      public: n % 6 === 0,
      inGraph: true,
      access: { status: 'known', scopes: [{ scope: 'write', description: 'writes', risk: 'write' }] },
      liveness: { status: n % 3 === 0 ? 'active' : 'unknown', ...(n % 3 === 0 ? {} : { reason: 'not checked (--no-probe)' }) },
      revocable: n % 2 ? 'api' : 'manual',
      places,
      consumers,
      targets,
      breaks: consumers.slice(0, 1).map((c) => ({ consumer: c.label, name })),
      score,
      scoreReasons: [
        `exposed in a leak (${n % 6 === 0 ? 'public' : 'private'})`,
        `used by ${consumers.length} consumer(s)`,
        `kept in ${targets.length} target(s)`,
      ],
      overbroad: n % 7 === 0,
      unusedScopes: n % 7 === 0 ? ['admin'] : [],
      rotation: n % 2 ? { strategy: 'api' } : { strategy: 'manual', note: `https://dashboard.example.test/${provider}/keys` },
    };
    mutate?.(item, n);
    items.push(item);
  }
  items.sort((a, b) => b.score - a.score);
  const order = [...items].reverse().map((i) => i.id);
  order.forEach((id, k) => {
    items.find((i) => i.id === id)!.rotation.order = k + 1;
  });
  return {
    report: {
      generatedAt: '2026-12-07T12:00:00.000Z',
      root: '/tmp/project',
      sources: ['leaked file incident-paste.txt', 'git history (repository made public)'],
      items,
      order,
      // Two credentials that guard each other (each can read the other's store), as the planner reports them.
      cycles: count >= 2 ? [[order[0]!, order[1]!]] : [],
      summary: {
        exposed: items.length,
        active: items.filter((i) => i.liveness.status === 'active').length,
        critical: items.filter((i) => i.score >= 80).length,
        public: items.filter((i) => i.public).length,
        breaking: items.filter((i) => i.breaks.length).length,
      },
    },
    longNames,
  };
}
