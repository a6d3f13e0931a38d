/**
 * docker compose files. Every service is a consumer. `environment:` (map or list) entries with a
 * literal value are bindings kept in the compose file; `${X}` / `${X:-default}` anywhere in a
 * service is a use of X, delivered from the `.env` next to the compose file (compose's own
 * interpolation source); a bare `- X` passes X through the same way; `env_file:` gives the service
 * every name kept in that file.
 */
import type { Extractor, Reference } from '../types.js';
import { YamlFile, entries, get, items, str, isMap, type YNode } from '../yaml-ast.js';
import { SHELL_VAR_RE, basename, dirname, emptyResult, ids, resolveFrom, shellVarName } from './common.js';

export function isComposePath(path: string): boolean {
  return /^(?:docker-)?compose(?:[.-][\w.-]+)?\.ya?ml$/.test(basename(path));
}

export const extractor: Extractor = {
  id: 'compose',
  version: 1,
  matches: isComposePath,
  extract(file, ctx) {
    const out = emptyResult();
    const y = new YamlFile(file.path, file.text, out.warnings);
    const root = y.docs[0];
    if (!root) return out;
    const configTarget = ids.configFile(file.path);
    const dir = dirname(file.path);
    const interpolationSource = ids.envFile(dir ? `${dir}/.env` : '.env');

    for (const svc of entries(get(root, 'services'))) {
      const consumer = ids.consumer('compose-service', `${file.path}#${svc.key}`);
      out.consumers.push({
        id: consumer,
        kind: 'compose-service',
        label: `compose service ${svc.key}`,
        file: file.path,
        line: y.line(svc.keyNode),
        attrs: { service: svc.key },
      });
      const refs: Reference[] = [];
      const handled = new Set<string>();
      const literal = (name: string, value: string, line: number) => {
        const credential = ctx.classify(name, value, file.path);
        out.bindings.push({ name, line, target: configTarget, ...(credential ? { credential } : {}) });
        refs.push({ name, consumer, line, via: { target: configTarget } });
      };
      const env = get(svc.value, 'environment');
      if (isMap(env)) {
        for (const e of entries(env)) {
          const line = y.line(e.keyNode);
          const raw = str(e.value);
          if (raw === undefined) {
            refs.push({ name: e.key, consumer, line, via: { target: interpolationSource } });
            continue;
          }
          const uses = y.scan(e.value, SHELL_VAR_RE);
          if (uses.length === 0) literal(e.key, raw, line);
          for (const { match, line: l } of uses) {
            const name = shellVarName(match);
            refs.push({ name, consumer, line: l, via: { target: interpolationSource }, ...(name !== e.key ? { as: e.key } : {}) });
            handled.add(`${l}:${name}`);
          }
        }
      } else {
        for (const item of items(env)) {
          const text = str(item);
          if (!text) continue;
          const line = y.line(item);
          const eq = text.indexOf('=');
          const key = eq === -1 ? text.trim() : text.slice(0, eq).trim();
          if (eq === -1) {
            refs.push({ name: key, consumer, line, via: { target: interpolationSource } });
            continue;
          }
          const value = text.slice(eq + 1);
          const uses = y.scan(item, SHELL_VAR_RE);
          if (uses.length === 0) literal(key, value, line);
          for (const { match, line: l } of uses) {
            const name = shellVarName(match);
            refs.push({ name, consumer, line: l, via: { target: interpolationSource }, ...(name !== key ? { as: key } : {}) });
            handled.add(`${l}:${name}`);
          }
        }
      }
      // Interpolation elsewhere in the service (image tags, commands, build args).
      for (const { match, line } of y.scan(svc.value, SHELL_VAR_RE)) {
        const name = shellVarName(match);
        if (handled.has(`${line}:${name}`)) continue;
        handled.add(`${line}:${name}`);
        refs.push({ name, consumer, line, via: { target: interpolationSource } });
      }
      const envFile = get(svc.value, 'env_file');
      for (const node of [envFile, ...items(envFile)]) {
        const p = str(node) ?? str(get(node, 'path'));
        if (!p) continue;
        const path = resolveFrom(file.path, p);
        out.imports.push({ consumer, line: y.line(node), from: ids.envFile(path), path });
      }
      out.references.push(...refs);
    }
    if (out.bindings.length) out.targets.push({ id: configTarget, kind: 'config-file', label: `config file ${file.path}`, attrs: { file: file.path } });
    return out;
  },
};

export type { YNode };
