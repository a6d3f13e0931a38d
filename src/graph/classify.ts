/**
 * Which literal values are credentials. A value bound to a name is one when a detection rule
 * recognises it, when it is a connection URL carrying a password, or when its name looks secret
 * (KEY, SECRET, TOKEN, PASSWORD... word-bounded) and the value is neither a placeholder nor
 * trivially short. Ordinary config (PORT=3000, NODE_ENV=production) is not.
 *
 * The value is used here and forgotten: only its fingerprint and redacted form leave.
 */
import { createHash } from 'node:crypto';
import { fingerprint } from '../core/fingerprint.js';
import { redact } from '../core/redact.js';
import type { CredentialKind, Rule } from '../providers/rules.js';
import { classifyValue, compileRuleSet, type CompiledRuleSet } from '../scan/detect.js';
import { isPlaceholder } from '../scan/placeholders.js';
import { looksSecretName, nameParts } from './names.js';
import type { CredentialInfo } from './types.js';

/** Shorter values bound to secret-looking names are flags or toy values, not credentials. */
export const MIN_NAMED_SECRET_LENGTH = 8;

const URL_WITH_PASSWORD = /^([a-z][a-z0-9+.-]*):\/\/([^:/?#@\s]*):([^@/?#\s]+)@/i;

const SCHEME_PROVIDER: Record<string, string> = {
  postgres: 'postgres',
  postgresql: 'postgres',
  mysql: 'mysql',
  mariadb: 'mysql',
  redis: 'redis',
  rediss: 'redis',
  mongodb: 'mongodb',
  'mongodb+srv': 'mongodb',
  amqp: 'rabbitmq',
  amqps: 'rabbitmq',
  mssql: 'mssql',
  sqlserver: 'mssql',
};

export interface Classifier {
  classify(name: string, value: string): CredentialInfo | undefined;
  /** Changes whenever the rules change, so cached per-file results made with other rules are dropped. */
  signature: string;
}

export function createClassifier(rules: Rule[]): Classifier {
  const set: CompiledRuleSet = compileRuleSet(rules);
  const byEnvName = new Map<string, Rule>();
  for (const r of rules) for (const n of r.envNames) if (!byEnvName.has(n)) byEnvName.set(n, r);
  const signature = createHash('sha256')
    .update(
      rules
        .map(
          (r) => `${r.id}\0${r.provider}\0${r.kind}\0${r.regex.source}\0${r.envNames.join(',')}\0${r.environment.map((e) => e.match.source + e.env).join(',')}`,
        )
        .join('\n'),
    )
    .digest('hex')
    .slice(0, 16);
  return { signature, classify: (name, value) => classifyLiteral(set, byEnvName, name, value) };
}

function isInterpolated(value: string): boolean {
  return /\$\{|\$\(|\{\{|\$[A-Za-z_]/.test(value);
}

function classifyLiteral(set: CompiledRuleSet, byEnvName: Map<string, Rule>, name: string, raw: string): CredentialInfo | undefined {
  const value = raw.trim();
  if (!value || isPlaceholder(value)) return undefined;
  const hit = classifyValue(set, value, name);
  const url = URL_WITH_PASSWORD.exec(value);
  let parts: string[] | undefined;
  let urlProvider: string | undefined;
  if (url) {
    let password = url[3]!;
    try {
      password = decodeURIComponent(password);
    } catch {
      /* keep it as written */
    }
    if (!isPlaceholder(password) && !isInterpolated(password)) {
      parts = [fingerprint(password)];
      urlProvider = SCHEME_PROVIDER[url[1]!.toLowerCase()] ?? url[1]!.toLowerCase();
    }
  }
  if (hit) {
    return info(value, hit.rule.provider, hit.rule.kind, hit.rule.id, hit.environment, parts);
  }
  if (parts && urlProvider) return info(value, urlProvider, 'connection_string', undefined, undefined, parts);
  if (isInterpolated(value)) return undefined;
  if (!looksSecretName(name) || value.length < MIN_NAMED_SECRET_LENGTH) return undefined;
  // A secret-looking name holding a plain URL (AUTH_URL=https://...) or a number is configuration.
  if (/^[a-z][a-z0-9+.-]*:\/\/[^@\s]*$/i.test(value) || /^[0-9.]+$/.test(value)) return undefined;
  const known = byEnvName.get(name);
  if (known) return info(value, known.provider, known.kind, undefined, undefined, undefined);
  return info(value, 'unknown', kindFromName(name), undefined, undefined, undefined);
}

function kindFromName(name: string): CredentialKind {
  const parts = nameParts(name);
  if (parts.some((p) => p === 'PASSWORD' || p === 'PASS' || p === 'PWD' || p === 'PASSWD')) return 'password';
  if (parts.includes('DSN')) return 'connection_string';
  if (parts.includes('TOKEN')) return 'token';
  if (parts.includes('PRIVATE')) return 'private_key';
  if (parts.includes('WEBHOOK')) return 'webhook_secret';
  if (parts.some((p) => p === 'KEY' || p === 'APIKEY')) return 'api_key';
  return 'generic_secret';
}

function info(
  value: string,
  provider: string,
  kind: CredentialKind,
  ruleId: string | undefined,
  environment: string | undefined,
  parts: string[] | undefined,
): CredentialInfo {
  const out: CredentialInfo = { fingerprint: fingerprint(value), provider, kind, redacted: redact(value) };
  if (ruleId) out.ruleId = ruleId;
  if (environment) out.environment = environment;
  if (parts) out.parts = parts;
  return out;
}
