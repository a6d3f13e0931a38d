import { statSync } from 'node:fs';
import { join } from 'node:path';
import * as io from '../core/io.js';
import type { Onboarded } from '../integrations/standard/onboard.js';
import { clearOnboarded } from '../integrations/standard/onboarded-clear.js';

/**
 * Before a command that works with providers: learn the issuers the project's trusted
 * credctl.yaml names and credctl does not know (src/integrations/standard/onboard.ts). Untrusted,
 * their issuer URLs are set aside and never contacted. A project whose credctl.yaml names no
 * issuer credctl does not know makes no network call.
 */
export async function onboardProjectIssuers(root: string, env: NodeJS.ProcessEnv = process.env): Promise<Onboarded> {
  let usable = false;
  try {
    // A file credctl cannot use (a directory, too big) is left for the command to report.
    const st = statSync(join(root, 'credctl.yaml'));
    usable = st.isFile() && st.size <= 1024 * 1024;
  } catch {
    usable = false;
  }
  if (!usable) {
    clearOnboarded();
    return { providers: [], rules: [] };
  }
  // Loaded only now: the onboarding and the project's settings bring in the registry, the YAML
  // parser, the HTTP client and the trust prompts (~200 ms of CPU), which a project without
  // credctl.yaml never needs.
  const [{ onboardIssuers }, { actionableSettings, openProject, projectTrustedOrigins }] = await Promise.all([
    import('../integrations/standard/onboard.js'),
    import('./context.js'),
  ]);
  // Read and validated here for every command that works with providers (scan included), so an
  // unknown key is an error wherever credctl.yaml matters, not only where a section is read.
  const project = openProject(root, { env });
  return onboardIssuers({
    providers: actionableSettings(project).providers,
    trustedOrigins: projectTrustedOrigins(project),
    warn: (line) => io.err().write(line + '\n'),
  });
}
