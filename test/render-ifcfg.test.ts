/**
 * The ifcfg rendering of seed 001's declaration against the seed's own network-scripts files,
 * key for key: every file the seed shows exists, with the seed's values; the only keys added are
 * the ones the seed's excerpt leaves implicit (DEVICE lines, bridge STP, VLAN PHYSDEV/VLAN_ID).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { parseDeclaration } from '../src/domain/declaration.ts';
import { parseInterfaceSet } from '../src/domain/interfaces.ts';
import { render } from '../src/render/index.ts';
import { assertSeedKeys, parseKeys } from './support/seed-001.ts';

const fixtures = join(import.meta.dirname, 'fixtures');

describe('ifcfg rendering', () => {
  const [ovm] = parseAllDocuments(readFileSync(join(fixtures, 'seed-001.yaml'), 'utf8')).map((document) => parseDeclaration(document.toJS()));
  const host = { name: 'ovm1', platform: 'ovm' as const, osFamily: 'rhel' as const, interfaces: parseInterfaceSet(ovm!.interfaces, 'ovm') };
  const rendered = new Map(render(host, 'ifcfg').map((file) => [file.path, file.content]));

  it("matches seed 001's files key for key", () => {
    assertSeedKeys(rendered);
    assert.equal(rendered.get('etc/sysconfig/network-scripts/ifcfg-vlan100:1')?.includes('IPADDR=10.1.1.101'), true);
  });

  it('writes the modprobe bonding lines, MTU on every layer, and only the bond options the mode takes', () => {
    assert.equal(rendered.get('etc/modprobe.d/hostwire-bonding.conf'), 'alias bond0 bonding\noptions bonding max_bonds=1\n');
    const jumbo = render(
      {
        name: 'kvm1',
        platform: 'kvm',
        osFamily: 'rhel',
        interfaces: parseInterfaceSet(
          [
            { kind: 'physical', name: 'eth0' },
            { kind: 'physical', name: 'eth1' },
            { kind: 'bond', name: 'bond1', members: ['eth0', 'eth1'], mode: 'active-backup', miimon: 100, lacpRate: 'fast', xmitHashPolicy: 'layer3+4', primary: 'eth0' },
            { kind: 'vlan', name: 'bond1.30', parent: 'bond1', vlan: 30 },
            { kind: 'bridge', name: 'br30', ports: ['bond1.30'], mtu: 9000, stp: true, forwardDelay: 2, addresses: ['192.0.2.5/25', '2001:db8::5/64'] },
          ],
          'kvm',
        ),
      },
      'ifcfg',
    );
    const byName = new Map(jumbo.map((file) => [file.path.split('ifcfg-')[1] ?? file.path, parseKeys(file.content)]));
    for (const name of ['eth0', 'eth1', 'bond1', 'bond1.30', 'br30']) assert.equal(byName.get(name)?.get('MTU'), '9000', name);
    assert.equal(byName.get('bond1')?.get('BONDING_OPTS'), '"mode=1 miimon=100 primary=eth0"');
    assert.deepEqual([byName.get('br30')?.get('STP'), byName.get('br30')?.get('DELAY')], ['on', '2']);
    assert.deepEqual([...byName.get('br30:1')!.entries()], [['DEVICE', 'br30:1'], ['BOOTPROTO', 'static'], ['ONBOOT', 'yes'], ['IPADDR', '192.0.2.5'], ['NETMASK', '255.255.255.128']]);
    assert.equal(byName.get('br30:2')?.get('IPV6ADDR'), '2001:db8::5/64');
  });
});
