import { allCommands, type CompletionCommand, type CompletionOption } from './tree.js';

/**
 * `credctl completion bash`: a completion function generated from the command tree. It finds the
 * command path in the words typed so far (skipping options and their values), then offers the
 * subcommands, the options, an option's known values, or file names. Names and values in the tree
 * are plain words ([a-z0-9-]), so they are safe inside the generated `case` patterns.
 */
export function bashCompletion(root: CompletionCommand, version: string): string {
  const commands = allCommands(root);
  const key = (c: CompletionCommand) => c.path.join(' ');
  const flags = (o: CompletionOption) => [o.short, o.long].filter(Boolean) as string[];
  const valued = commands.flatMap((c) => c.options.filter((o) => o.takesValue).flatMap((o) => flags(o).map((f) => ({ c, o, f }))));
  const lines = [
    `# bash completion for credctl ${version}, generated from its command tree by \`credctl completion bash\`.`,
    '#   this shell:  source <(credctl completion bash)',
    '#   every shell: credctl completion bash > ~/.local/share/bash-completion/completions/credctl',
    '',
    '_credctl_subcommands() {',
    '  case "$1" in',
    ...commands.filter((c) => c.subcommands.length).map((c) => `    '${key(c)}') echo '${c.subcommands.map((s) => s.path.at(-1)).join(' ')}' ;;`),
    '  esac',
    '}',
    '_credctl_options() {',
    '  case "$1" in',
    ...commands.map((c) => `    '${key(c)}') echo '${c.options.flatMap((o) => (o.long ? [o.long] : flags(o))).join(' ')}' ;;`),
    '  esac',
    '}',
    '# What follows an option that takes a value: its known values, @files, or nothing (free text).',
    '_credctl_option_values() {',
    '  case "$1|$2" in',
    ...valued.map(({ c, o, f }) => `    '${key(c)}|${f}') echo '${o.values === 'files' ? '@files' : o.values === 'text' ? '@text' : o.values.join(' ')}' ;;`),
    '    *) return 1 ;;',
    '  esac',
    '}',
    "# What a command's positional arguments take: known words, or @files.",
    '_credctl_argument_values() {',
    '  case "$1" in',
    ...commands
      .filter((c) => c.argumentValues !== 'text')
      .map((c) => `    '${key(c)}') echo '${c.argumentValues === 'files' ? '@files' : (c.argumentValues as string[]).join(' ')}' ;;`),
    '    *) return 1 ;;',
    '  esac',
    '}',
    '_credctl() {',
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="" cmdpath="" i w skip="" subs values',
    '  [ "$COMP_CWORD" -gt 0 ] && prev="${COMP_WORDS[COMP_CWORD-1]}"',
    '  # --format=json: bash splits the word at "="',
    '  if [ "$cur" = "=" ]; then cur=""; elif [ "$prev" = "=" ] && [ "$COMP_CWORD" -gt 1 ]; then prev="${COMP_WORDS[COMP_CWORD-2]}"; fi',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    w="${COMP_WORDS[i]}"',
    '    if [ -n "$skip" ]; then skip=""; continue; fi',
    '    case "$w" in',
    '      -*) _credctl_option_values "$cmdpath" "$w" >/dev/null && skip=1; continue ;;',
    '      =) skip=1; continue ;;',
    '    esac',
    '    subs=" $(_credctl_subcommands "$cmdpath") "',
    '    case "$subs" in *" $w "*) cmdpath="${cmdpath:+$cmdpath }$w" ;; esac',
    '  done',
    '  if values="$(_credctl_option_values "$cmdpath" "$prev")"; then',
    '    case "$values" in',
    '      @files) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")) ;;',
    '      @text) COMPREPLY=() ;;',
    '      *) COMPREPLY=($(compgen -W "$values" -- "$cur")) ;;',
    '    esac',
    '    return 0',
    '  fi',
    '  if [[ "$cur" == -* ]]; then',
    '    COMPREPLY=($(compgen -W "$(_credctl_options "$cmdpath")" -- "$cur"))',
    '    return 0',
    '  fi',
    '  subs="$(_credctl_subcommands "$cmdpath")"',
    '  if [ -n "$subs" ]; then',
    '    COMPREPLY=($(compgen -W "$subs" -- "$cur"))',
    '  elif values="$(_credctl_argument_values "$cmdpath")"; then',
    '    if [ "$values" = @files ]; then compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")); else COMPREPLY=($(compgen -W "$values" -- "$cur")); fi',
    '  else',
    '    COMPREPLY=()',
    '  fi',
    '  return 0',
    '}',
    'complete -F _credctl credctl',
    '',
  ];
  return lines.join('\n');
}
