import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram, COMMAND_MODULES } from '../../src/cli/main.js';
import { completionTree, allCommands } from '../../src/cli/completion/tree.js';
import { cleanup, credctl, tempDir, write } from '../scan/helpers.js';

// `credctl completion SHELL` prints a script generated from the commander tree. Each script is
// loaded by its real shell and asked for completions, as a person pressing TAB would.
const has = (shell: string) => spawnSync(shell, ['-c', 'exit 0']).status === 0;
// CI installs zsh and fish (.ci/run); locally they are checked when installed.
const zsh = has('zsh') || process.env.CI === 'true';
const fish = has('fish') || process.env.CI === 'true';

let dir: string;
const script: Record<string, string> = {};
beforeAll(() => {
  dir = tempDir('credctl-completion-');
  for (const shell of ['bash', 'zsh', 'fish']) {
    const r = credctl(['completion', shell]);
    expect(r.code, r.stderr).toBe(0);
    script[shell] = join(dir, `credctl.${shell}`);
    writeFileSync(script[shell]!, r.stdout);
  }
  write(dir, 'files/leak.env', 'A=1\n');
  write(dir, 'files/leak.log', 'x\n');
});
afterAll(cleanup);

function run(shell: string, program: string, cwd = dir): string {
  const r = spawnSync(shell, shell === 'zsh' ? ['-f', '-c', program] : ['-c', program], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, HOME: dir, XDG_CONFIG_HOME: dir },
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

/** What bash offers for the words typed so far (the last one is being completed). */
function bashComplete(...words: string[]): string[] {
  const out = run(
    'bash',
    `source '${script.bash}'; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _credctl; printf '%s\\n' "\${COMPREPLY[@]}"`,
  );
  return out.split('\n').filter(Boolean);
}

describe('credctl completion', () => {
  it('bash: commands, subcommands, options, option values and files, from the real command tree', () => {
    expect(bashComplete('credctl', '')).toEqual(expect.arrayContaining(Object.keys(COMMAND_MODULES)));
    expect(bashComplete('credctl', 'sc')).toEqual(['scan']);
    expect(bashComplete('credctl', 'scan', '--fo')).toEqual(['--format']);
    expect(bashComplete('credctl', 'scan', '--format', '')).toEqual(['table', 'json', 'jsonl', 'sarif', 'junit']);
    expect(bashComplete('credctl', 'scan', '--format', '=', 'j')).toEqual(['json', 'jsonl', 'junit']);
    expect(bashComplete('credctl', 'store', '')).toEqual(['status', 'put', 'get', 'list', 'versions', 'rm']);
    // Options of the command typed, after global options and option values.
    expect(bashComplete('credctl', '--no-color', 'store', 'get', '--label', '')).toEqual(['pending', 'current', 'previous', 'rolled-back']);
    expect(bashComplete('credctl', 'blast-radius', '--format', 'md', '--le')).toEqual(['--leaked']);
    expect(bashComplete('credctl', 'blast-radius', '--leaked', 'files/leak.e')).toEqual(['files/leak.env']);
    expect(bashComplete('credctl', 'completion', '')).toEqual(['bash', 'zsh', 'fish']);
    // A value that happens to be a command name is a value, not a command.
    expect(bashComplete('credctl', 'scan', '--baseline', 'store', '--h')).toEqual(['--history', '--help']);
  });

  it('follows the command tree: every command and option commander knows is offered', async () => {
    const tree = completionTree(await buildProgram());
    const commands = allCommands(tree);
    expect(commands.length).toBeGreaterThan(30);
    for (const c of commands.filter((c) => c.path.length === 1 && c.subcommands.length === 0)) {
      const offered = bashComplete('credctl', ...c.path, '--');
      for (const o of c.options) if (o.long) expect(offered, `${c.path.join(' ')} ${o.long}`).toContain(o.long);
    }
  });

  it.skipIf(!zsh)('zsh: the script parses, registers under compinit, and completes', () => {
    run('zsh', `zsh -n '${script.zsh}'`);
    expect(run('zsh', `autoload -U compinit && compinit -u -d '${dir}/zcompdump' && source '${script.zsh}' && print -r -- \${_comps[credctl]}`).trim()).toBe(
      '_credctl',
    );
    // The completion builtins replaced by stand-ins that print what they are given.
    const stubs = `_describe() { local n="\${@[-1]}"; print -rl -- "\${(@)\${(P)n}%%:*}"; }; compadd() { shift; print -rl -- "$@"; }; _files() { print FILES; }; _message() { :; }; compset() { :; }; compdef() { :; }; source '${script.zsh}'`;
    const complete = (...words: string[]) =>
      run('zsh', `${stubs}; words=(${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length}; _credctl`)
        .split('\n')
        .filter(Boolean);
    expect(complete('credctl', '')).toEqual(expect.arrayContaining(['scan', 'store', 'completion']));
    expect(complete('credctl', 'scan', '--format', '')).toEqual(['table', 'json', 'jsonl', 'sarif', 'junit']);
    expect(complete('credctl', 'store', 'put', '--')).toEqual(['--label', '--no-input', '--json', '-h', '--help']);
    expect(complete('credctl', 'scan', '')).toEqual(['FILES']);
  });

  it.skipIf(!fish)('fish: the script parses and completes', () => {
    run('fish', `fish -n '${script.fish}'`);
    const complete = (line: string) =>
      run('fish', `source '${script.fish}'; complete -C'${line}'`)
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0]);
    expect(complete('credctl sc')).toEqual(['scan']);
    expect(complete('credctl scan --format ').sort()).toEqual(['json', 'jsonl', 'junit', 'sarif', 'table']);
    expect(complete('credctl --no-color store ').sort()).toEqual(['get', 'list', 'put', 'rm', 'status', 'versions']);
    expect(complete('credctl store put --')).toEqual(expect.arrayContaining(['--label', '--no-input']));
    expect(complete('credctl store put --')).not.toContain('--format');
  });

  it('an unknown shell is a usage error', () => {
    const r = credctl(['completion', 'powershell']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^credctl: no completion for shell "powershell"\n/);
  });
});
