/** The .env family: `.env`, `.env.*`, `*.env`. Bindings NAME -> value fingerprint, via THE dotenv parser. */
import { parseDotenv } from '../../core/dotenv.js';
import type { Extractor } from '../types.js';
import { basename, emptyResult, ids } from './common.js';

export function isDotenvPath(path: string): boolean {
  const b = basename(path);
  return b === '.env' || b.startsWith('.env.') || (b.endsWith('.env') && b.length > 4);
}

export const extractor: Extractor = {
  id: 'dotenv',
  version: 1,
  matches: isDotenvPath,
  extract(file, ctx) {
    const out = emptyResult();
    const target = ids.envFile(file.path);
    out.targets.push({ id: target, kind: 'dotenv', label: `env file ${file.path}`, attrs: { file: file.path } });
    const parsed = parseDotenv(file.text);
    for (const w of parsed.warnings) out.warnings.push({ file: file.path, line: w.line, message: w.message });
    // Duplicates: the last one wins, as every dotenv loader does; only it is the live value.
    for (const entry of parsed.values.values()) {
      const credential = ctx.classify(entry.name, entry.value, file.path);
      out.bindings.push({ name: entry.name, line: entry.line, target, ...(credential ? { credential } : {}) });
    }
    return out;
  },
};
