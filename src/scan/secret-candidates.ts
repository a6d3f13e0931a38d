import { loadRulesCached } from './rules-cache.js';
import { compileRuleSet, detect, type CompiledRuleSet } from './detect.js';

/**
 * The secrets inside a binding's text: the whole text (an API key bound as-is) and whatever the
 * detection rules find in it (the password inside a DATABASE_URL). Rotation uses this to find
 * which part of `DATABASE_URL=postgres://app:pw@db/x` is the credential whose fingerprint it has.
 */
let ruleSet: CompiledRuleSet | undefined;

export function secretCandidates(name: string, text: string): string[] {
  ruleSet ??= compileRuleSet(loadRulesCached());
  const out = [text];
  for (const m of detect(ruleSet, `${name}=${text}`)) out.push(m.value);
  try {
    const u = new URL(text);
    if (u.password) out.push(decodeURIComponent(u.password));
  } catch {
    /* not a URL */
  }
  return out;
}
