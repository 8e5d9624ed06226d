/**
 * The netplan rendering, checked by the real consumer: `netplan generate --root-dir` must accept
 * it, and the systemd-networkd files it generates must carry the declared bond, VLANs, bridges,
 * STP, MTUs and addresses.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { parseDeclaration } from '../src/domain/declaration.ts';
import { parseInterfaceSet } from '../src/domain/interfaces.ts';
import type { RenderInput } from '../src/render/files.ts';
import { render } from '../src/render/index.ts';
import { removeRendered, writeRendered } from './support/rendered.ts';

const fixture = (name: string, host: string): RenderInput => {
  const documents = parseAllDocuments(readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8')).map((document) => parseDeclaration(document.toJS()));
  const found = documents.find((document) => document.declaration.host === host)!;
  return { name: host, platform: found.declaration.platform, osFamily: found.declaration.os ?? 'netplan', interfaces: parseInterfaceSet(found.interfaces, found.declaration.platform) };
};

const KVM: RenderInput = {
  name: 'kvm1',
  platform: 'kvm',
  osFamily: 'netplan',
  interfaces: parseInterfaceSet(
    [
      { kind: 'physical', name: 'eno1', mac: '52:54:00:01:51:00' },
      { kind: 'physical', name: 'eno2', mac: '52:54:00:01:51:01' },
      { kind: 'bond', name: 'bond0', members: ['eno1', 'eno2'], mode: 'active-backup', miimon: 100, lacpRate: 'fast', primary: 'eno1' },
      { kind: 'vlan', name: 'bond0.200', parent: 'bond0', vlan: 200 },
      { kind: 'bridge', name: 'br200', ports: ['bond0.200'], mtu: 9000, forwardDelay: 0 },
      { kind: 'vmk', name: 'mgmt', attachment: 'br200', addresses: ['192.0.2.10/24'] },
    ],
    'kvm',
  ),
};

/** Renders, runs netplan generate on it, and returns the networkd files by name. */
function generate(host: RenderInput): Map<string, string> {
  const root = writeRendered(render(host, 'netplan'), 'hostwire-netplan-');
  execFileSync('netplan', ['generate', '--root-dir', root], { stdio: 'pipe' });
  const networkd = join(root, 'run', 'systemd', 'network');
  return new Map(readdirSync(networkd).map((name) => [name, readFileSync(join(networkd, name), 'utf8')]));
}

describe('netplan rendering, accepted by netplan generate', () => {
  after(removeRendered);

  it("renders seed 001's bond, trunk and per-VLAN bridges", () => {
    const files = generate(fixture('seed-001.yaml', 'ovm1'));
    assert.match(files.get('10-netplan-bond0.netdev')!, /Kind=bond[\s\S]*Mode=802\.3ad[\s\S]*MIIMonitorSec=100ms/);
    for (const vlan of [50, 51, 100]) {
      assert.match(files.get(`10-netplan-bond0.${vlan}.netdev`)!, new RegExp(`Kind=vlan[\\s\\S]*Id=${vlan}`));
      assert.match(files.get(`10-netplan-bond0.${vlan}.network`)!, new RegExp(`Bridge=vlan${vlan}`));
      // netplan would enable STP on a bridge unless told: every bridge says so explicitly.
      assert.match(files.get(`10-netplan-vlan${vlan}.netdev`)!, /STP=false/);
    }
    assert.match(files.get('10-netplan-vlan100.network')!, /Address=10\.1\.1\.101\/24/);
    assert.doesNotMatch(files.get('10-netplan-vlan50.network') ?? '', /Address=/);
    assert.match(files.get('10-netplan-eth0.network')!, /Bond=bond0/);
  });

  it('sets the MTU along the whole stack, drops bond options the mode does not use, and puts host IPs on their bridge', () => {
    const files = generate(KVM);
    for (const name of ['eno1', 'eno2', 'bond0', 'bond0.200', 'br200']) {
      const generated = [files.get(`10-netplan-${name}.netdev`), files.get(`10-netplan-${name}.network`)].join('\n');
      assert.match(generated, /MTUBytes=9000/, name);
    }
    const bond = files.get('10-netplan-bond0.netdev')!;
    assert.match(bond, /Mode=active-backup/);
    assert.doesNotMatch(bond, /LACPTransmitRate/, 'lacp-rate is dropped outside 802.3ad');
    assert.match(files.get('10-netplan-eno1.network')!, /PrimarySlave=true/);
    assert.match(files.get('10-netplan-br200.network')!, /Address=192\.0\.2\.10\/24/);
    assert.match(files.get('10-netplan-br200.netdev')!, /ForwardDelaySec=0/);
  });

  it('refuses ESXi hosts and unknown formats, naming what is allowed', () => {
    assert.throws(() => render({ name: 'esx01', platform: 'esxi', osFamily: 'esxi', interfaces: [] }, 'netplan'), /netplan renders kvm, xen, ovm hosts; esx01 is esxi/);
    assert.throws(() => render(KVM, 'ifcfg-ng'), /format: 'ifcfg-ng' is not available; use one of: ifcfg, ifupdown, ifupdown2, netplan, networkmanager, esxcli/);
  });
});
