import { createHash } from 'node:crypto';

/**
 * The Merkle Tree Hash of RFC 6962 section 2.1 (as in Certificate Transparency):
 *   MTH({})      = SHA-256()
 *   MTH({d0})    = SHA-256(0x00 || d0)
 *   MTH(D[n])    = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])), k the largest power of two < n.
 * Leaves are the audit log's lines exactly as stored (UTF-8, without the newline), so a checkpoint
 * commits to every byte of the first `size` entries.
 */
export function leafHash(data: Uint8Array | string): Buffer {
  return createHash('sha256')
    .update(Buffer.from([0]))
    .update(data)
    .digest();
}

function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256')
    .update(Buffer.from([1]))
    .update(left)
    .update(right)
    .digest();
}

function mth(leaves: Buffer[], lo: number, hi: number): Buffer {
  const n = hi - lo;
  if (n === 1) return leaves[lo]!;
  let k = 1;
  while (k * 2 < n) k *= 2;
  return nodeHash(mth(leaves, lo, lo + k), mth(leaves, lo + k, hi));
}

export function merkleRoot(leafData: Array<Uint8Array | string>): Buffer {
  if (leafData.length === 0) return createHash('sha256').digest();
  return mth(leafData.map(leafHash), 0, leafData.length);
}
