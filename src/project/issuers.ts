import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as io from '../core/io.js';
import { clearOnboarded, onboardIssuers, type Onboarded } from '../integrations/standard/onboard.js';
import { actionableSettings, openProject, projectTrustedOrigins } from './context.js';

/**
 * Before a command that works with providers: learn the issuers the project's trusted
 * credctl.yaml names and credctl does not know (src/integrations/standard/onboard.ts). Untrusted,
 * their issuer URLs are set aside and never contacted. A project whose credctl.yaml names no
 * issuer costs one small file read.
 */
export async function onboardProjectIssuers(root: string, env: NodeJS.ProcessEnv = process.env): Promise<Onboarded> {
  const file = join(root, 'credctl.yaml');
  if (!existsSync(file) || !/\bissuer\s*:/.test(readFileSync(file, 'utf8'))) {
    clearOnboarded();
    return { providers: [], rules: [] };
  }
  const project = openProject(root, { env });
  return onboardIssuers({
    providers: actionableSettings(project).providers,
    trustedOrigins: projectTrustedOrigins(project),
    warn: (line) => io.err().write(line + '\n'),
  });
}
