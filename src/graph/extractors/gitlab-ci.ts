/**
 * GitLab CI (`.gitlab-ci.yml`). Every visible job is a consumer; `$X` / `${X}` in its scripts and
 * variables are references; literal `variables:` values are bindings kept in the file itself.
 * Global `variables:` reach every job; a hidden template's (`.name`) uses reach the jobs that
 * `extends:` it.
 */
import type { Extractor, Reference } from '../types.js';
import { YamlFile, entries, get, items, str, type YNode } from '../yaml-ast.js';
import { SHELL_VAR_RE, basename, deployTargets, emptyResult, ids, shellVarName } from './common.js';

const RESERVED = new Set(['default', 'include', 'stages', 'variables', 'workflow', 'image', 'services', 'cache', 'before_script', 'after_script', 'types']);

export const extractor: Extractor = {
  id: 'gitlab-ci',
  version: 1,
  matches: (path) => basename(path) === '.gitlab-ci.yml' || basename(path) === '.gitlab-ci.yaml',
  extract(file, ctx) {
    const out = emptyResult();
    const y = new YamlFile(file.path, file.text, out.warnings);
    const root = y.docs[0];
    if (!root) return out;
    const configTarget = ids.configFile(file.path);
    let hasBindings = false;

    /** Variables block: literals are bindings, `$Y` values are uses of Y seen as the key. */
    const variables = (node: YNode, consumer: string | undefined, refs: Reference[]) => {
      for (const e of entries(node)) {
        const raw = str(e.value) ?? str(get(e.value, 'value'));
        if (raw === undefined) continue;
        const uses = y.scan(e.value, SHELL_VAR_RE);
        if (uses.length === 0) {
          if (consumer) continue; // job-level literal: bound once below, at top level
          const credential = ctx.classify(e.key, raw, file.path);
          out.bindings.push({ name: e.key, line: y.line(e.keyNode), target: configTarget, ...(credential ? { credential } : {}) });
          hasBindings = true;
        }
        for (const { match, line } of uses) {
          const name = shellVarName(match);
          if (consumer) refs.push({ name, consumer, line, ...(name !== e.key ? { as: e.key } : {}) });
        }
      }
    };
    const scripts = (job: YNode, consumer: string, refs: Reference[]) => {
      for (const key of ['before_script', 'script', 'after_script']) {
        for (const { match, line } of y.scan(get(job, key), SHELL_VAR_RE)) refs.push({ name: shellVarName(match), consumer, line });
      }
    };

    variables(get(root, 'variables'), undefined, []);
    // Job-level literal variables are bindings too (they are kept in this file).
    const all = entries(root);
    for (const job of all) {
      if (RESERVED.has(job.key)) continue;
      for (const e of entries(get(job.value, 'variables'))) {
        const raw = str(e.value) ?? str(get(e.value, 'value'));
        if (raw === undefined || y.scan(e.value, SHELL_VAR_RE).length > 0) continue;
        const credential = ctx.classify(e.key, raw, file.path);
        out.bindings.push({ name: e.key, line: y.line(e.keyNode), target: configTarget, ...(credential ? { credential } : {}) });
        hasBindings = true;
      }
    }

    const templates = new Map(all.filter((j) => j.key.startsWith('.')).map((j) => [j.key, j.value]));
    for (const job of all) {
      if (RESERVED.has(job.key) || job.key.startsWith('.')) continue;
      if (!get(job.value, 'script') && !get(job.value, 'trigger') && !get(job.value, 'extends')) continue;
      const consumer = ids.consumer('gitlab-job', `${file.path}#${job.key}`);
      const refs: Reference[] = [];
      const parts: YNode[] = [job.value];
      const ext = get(job.value, 'extends');
      for (const t of [str(ext), ...items(ext).map(str)]) if (t && templates.has(t)) parts.push(templates.get(t));
      for (const part of parts) {
        variables(get(part, 'variables'), consumer, refs);
        scripts(part, consumer, refs);
      }
      variables(get(root, 'variables'), consumer, refs);
      const attrs: Record<string, string | string[]> = { job: job.key };
      const envNode = get(job.value, 'environment');
      const environment = str(envNode) ?? str(get(envNode, 'name'));
      if (environment) attrs.environment = environment;
      const stage = str(get(job.value, 'stage'));
      if (stage) attrs.stage = stage;
      const deploys = deployTargets(
        parts
          .map((p) => {
            const pr = (p as { range?: [number, number, number] } | null)?.range;
            return pr ? file.text.slice(pr[0], pr[1]) : '';
          })
          .join('\n'),
      );
      if (deploys.length) attrs.deploysTo = deploys;
      out.consumers.push({ id: consumer, kind: 'gitlab-job', label: `GitLab CI / ${job.key}`, file: file.path, line: y.line(job.keyNode), attrs });
      out.references.push(...refs);
    }
    if (hasBindings) out.targets.push({ id: configTarget, kind: 'config-file', label: `config file ${file.path}`, attrs: { file: file.path } });
    return out;
  },
};
