import { allCommands, shortDescription, type CompletionCommand, type CompletionOption } from './tree.js';

/**
 * `credctl completion zsh`: a native zsh completion function (with descriptions), generated from
 * the command tree. It works as a file in $fpath (the `#compdef` line) and when sourced.
 * The variable is `cmdpath`, never `path`: in zsh `path` is the array tied to $PATH.
 */
export function zshCompletion(root: CompletionCommand, version: string): string {
  const commands = allCommands(root);
  const key = (c: CompletionCommand) => c.path.join(' ');
  const flags = (o: CompletionOption) => [o.short, o.long].filter(Boolean) as string[];
  // Inside $'…': only backslash and single quote need escaping; ':' separates name from description.
  const described = (name: string, text: string) => `'${`${name}:${shortDescription(text)}`.replace(/\\/g, '\\\\').replace(/'/g, `'\\''`)}'`;
  const valued = commands.flatMap((c) => c.options.filter((o) => o.takesValue).flatMap((o) => flags(o).map((f) => ({ c, o, f }))));
  const lines = [
    '#compdef credctl',
    `# zsh completion for credctl ${version}, generated from its command tree by \`credctl completion zsh\`.`,
    '#   this shell:  source <(credctl completion zsh)      (after compinit)',
    '#   every shell: credctl completion zsh > "${fpath[1]}/_credctl"',
    '',
    '_credctl_subcommands() {',
    '  case "$1" in',
    ...commands
      .filter((c) => c.subcommands.length)
      .map((c) => `    '${key(c)}') reply=(${c.subcommands.map((s) => described(s.path.at(-1)!, s.description)).join(' ')}) ;;`),
    '    *) reply=() ;;',
    '  esac',
    '}',
    '_credctl_options() {',
    '  case "$1" in',
    ...commands.map((c) => `    '${key(c)}') reply=(${c.options.flatMap((o) => flags(o).map((f) => described(f, o.description))).join(' ')}) ;;`),
    '    *) reply=() ;;',
    '  esac',
    '}',
    '_credctl_option_values() {',
    '  case "$1|$2" in',
    ...valued.map(({ c, o, f }) => `    '${key(c)}|${f}') reply=(${o.values === 'files' ? '@files' : o.values === 'text' ? '@text' : o.values.join(' ')}) ;;`),
    '    *) return 1 ;;',
    '  esac',
    '}',
    '_credctl_argument_values() {',
    '  case "$1" in',
    ...commands
      .filter((c) => c.argumentValues !== 'text')
      .map((c) => `    '${key(c)}') reply=(${c.argumentValues === 'files' ? '@files' : (c.argumentValues as string[]).join(' ')}) ;;`),
    '    *) return 1 ;;',
    '  esac',
    '}',
    '_credctl() {',
    '  local cur="${words[CURRENT]}" prev="${words[CURRENT-1]}" cmdpath="" w skip="" i',
    '  local -a reply names',
    '  for ((i = 2; i < CURRENT; i++)); do',
    '    w="${words[i]}"',
    '    if [[ -n "$skip" ]]; then skip=""; continue; fi',
    '    if [[ "$w" == -* ]]; then',
    '      _credctl_option_values "$cmdpath" "${w%%=*}" && [[ "$w" != *=* ]] && skip=1',
    '      continue',
    '    fi',
    '    _credctl_subcommands "$cmdpath"',
    '    names=(${reply%%:*})',
    '    (( ${names[(Ie)$w]} )) && cmdpath="${cmdpath:+$cmdpath }$w"',
    '  done',
    '  if [[ "$cur" == --*=* ]]; then',
    '    _credctl_option_values "$cmdpath" "${cur%%=*}" || return 1',
    '    compset -P "*="',
    '  elif ! _credctl_option_values "$cmdpath" "$prev"; then',
    '    reply=()',
    '  fi',
    '  if (( ${#reply} )); then',
    '    case "${reply[1]}" in',
    '      @files) _files ;;',
    '      @text) _message "value" ;;',
    '      *) compadd -- "${reply[@]}" ;;',
    '    esac',
    '    return 0',
    '  fi',
    '  if [[ "$cur" == -* ]]; then',
    '    _credctl_options "$cmdpath"',
    '    _describe -t options "option" reply',
    '    return 0',
    '  fi',
    '  _credctl_subcommands "$cmdpath"',
    '  if (( ${#reply} )); then',
    '    _describe -t commands "credctl command" reply',
    '  elif _credctl_argument_values "$cmdpath"; then',
    '    if [[ "${reply[1]}" == @files ]]; then _files; else compadd -- "${reply[@]}"; fi',
    '  fi',
    '}',
    'if [[ "${funcstack[1]}" == "_credctl" ]]; then',
    '  _credctl "$@"',
    'else',
    '  compdef _credctl credctl',
    'fi',
    '',
  ];
  return lines.join('\n');
}
