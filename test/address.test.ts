import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  addressKey,
  familyBits,
  formatAddress,
  formatRange,
  keyToAddress,
  keyValue,
  parseAddress,
  parsePrefix,
  parseRange,
  prefixContains,
  prefixSize,
  rangeSize,
  rangesOverlap,
  specialRole,
  usableRange,
  type Family,
  type IpAddress,
} from '../src/domain/address.ts';
import { HostwireError } from '../src/domain/errors.ts';

const MAX4 = (1n << 32n) - 1n;
const MAX6 = (1n << 128n) - 1n;
const maxOf = (family: Family): bigint => (family === 4 ? MAX4 : MAX6);

/** Asserts fn throws a validation HostwireError on `field` whose message matches `pattern`. */
function assertInvalid(fn: () => unknown, field: string, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof HostwireError, `expected a HostwireError, got ${String(error)}`);
    assert.equal(error.kind, 'validation');
    assert.equal(error.fields.length, 1);
    const [entry] = error.fields;
    assert.equal(entry?.path, field);
    assert.match(entry?.message ?? '', pattern);
    assert.ok(error.message.startsWith(`${field}: `), `message '${error.message}' should name the field '${field}'`);
    return true;
  });
}

const address = (family: Family, value: bigint): IpAddress => ({ family, value, text: formatAddress(family, value) });

/** Independent RFC 5952 formatter: lowercase, no leading zeros, longest run (>= 2) of zero groups compressed, first on ties. */
function rfc5952(value: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLength < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

function dotted(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

const familyArb = fc.constantFrom<Family>(4, 6);
const v4Arb = fc.bigInt({ min: 0n, max: MAX4 });
const v6Arb = fc.bigInt({ min: 0n, max: MAX6 });
/** IPv6 values with plenty of zero groups, so compression (and its tie-breaking) is exercised. */
const v6GroupsArb = fc
  .array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 })
  .map((groups) => groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n));
const valueArb = (family: Family) => (family === 4 ? v4Arb : fc.oneof(v6Arb, v6GroupsArb));
const familyValueLen = familyArb.chain((family) =>
  fc.tuple(fc.constant(family), valueArb(family), fc.integer({ min: 0, max: familyBits(family) })),
);

describe('parseAddress', () => {
  it('parses IPv4 dotted quads', () => {
    assert.deepEqual(parseAddress('192.0.2.10'), { family: 4, value: 0xc000020an, text: '192.0.2.10' });
    assert.deepEqual(parseAddress('0.0.0.0'), { family: 4, value: 0n, text: '0.0.0.0' });
    assert.deepEqual(parseAddress('255.255.255.255'), { family: 4, value: MAX4, text: '255.255.255.255' });
    assert.equal(parseAddress('  10.0.0.1 ').text, '10.0.0.1');
  });

  it('returns IPv6 in RFC 5952 compressed lowercase form', () => {
    const cases: [string, string][] = [
      ['2001:DB8:0:0::1', '2001:db8::1'],
      ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
      ['0:0:0:0:0:0:0:0', '::'],
      ['0:0:0:0:0:0:0:1', '::1'],
      ['FE80::ABCD', 'fe80::abcd'],
      // the longest run of zeros is compressed, the first one on a tie, never a single group
      ['1:0:0:1:0:0:0:1', '1:0:0:1::1'],
      ['1:0:0:1:0:0:1:1', '1::1:0:0:1:1'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['::1:2:3:4:5:6:7', '0:1:2:3:4:5:6:7'],
    ];
    for (const [input, canonical] of cases) {
      const parsed = parseAddress(input);
      assert.equal(parsed.family, 6, input);
      assert.equal(parsed.text, canonical, input);
    }
    assert.equal(parseAddress('2001:db8::1').value, (0x20010db8n << 96n) | 1n);
    assert.equal(parseAddress('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff').value, MAX6);
  });

  it('rejects leading zeros, wrong octet counts and out-of-range octets', () => {
    for (const bad of ['010.0.0.1', '10.0.0.01', '00.0.0.1', '10.0.0', '10.0.0.1.5', '256.0.0.1', '10.0.0.300', '10..0.1', '1.2.3.-4', '0x1.2.3.4', '1.2.3.4a']) {
      assertInvalid(() => parseAddress(bad), 'address', /is not a valid IPv4 address: .*without leading zeros/);
    }
  });

  it('rejects malformed IPv6', () => {
    for (const bad of ['1::2::3', '1:2:3:4:5:6:7:8:9', 'g::1', '12345::1']) {
      assertInvalid(() => parseAddress(bad), 'address', /is not a valid IPv6 address/);
    }
  });

  it('rejects zone ids, prefixes and empty input, naming the field passed in', () => {
    assertInvalid(() => parseAddress('fe80::1%eth0', 'gateway'), 'gateway', /'fe80::1%eth0' has a zone index/);
    assertInvalid(() => parseAddress('10.0.0.1/24', 'gateway'), 'gateway', /has a prefix length; give a single address such as 10\.0\.0\.1$/);
    assertInvalid(() => parseAddress('', 'dns.0'), 'dns.0', /an IP address is required/);
    assertInvalid(() => parseAddress('   '), 'address', /an IP address is required/);
    assertInvalid(() => parseAddress('999.1.1.1', 'hosts.3.ip'), 'hosts.3.ip', /'999\.1\.1\.1' is not a valid IPv4 address/);
  });
});

describe('parsePrefix', () => {
  it('parses network prefixes of both families', () => {
    const p4 = parsePrefix('10.0.0.0/24');
    assert.deepEqual(p4, { family: 4, network: 0x0a000000n, length: 24, last: 0x0a0000ffn, text: '10.0.0.0/24' });
    const p6 = parsePrefix('2001:DB8:0::/64');
    assert.equal(p6.family, 6);
    assert.equal(p6.text, '2001:db8::/64');
    assert.equal(p6.last - p6.network, (1n << 64n) - 1n);
    assert.equal(prefixSize(p4), 256n);
    assert.equal(prefixSize(p6), 1n << 64n);
  });

  it('refuses host bits and suggests the network', () => {
    assertInvalid(() => parsePrefix('10.0.0.1/24'), 'cidr', /'10\.0\.0\.1\/24' has host bits set; the network is 10\.0\.0\.0\/24$/);
    assertInvalid(() => parsePrefix('2001:db8::1/64', 'subnet'), 'subnet', /has host bits set; the network is 2001:db8::\/64$/);
    assertInvalid(() => parsePrefix('192.168.1.129/25'), 'cidr', /the network is 192\.168\.1\.128\/25$/);
    assertInvalid(() => parsePrefix('10.0.0.1/0'), 'cidr', /the network is 0\.0\.0\.0\/0$/);
  });

  it('rejects bad prefix lengths', () => {
    assertInvalid(() => parsePrefix('10.0.0.0/33'), 'cidr', /'33' is not a valid prefix length for IPv4: use 0-32/);
    assertInvalid(() => parsePrefix('2001:db8::/129'), 'cidr', /'129' is not a valid prefix length for IPv6: use 0-128/);
    assertInvalid(() => parsePrefix('10.0.0.0/024'), 'cidr', /'024' is not a valid prefix length/);
    assertInvalid(() => parsePrefix('10.0.0.0/-1'), 'cidr', /'-1' is not a valid prefix length/);
    assertInvalid(() => parsePrefix('10.0.0.0/'), 'cidr', /'' is not a valid prefix length/);
    assertInvalid(() => parsePrefix('10.0.0.0/2 4'), 'cidr', /is not a valid prefix length/);
    assertInvalid(() => parsePrefix('10.0.0.0'), 'cidr', /has no prefix length; write it as address\/length/);
    assertInvalid(() => parsePrefix(''), 'cidr', /a CIDR such as .* is required/);
    assertInvalid(() => parsePrefix('010.0.0.0/8', 'net'), 'net', /is not a valid IPv4 address/);
  });

  it('accepts /0 and full-length prefixes', () => {
    const all4 = parsePrefix('0.0.0.0/0');
    assert.equal(all4.network, 0n);
    assert.equal(all4.last, MAX4);
    assert.equal(prefixSize(all4), 1n << 32n);
    const all6 = parsePrefix('::/0');
    assert.equal(all6.network, 0n);
    assert.equal(all6.last, MAX6);
    assert.equal(all6.text, '::/0');
    const host4 = parsePrefix('10.0.0.1/32');
    assert.equal(host4.network, host4.last);
    const host6 = parsePrefix('2001:db8::1/128');
    assert.equal(host6.network, host6.last);
    assert.equal(host6.text, '2001:db8::1/128');
  });
});

describe('usableRange and specialRole', () => {
  const v = (text: string) => parseAddress(text).value;

  it('IPv4 /30 loses the network and broadcast address', () => {
    const p = parsePrefix('192.0.2.8/30');
    assert.deepEqual(usableRange(p), { family: 4, first: v('192.0.2.9'), last: v('192.0.2.10') });
    assert.equal(specialRole(p, v('192.0.2.8')), 'network address');
    assert.equal(specialRole(p, v('192.0.2.9')), null);
    assert.equal(specialRole(p, v('192.0.2.10')), null);
    assert.equal(specialRole(p, v('192.0.2.11')), 'broadcast address');
  });

  it('IPv4 /31 and /32 are fully usable (RFC 3021)', () => {
    const p31 = parsePrefix('192.0.2.8/31');
    assert.deepEqual(usableRange(p31), { family: 4, first: v('192.0.2.8'), last: v('192.0.2.9') });
    assert.equal(specialRole(p31, v('192.0.2.8')), null);
    assert.equal(specialRole(p31, v('192.0.2.9')), null);
    const p32 = parsePrefix('192.0.2.8/32');
    assert.deepEqual(usableRange(p32), { family: 4, first: v('192.0.2.8'), last: v('192.0.2.8') });
    assert.equal(specialRole(p32, v('192.0.2.8')), null);
  });

  it('IPv6 /64 loses only the subnet-router anycast address', () => {
    const p = parsePrefix('2001:db8::/64');
    const range = usableRange(p);
    assert.deepEqual(range, { family: 6, first: v('2001:db8::1'), last: v('2001:db8::ffff:ffff:ffff:ffff') });
    assert.equal(specialRole(p, v('2001:db8::')), 'network address');
    assert.equal(specialRole(p, v('2001:db8::1')), null);
    // IPv6 has no broadcast: the last address is a host address
    assert.equal(specialRole(p, v('2001:db8::ffff:ffff:ffff:ffff')), null);
  });

  it('IPv6 /127 and /128 are fully usable (RFC 6164)', () => {
    const p127 = parsePrefix('2001:db8::/127');
    assert.deepEqual(usableRange(p127), { family: 6, first: v('2001:db8::'), last: v('2001:db8::1') });
    assert.equal(specialRole(p127, v('2001:db8::')), null);
    assert.equal(specialRole(p127, v('2001:db8::1')), null);
    const p128 = parsePrefix('2001:db8::5/128');
    assert.deepEqual(usableRange(p128), { family: 6, first: v('2001:db8::5'), last: v('2001:db8::5') });
    assert.equal(specialRole(p128, v('2001:db8::5')), null);
    const p126 = parsePrefix('2001:db8::/126');
    assert.deepEqual(usableRange(p126), { family: 6, first: v('2001:db8::1'), last: v('2001:db8::3') });
    assert.equal(specialRole(p126, v('2001:db8::')), 'network address');
  });

  it('/0 for both families', () => {
    const p4 = parsePrefix('0.0.0.0/0');
    assert.deepEqual(usableRange(p4), { family: 4, first: 1n, last: MAX4 - 1n });
    assert.equal(specialRole(p4, 0n), 'network address');
    assert.equal(specialRole(p4, MAX4), 'broadcast address');
    assert.equal(specialRole(p4, v('8.8.8.8')), null);
    const p6 = parsePrefix('::/0');
    assert.deepEqual(usableRange(p6), { family: 6, first: 1n, last: MAX6 });
    assert.equal(specialRole(p6, 0n), 'network address');
    assert.equal(specialRole(p6, MAX6), null);
  });

  it('rangeSize, rangesOverlap and formatRange', () => {
    const range = usableRange(parsePrefix('10.0.0.0/24'));
    assert.ok(range);
    assert.equal(rangeSize(range), 254n);
    assert.equal(formatRange(range), '10.0.0.1-10.0.0.254');
    assert.equal(rangesOverlap({ first: 1n, last: 5n }, { first: 5n, last: 9n }), true);
    assert.equal(rangesOverlap({ first: 1n, last: 4n }, { first: 5n, last: 9n }), false);
    assert.equal(rangesOverlap({ first: 6n, last: 7n }, { first: 5n, last: 9n }), true);
  });
});

describe('parseRange', () => {
  it('parses ranges of both families', () => {
    assert.deepEqual(parseRange('10.0.0.10-10.0.0.200'), { family: 4, first: parseAddress('10.0.0.10').value, last: parseAddress('10.0.0.200').value });
    assert.deepEqual(parseRange(' 10.0.0.10 - 10.0.0.10 '), { family: 4, first: parseAddress('10.0.0.10').value, last: parseAddress('10.0.0.10').value });
    const r6 = parseRange('2001:db8::10-2001:DB8::FF');
    assert.equal(r6.family, 6);
    assert.equal(formatRange(r6), '2001:db8::10-2001:db8::ff');
    assert.equal(rangeSize(r6), 0xf0n);
  });

  it('rejects reversed, mixed-family and malformed ranges', () => {
    assertInvalid(() => parseRange('10.0.0.200-10.0.0.10'), 'pool', /starts after it ends; write the lower address first/);
    assertInvalid(() => parseRange('10.0.0.2-10.0.0.1'), 'pool', /starts after it ends/);
    assertInvalid(() => parseRange('2001:db8::2-2001:db8::1'), 'pool', /starts after it ends/);
    assertInvalid(() => parseRange('10.0.0.1-2001:db8::1', 'pools.2'), 'pools.2', /mixes IPv4 and IPv6/);
    assertInvalid(() => parseRange('10.0.0.1'), 'pool', /is not a range; write START-END/);
    assertInvalid(() => parseRange('10.0.0.1-10.0.0.5-10.0.0.9'), 'pool', /is not a range/);
    assertInvalid(() => parseRange(''), 'pool', /is not a range/);
    assertInvalid(() => parseRange('10.0.0.1-'), 'pool', /an IP address is required/);
    assertInvalid(() => parseRange('10.0.0.1-10.0.0.256'), 'pool', /'10\.0\.0\.256' is not a valid IPv4 address/);
  });
});

describe('address keys', () => {
  it('have a fixed width per family and round trip', () => {
    assert.equal(addressKey(4, parseAddress('10.0.0.1').value), '40a000001');
    assert.equal(addressKey(4, 0n), '400000000');
    assert.equal(addressKey(6, parseAddress('2001:db8::1').value), '620010db8000000000000000000000001');
    assert.equal(addressKey(6, MAX6), `6${'f'.repeat(32)}`);
    assert.deepEqual(keyToAddress('40a000001'), { family: 4, value: 0x0a000001n, text: '10.0.0.1' });
    assert.deepEqual(keyToAddress('620010db8000000000000000000000001'), { family: 6, value: (0x20010db8n << 96n) | 1n, text: '2001:db8::1' });
    assert.equal(keyValue('40a000001'), 0x0a000001n);
  });

  it('round trip through keyToAddress and keyValue (property)', () => {
    fc.assert(
      fc.property(familyArb.chain((family) => fc.tuple(fc.constant(family), valueArb(family))), ([family, value]) => {
        const key = addressKey(family, value);
        assert.equal(key.length, family === 4 ? 9 : 33);
        assert.equal(keyValue(key), value);
        assert.deepEqual(keyToAddress(key), { family, value, text: formatAddress(family, value) });
      }),
      { numRuns: 400 },
    );
  });

  it('sort like the values within a family (property)', () => {
    const cmp = <T>(a: T, b: T): number => (a < b ? -1 : a > b ? 1 : 0);
    fc.assert(
      fc.property(familyArb.chain((family) => fc.tuple(fc.constant(family), valueArb(family), valueArb(family))), ([family, a, b]) => {
        assert.equal(cmp(addressKey(family, a), addressKey(family, b)), cmp(a, b));
      }),
      { numRuns: 500 },
    );
  });

  it('put every IPv4 key before every IPv6 key (property)', () => {
    assert.ok(addressKey(4, MAX4) < addressKey(6, 0n));
    fc.assert(
      fc.property(v4Arb, v6Arb, (a, b) => {
        assert.ok(addressKey(4, a) < addressKey(6, b));
      }),
      { numRuns: 300 },
    );
  });
});

describe('address arithmetic properties', () => {
  it('formatAddress matches an independent formatter and round trips through parseAddress', () => {
    fc.assert(
      fc.property(familyArb.chain((family) => fc.tuple(fc.constant(family), valueArb(family))), ([family, value]) => {
        const text = formatAddress(family, value);
        assert.equal(text, family === 4 ? dotted(value) : rfc5952(value));
        assert.deepEqual(parseAddress(text), { family, value, text });
      }),
      { numRuns: 500 },
    );
  });

  it('the network parsed from a masked value contains the value; host bits are refused with that network', () => {
    fc.assert(
      fc.property(familyValueLen, ([family, value, length]) => {
        const shift = BigInt(familyBits(family) - length);
        const network = (value >> shift) << shift;
        const text = `${formatAddress(family, network)}/${length}`;
        const prefix = parsePrefix(text);
        assert.equal(prefix.family, family);
        assert.equal(prefix.network, network);
        assert.equal(prefix.length, length);
        assert.equal(prefix.last, network + (1n << shift) - 1n);
        assert.equal(prefix.text, text);
        assert.ok(prefixContains(prefix, address(family, value)));
        const withHost = `${formatAddress(family, value)}/${length}`;
        if (value === network) assert.equal(parsePrefix(withHost).text, text);
        else assertInvalid(() => parsePrefix(withHost), 'cidr', new RegExp(`has host bits set; the network is ${text.replaceAll('.', '\\.')}$`));
      }),
      { numRuns: 500 },
    );
  });

  it('prefixContains is true from network to last and false just outside', () => {
    fc.assert(
      fc.property(familyValueLen, ([family, value, length]) => {
        const shift = BigInt(familyBits(family) - length);
        const prefix = parsePrefix(`${formatAddress(family, (value >> shift) << shift)}/${length}`);
        assert.ok(prefixContains(prefix, address(family, prefix.network)));
        assert.ok(prefixContains(prefix, address(family, prefix.last)));
        if (prefix.network > 0n) assert.equal(prefixContains(prefix, address(family, prefix.network - 1n)), false);
        if (prefix.last < maxOf(family)) assert.equal(prefixContains(prefix, address(family, prefix.last + 1n)), false);
        // the same value in the other family is never contained
        const other: Family = family === 4 ? 6 : 4;
        assert.equal(prefixContains(prefix, { family: other, value: prefix.network, text: '' }), false);
      }),
      { numRuns: 500 },
    );
  });

  it('usableRange has 2^(bits-len) addresses minus the reserved ones', () => {
    fc.assert(
      fc.property(familyValueLen, ([family, value, length]) => {
        const bits = familyBits(family);
        const shift = BigInt(bits - length);
        const prefix = parsePrefix(`${formatAddress(family, (value >> shift) << shift)}/${length}`);
        const range = usableRange(prefix);
        assert.ok(range);
        const full = 1n << shift;
        const reserved = family === 4 ? (length <= 30 ? 2n : 0n) : length <= 126 ? 1n : 0n;
        assert.equal(rangeSize(range), full - reserved);
        assert.ok(range.first >= prefix.network && range.last <= prefix.last);
        // every address outside the usable range but inside the prefix has a special role, and vice versa
        for (const edge of [prefix.network, prefix.last]) {
          const usable: boolean = edge >= range.first && edge <= range.last;
          assert.equal(specialRole(prefix, edge) === null, usable);
        }
      }),
      { numRuns: 500 },
    );
  });
});
