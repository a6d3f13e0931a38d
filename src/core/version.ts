import { readFileSync } from 'node:fs';

/** credctl's version, read from package.json so it is recorded truthfully in plans and audit entries. */
export const VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
})();
