// A real-code corpus for the scan benchmark: what repositories look like to a scanner, many small
// files. Generated deterministically: file sizes follow a log-normal fit of public code bases
// (median ~1.6 KB, mean ~3 KB, a long tail to 200 KB: ansible's 4,986 files average 2.7 KB),
// in a nested tree, with code, config and docs that mention keys, tokens and passwords at the
// rate real code does. Nothing is copied from any repository; lines are made from templates.
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS =
  'module task host user group service config cache client server request response handler item inventory play role vars facts path file state result error value name option params token key secret password auth session connection timeout retry limit region bucket queue event hook plugin filter callback lookup action template loader parser render'.split(
    ' ',
  );

export function buildRealCode(dir, { files = 8000, seed = 0x5eed } = {}) {
  const manifest = join(dir, '.manifest.json');
  if (existsSync(manifest)) return JSON.parse(readFileSync(manifest, 'utf8'));
  rmSync(dir, { recursive: true, force: true });
  const rand = rng(seed);
  const pick = (a) => a[Math.floor(rand() * a.length)];
  const w = () => pick(WORDS);
  const Cap = (s) => s[0].toUpperCase() + s.slice(1);
  const num = (n) => Math.floor(rand() * n);
  // Box-Muller normal, for log-normal sizes.
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const size = () => Math.min(200_000, Math.max(40, Math.round(Math.exp(Math.log(1600) + 1.1 * normal()))));
  const LINES = {
    py: [
      () => `def ${w()}_${w()}(self, ${w()}, ${w()}=None, **kwargs):`,
      () => `    """Return the ${w()} for the given ${w()} and ${w()}."""`,
      () => `    ${w()} = self._${w()}.get("${w()}", ${pick(['None', 'False', '[]', '{}', num(100)])})`,
      () => `    if ${w()} is None:`,
      () => `        raise ${Cap(w())}Error("missing ${w()}: %s" % ${w()})`,
      () => `    for ${w()} in self.${w()}s:`,
      () => `        ${w()}.update(${w()}=${w()}, ${w()}=${w()})`,
      () => `from ansible.module_utils.${w()} import ${Cap(w())}${Cap(w())}`,
      () => `import ${w()}`,
      () => `class ${Cap(w())}${Cap(w())}(${Cap(w())}Base):`,
      () => `    password = module.params.get("${w()}_password")`,
      () => `    token = self.get_option("${w()}_token")`,
      () => `        ${w()}_key=dict(type="str", no_log=True),`,
      () => `    return {"${w()}": ${w()}, "changed": ${pick(['True', 'False'])}}`,
      () => `#  ${w()} ${w()} ${w()}: see the ${w()} documentation for the ${w()} option`,
      () => ``,
    ],
    js: [
      () => `export function ${w()}${Cap(w())}(${w()}, ${w()} = {}) {`,
      () => `  const ${w()} = await ${w()}.${w()}(${w()}, { ${w()}: ${w()}.${w()} });`,
      () => `  if (!${w()}.${w()}) throw new TypeError(\`missing \${${w()}}\`);`,
      () => `  return ${w()}.map((${w()}) => ${w()}.${w()}).filter(Boolean);`,
      () => `}`,
      () => `import { ${w()}, ${w()}${Cap(w())} } from '../${w()}/${w()}.js';`,
      () => `// ${w()} the ${w()} before the ${w()} is ${w()}ed (see #${num(20000)})`,
      () => `  const token = context.options.${w()}Token ?? '';`,
      () => `  apiKey: process.env.${w().toUpperCase()}_API_KEY,`,
      () => `  ${w()}: ${pick(['true', 'false', 'null', num(1000), `'${w()}'`])},`,
      () => `module.exports = { ${w()}, ${w()}${Cap(w())} };`,
      () => ``,
    ],
    yml: [
      () => `- name: ${Cap(w())} the ${w()} ${w()}`,
      () => `  ${w()}.${w()}:`,
      () => `    ${w()}: "{{ ${w()}_${w()} }}"`,
      () => `    ${w()}: ${pick(['yes', 'no', num(100), w()])}`,
      () => `  when: ${w()}_${w()} is defined`,
      () => `  no_log: true`,
      () => `    password: "{{ vault_${w()}_password }}"`,
      () => `  register: ${w()}_result`,
    ],
    md: [
      () => `## ${Cap(w())} ${w()}`,
      () => `The \`${w()}\` option sets the ${w()} used to ${w()} the ${w()}; the ${w()} token is read from \`${w().toUpperCase()}_TOKEN\`.`,
      () => `* \`${w()}\` - ${Cap(w())} ${w()} ${w()} (default: \`${w()}\`).`,
      () => ``,
      () => `    ${w()} --${w()} ${w()} --${w()}-password "$${w().toUpperCase()}_PASSWORD"`,
    ],
    json: [() => `  "${w()}${Cap(w())}": { "${w()}": ${num(1e6)}, "${w()}": "${w()}-${w()}", "${w()}": [${num(9)}, ${num(9)}] },`],
    go: [
      () => `func (s *${Cap(w())}) ${Cap(w())}(ctx context.Context, ${w()} string) (*${Cap(w())}, error) {`,
      () => `\tif err := s.${w()}.${Cap(w())}(ctx, ${w()}); err != nil {`,
      () => `\t\treturn nil, fmt.Errorf("${w()} ${w()}: %w", err)`,
      () => `\t}`,
      () => `\ttoken := os.Getenv("${w().toUpperCase()}_TOKEN")`,
      () => `}`,
    ],
    sh: [
      () => `${w()}_${w()}="\${${w().toUpperCase()}:-${w()}}"`,
      () => `if [ -n "$${w().toUpperCase()}_PASSWORD" ]; then`,
      () => `  ${w()} --${w()} "$${w()}"`,
      () => `fi`,
    ],
  };
  const EXT = ['py', 'py', 'py', 'py', 'js', 'js', 'yml', 'yml', 'md', 'json', 'go', 'sh'];
  const dirs = [];
  for (let i = 0; i < 400; i++) {
    const depth = 1 + num(5);
    dirs.push(Array.from({ length: depth }, () => w()).join('/'));
  }
  let bytes = 0;
  for (let i = 0; i < files; i++) {
    const ext = pick(EXT);
    const want = size();
    const out = [];
    let n = 0;
    while (n < want) {
      const line = pick(LINES[ext])();
      out.push(line);
      n += line.length + 1;
    }
    const d = join(dir, pick(dirs));
    mkdirSync(d, { recursive: true });
    const text = out.join('\n') + '\n';
    writeFileSync(join(d, `${w()}_${i}.${ext}`), text);
    bytes += Buffer.byteLength(text);
  }
  const m = { files, bytes, seed };
  writeFileSync(manifest, JSON.stringify(m));
  return m;
}

/** The floor: list the tree and read every file, on one thread (what any scanner must do). */
export function listAndRead(dir) {
  const started = process.hrtime.bigint();
  let files = 0;
  let bytes = 0;
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop();
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile() && e.name !== '.manifest.json') {
        bytes += readFileSync(p).length;
        files++;
      }
    }
  }
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, files, bytes };
}
