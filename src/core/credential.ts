/**
 * How credctl names a credential everywhere (graph, plans, reports, journals, inventory): its
 * fingerprint and what is safe to show. Never a value. Each place extends this with its own facts.
 */
export interface CredentialIdentity {
  /** `fp_` + 24 hex: derived from the value, so the same secret is the same credential everywhere. */
  id: string;
  /** The env names it is bound to, most used first. */
  names: string[];
  /** Provider id (`providers/<id>/`), or `generic` / `unknown`. */
  provider: string;
  /** What kind of secret (`api_key`, `connection_string`, `secret_access_key`...). */
  kind: string;
  environment?: string;
  /** A prefix and the last characters, for people (core/redact.ts). */
  redacted: string;
}

/**
 * Just the identity of a credential (a graph node, say), without the rest of what it carries: what
 * plans, reports and queries copy before adding their own facts.
 */
export function identityOf(c: CredentialIdentity): CredentialIdentity {
  return { id: c.id, names: c.names, provider: c.provider, kind: c.kind, ...(c.environment ? { environment: c.environment } : {}), redacted: c.redacted };
}
