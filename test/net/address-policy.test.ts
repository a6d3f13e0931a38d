import { describe, expect, it } from 'vitest';
import { classifyAddress, isLoopbackAddress, isLoopbackHost, isMetadataHostName } from '../../src/net/address-policy.js';

// The address guard decides, for every address a URL resolves to, whether credctl may connect.
// A URL can come from a hostile repository, so each blocked form must be refused whatever way it
// is written, and each refusal must say why (the reason is printed to the person).

describe('IPv4 addresses are classed by range', () => {
  it.each([
    ['127.0.0.1', 'loopback', /^loopback$/],
    ['127.9.9.9', 'loopback', /^loopback$/],
    ['8.8.8.8', 'public', /public/],
    ['10.0.0.1', 'private', /private \(RFC 1918\)/],
    ['172.16.5.4', 'private', /RFC 1918/],
    ['192.168.1.1', 'private', /RFC 1918/],
    ['100.64.0.1', 'private', /carrier-grade NAT/],
    ['169.254.169.254', 'blocked', /cloud metadata/],
    ['169.254.170.2', 'blocked', /cloud metadata/],
    ['100.100.100.200', 'blocked', /cloud metadata/],
    ['169.254.1.1', 'blocked', /link-local/],
    ['0.0.0.0', 'blocked', /unspecified/],
    ['0.1.2.3', 'blocked', /unspecified/],
    ['255.255.255.255', 'blocked', /broadcast/],
    ['224.0.0.1', 'blocked', /multicast/],
    ['240.0.0.1', 'blocked', /reserved/],
    ['192.0.2.1', 'blocked', /reserved/],
  ])('%s is %s', (address, cls, reason) => {
    const verdict = classifyAddress(address);
    expect(verdict.class).toBe(cls);
    expect(verdict.reason).toMatch(reason);
  });
});

describe('IPv6 addresses are classed by range', () => {
  it.each([
    ['::1', 'loopback', /^loopback$/],
    ['[::1]', 'loopback', /^loopback$/],
    ['2606:4700::1111', 'public', /public/],
    ['::', 'blocked', /unspecified/],
    ['fe80::1', 'blocked', /link-local/],
    ['[fe80::1%eth0]', 'blocked', /link-local/],
    ['ff02::1', 'blocked', /multicast/],
    ['2001:db8::1', 'blocked', /reserved/],
    ['100::1', 'blocked', /discard/],
    ['fc00::1', 'private', /unique-local/],
    ['fd12:3456::1', 'private', /unique-local/],
    ['fd00:ec2::254', 'blocked', /cloud metadata/],
    ['fd00:0ec2:0000:0000:0000:0000:0000:0254', 'blocked', /cloud metadata/],
  ])('%s is %s', (address, cls, reason) => {
    const verdict = classifyAddress(address);
    expect(verdict.class).toBe(cls);
    expect(verdict.reason).toMatch(reason);
  });
});

describe('an IPv6 address carrying an IPv4 address is judged by the IPv4 address', () => {
  // The refusal names the IPv4 address it found and the form it was hidden in.
  it.each([
    ['::ffff:169.254.169.254', 'blocked', '169.254.169.254'], // IPv4-mapped, dotted
    ['::ffff:a9fe:a9fe', 'blocked', '169.254.169.254'], // IPv4-mapped, hex
    ['::ffff:0:a9fe:a9fe', 'blocked', '169.254.169.254'], // IPv4-translated (RFC 6145)
    ['64:ff9b::a9fe:a9fe', 'blocked', '169.254.169.254'], // NAT64 (RFC 6052)
    ['64:ff9b::a00:1', 'private', '10.0.0.1'],
    ['2002:a9fe:a9fe::1', 'blocked', '169.254.169.254'], // 6to4: the IPv4 address is bits 16-47
    ['2002:c0a8:101::', 'private', '192.168.1.1'],
    ['2001:0:4136:e378:8000:63bf:5601:5601', 'blocked', '169.254.169.254'], // Teredo: the client address, bits inverted
    ['::a9fe:a9fe', 'blocked', '169.254.169.254'], // IPv4-compatible
    ['::a00:1', 'private', '10.0.0.1'],
    ['::2', 'blocked', '0.0.0.2'],
    ['::ffff:127.0.0.1', 'loopback', '127.0.0.1'],
  ])('%s is %s (it carries %s)', (address, cls, inner) => {
    const verdict = classifyAddress(address);
    expect(verdict.class).toBe(cls);
    expect(verdict.reason).toContain(`(${inner} inside ${address})`);
  });

  it('a public IPv4 address reached through a translation prefix is the public internet, and says so plainly', () => {
    for (const address of ['64:ff9b::808:808', '::ffff:8.8.8.8', '2002:808:808::1']) {
      expect(classifyAddress(address)).toEqual({ class: 'public', reason: 'a public address' });
    }
  });

  it('only the forms that route to an IPv4 address are unwrapped', () => {
    // Zeros in the middle of an ordinary address, or a first word that is not a translation
    // prefix, carry no IPv4 address: judged as the IPv6 address they are.
    expect(classifyAddress('2606:4700::a9fe:a9fe')).toEqual({ class: 'public', reason: 'a public address' });
    expect(classifyAddress('1::a9fe:a9fe')).toEqual({ class: 'public', reason: 'a public address' });
    expect(classifyAddress('::1:0:0:a9fe:a9fe').class).toBe('public');
  });
});

describe('what is not an IP address', () => {
  it.each(['example.com', '', '::g', '999.1.1.1', '1.2.3.4.5'])('%j is refused as "not an IP address"', (address) => {
    expect(classifyAddress(address)).toEqual({ class: 'blocked', reason: 'not an IP address' });
  });

  it('the shorthand IPv4 forms a resolver accepts are judged as the address they mean', () => {
    // Decimal, hex, octal and short forms all reach 169.254.169.254 through inet_aton.
    for (const address of ['2852039166', '0xa9fea9fe', '0251.0376.0251.0376', '169.254.43518']) {
      expect(classifyAddress(address)).toEqual({ class: 'blocked', reason: 'a cloud metadata address' });
    }
    expect(classifyAddress('0x7f.1').class).toBe('loopback');
  });
});

describe('loopback hosts', () => {
  it.each(['localhost', 'LOCALHOST', 'api.localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1'])('%s means this machine', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });
  it.each(['localhost.example.com', 'mylocalhost', 'example.com', '10.0.0.1', '[fe80::1]', '0.0.0.0', ''])('%s does not', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
  it('isLoopbackAddress takes addresses only', () => {
    expect(isLoopbackAddress('127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('localhost')).toBe(false);
    expect(isLoopbackAddress('8.8.8.8')).toBe(false);
  });
});

describe('cloud metadata host names', () => {
  it.each([
    'metadata.google.internal',
    'METADATA.GOOGLE.INTERNAL',
    'metadata.google.internal.',
    'metadata.goog',
    'metadata',
    'instance-data',
    'instance-data.ec2.internal',
    'metadata.azure.internal',
  ])('%s is a metadata service', (host) => {
    expect(isMetadataHostName(host)).toBe(true);
  });
  it.each(['metadata.example.com', 'notmetadata.internal', 'metadata.internal.example.com', 'api.internal', 'instance-data.example.com'])(
    '%s is not',
    (host) => {
      expect(isMetadataHostName(host)).toBe(false);
    },
  );
});
