/** JSON.parse that turns an error into "line N" instead of an exception. */
import { parserMessage } from '../../core/errors.js';
import { lineAt } from './common.js';

export function parseJson(text: string): { value?: unknown; error?: { line: number; message: string } } {
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    const msg = (err as Error).message;
    const pos = /position (\d+)/.exec(msg)?.[1];
    const lc = /line (\d+)/.exec(msg)?.[1];
    const line = lc ? Number(lc) : pos ? lineAt(text, Number(pos)) : 1;
    return { error: { line, message: `invalid JSON: ${parserMessage(err)}` } };
  }
}

/** Line of the first `"key"` at or after `from` (JSON gives no positions; keys are unique enough). */
export function jsonKeyLine(text: string, key: string, from = 0): number {
  const i = text.indexOf(JSON.stringify(key), from);
  return i === -1 ? 1 : lineAt(text, i);
}
