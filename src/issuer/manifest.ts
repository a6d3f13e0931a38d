import { REFERENCE_SCOPES, type PermissionSchema } from './scopes.js';

/** RFC 7662 `client_id`: the account that owns every credential of this single-account issuer. */
export const REFERENCE_ACCOUNT = 'acct_reference';

/** The reference issuer's `/.well-known/credential-issuer` document (spec 0.2) for the origin it listens on. */
export function referenceManifest(origin: string): Record<string, unknown> {
  return {
    issuer: origin,
    spec_version: '0.2',
    display_name: 'credctl reference issuer',
    credential_issuer_endpoint: `${origin}/v1/credentials`,
    introspection_endpoint: `${origin}/v1/introspect`,
    revocation_endpoint: `${origin}/v1/revoke`,
    access_request_endpoint: `${origin}/v1/access-requests`,
    audit_endpoint: `${origin}/v1/audit`,
    token_exchange_endpoint: `${origin}/v1/token`,
    whoami_endpoint: `${origin}/v1/whoami`,
    token_endpoint: `${origin}/v1/token`,
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    grant_types_supported: ['client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange'],
    management_scope: 'keys:admin',
    endpoint_auth_methods: {
      credential_issuer_endpoint: ['bearer', 'admin_token'],
      introspection_endpoint: ['bearer', 'admin_token'],
      revocation_endpoint: ['bearer', 'admin_token'],
      audit_endpoint: ['bearer', 'admin_token'],
      events_endpoint: ['bearer', 'admin_token'],
      access_request_endpoint: ['none'],
      token_endpoint: ['client_secret_basic', 'client_secret_post'],
      token_exchange_endpoint: ['none'],
      leak_report_endpoint: ['none'],
      whoami_endpoint: ['bearer'],
    },
    leak_report_endpoint: `${origin}/v1/leak-reports`,
    events_endpoint: `${origin}/v1/security-events`,
    events_delivery_methods_supported: ['urn:ietf:rfc:8936'],
    jwks_uri: `${origin}/v1/jwks`,
    conformance_profile: ['core', 'rotation', 'deactivation', 'access-requests', 'exchange', 'audit', 'events', 'leak-report'],
    permission_schema_url: `${origin}/.well-known/credential-permissions`,
    supported_credential_types: ['api_key'],
    supported_operations: ['discover', 'request', 'approve', 'create', 'scope', 'rotate', 'revoke', 'introspect', 'list', 'audit', 'deactivate', 'reactivate'],
    auth_methods: ['admin_token', 'api_key', 'oauth'],
    scopes_supported: REFERENCE_SCOPES.map((s) => s.name),
    environments_supported: ['live', 'test'],
    supports_expiring_credentials: true,
    supports_workload_bound_credentials: false,
    supports_rotation: true,
    supports_revocation: true,
    supports_audit: true,
    supports_deactivation: true,
    supports_idempotency_keys: true,
    idempotency_key_header: 'Idempotency-Key',
    secret_shown_once: true,
    max_concurrent_credentials: null,
    revocation_latency_seconds: 0,
    max_ttl_seconds: 365 * 24 * 3600,
    rotation_strategy: 'overlap',
    credential_patterns: [
      { name: 'credctl reference issuer live key', regex: '^ccx_live_[0-9A-Za-z]{32}$', kind: 'api_key', environment: 'live' },
      { name: 'credctl reference issuer test key', regex: '^ccx_test_[0-9A-Za-z]{32}$', kind: 'api_key', environment: 'test' },
    ],
  };
}

export function referencePermissions(origin: string): PermissionSchema {
  return { issuer: origin, scopes: REFERENCE_SCOPES };
}
