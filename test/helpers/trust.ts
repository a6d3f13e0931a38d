import { openProject } from '../../src/project/context.js';
import { grantTrust } from '../../src/trust/gate.js';

/** Trust a test project's credctl.yaml, as `credctl trust --yes` would (tests own these projects). */
export function trustProject(root: string, env: NodeJS.ProcessEnv = process.env): void {
  const project = openProject(root, { env });
  if (!project.trust.empty) grantTrust(project.root, project.trust, { env, rebind: project.trust.surface.secrets.map((s) => s.entry) });
}

/** trustProject, except that a credctl.yaml the test broke on purpose is left untrusted. */
export function trustIfValid(root: string, env: NodeJS.ProcessEnv = process.env): void {
  try {
    trustProject(root, env);
  } catch {
    // Invalid on purpose: the command under test reports it.
  }
}
