/**
 * Errors the reference issuer answers with, as RFC 9457 problem details that keep the 0.1
 * `{error, error_description}` members, so 0.1 clients (which read `error`) still work and 0.2
 * clients can read `type`. Every 401 carries a `WWW-Authenticate: Bearer` challenge (RFC 6750).
 */
export const PROBLEM_TYPE_BASE = 'https://credctl.dev/spec/problems/';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  421: 'Misdirected Request',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }
}

/** 401 for management and protected calls: `invalid_token`, with the RFC 6750 challenge. */
export function invalidToken(description: string, tokenGiven: boolean, realm = 'credctl-issuer'): HttpError {
  // RFC 6750 3.1: a request without credentials gets a challenge without an error code.
  const challenge = tokenGiven ? `Bearer realm="${realm}", error="invalid_token"` : `Bearer realm="${realm}"`;
  return new HttpError(401, 'invalid_token', description, { 'www-authenticate': challenge });
}

/** 429/503 with Retry-After in whole seconds. */
export function tooMany(description: string, retryAfterSeconds: number): HttpError {
  return new HttpError(429, 'too_many_requests', description, { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) });
}

export function problemBody(status: number, code: string, description: string): Record<string, unknown> {
  return {
    type: `${PROBLEM_TYPE_BASE}${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail: description,
    error: code,
    error_description: description,
  };
}
