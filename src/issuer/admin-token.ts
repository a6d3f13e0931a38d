import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { inputError, readInputText, usageError } from '../core/errors.js';
import { defaultDataDir } from './server.js';

/**
 * Where management commands get the issuer's admin token: --admin-token-file, then
 * $CREDCTL_ISSUER_ADMIN_TOKEN_FILE, then the default data directory's admin-token. Never a flag
 * holding the token itself (it would land in shell history and `ps`).
 */
export function readAdminToken(file?: string, required = true): string | undefined {
  const path = file ?? process.env.CREDCTL_ISSUER_ADMIN_TOKEN_FILE ?? join(defaultDataDir(), 'admin-token');
  if (!file && !process.env.CREDCTL_ISSUER_ADMIN_TOKEN_FILE && !existsSync(path)) {
    if (!required) return undefined;
    throw usageError('no admin token: pass --admin-token-file', 'It is the admin_token_file printed by `credctl issuer serve`.');
  }
  const token = readInputText(path, `admin token file ${path}`).trim();
  if (!token || /\s/.test(token)) throw inputError(`${path} does not hold a single admin token`);
  return token;
}
