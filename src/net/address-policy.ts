import ipaddr from 'ipaddr.js';

/**
 * Which network addresses credctl may talk to. A URL reaches credctl from config files, plan
 * files, manifests and scanner hits, any of which an attacker may control, so every address a
 * host resolves to is classified before a connection is made:
 *
 *   loopback  127.0.0.0/8, ::1: allowed, and the only place plain http may go;
 *   public    the internet: allowed over https;
 *   private   RFC 1918, carrier-grade NAT (100.64/10), unique-local fc00::/7: refused unless the
 *             user trusted that exact origin (credctl.yaml, after `credctl trust`);
 *   blocked   never: link-local (169.254/16, fe80::/10, where cloud metadata lives), cloud metadata
 *             addresses outside it (100.100.100.200, fd00:ec2::254), unspecified, broadcast,
 *             multicast and reserved ranges.
 *
 * IPv6 forms that carry an IPv4 address inside (IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible
 * ::a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16, Teredo 2001::/32) are judged by the IPv4
 * address they carry, so `[64:ff9b::a9fe:a9fe]` is the metadata address it routes to.
 * Parsing and range tables come from ipaddr.js rather than hand-written bit masks.
 */
export type AddressClass = 'loopback' | 'public' | 'private' | 'blocked';

export interface AddressVerdict {
  class: AddressClass;
  /** Why, in words, for refusals: "a cloud metadata address". */
  reason: string;
}

const METADATA = new Set(['169.254.169.254', '169.254.170.2', '100.100.100.200']);
/** AWS's IPv6 metadata address, in the full form (it is written many ways). */
const METADATA_V6 = 'fd00:ec2:0:0:0:0:0:254';

const V4_BLOCKED: Record<string, string> = {
  unspecified: 'the unspecified address',
  broadcast: 'a broadcast address',
  multicast: 'a multicast address',
  linkLocal: 'a link-local address',
  reserved: 'a reserved address',
};
const V4_PRIVATE: Record<string, string> = {
  private: 'a private (RFC 1918) address',
  carrierGradeNat: 'a carrier-grade NAT address',
};
const V6_BLOCKED: Record<string, string> = {
  unspecified: 'the unspecified address',
  linkLocal: 'a link-local address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
  discard: 'a discard-only address',
};

function classifyV4(addr: ipaddr.IPv4): AddressVerdict {
  const text = addr.toString();
  if (METADATA.has(text)) return { class: 'blocked', reason: 'a cloud metadata address' };
  const range = addr.range();
  if (range === 'loopback') return { class: 'loopback', reason: 'loopback' };
  if (V4_BLOCKED[range]) return { class: 'blocked', reason: V4_BLOCKED[range]! };
  if (V4_PRIVATE[range]) return { class: 'private', reason: V4_PRIVATE[range]! };
  return { class: 'public', reason: 'a public address' };
}

/** The IPv4 address an IPv6 address carries, for the forms that route to one. */
function embeddedV4(addr: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const p = addr.parts;
  const fromWords = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  if (addr.isIPv4MappedAddress()) return addr.toIPv4Address();
  const range = addr.range();
  if (range === 'rfc6052' || range === 'rfc6145') return fromWords(p[6]!, p[7]!);
  if (range === '6to4') return fromWords(p[1]!, p[2]!);
  if (range === 'teredo') return fromWords(p[6]! ^ 0xffff, p[7]! ^ 0xffff);
  // IPv4-compatible (::a.b.c.d, deprecated but still routed by some stacks): the first 96 bits are zero.
  if (p.slice(0, 6).every((x) => x === 0) && (p[6] !== 0 || p[7]! > 1)) return fromWords(p[6]!, p[7]!);
  return undefined;
}

export function classifyAddress(address: string): AddressVerdict {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    // Stryker disable next-line Regex: brackets only ever surround the whole IPv6 literal
    parsed = ipaddr.parse(address.replace(/^\[|\]$/g, '').split('%')[0]!);
  } catch {
    return { class: 'blocked', reason: 'not an IP address' };
  }
  if (parsed.kind() === 'ipv4') return classifyV4(parsed as ipaddr.IPv4);
  const v6 = parsed as ipaddr.IPv6;
  if (v6.toNormalizedString() === METADATA_V6) return { class: 'blocked', reason: 'a cloud metadata address' };
  const inner = embeddedV4(v6);
  if (inner) {
    const verdict = classifyV4(inner);
    // A public IPv4 reached through a translation prefix is still the public internet.
    return verdict.class === 'public' ? verdict : { class: verdict.class, reason: `${verdict.reason} (${inner.toString()} inside ${address})` };
  }
  const range = v6.range();
  if (range === 'loopback') return { class: 'loopback', reason: 'loopback' };
  if (V6_BLOCKED[range]) return { class: 'blocked', reason: V6_BLOCKED[range]! };
  if (range === 'uniqueLocal') return { class: 'private', reason: 'a unique-local (private) address' };
  return { class: 'public', reason: 'a public address' };
}

export function isLoopbackAddress(address: string): boolean {
  return classifyAddress(address).class === 'loopback';
}

/** A host name or literal that means this machine: localhost, *.localhost, 127.x, ::1. */
export function isLoopbackHost(hostname: string): boolean {
  // Stryker disable next-line Regex: brackets only ever surround the whole IPv6 literal
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  return ipaddr.isValid(host) && isLoopbackAddress(host);
}

// metadata.google.internal and the like are matched by the metadata.*.internal pattern below.
const METADATA_NAMES = new Set(['metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal']);

/** Host names that resolve to a cloud metadata service inside cloud networks. */
export function isMetadataHostName(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return METADATA_NAMES.has(host) || (host.startsWith('metadata.') && host.endsWith('.internal'));
}
