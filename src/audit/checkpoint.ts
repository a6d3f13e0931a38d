import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { logIdOf, rawPublicKey } from './keys.js';

/**
 * Signed checkpoints in the C2SP tlog-checkpoint format, as a C2SP signed note:
 *
 *   credctl-audit/<log id>            origin line
 *   1600                              tree size (number of entries)
 *   <base64 RFC 6962 root hash>       root over the first <size> lines
 *                                     blank line ends the note text
 *   — credctl-audit/<log id> <base64(key hash(4 bytes) || Ed25519 signature(64 bytes))>
 *
 * The signature is over the note text (the three lines, each with its newline). The key hash is
 * SHA-256(key name || "\n" || 0x01 || raw public key)[:4], the signed-note rule for Ed25519.
 * `.credctl/checkpoints` holds every checkpoint ever written, oldest first, one blank line apart.
 */
export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: string; // base64
  /** The exact note text that was signed. */
  text: string;
  signatures: Array<{ name: string; keyHash: string; signature: Buffer }>;
}

const EM_DASH = '\u2014';

export function originFor(publicKey: KeyObject): string {
  return `credctl-audit/${logIdOf(publicKey)}`;
}

function keyHash(name: string, publicKey: KeyObject): Buffer {
  return createHash('sha256')
    .update(name + '\n')
    .update(Buffer.from([0x01]))
    .update(rawPublicKey(publicKey))
    .digest()
    .subarray(0, 4);
}

export function formatCheckpoint(privateKey: KeyObject, publicKey: KeyObject, size: number, root: Buffer): string {
  const origin = originFor(publicKey);
  const text = `${origin}\n${size}\n${root.toString('base64')}\n`;
  const sig = sign(null, Buffer.from(text, 'utf8'), privateKey);
  return `${text}\n${EM_DASH} ${origin} ${Buffer.concat([keyHash(origin, publicKey), sig]).toString('base64')}\n`;
}

export interface CheckpointParse {
  checkpoints: Checkpoint[];
  errors: Array<{ index: number; message: string }>;
}

/** Parse a file of notes. Malformed notes are reported by position (1-based), not thrown. */
export function parseCheckpoints(fileText: string): CheckpointParse {
  const lines = fileText.split('\n');
  const checkpoints: Checkpoint[] = [];
  const errors: CheckpointParse['errors'] = [];
  let i = 0;
  let index = 0;
  while (i < lines.length) {
    if (lines[i] === '') {
      i++;
      continue;
    }
    index++;
    const body: string[] = [];
    while (i < lines.length && lines[i] !== '') body.push(lines[i++]!);
    i++; // the blank line
    const sigLines: string[] = [];
    while (i < lines.length && lines[i]!.startsWith(EM_DASH + ' ')) sigLines.push(lines[i++]!);
    const [origin, sizeText, rootHash] = body;
    const size = Number(sizeText);
    if (body.length < 3 || !origin || !/^\d+$/.test(sizeText ?? '') || !Number.isSafeInteger(size) || !/^[A-Za-z0-9+/]{43}=$/.test(rootHash ?? '')) {
      errors.push({ index, message: `checkpoint ${index} is malformed` });
      continue;
    }
    const signatures: Checkpoint['signatures'] = [];
    for (const s of sigLines) {
      const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(s);
      const blob = m ? Buffer.from(m[2]!, 'base64') : Buffer.alloc(0);
      if (m && blob.length === 68) signatures.push({ name: m[1]!, keyHash: blob.subarray(0, 4).toString('hex'), signature: blob.subarray(4) });
    }
    checkpoints.push({ origin, size, rootHash: rootHash!, text: body.join('\n') + '\n', signatures });
  }
  return { checkpoints, errors };
}

/** True when one of the note's signatures is a valid signature by `publicKey` under the log's origin. */
export function checkpointSignedBy(cp: Checkpoint, publicKey: KeyObject): boolean {
  const origin = originFor(publicKey);
  if (cp.origin !== origin) return false;
  const kh = keyHash(origin, publicKey).toString('hex');
  return cp.signatures.some((s) => s.name === origin && s.keyHash === kh && verify(null, Buffer.from(cp.text, 'utf8'), publicKey, s.signature));
}

/** A parsed checkpoint written back as its signed note, byte for byte as formatCheckpoint made it. */
export function noteText(cp: Checkpoint): string {
  const sigs = cp.signatures.map((s) => `${EM_DASH} ${s.name} ${Buffer.concat([Buffer.from(s.keyHash, 'hex'), s.signature]).toString('base64')}\n`);
  return `${cp.text}\n${sigs.join('')}`;
}
