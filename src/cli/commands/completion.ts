import type { Command } from 'commander';
import * as io from '../../core/io.js';

/**
 * `credctl completion bash|zsh|fish`: print a shell completion script generated from the command
 * tree itself (src/cli/completion/), so it always matches the installed credctl.
 */
export const order = 95;

const SHELLS = ['bash', 'zsh', 'fish'] as const;

export function register(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script: bash | zsh | fish')
    .argument('<shell>', 'bash | zsh | fish')
    .addHelpText(
      'after',
      `
Examples:
  source <(credctl completion bash)                                   this bash session
  credctl completion bash > ~/.local/share/bash-completion/completions/credctl
  credctl completion zsh > "\${fpath[1]}/_credctl"                      zsh (then restart it)
  credctl completion fish > ~/.config/fish/completions/credctl.fish`,
    )
    .action(async (shell: string) => {
      const { usageError } = await import('../../core/errors.js');
      if (!(SHELLS as readonly string[]).includes(shell))
        throw usageError(`no completion for shell "${shell.slice(0, 20)}"`, `Use one of: ${SHELLS.join(', ')}.`);
      const { buildProgram } = await import('../main.js');
      const { completionTree } = await import('../completion/tree.js');
      const { VERSION } = await import('../../core/version.js');
      const tree = completionTree(await buildProgram());
      const make =
        shell === 'bash'
          ? (await import('../completion/bash.js')).bashCompletion
          : shell === 'zsh'
            ? (await import('../completion/zsh.js')).zshCompletion
            : (await import('../completion/fish.js')).fishCompletion;
      io.out().write(make(tree, VERSION));
    });
}
