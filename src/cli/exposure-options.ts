import type { Command } from 'commander';

/**
 * The exposure inputs `blast-radius` and `incident open` both take (what leaked, and how), with
 * one wording and one mapping to the evidence options below the CLI.
 */
const collect = (v: string, prev: string[] = []) => [...prev, v];

export interface ExposureFlags {
  leaked?: string[];
  fromEnv?: boolean;
  repoPublic?: boolean;
  since?: string;
  name?: string[];
  credential?: string[];
  fromReport?: string[];
  person?: string;
}

export function addExposureOptions(cmd: Command): Command {
  return cmd
    .option('--leaked <file>', 'text that leaked: a .env, a CI log, a paste (- for stdin; repeatable)', collect)
    .option('--from-env', 'everything in this process environment (a package stole the environment)')
    .option('--repo-public', 'everything ever committed (the repository was made public)')
    .option('--since <commit>', 'with history: only credentials first added at or after this commit')
    .option('--name <NAME>', 'an env name that was exposed (repeatable)', collect)
    .option('--credential <id>', 'a fingerprint that was exposed (repeatable)', collect)
    .option('--from-report <file>', "another scanner's report: gitleaks JSON (--redact too), trufflehog JSON, SARIF; - reads stdin (repeatable)", collect)
    .option('--person <name>', 'what a person could see, from access: in credctl.yaml (a contractor leaving)');
}

export function exposureInputs(flags: ExposureFlags) {
  return {
    leaked: flags.leaked,
    fromEnv: flags.fromEnv,
    repoPublic: flags.repoPublic,
    since: flags.since,
    names: flags.name,
    credentials: flags.credential,
    fromReport: flags.fromReport,
    person: flags.person,
  };
}
