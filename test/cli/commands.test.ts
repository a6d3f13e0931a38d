import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMAND_MODULES, loadCommandModules } from '../../src/cli/main.js';

// main.ts imports only the invoked command's module; this keeps its name → module map honest.
describe('command registry', () => {
  it('maps every registered top-level command to the module that registers it', async () => {
    const mods = await loadCommandModules();
    const registered = new Map<string, string>();
    for (const [name, file] of Object.entries(COMMAND_MODULES)) {
      const [mod] = await loadCommandModules(name);
      const program = new Command();
      mod!.register(program);
      for (const c of program.commands) registered.set(c.name(), file);
      expect(
        program.commands.map((c) => c.name()),
        `${file} should register ${name}`,
      ).toContain(name);
    }
    const all = new Command();
    for (const m of mods) m.register(all);
    expect(all.commands.map((c) => c.name()).sort()).toEqual(Object.keys(COMMAND_MODULES).sort());
    expect(registered.size).toBe(Object.keys(COMMAND_MODULES).length);
  });
});
