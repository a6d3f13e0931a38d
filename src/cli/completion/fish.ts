import { allCommands, shortDescription, type CompletionCommand, type CompletionOption } from './tree.js';

/**
 * `credctl completion fish`: `complete` lines generated from the command tree. A helper works out
 * the command path typed so far (skipping options and their values), and every line applies only
 * at its own command, so `store put` never offers `scan`'s flags.
 */
export function fishCompletion(root: CompletionCommand, version: string): string {
  const commands = allCommands(root);
  const key = (c: CompletionCommand) => c.path.join(' ');
  const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const valued = commands.flatMap((c) => c.options.filter((o) => o.takesValue).flatMap((o) => [o.short, o.long].filter(Boolean).map((f) => `${key(c)}|${f}`)));
  const children = commands.flatMap((c) => c.subcommands.map((s) => `${key(c)}|${s.path.at(-1)}`));
  const optionLine = (c: CompletionCommand, o: CompletionOption) => {
    const parts = [`complete -c credctl -n ${q(`__credctl_at ${q(key(c))}`)}`];
    if (o.long) parts.push(`-l ${o.long.slice(2)}`);
    if (o.short) parts.push(`-s ${o.short.slice(1)}`);
    if (o.takesValue) {
      if (o.values === 'files') parts.push('-r -F');
      else if (o.values === 'text') parts.push('-x');
      else parts.push(`-x -a ${q(o.values.join(' '))}`);
    }
    parts.push(`-d ${q(shortDescription(o.description))}`);
    return parts.join(' ');
  };
  const lines = [
    `# fish completion for credctl ${version}, generated from its command tree by \`credctl completion fish\`.`,
    '#   this shell:  credctl completion fish | source',
    '#   every shell: credctl completion fish > ~/.config/fish/completions/credctl.fish',
    '',
    `set -g __credctl_valued ${valued.map(q).join(' ')}`,
    `set -g __credctl_children ${children.map(q).join(' ')}`,
    'function __credctl_cmdpath',
    '    set -l words (commandline -opc)',
    '    set -e words[1]',
    "    set -l cmdpath ''",
    '    set -l skip 0',
    '    for w in $words',
    '        if test $skip = 1',
    '            set skip 0',
    '            continue',
    '        end',
    '        if string match -q -- "-*" $w',
    '            if not string match -q -- "*=*" $w; and contains -- "$cmdpath|$w" $__credctl_valued',
    '                set skip 1',
    '            end',
    '            continue',
    '        end',
    '        if contains -- "$cmdpath|$w" $__credctl_children',
    '            set cmdpath (string trim -- "$cmdpath $w")',
    '        end',
    '    end',
    '    echo $cmdpath',
    'end',
    'function __credctl_at',
    '    test (__credctl_cmdpath) = "$argv[1]"',
    'end',
    'complete -c credctl -f',
    ...commands.flatMap((c) => [
      ...c.subcommands.map((s) => `complete -c credctl -n ${q(`__credctl_at ${q(key(c))}`)} -a ${s.path.at(-1)} -d ${q(shortDescription(s.description))}`),
      ...c.options.map((o) => optionLine(c, o)),
      ...(c.argumentValues === 'files' ? [`complete -c credctl -n ${q(`__credctl_at ${q(key(c))}`)} -F`] : []),
      ...(Array.isArray(c.argumentValues) ? [`complete -c credctl -n ${q(`__credctl_at ${q(key(c))}`)} -a ${q(c.argumentValues.join(' '))}`] : []),
    ]),
    '',
  ];
  return lines.join('\n');
}
