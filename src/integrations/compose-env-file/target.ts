import { DotenvFileTarget } from '../dotenv/target.js';
import { optionalString, requireString } from '../../targets/ref-fields.js';
import type { ComposeEnvFileTargetRef, TargetPlugin } from '../../targets/target.js';

/**
 * A docker compose `env_file`: the dotenv format (compose reads it with the same rules for
 * quotes, `export` and comments), so writing is the dotenv target's; this type exists so plans
 * say which compose file and service load it, and remind that the service must be recreated.
 */
export const composeEnvFilePlugin: TargetPlugin<ComposeEnvFileTargetRef> = {
  type: 'compose-env-file',
  parseRef(raw) {
    const t = 'compose-env-file';
    const ref: ComposeEnvFileTargetRef = { type: t, file: requireString(raw, 'file', t) };
    const composeFile = optionalString(raw, 'composeFile', t);
    const service = optionalString(raw, 'service', t);
    if (composeFile) ref.composeFile = composeFile;
    if (service) ref.service = service;
    return ref;
  },
  open(ref, deps) {
    const who = ref.service ? ` of service ${ref.service}` : '';
    const where = ref.composeFile ? ` (${ref.composeFile})` : '';
    const inner = new DotenvFileTarget('compose-env-file', ref, ref.file, deps, (d) => `compose env_file ${d}${who}${where}`);
    const write = inner.write.bind(inner);
    inner.write = async (name, value, opts) => {
      const r = await write(name, value, opts);
      if (r.status === 'written') {
        r.notes.push(`recreate the container${ref.service ? ` (docker compose up -d ${ref.service})` : ''} for it to read the new value`);
      }
      return r;
    };
    return inner;
  },
};
