/**
 * CircleCI (`.circleci/config.yml`). Every job is a consumer; `$X` / `${X}` anywhere in it (run
 * steps, docker auth) is a reference; literal `environment:` values are bindings kept in the file.
 * The contexts a workflow attaches to a job (where its secrets usually live) are kept on the job.
 */
import type { Extractor, Reference } from '../types.js';
import { YamlFile, entries, get, items, str, type YNode } from '../yaml-ast.js';
import { SHELL_VAR_RE, deployTargets, emptyResult, ids, shellVarName } from './common.js';

export const extractor: Extractor = {
  id: 'circleci',
  version: 1,
  matches: (path) => /(^|\/)\.circleci\/config\.ya?ml$/.test(path),
  extract(file, ctx) {
    const out = emptyResult();
    const y = new YamlFile(file.path, file.text, out.warnings);
    const root = y.docs[0];
    if (!root) return out;
    const configTarget = ids.configFile(file.path);

    const contexts = new Map<string, Set<string>>();
    for (const wf of entries(get(root, 'workflows'))) {
      for (const j of items(get(wf.value, 'jobs'))) {
        for (const e of entries(j)) {
          const ctxNode = get(e.value, 'context');
          const names = [str(ctxNode), ...items(ctxNode).map(str)].filter((x): x is string => !!x);
          const set = contexts.get(e.key) ?? new Set<string>();
          names.forEach((n) => set.add(n));
          contexts.set(e.key, set);
        }
      }
    }

    const environmentBlocks = (job: YNode): YNode[] => [get(job, 'environment'), ...items(get(job, 'docker')).map((d) => get(d, 'environment'))];

    for (const job of entries(get(root, 'jobs'))) {
      const consumer = ids.consumer('circleci-job', `${file.path}#${job.key}`);
      const refs: Reference[] = [];
      const literalLines = new Set<number>();
      for (const block of environmentBlocks(job.value)) {
        for (const e of entries(block)) {
          const raw = str(e.value);
          if (raw === undefined) continue;
          const uses = y.scan(e.value, SHELL_VAR_RE);
          if (uses.length === 0) {
            const credential = ctx.classify(e.key, raw, file.path);
            out.bindings.push({ name: e.key, line: y.line(e.keyNode), target: configTarget, ...(credential ? { credential } : {}) });
            refs.push({ name: e.key, consumer, line: y.line(e.keyNode), via: { target: configTarget } });
            literalLines.add(y.line(e.keyNode));
          }
          for (const { match, line } of uses) {
            const name = shellVarName(match);
            refs.push({ name, consumer, line, ...(name !== e.key ? { as: e.key } : {}) });
            literalLines.add(line);
          }
        }
      }
      for (const { match, line } of y.scan(job.value, SHELL_VAR_RE)) {
        if (literalLines.has(line)) continue; // already taken from the environment block
        refs.push({ name: shellVarName(match), consumer, line });
      }
      const attrs: Record<string, string | string[]> = { job: job.key };
      const cx = [...(contexts.get(job.key) ?? [])].sort();
      if (cx.length) attrs.contexts = cx;
      const r = (job.value as { range?: [number, number, number] } | null)?.range;
      const deploys = deployTargets(r ? file.text.slice(r[0], r[1]) : '');
      if (deploys.length) attrs.deploysTo = deploys;
      out.consumers.push({ id: consumer, kind: 'circleci-job', label: `CircleCI / ${job.key}`, file: file.path, line: y.line(job.keyNode), attrs });
      out.references.push(...refs);
    }
    if (out.bindings.length) out.targets.push({ id: configTarget, kind: 'config-file', label: `config file ${file.path}`, attrs: { file: file.path } });
    return out;
  },
};
