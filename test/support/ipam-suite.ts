/**
 * The store and IPAM behaviour every dialect must show. ipam.sqlite.test.ts and
 * ipam.postgres.test.ts run this same suite, each on a fresh database per test.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HostwireError } from '../../src/domain/errors.ts';
import { allocate, listAddresses, release, reserve } from '../../src/ipam/allocation.ts';
import { createSubnet, deleteSubnet, listSubnets, showSubnet, updateSubnet, type SubnetInput } from '../../src/ipam/subnets.ts';
import { listChanges } from '../../src/services/changes.ts';
import { createSpace, listSpaces } from '../../src/services/spaces.ts';
import { createWire, deleteWire, listWires, showWire } from '../../src/services/wires.ts';
import { makeContext, type Context } from '../../src/store/context.ts';
import type { Store } from '../../src/store/store.ts';

export type OpenStore = () => Promise<Store>;

/** A context whose clock the test moves. */
function testContext(store: Store) {
  let now = new Date('2026-01-01T00:00:00Z');
  const context = makeContext(store, 'test', () => now);
  return { context, advance: (seconds: number) => (now = new Date(now.getTime() + seconds * 1000)) };
}

async function withStore(open: OpenStore, work: (context: Context, advance: (seconds: number) => Date) => Promise<void>): Promise<void> {
  const store = await open();
  try {
    const { context, advance } = testContext(store);
    await createWire(context, { name: 'w1' });
    await work(context, advance);
  } finally {
    await store.close();
  }
}

/** Asserts a HostwireError of `kind` whose message matches every pattern. */
async function rejects(promise: Promise<unknown>, kind: HostwireError['kind'], ...patterns: RegExp[]): Promise<HostwireError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof HostwireError, `expected a HostwireError, got ${String(error)}`);
    assert.equal(error.kind, kind, error.message);
    for (const pattern of patterns) assert.match(error.message, pattern);
    return error;
  }
  assert.fail(`expected a ${kind} error`);
}

/** Everything a failed call could have left behind. */
async function snapshot(context: Context) {
  return {
    wires: (await listWires(context)).map((wire) => wire.name),
    subnets: (await listSubnets(context)).map((subnet) => [subnet.name, subnet.utilization.used, subnet.utilization.free]),
    addresses: (await listAddresses(context)).map((record) => record.address),
    changes: (await listChanges(context)).length,
  };
}

const addresses = async (context: Context, input: Parameters<typeof allocate>[1]) => (await allocate(context, input)).map((record) => record.address);

export function defineIpamSuite(open: OpenStore): void {
  describe('subnets', () => {
    it('creates a subnet, reserves its gateway and reports utilization', () =>
      withStore(open, async (context) => {
        const subnet = await createSubnet(context, { name: 's1', wire: 'w1', cidr: '10.0.0.0/24', vlan: 100, gateway: '10.0.0.1', dns: ['10.0.0.53'], domain: 'Lab.Example.com' });
        assert.deepEqual(subnet.pools, [{ first: '10.0.0.1', last: '10.0.0.254' }]);
        assert.equal(subnet.domain, 'lab.example.com');
        const shown = await showSubnet(context, 's1');
        assert.deepEqual(shown.utilization, { capacity: '254', used: '1', free: '253', held: '0', percent: 0.39 });
        const [gateway] = await listAddresses(context, { subnet: 's1' });
        assert.equal(gateway?.address, '10.0.0.1');
        assert.equal(gateway?.state, 'reserved');
        assert.equal(gateway?.ownerKind, 'gateway');
      }));

    it('refuses bad input, naming the field and what is allowed, and writes nothing', () =>
      withStore(open, async (context) => {
        await createSubnet(context, { name: 'big', wire: 'w1', cidr: '10.0.0.0/16' });
        const before = await snapshot(context);
        const bad: [Partial<SubnetInput>, RegExp[]][] = [
          [{ cidr: '10.1.0.1/24' }, [/cidr/, /host bits/, /10\.1\.0\.0\/24/]],
          [{ cidr: '10.1.0.0/33' }, [/cidr/, /prefix length/, /0-32/]],
          [{ cidr: '10.1.0/24' }, [/cidr/, /not a valid IPv4 address/]],
          [{ cidr: '2001:db8::1/64' }, [/cidr/, /2001:db8::\/64/]],
          [{ cidr: '10.1.0.0' }, [/cidr/, /prefix length/]],
          [{ vlan: 4095 }, [/vlan/, /0.*4094/]],
          [{ vlan: -1 }, [/vlan/]],
          [{ vlan: 'ten' }, [/vlan/]],
          [{ gateway: '10.2.0.1' }, [/gateway/, /outside the subnet/]],
          [{ gateway: '10.1.0.0' }, [/gateway/, /network address/]],
          [{ gateway: '10.1.0.255' }, [/gateway/, /broadcast address/]],
          [{ gateway: '10.1.0.300' }, [/gateway/, /not a valid/]],
          [{ pools: ['10.1.0.200-10.1.1.10'] }, [/pools\.0/, /outside the subnet/]],
          [{ pools: ['10.1.0.0-10.1.0.10'] }, [/pools\.0/, /network address/]],
          [{ pools: ['10.1.0.10-10.1.0.50', '10.1.0.40-10.1.0.60'] }, [/pools\.1/, /overlaps pool 10\.1\.0\.10-10\.1\.0\.50/]],
          [{ pools: ['10.1.0.50-10.1.0.10'] }, [/pools\.0/, /starts after it ends/]],
          [{ pools: ['2001:db8::1-2001:db8::5'] }, [/pools\.0/, /IPv6/]],
          [{ dns: ['8.8.8'] }, [/dns\.0/]],
          [{ domain: 'bad_domain!' }, [/domain/]],
          [{ policy: 'first' }, [/policy/, /lowest, highest, random/]],
          [{ holdDownSeconds: -5 }, [/holdDownSeconds/]],
          [{ name: 'bad*name' }, [/name/]],
          [{ name: 'trailing/' }, [/name/]],
        ];
        for (const [override, patterns] of bad) {
          await rejects(createSubnet(context, { name: 's2', wire: 'w1', cidr: '10.1.0.0/24', ...override }), 'validation', ...patterns);
        }
        await rejects(createSubnet(context, { name: 's2', wire: 'w1', cidr: '10.0.128.0/24' }), 'conflict', /overlaps subnet 'big' \(10\.0\.0\.0\/16\)/);
        await rejects(createSubnet(context, { name: 's2', wire: 'w1', cidr: '0.0.0.0/0' }), 'conflict', /overlaps subnet 'big'/);
        await rejects(createSubnet(context, { name: 'big', wire: 'w1', cidr: '10.9.0.0/24' }), 'conflict', /name/, /already exists/);
        await rejects(createSubnet(context, { name: 's2', wire: 'nowire', cidr: '10.9.0.0/24' }), 'validation', /wire 'nowire' does not exist/);
        assert.deepEqual(await snapshot(context), before);
      }));

    it('reports every bad field at once', () =>
      withStore(open, async (context) => {
        const error = await rejects(createSubnet(context, { name: 's', wire: 'w1', cidr: '10.0.0.1/24', vlan: 9999, policy: 'x' }), 'validation');
        assert.deepEqual(error.fields.map((field) => field.path).sort(), ['cidr', 'policy', 'vlan']);
      }));

    it('treats /31, /32, /127 and /128 as all usable, and never hands out network or broadcast elsewhere', () =>
      withStore(open, async (context) => {
        await createSubnet(context, { name: 'p2p', wire: 'w1', cidr: '192.0.2.0/31' });
        await createSubnet(context, { name: 'host', wire: 'w1', cidr: '192.0.2.9/32' });
        await createSubnet(context, { name: 'p2p6', wire: 'w1', cidr: '2001:db8::/127' });
        await createSubnet(context, { name: 'host6', wire: 'w1', cidr: '2001:db8::9/128' });
        await createSubnet(context, { name: 'small', wire: 'w1', cidr: '192.0.2.16/30' });
        assert.deepEqual(await addresses(context, { subnet: 'p2p', count: 2 }), ['192.0.2.0', '192.0.2.1']);
        assert.deepEqual(await addresses(context, { subnet: 'host', count: 1 }), ['192.0.2.9']);
        assert.deepEqual(await addresses(context, { subnet: 'p2p6', count: 2 }), ['2001:db8::', '2001:db8::1']);
        assert.deepEqual(await addresses(context, { subnet: 'host6', count: 1 }), ['2001:db8::9']);
        assert.deepEqual(await addresses(context, { subnet: 'small', count: 2 }), ['192.0.2.17', '192.0.2.18']);
        await rejects(allocate(context, { subnet: 'small' }), 'conflict', /only 0 free/);
        await rejects(allocate(context, { subnet: 'small', address: '192.0.2.16' }), 'validation', /network address/);
        await rejects(allocate(context, { subnet: 'small', address: '192.0.2.19' }), 'validation', /broadcast address/);
      }));

    it('changes gateway, pools, policy and more, rebuilding free space around what is taken', () =>
      withStore(open, async (context) => {
        await createSubnet(context, { name: 's1', wire: 'w1', cidr: '10.0.0.0/24', gateway: '10.0.0.1' });
        await allocate(context, { subnet: 's1', count: 3 });
        await allocate(context, { subnet: 's1', address: '10.0.0.20' });
        await rejects(updateSubnet(context, 's1', { gateway: '10.0.0.3' }), 'conflict', /10\.0\.0\.3 is already allocated/);
        await rejects(updateSubnet(context, 's1', { pools: ['10.0.0.0-10.0.0.9'] }), 'validation', /network address/);
        const updated = await updateSubnet(context, 's1', { gateway: '10.0.0.254', pools: ['10.0.0.2-10.0.0.30'], policy: 'highest', holdDownSeconds: 30, vlan: 7, dns: ['10.0.0.53'] });
        assert.deepEqual([updated.gateway, updated.policy, updated.holdDownSeconds, updated.vlan, updated.dns], ['10.0.0.254', 'highest', 30, 7, ['10.0.0.53']]);
        const shown = await showSubnet(context, 's1');
        // Pool .2-.30 holds 29 addresses; .2, .3, .4 and .20 are taken; the old gateway .1 is free but outside the pool.
        assert.equal(shown.utilization.free, '25');
        assert.deepEqual((await listAddresses(context, { subnet: 's1', state: 'reserved' })).map((record) => record.address), ['10.0.0.254']);
        assert.deepEqual(await addresses(context, { subnet: 's1', count: 2 }), ['10.0.0.30', '10.0.0.29']);
        const changes = (await listChanges(context, { objectKind: 'subnet' })).length;
        await updateSubnet(context, 's1', { policy: 'highest' });
        assert.equal((await listChanges(context, { objectKind: 'subnet' })).length, changes, 'no change, no entry');
        await updateSubnet(context, 's1', { gateway: null });
        assert.deepEqual(await listAddresses(context, { subnet: 's1', state: 'reserved' }), []);
      }));

    it('refuses to delete a subnet with allocated addresses, naming how many', () =>
      withStore(open, async (context) => {
        await createSubnet(context, { name: 's1', wire: 'w1', cidr: '10.0.0.0/24', gateway: '10.0.0.1' });
        await allocate(context, { subnet: 's1', count: 3 });
        await rejects(deleteSubnet(context, 's1'), 'conflict', /3 addresses in use/);
        await rejects(deleteWire(context, 'w1'), 'conflict', /1 subnet/);
        for (const record of await listAddresses(context, { subnet: 's1', state: 'allocated' })) await release(context, { address: record.address });
        await deleteSubnet(context, 's1');
        assert.deepEqual(await listSubnets(context), []);
        assert.deepEqual(await listAddresses(context), []);
        await deleteWire(context, 'w1');
        await rejects(showWire(context, 'w1'), 'not_found');
      }));
  });

  describe('allocation', () => {
    it('follows the lowest policy, skipping the gateway and reserved addresses', () =>
      withStore(open, async (context) => {
        await createSubnet(context, { name: 's1', wire: 'w1', cidr: '10.0.0.0/24', gateway: '10.0.0.1' });
        await reserve(context, { subnet: 's1', address: '10.0.0.3', note: 'printer' });
        assert.deepEqual(await addresses(context, { subnet: 's1', count: 3 }), ['10.0.0.2', '10.0.0.4', '10.0.0.5']);
      }));

    it('follows the highest policy (stepdown)', () =>
      withStore(open, async (context) => {
        await createSubnet(context, { name: 's1', wire: 'w1', cidr: '10.0.0.0/24', gateway: '10.0.0.254', policy: 'highest' });
        assert.deepEqual(await addresses(context, { subnet: 's1', count: 3 }), ['10.0.0.253', '10.0.0.252', '10.0.0.251']);
      }));

    it('follows the random policy inside the pools, with distinct addresses', () =>
      withStore(open, async (context) => {
        await createSubnet(context, { name: 's1', wire: 'w1', cidr: '10.0.0.0/24', pools: ['10.0.0.10-10.0.0.19', '10.0.0.100-10.0.0.109'], policy: 'random' });
        const taken = await addresses(context, { subnet: 's1', count: 20 });
        assert.equal(new Set(taken).size, 20);
        const expected = [...Array.from({ length: 10 }, (_, i) => `10.0.0.${10 + i}`), ...Array.from({ length: 10 }, (_, i) => `10.0.0.${100 + i}`)];
        assert.deepEqual([...taken].sort(), [...expected].sort());
        await rejects(allocate(context, { subnet: 's1' }), 'conflict', /only 0 free/);
      }));

    it('allocates across pools in order and a named address outside the pools', () =>
      withStore(open, async (context) => {
        await createSubnet(context, { name: 's1', wire: 'w1', cidr: '10.0.0.0/24', pools: ['10.0.0.250-10.0.0.254', '10.0.0.10-10.0.0.11'] });
        assert.deepEqual(await addresses(context, { subnet: 's1', count: 4 }), ['10.0.0.10', '10.0.0.11', '10.0.0.250', '10.0.0.251']);
        assert.deepEqual(await addresses(context, { subnet: 's1', address: '10.0.0.100' }), ['10.0.0.100']);
        assert.equal((await showSubnet(context, 's1')).utilization.free, '3');
      }));

    it('allocates from pools at the very edges of the usable range, in both families', () =>
      withStore(open, async (context) => {
        await createSubnet(context, { name: 'edge4', wire: 'w1', cidr: '10.0.0.0/24', pools: ['10.0.0.1-10.0.0.2', '10.0.0.253-10.0.0.254'] });
        assert.deepEqual(await addresses(context, { subnet: 'edge4', count: 4 }), ['10.0.0.1', '10.0.0.2', '10.0.0.253', '10.0.0.254']);
        await rejects(allocate(context, { subnet: 'edge4' }), 'conflict', /only 0 free/);
        await release(context, { address: '10.0.0.254' });
        await release(context, { address: '10.0.0.1' });
        assert.deepEqual(await addresses(context, { subnet: 'edge4', count: 2 }), ['10.0.0.1', '10.0.0.254']);
        await createSubnet(context, { name: 'edge6', wire: 'w1', cidr: 'ffff:ffff:ffff:ffff::/64', pools: ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'] });
        assert.deepEqual(await addresses(context, { subnet: 'edge6', count: 2 }), ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']);
        await release(context, { address: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff' });
        assert.deepEqual(await addresses(context, { subnet: 'edge6' }), ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']);
        await createSubnet(context, { name: 'zero', wire: 'w1', cidr: '0.0.0.0/31' });
        assert.deepEqual(await addresses(context, { subnet: 'zero', count: 2 }), ['0.0.0.0', '0.0.0.1']);
        await release(context, { address: '0.0.0.0' });
        assert.deepEqual(await addresses(context, { subnet: 'zero' }), ['0.0.0.0']);
        await rejects(createSubnet(context, { name: 'edgebad', wire: 'w1', cidr: '10.1.0.0/24', pools: ['10.1.0.250-10.1.0.255'] }), 'validation', /broadcast address/);
      }));

    it('is all or nothing in bulk and says how many are free', () =>
      withStore(open, async (context) => {
        await createSubnet(context, { name: 's1', wire: 'w1', cidr: '10.0.0.0/29', gateway: '10.0.0.1' });
        const before = await snapshot(context);
        await rejects(allocate(context, { subnet: 's1', count: 6 }), 'conflict', /asked for 6/, /only 5 free/, /nothing was allocated/);
        assert.deepEqual(await snapshot(context), before);
        assert.equal((await addresses(context, { subnet: 's1', count: 5 })).length, 5);
        await rejects(allocate(context, { subnet: 's1', count: 1 }), 'conflict', /only 0 free/);
      }));

    it('refuses a taken, reserved, outside or special address, and bad counts', () =>
      withStore(open, async (context) => {
        await createSubnet(context, { name: 's1', wire: 'w1', cidr: '10.0.0.0/24', gateway: '10.0.0.1' });
        await allocate(context, { subnet: 's1', address: '10.0.0.7', owner: { kind: 'manual', id: 'web01' } });
        const before = await snapshot(context);
        await rejects(allocate(context, { subnet: 's1', address: '10.0.0.7' }), 'conflict', /10\.0\.0\.7 is already allocated to web01/);
        await rejects(allocate(context, { subnet: 's1', address: '10.0.0.1' }), 'conflict', /reserved to gateway/);
        await rejects(reserve(context, { subnet: 's1', address: '10.0.0.7' }), 'conflict', /already allocated/);
        await rejects(allocate(context, { subnet: 's1', address: '10.0.1.7' }), 'validation', /outside subnet 's1'/);
        await rejects(allocate(context, { subnet: 's1', address: '10.0.0.255' }), 'validation', /broadcast/);
        await rejects(allocate(context, { subnet: 's1', address: 'ten' }), 'validation', /address/);
        await rejects(allocate(context, { subnet: 's1', count: 0 }), 'validation', /count/);
        await rejects(allocate(context, { subnet: 's1', count: 'many' }), 'validation', /count/);
        await rejects(allocate(context, { subnet: 'nope' }), 'not_found', /subnet 'nope'/);
        await rejects(release(context, { address: '10.0.0.1' }), 'conflict', /gateway/);
        await rejects(release(context, { address: '10.0.0.99' }), 'not_found');
        assert.deepEqual(await snapshot(context), before);
      }));

    it('returns a released address to the pool, after the hold-down when there is one', () =>
      withStore(open, async (context, advance) => {
        await createSubnet(context, { name: 'now', wire: 'w1', cidr: '10.0.0.0/24' });
        await createSubnet(context, { name: 'held', wire: 'w1', cidr: '10.0.1.0/24', holdDownSeconds: 60 });
        assert.deepEqual(await addresses(context, { subnet: 'now', count: 3 }), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
        await release(context, { address: '10.0.0.2' });
        assert.deepEqual(await addresses(context, { subnet: 'now' }), ['10.0.0.2']);

        assert.deepEqual(await addresses(context, { subnet: 'held', count: 2 }), ['10.0.1.1', '10.0.1.2']);
        await release(context, { address: '10.0.1.1' });
        assert.equal((await showSubnet(context, 'held')).utilization.held, '1');
        await rejects(allocate(context, { subnet: 'held', address: '10.0.1.1' }), 'conflict', /held until 2026-01-01T00:01:00\.000Z/);
        assert.deepEqual(await addresses(context, { subnet: 'held' }), ['10.0.1.3']);
        advance(61);
        assert.equal((await showSubnet(context, 'held')).utilization.held, '0');
        assert.deepEqual(await addresses(context, { subnet: 'held' }), ['10.0.1.1']);
      }));

    it('merges released addresses back into contiguous free space', () =>
      withStore(open, async (context) => {
        await createSubnet(context, { name: 's1', wire: 'w1', cidr: '10.0.0.0/28' });
        const all = await addresses(context, { subnet: 's1', count: 14 });
        for (const address of ['10.0.0.5', '10.0.0.7', '10.0.0.6', '10.0.0.1', '10.0.0.14']) await release(context, { address });
        assert.equal((await showSubnet(context, 's1')).utilization.free, '5');
        assert.deepEqual(await addresses(context, { subnet: 's1', count: 5 }), ['10.0.0.1', '10.0.0.5', '10.0.0.6', '10.0.0.7', '10.0.0.14']);
        assert.equal(all.length, 14);
      }));

    it('allocates in an IPv6 /64 without enumerating it', () =>
      withStore(open, async (context) => {
        await createSubnet(context, { name: 'v6', wire: 'w1', cidr: '2001:db8:1::/64', gateway: '2001:db8:1::1' });
        assert.deepEqual(await addresses(context, { subnet: 'v6', count: 2 }), ['2001:db8:1::2', '2001:db8:1::3']);
        await createSubnet(context, { name: 'v6high', wire: 'w1', cidr: '2001:db8:2::/64', policy: 'highest' });
        assert.deepEqual(await addresses(context, { subnet: 'v6high' }), ['2001:db8:2:0:ffff:ffff:ffff:ffff']);
        await createSubnet(context, { name: 'v6rand', wire: 'w1', cidr: '2001:db8:3::/64', policy: 'random' });
        const [random] = await addresses(context, { subnet: 'v6rand' });
        assert.match(random!, /^2001:db8:3:/);
        const shown = await showSubnet(context, 'v6');
        assert.equal(shown.utilization.capacity, String(2n ** 64n - 1n));
        assert.equal(shown.utilization.free, String(2n ** 64n - 1n - 3n));
      }));

    it('sums utilization per wire', () =>
      withStore(open, async (context) => {
        await createSubnet(context, { name: 'a', wire: 'w1', cidr: '10.0.0.0/24', gateway: '10.0.0.1' });
        await createSubnet(context, { name: 'b', wire: 'w1', cidr: '10.0.1.0/25' });
        await allocate(context, { subnet: 'b', count: 10 });
        const wire = await showWire(context, 'w1');
        assert.equal(wire.subnets, 2);
        assert.deepEqual(wire.utilization, { capacity: '380', used: '11', free: '369', held: '0', percent: 2.89 });
      }));

    it('records every write in the change log with its actor', () =>
      withStore(open, async (context) => {
        await createSubnet(context, { name: 's1', wire: 'w1', cidr: '10.0.0.0/24' });
        await allocate(context, { subnet: 's1', count: 2 });
        await release(context, { address: '10.0.0.1' });
        const changes = await listChanges(context);
        assert.deepEqual(
          changes.map((change) => [change.action, change.objectKind, change.objectName, change.actor]),
          [
            ['release', 'address', '10.0.0.1', 'test'],
            ['allocate', 'address', '10.0.0.2', 'test'],
            ['allocate', 'address', '10.0.0.1', 'test'],
            ['create', 'subnet', 's1', 'test'],
            ['create', 'wire', 'w1', 'test'],
          ],
        );
        assert.equal((changes[0]!.before as { address: string }).address, '10.0.0.1');
        assert.equal(changes[0]!.after, null);
        assert.equal((await listChanges(context, { objectKind: 'subnet' })).length, 1);
        assert.equal((await listChanges(context, { limit: 2 })).length, 2);
      }));

    it('keeps addresses unique per IP space, so overlapping subnets can live in separate spaces', () =>
      withStore(open, async (context) => {
        await createSpace(context, { name: 'tenant-a', description: 'VRF A' });
        await rejects(createSpace(context, { name: 'tenant-a' }), 'conflict', /already exists/);
        assert.deepEqual((await listSpaces(context)).map((space) => space.name), ['default', 'tenant-a']);
        await createSubnet(context, { name: 'main', wire: 'w1', cidr: '10.0.0.0/24' });
        await createSubnet(context, { name: 'a', wire: 'w1', cidr: '10.0.0.0/24', space: 'tenant-a' });
        assert.deepEqual(await addresses(context, { subnet: 'main' }), ['10.0.0.1']);
        assert.deepEqual(await addresses(context, { subnet: 'a' }), ['10.0.0.1']);
        await release(context, { address: '10.0.0.1', space: 'tenant-a' });
        assert.deepEqual((await listAddresses(context)).map((record) => [record.space, record.address]), [['default', '10.0.0.1']]);
        await rejects(createSubnet(context, { name: 'x', wire: 'w1', cidr: '10.1.0.0/24', space: 'nope' }), 'validation', /IP space 'nope' does not exist/);
      }));

    it('nests service calls inside one transaction: a failed inner call undoes only itself', () =>
      withStore(open, async (context) => {
        await createSubnet(context, { name: 's1', wire: 'w1', cidr: '10.0.0.0/29' });
        await context.store.write(async () => {
          await allocate(context, { subnet: 's1', address: '10.0.0.1' });
          await rejects(allocate(context, { subnet: 's1', count: 99 }), 'conflict', /only 5 free/);
          await allocate(context, { subnet: 's1', address: '10.0.0.2' });
        });
        assert.deepEqual((await listAddresses(context)).map((record) => record.address), ['10.0.0.1', '10.0.0.2']);
        await assert.rejects(
          context.store.write(async () => {
            await allocate(context, { subnet: 's1', address: '10.0.0.3' });
            throw new Error('sync interrupted');
          }),
          /sync interrupted/,
        );
        assert.deepEqual((await listAddresses(context)).map((record) => record.address), ['10.0.0.1', '10.0.0.2']);
        assert.equal((await showSubnet(context, 's1')).utilization.free, '4');
      }));

    it('pages address listings by cursor', () =>
      withStore(open, async (context) => {
        await createSubnet(context, { name: 's1', wire: 'w1', cidr: '10.0.0.0/24' });
        await allocate(context, { subnet: 's1', count: 5 });
        const first = await listAddresses(context, { limit: 2 });
        const rest = await listAddresses(context, { after: { subnet: 's1', address: first[1]!.address } });
        assert.deepEqual([...first, ...rest].map((record) => record.address), ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5']);
      }));
  });
}
