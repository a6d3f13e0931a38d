import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeSystemError, inputError } from '../core/errors.js';
import { loadRulesCached } from '../scan/rules-cache.js';
import { providersDir } from '../providers/rules.js';

/**
 * Which detection rules this credctl runs, for `credctl --version --json`: the rule set's
 * version is a digest of every providers/<id>/rules.yaml (name and content), so two installs
 * that report the same version find the same things, and an edited or added rule changes it.
 */
export interface RuleSetInfo {
  /** `sha256:` and the first 16 hex digits of the digest. */
  version: string;
  rules: number;
  providers: number;
  /** Where the rules were read from when CREDCTL_PROVIDERS_DIR points elsewhere. */
  dir?: string;
}

export function ruleSetInfo(dir: string = providersDir()): RuleSetInfo {
  const hash = createHash('sha256');
  let providers = 0;
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch (err) {
    throw inputError(`cannot read the rules folder ${dir}: ${describeSystemError(err)}`);
  }
  for (const provider of entries) {
    let text: Buffer;
    try {
      text = readFileSync(join(dir, provider, 'rules.yaml'));
    } catch {
      continue; // a provider with a manifest only
    }
    providers++;
    hash.update(`${provider}\0${text.length}\0`).update(text);
  }
  const info: RuleSetInfo = { version: `sha256:${hash.digest('hex').slice(0, 16)}`, rules: loadRulesCached(dir).length, providers };
  if (process.env.CREDCTL_PROVIDERS_DIR) info.dir = dir;
  return info;
}
