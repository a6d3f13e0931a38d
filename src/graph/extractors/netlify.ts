/**
 * netlify.toml: `[build.environment]` and `[context.<name>.environment]` values. Literals are
 * bindings kept in the file (a credential there is public to anyone with the repo); `$X` values
 * are uses of X. The site is the consumer.
 */
import { parserMessage } from '../../core/errors.js';
import { parse, TomlError } from 'smol-toml';
import type { Extractor, Reference } from '../types.js';
import { SHELL_VAR_RE, basename, dirname, emptyResult, ids, shellVarName } from './common.js';

export const extractor: Extractor = {
  id: 'netlify',
  version: 1,
  matches: (path) => basename(path) === 'netlify.toml',
  extract(file, ctx) {
    const out = emptyResult();
    let doc: Record<string, unknown>;
    try {
      doc = parse(file.text) as Record<string, unknown>;
    } catch (err) {
      const line = err instanceof TomlError ? err.line : 1;
      out.warnings.push({ file: file.path, line, message: `invalid TOML: ${parserMessage(err)}` });
      return out;
    }
    const dir = dirname(file.path);
    const consumer = ids.consumer('netlify-site', dir || '.');
    const configTarget = ids.configFile(file.path);
    const refs: Reference[] = [];
    const lines = file.text.split('\n');
    const sections: [string, Record<string, unknown> | undefined][] = [
      ['build', (doc.build as Record<string, unknown> | undefined)?.environment as Record<string, unknown> | undefined],
    ];
    for (const [ctxName, c] of Object.entries((doc.context as Record<string, Record<string, unknown>> | undefined) ?? {})) {
      sections.push([`context.${ctxName}`, c?.environment as Record<string, unknown> | undefined]);
    }
    const contexts: string[] = [];
    for (const [section, env] of sections) {
      if (!env || typeof env !== 'object') continue;
      contexts.push(section);
      for (const [name, value] of Object.entries(env)) {
        if (typeof value !== 'string') continue;
        const line = keyLine(lines, section, name);
        SHELL_VAR_RE.lastIndex = 0;
        const uses = [...value.matchAll(SHELL_VAR_RE)];
        if (uses.length === 0) {
          const credential = ctx.classify(name, value, file.path);
          out.bindings.push({ name, line, target: configTarget, ...(credential ? { credential } : {}) });
          refs.push({ name, consumer, line, via: { target: configTarget } });
        }
        for (const u of uses) {
          const used = shellVarName(u as RegExpExecArray);
          refs.push({ name: used, consumer, line, ...(used !== name ? { as: name } : {}) });
        }
      }
    }
    if (refs.length) {
      out.consumers.push({ id: consumer, kind: 'netlify-site', label: `Netlify site ${dir || '.'}`, file: file.path, line: 1, attrs: { contexts } });
      out.references.push(...refs);
    }
    if (out.bindings.length) out.targets.push({ id: configTarget, kind: 'config-file', label: `config file ${file.path}`, attrs: { file: file.path } });
    return out;
  },
};

/**
 * TOML parsers give no positions: find `name =` after the section's header (`[build.environment]`,
 * `[context.production.environment]`, or an inline `environment = {` under `[build]`).
 */
function keyLine(lines: string[], section: string, name: string): number {
  const header = new RegExp(`^\\s*\\[\\s*${section.replace(/\./g, '\\s*\\.\\s*')}(?:\\s*\\.\\s*environment)?\\s*\\]`);
  const keyRe = new RegExp(`(?:^|[{,\\s])["']?${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']?\\s*=`);
  let start = lines.findIndex((l) => header.test(l));
  if (start === -1) start = 0;
  for (let i = start; i < lines.length; i++) if (keyRe.test(lines[i]!)) return i + 1;
  return start + 1;
}
