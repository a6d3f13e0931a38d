/**
 * Vercel. `.vercel/project.json` links a directory to a Vercel project (its env vars are targets,
 * made when the graph is assembled from the names the code below it reads). `vercel.json`'s `env`
 * and `build.env` are consumers' uses: `@name` values point at a Vercel secret, literals are
 * bindings kept in the file.
 */
import type { Extractor, Reference } from '../types.js';
import { basename, dirname, emptyResult, ids } from './common.js';
import { jsonKeyLine, parseJson } from './json-util.js';

export const extractor: Extractor = {
  id: 'vercel',
  version: 1,
  matches: (path) => basename(path) === 'vercel.json' || /(^|\/)\.vercel\/project\.json$/.test(path),
  extract(file, ctx) {
    const out = emptyResult();
    const parsed = parseJson(file.text);
    if (parsed.error) {
      out.warnings.push({ file: file.path, ...parsed.error });
      return out;
    }
    const doc = parsed.value as Record<string, unknown> | null;
    if (!doc || typeof doc !== 'object') return out;
    if (basename(file.path) === 'project.json') {
      const projectId = typeof doc.projectId === 'string' ? doc.projectId : undefined;
      if (!projectId) {
        out.warnings.push({ file: file.path, line: 1, message: 'no projectId: not a linked Vercel project' });
        return out;
      }
      const dir = dirname(dirname(file.path));
      out.vercelProject = { dir, projectId };
      if (typeof doc.orgId === 'string') out.vercelProject.orgId = doc.orgId;
      if (typeof doc.projectName === 'string') out.vercelProject.name = doc.projectName;
      return out;
    }
    const dir = dirname(file.path);
    const consumer = ids.consumer('vercel-project', dir || '.');
    const configTarget = ids.configFile(file.path);
    const refs: Reference[] = [];
    const build = doc.build as Record<string, unknown> | undefined;
    for (const env of [doc.env, build?.env]) {
      if (!env || typeof env !== 'object') continue;
      for (const [name, value] of Object.entries(env as Record<string, unknown>)) {
        if (typeof value !== 'string') continue;
        const line = jsonKeyLine(file.text, name);
        if (value.startsWith('@')) {
          refs.push({ name: value.slice(1), consumer, line, secret: true, ...(value.slice(1) !== name ? { as: name } : {}) });
          continue;
        }
        const credential = ctx.classify(name, value, file.path);
        out.bindings.push({ name, line, target: configTarget, ...(credential ? { credential } : {}) });
        refs.push({ name, consumer, line, via: { target: configTarget } });
      }
    }
    if (refs.length) {
      out.consumers.push({ id: consumer, kind: 'vercel-project', label: `Vercel deployment of ${dir || '.'}`, file: file.path, line: 1 });
      out.references.push(...refs);
    }
    if (out.bindings.length) out.targets.push({ id: configTarget, kind: 'config-file', label: `config file ${file.path}`, attrs: { file: file.path } });
    return out;
  },
};
