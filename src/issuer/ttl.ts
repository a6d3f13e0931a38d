import { usageError } from '../core/errors.js';

/** `90`, `90s`, `30m`, `1h`, `7d`, `2w` → seconds. */
export function parseTtl(text: string): number {
  const m = /^(\d+)\s*([smhdw]?)$/i.exec(text.trim());
  if (!m) throw usageError(`invalid --ttl ${JSON.stringify(text)}`, 'Use seconds or a duration such as 90s, 30m, 1h, 7d, 2w.');
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2]!.toLowerCase() as '' | 's' | 'm' | 'h' | 'd' | 'w'];
  const seconds = Number(m[1]) * unit;
  if (seconds < 1) throw usageError('--ttl must be at least 1 second');
  return seconds;
}
