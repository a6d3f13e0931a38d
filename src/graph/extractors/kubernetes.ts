/**
 * Kubernetes manifests (any YAML with apiVersion and kind; multi-document files too).
 * - A Secret is a target (namespace/name); each `data` (base64) and `stringData` key is a binding.
 * - A workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod) is a consumer:
 *   `secretKeyRef` is a use of the env var delivered from that Secret key, `envFrom.secretRef` and
 *   secret volumes give it every key of the Secret, a literal `value:` is a binding in the manifest.
 */
import type { Extractor, Reference } from '../types.js';
import { YamlFile, entries, get, items, str, type YNode } from '../yaml-ast.js';
import { emptyResult, ids } from './common.js';

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod', 'ReplicationController']);

function podSpec(kind: string, doc: YNode): YNode {
  if (kind === 'Pod') return get(doc, 'spec');
  if (kind === 'CronJob') return get(get(get(get(get(doc, 'spec'), 'jobTemplate'), 'spec'), 'template'), 'spec');
  return get(get(get(doc, 'spec'), 'template'), 'spec');
}

export const extractor: Extractor = {
  id: 'kubernetes',
  version: 1,
  matches: (path) => /\.ya?ml$/.test(path),
  extract(file, ctx) {
    const out = emptyResult();
    // Cheap sniff first: most YAML in a repo is not a manifest and need not be parsed here.
    if (!/^\s*apiVersion\s*:/m.test(file.text) || !/^\s*kind\s*:/m.test(file.text)) return out;
    const y = new YamlFile(file.path, file.text, out.warnings);
    const manifestTarget = ids.configFile(file.path);
    for (const doc of y.docs) {
      const kind = str(get(doc, 'kind'));
      if (!kind || !str(get(doc, 'apiVersion'))) continue;
      const meta = get(doc, 'metadata');
      const name = str(get(meta, 'name')) ?? '(unnamed)';
      const namespace = str(get(meta, 'namespace')) ?? 'default';
      if (kind === 'Secret') {
        const target = ids.k8sSecret(namespace, name);
        out.targets.push({ id: target, kind: 'k8s-secret', label: `Kubernetes Secret ${namespace}/${name}`, attrs: { namespace, name, file: file.path } });
        for (const e of entries(get(doc, 'data'))) {
          const b64 = str(e.value);
          if (b64 === undefined) continue;
          const value = decodeBase64(b64);
          if (value === undefined) {
            out.warnings.push({ file: file.path, line: y.line(e.keyNode), message: `Secret ${namespace}/${name}: data.${e.key} is not valid base64` });
            continue;
          }
          const credential = ctx.classify(e.key, value, file.path);
          out.bindings.push({ name: e.key, line: y.line(e.keyNode), target, ...(credential ? { credential } : {}) });
        }
        for (const e of entries(get(doc, 'stringData'))) {
          const value = str(e.value);
          if (value === undefined) continue;
          const credential = ctx.classify(e.key, value, file.path);
          out.bindings.push({ name: e.key, line: y.line(e.keyNode), target, ...(credential ? { credential } : {}) });
        }
        continue;
      }
      if (!WORKLOADS.has(kind)) continue;
      const consumer = ids.consumer('k8s-workload', `${namespace}/${kind}/${name}`);
      out.consumers.push({
        id: consumer,
        kind: 'k8s-workload',
        label: `${kind} ${namespace}/${name}`,
        file: file.path,
        line: y.line(doc),
        attrs: { kind, namespace, name },
      });
      const spec = podSpec(kind, doc);
      const refs: Reference[] = [];
      for (const c of [...items(get(spec, 'containers')), ...items(get(spec, 'initContainers'))]) {
        for (const env of items(get(c, 'env'))) {
          const envName = str(get(env, 'name'));
          if (!envName) continue;
          const literal = str(get(env, 'value'));
          if (literal !== undefined) {
            const credential = ctx.classify(envName, literal, file.path);
            out.bindings.push({ name: envName, line: y.line(env), target: manifestTarget, ...(credential ? { credential } : {}) });
            refs.push({ name: envName, consumer, line: y.line(env), via: { target: manifestTarget } });
            continue;
          }
          const ref = get(get(env, 'valueFrom'), 'secretKeyRef');
          const secretName = str(get(ref, 'name'));
          const key = str(get(ref, 'key'));
          if (secretName && key) {
            refs.push({
              name: key,
              consumer,
              line: y.line(env),
              secret: true,
              via: { target: ids.k8sSecret(namespace, secretName), key },
              ...(key !== envName ? { as: envName } : {}),
            });
          }
        }
        for (const from of items(get(c, 'envFrom'))) {
          const secretName = str(get(get(from, 'secretRef'), 'name'));
          if (secretName) out.imports.push({ consumer, line: y.line(from), from: ids.k8sSecret(namespace, secretName) });
        }
      }
      for (const vol of items(get(spec, 'volumes'))) {
        const secretName = str(get(get(vol, 'secret'), 'secretName'));
        if (secretName) out.imports.push({ consumer, line: y.line(vol), from: ids.k8sSecret(namespace, secretName) });
      }
      out.references.push(...refs);
    }
    if (out.bindings.some((b) => b.target === manifestTarget)) {
      out.targets.push({ id: manifestTarget, kind: 'config-file', label: `config file ${file.path}`, attrs: { file: file.path } });
    }
    return out;
  },
};

function decodeBase64(text: string): string | undefined {
  const compact = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) return undefined;
  return Buffer.from(compact, 'base64').toString('utf8');
}
