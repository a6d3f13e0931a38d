/** JSON Schema of a plan file, checked with ajv when a plan is read (a hand-edited plan is input). */
const targetRef = { type: 'object', required: ['type'], properties: { type: { type: 'string', minLength: 1 } } };

const step = {
  type: 'object',
  required: ['id', 'action', 'description'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', minLength: 1 },
    action: {
      enum: [
        'snapshot',
        'create',
        'manual-create',
        'generate',
        'store',
        'inject',
        'manual-inject',
        'health',
        'introspect',
        'promote',
        'revoke',
        'verify-revoked',
      ],
    },
    description: { type: 'string' },
    target: targetRef,
    envName: { type: 'string' },
    parts: {
      type: 'array',
      items: {
        type: 'object',
        required: ['role', 'envName'],
        additionalProperties: false,
        properties: { role: { type: 'string', pattern: '^[a-z0-9-]{1,40}$' }, envName: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_.-]{0,199}$' } },
      },
    },
    check: { type: 'object' },
    mode: { enum: ['revoke', 'deactivate', 'retire'] },
    graceDays: { type: 'integer', minimum: 1, maximum: 3650 },
    manual: {
      type: 'object',
      required: ['instructions'],
      properties: { instructions: { type: 'string' }, url: { type: 'string' }, place: { type: 'string' }, confirmKey: { type: 'string' } },
    },
    generate: {
      type: 'object',
      required: ['alphabet', 'minLength'],
      additionalProperties: false,
      properties: { alphabet: { enum: ['same', 'hex', 'base64url', 'alnum'] }, minLength: { type: 'integer', minimum: 32, maximum: 1024 } },
    },
  },
  // A deactivation is kept for a stated number of days; a plain revocation has none.
  if: { required: ['mode'], properties: { mode: { const: 'deactivate' } } },
  then: { required: ['graceDays'] },
  else: { not: { required: ['graceDays'] } },
};

const credential = {
  type: 'object',
  required: ['id', 'names', 'provider', 'kind', 'redacted', 'storeName', 'strategy', 'guards', 'steps'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: '^fp_[0-9a-f]{24}$' },
    names: { type: 'array', items: { type: 'string' } },
    provider: { type: 'string' },
    kind: { type: 'string' },
    environment: { type: 'string' },
    redacted: { type: 'string' },
    issuer: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string' } },
    storeName: { type: 'string', minLength: 1 },
    strategy: { enum: ['api', 'manual', 'generate'] },
    rotation: { enum: ['overlap', 'roll', 'alternating-users', 'deactivation-grace'] },
    guards: { type: 'array', items: { type: 'string' } },
    orderReason: { type: 'string' },
    notes: { type: 'array', items: { type: 'string' } },
    manualTargets: {
      type: 'array',
      items: {
        type: 'object',
        required: ['place', 'envName'],
        additionalProperties: false,
        properties: { place: { type: 'string' }, envName: { type: 'string' }, key: { type: 'string' }, url: { type: 'string' } },
      },
    },
    steps: { type: 'array', items: step },
  },
};

export const planSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'id', 'createdAt', 'root', 'inputs', 'order', 'credentials'],
  additionalProperties: false,
  properties: {
    // Present when the plan was printed with --json (every JSON document says which credctl wrote it).
    credctlVersion: { type: 'string' },
    apiVersion: { const: 'credctl/v1' },
    kind: { const: 'RotationPlan' },
    id: { type: 'string', pattern: '^[A-Za-z0-9_-]+$' },
    createdAt: { type: 'string' },
    root: { type: 'string' },
    inputs: {
      type: 'object',
      required: ['graph', 'files', 'manifests', 'tool'],
      properties: {
        graph: { type: 'string' },
        files: { type: 'object', additionalProperties: { type: 'string' } },
        manifests: { type: 'object', additionalProperties: { type: 'string' } },
        tool: { type: 'string' },
      },
    },
    order: {
      type: 'object',
      required: ['batches', 'cycles', 'rule'],
      properties: {
        batches: { type: 'array', items: { type: 'array', items: { type: 'string' } } },
        cycles: { type: 'array', items: { type: 'array', items: { type: 'string' } } },
        rule: { type: 'string' },
      },
    },
    credentials: { type: 'array', items: credential },
  },
} as const;
