import { createRequire } from 'node:module';
import type * as Sodium from 'libsodium-wrappers';

/**
 * libsodium-wrappers 0.7.x ships an ESM entry that imports a file its package does not contain,
 * so it is loaded through its CommonJS entry, which works on Node 20, 22 and 24.
 */
let loaded: Promise<typeof Sodium> | undefined;

export function loadSodium(): Promise<typeof Sodium> {
  loaded ??= (async () => {
    const require = createRequire(import.meta.url);
    const sodium = require('libsodium-wrappers') as typeof Sodium;
    await sodium.ready;
    return sodium;
  })();
  return loaded;
}

/** Seal `value` for the holder of `publicKeyB64` (crypto_box_seal), base64 out: GitHub's secret encryption. */
export async function sealForPublicKey(value: string, publicKeyB64: string): Promise<string> {
  const sodium = await loadSodium();
  const key = sodium.from_base64(publicKeyB64, sodium.base64_variants.ORIGINAL);
  if (key.length !== sodium.crypto_box_PUBLICKEYBYTES) throw new Error('public key has the wrong length');
  const sealed = sodium.crypto_box_seal(sodium.from_string(value), key);
  return sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL);
}
