/**
 * The ESXi renderings. No ESXi is at hand, so the esxcli script runs under /bin/sh with a fake
 * esxcli first on PATH that records each call's argv exactly (which checks the shell quoting of
 * names with spaces and quotes) and refuses short options; every recorded call is then checked
 * against the esxcli reference table in support/esxcli-reference.ts, and the script must pass
 * `sh -n` and ShellCheck. PowerShell is not packaged for Debian, so the PowerCLI script is checked
 * as text: cmdlets, parameters and string quoting. The ks.cfg line is checked for the demo's esx01.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { parseDeclaration } from '../src/domain/declaration.ts';
import { HostwireError } from '../src/domain/errors.ts';
import { parseInterfaceSet, type InterfaceSpec } from '../src/domain/interfaces.ts';
import { esxcliCommands, kickstartNetworkLine, renderEsxcli } from '../src/render/esxcli/index.ts';
import type { RenderInput } from '../src/render/files.ts';
import { renderPowercli } from '../src/render/powercli/index.ts';
import { applyDeclarations } from '../src/services/declarations.ts';
import { seedDemo } from '../src/services/demo.ts';
import { renderInputFor } from '../src/services/host-network.ts';
import { makeContext } from '../src/store/context.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { esxcliProblems } from './support/esxcli-reference.ts';
import { removeRendered, writeRendered } from './support/rendered.ts';

/** Records each call as CALL\0 then every argument \0-terminated; refuses short options as the table would. */
const FAKE_ESXCLI = `#!/bin/sh
for arg do
  case $arg in -[!-]*) echo "esxcli: short option $arg refused: use long options" >&2; exit 2 ;; esac
done
printf 'CALL\\0' >> "$ESXCLI_LOG"
printf '%s\\0' "$@" >> "$ESXCLI_LOG"
`;

/** Runs the rendered esxcli script with the fake esxcli and returns the calls, each as its argv. */
function runEsxcliScript(host: RenderInput): string[][] {
  const root = writeRendered(renderEsxcli(host), 'hostwire-esxcli-');
  mkdirSync(join(root, 'bin'));
  writeFileSync(join(root, 'bin', 'esxcli'), FAKE_ESXCLI);
  chmodSync(join(root, 'bin', 'esxcli'), 0o755);
  const log = join(root, 'calls');
  writeFileSync(log, '');
  const script = join(root, 'esxcli', `${host.name}-network.sh`);
  const run = spawnSync('/bin/sh', [script], { env: { PATH: `${join(root, 'bin')}:/usr/bin:/bin`, ESXCLI_LOG: log }, encoding: 'utf8' });
  assert.equal(run.status, 0, `the script runs to the end: ${run.stderr}`);
  const calls: string[][] = [];
  for (const word of readFileSync(log, 'utf8').split('\0').slice(0, -1)) {
    if (word === 'CALL') calls.push([]);
    else calls.at(-1)!.push(word);
  }
  for (const call of calls) assert.deepEqual(esxcliProblems(call), [], `esxcli ${call.join(' ')}`);
  return calls;
}

/** `sh -n` and ShellCheck (POSIX sh dialect) accept the script. */
function checkShellSyntax(host: RenderInput): void {
  const root = writeRendered(renderEsxcli(host), 'hostwire-esxcli-');
  const script = join(root, 'esxcli', `${host.name}-network.sh`);
  execFileSync('/bin/sh', ['-n', script]);
  // SC2016 says $(...) does not expand in single quotes: for a name taken literally, that is the point.
  const check = spawnSync('shellcheck', ['--shell=sh', '--severity=style', '--exclude=SC2016', script], { encoding: 'utf8' });
  assert.equal(check.status, 0, `ShellCheck: ${check.error?.message ?? check.stdout}`);
}

const call = (line: string) => line.split(' ');
const vswitch = (name: string, uplinks: string[], mtu?: number) => [
  call(`network vswitch standard add --vswitch-name=${name}`),
  ...(mtu ? [call(`network vswitch standard set --vswitch-name=${name} --mtu=${mtu}`)] : []),
  ...uplinks.map((nic) => call(`network vswitch standard uplink add --uplink-name=${nic} --vswitch-name=${name}`)),
];
/** A seed 002 vMotion port group: one active uplink, the other unused (named in no list), and its vmk. */
const vmotion = (island: number, active: string, address: string) => [
  call(`network vswitch standard portgroup add --portgroup-name=vMotion-${island} --vswitch-name=vSwitch1`),
  call(`network vswitch standard portgroup set --portgroup-name=vMotion-${island} --vlan-id=0`),
  call(`network vswitch standard portgroup policy failover set --portgroup-name=vMotion-${island} --active-uplinks=${active}`),
  call(`network ip interface add --interface-name=vmk${island} --portgroup-name=vMotion-${island} --mtu=9000`),
  call(`network ip interface ipv4 set --interface-name=vmk${island} --type=static --ipv4=${address} --netmask=255.255.255.0`),
  call(`network ip interface tag add --interface-name=vmk${island} --tagname=VMotion`),
];

describe('ESXi renderings: esxcli, PowerCLI and the ks.cfg network line', () => {
  const stores: Store[] = [];
  let demo: RenderInput;
  let seed: RenderInput;
  let ovm: RenderInput;
  before(async () => {
    const demoStore = await openStore(':memory:');
    stores.push(demoStore);
    const demoContext = makeContext(demoStore, 'test');
    await seedDemo(demoContext);
    demo = await renderInputFor(demoContext, 'esx01');
    ovm = await renderInputFor(demoContext, 'ovm1');
    // Seed 001's esx01 applied over the demo estate: its {subnet: vmotion-1} address is the one the demo allocated.
    const seedStore = await openStore(':memory:');
    stores.push(seedStore);
    const seedContext = makeContext(seedStore, 'test');
    await seedDemo(seedContext);
    const documents = parseAllDocuments(readFileSync(join(import.meta.dirname, 'fixtures', 'seed-001.yaml'), 'utf8')).map((document) => parseDeclaration(document.toJS()));
    await applyDeclarations(seedContext, documents.filter((document) => document.declaration.host === 'esx01'));
    seed = await renderInputFor(seedContext, 'esx01');
  });
  after(async () => {
    removeRendered();
    for (const store of stores) await store.close();
  });

  it("configures seed 001's esx01: jumbo vSwitch1, vMotion-1 with vmnic2 active and vmnic3 unused, vmk1 tagged VMotion", () => {
    assert.deepEqual(runEsxcliScript(seed), [
      ...vswitch('vSwitch1', ['vmnic2', 'vmnic3'], 9000),
      call('network vswitch standard policy failover set --vswitch-name=vSwitch1 --active-uplinks=vmnic2,vmnic3 --load-balancing=portid'),
      ...vmotion(1, 'vmnic2', '172.16.1.51'),
    ]);
    checkShellSyntax(seed);
    // No management address and no vmk tagged management: there is no ks.cfg line to write.
    assert.deepEqual(renderEsxcli(seed).map((file) => [file.path, file.mode]), [['esxcli/esx01-network.sh', 0o755]]);
    assert.throws(() => kickstartNetworkLine(seed), /esx01 has no management vmk with an IPv4 address: declare a vmk holding the management address or with service management/);
  });

  it("configures the demo's esx01: what the installer made is set, not added; three vMotion port groups each with one active and one unused uplink", () => {
    assert.deepEqual(runEsxcliScript(demo), [
      // vSwitch0, its install uplink vmnic0, "Management Network", "VM Network" and vmk0 exist on every installed host.
      call('network vswitch standard uplink add --uplink-name=vmnic1 --vswitch-name=vSwitch0'),
      call('network vswitch standard policy failover set --vswitch-name=vSwitch0 --active-uplinks=vmnic0 --standby-uplinks=vmnic1 --load-balancing=portid'),
      ['network', 'vswitch', 'standard', 'portgroup', 'set', '--portgroup-name=Management Network', '--vlan-id=100'],
      call('network ip interface ipv4 set --interface-name=vmk0 --type=static --ipv4=10.1.1.51 --netmask=255.255.255.0 --gateway=10.1.1.1'),
      ['network', 'vswitch', 'standard', 'portgroup', 'set', '--portgroup-name=VM Network', '--vlan-id=50'],
      ...vswitch('vSwitch1', ['vmnic2', 'vmnic3'], 9000),
      call('network vswitch standard policy failover set --vswitch-name=vSwitch1 --active-uplinks=vmnic2,vmnic3 --load-balancing=portid'),
      ...vmotion(1, 'vmnic2', '172.16.1.51'),
      ...vmotion(2, 'vmnic3', '172.16.2.51'),
      ...vmotion(3, 'vmnic2', '172.16.3.51'),
    ]);
    checkShellSyntax(demo);
    const script = renderEsxcli(demo)[0]!.content;
    assert.match(script, /^# vMotion-2: vmnic2 unused \(in neither the active nor the standby list\)$/m);
  });

  it('quotes hostile names, renders teaming settings, IPv6, beacon threshold 0 and skips distributed switches', () => {
    const host: RenderInput = {
      name: 'esx09',
      platform: 'esxi',
      osFamily: 'esxi',
      // Built literally: vCenter allows ' and $ in port group names where declarations do not.
      interfaces: [
        { kind: 'physical', name: 'vmnic0' },
        { kind: 'physical', name: 'vmnic1' },
        { kind: 'physical', name: 'vmnic2' },
        { kind: 'physical', name: 'vmnic4' },
        {
          kind: 'vswitch',
          name: 'vSwitch2',
          uplinks: ['vmnic0', 'vmnic1', 'vmnic2'],
          ports: 256,
          teaming: { loadBalancing: 'explicit', active: ['vmnic1'], standby: ['vmnic0'], failback: false, notifySwitches: true, failureDetection: { mode: 'beacon', intervalSeconds: 1, threshold: 3 } },
        },
        { kind: 'portgroup', name: "O'Brien's PG $(touch /tmp/pwned) `id`", switch: 'vSwitch2', vlan: 4095, teaming: { unused: ['vmnic2'], failureDetection: { mode: 'beacon', intervalSeconds: 2, threshold: 0 } } },
        { kind: 'portgroup', name: 'Storage "A"', switch: 'vSwitch2', vlan: 20, trunk: [{ first: 10, last: 20 }] },
        { kind: 'vmk', name: 'vmk7', attachment: 'Storage "A"', mac: '00:50:56:6a:00:07', addresses: ['192.0.2.7/25', '192.0.2.8/25', '2001:db8::7/64'], services: ['vsan', 'iscsi', 'provisioning'] },
        { kind: 'dvswitch', name: 'dvs-prod', uplinks: ['vmnic4'] },
        { kind: 'portgroup', name: 'dv-web', switch: 'dvs-prod', vlan: 50 },
        { kind: 'vmk', name: 'vmk9', attachment: 'dv-web', addresses: ['198.51.100.9/24'], services: [] },
      ] as InterfaceSpec[],
      subnets: { '2001:db8::7': { name: 'storage-v6', gateway: '2001:db8::1', dns: [], domain: null, vlan: 20 } },
    };
    const hostile = "O'Brien's PG $(touch /tmp/pwned) `id`";
    assert.deepEqual(runEsxcliScript(host), [
      call('network vswitch standard add --vswitch-name=vSwitch2 --ports=256'),
      ...['vmnic0', 'vmnic1', 'vmnic2'].map((nic) => call(`network vswitch standard uplink add --uplink-name=${nic} --vswitch-name=vSwitch2`)),
      call('network vswitch standard policy failover set --vswitch-name=vSwitch2 --active-uplinks=vmnic1 --standby-uplinks=vmnic0 --load-balancing=explicit --failback=false --notify-switches=true --failure-detection=beacon'),
      ['network', 'vswitch', 'standard', 'portgroup', 'add', `--portgroup-name=${hostile}`, '--vswitch-name=vSwitch2'],
      ['network', 'vswitch', 'standard', 'portgroup', 'set', `--portgroup-name=${hostile}`, '--vlan-id=4095'],
      // Only vmnic2 is named: the switch's active and standby lists stay, less vmnic2; a threshold of 0 means link state.
      ['network', 'vswitch', 'standard', 'portgroup', 'policy', 'failover', 'set', `--portgroup-name=${hostile}`, '--active-uplinks=vmnic1', '--standby-uplinks=vmnic0', '--failure-detection=link'],
      ['network', 'vswitch', 'standard', 'portgroup', 'add', '--portgroup-name=Storage "A"', '--vswitch-name=vSwitch2'],
      ['network', 'vswitch', 'standard', 'portgroup', 'set', '--portgroup-name=Storage "A"', '--vlan-id=20'],
      ['network', 'ip', 'interface', 'add', '--interface-name=vmk7', '--portgroup-name=Storage "A"', '--mac-address=00:50:56:6a:00:07'],
      call('network ip interface ipv4 set --interface-name=vmk7 --type=static --ipv4=192.0.2.7 --netmask=255.255.255.128'),
      call('network ip interface ipv6 address add --interface-name=vmk7 --ipv6=2001:db8::7/64'),
      call('network ip interface tag add --interface-name=vmk7 --tagname=VSAN'),
      call('network ip interface tag add --interface-name=vmk7 --tagname=vSphereProvisioning'),
      call('network ip route ipv6 add --gateway=2001:db8::1 --network=default'),
    ]);
    checkShellSyntax(host);
    const comments = esxcliCommands(host).filter((line) => line.startsWith('#'));
    assert.deepEqual(comments, [
      '# standard switch vSwitch2',
      '# vSwitch2: vmnic2 unused (in neither the active nor the standby list)',
      '# vSwitch2: beacon probing every 1 s, threshold 3; esxcli sets only the detection mode, the timing stays the host\'s',
      `# port group ${hostile}`,
      `# ${hostile}: vmnic2 unused (in neither the active nor the standby list)`,
      `# ${hostile}: beacon threshold 0 disables beacon probing, so failures are detected by link state`,
      '# port group Storage "A"',
      '# Storage "A": VLAN trunk 10-20 needs a distributed port group; a standard one cannot carry it',
      '# vmk7: 192.0.2.8/25 not set, a VMkernel port has one IPv4 address',
      '# vmk7: iscsi has no service tag (bind it to the software iSCSI adapter with esxcli iscsi networkportal add)',
      '# distributed switch dvs-prod is managed by vCenter (esxcli cannot create one): skipped with port group dv-web, vmk vmk9',
    ]);

    const powercli = renderPowercli(host)[0]!.content;
    assert.ok(powercli.includes(`-Name 'O''Brien''s PG $(touch /tmp/pwned) \`id\`' -VLanId 4095 }`), 'a single-quoted literal with each quote doubled');
    // With every single-quoted literal removed, no quote, subexpression or backtick is left over from a name.
    const code = powercli.split('\n').filter((line) => !line.startsWith('#')).join('\n').replaceAll(/'(?:[^']|'')*'/g, "''");
    assert.doesNotMatch(code, /["`]|\$\(touch/);
    const lines = powercli.split('\n');
    assert.ok(lines.includes("if (-not $switch) { $switch = New-VirtualSwitch -VMHost $vmhost -Name 'vSwitch2' -NumPorts 256 -Nic 'vmnic0', 'vmnic1', 'vmnic2' }"));
    assert.ok(lines.includes("Get-NicTeamingPolicy -VirtualSwitch $switch | Set-NicTeamingPolicy -MakeNicActive (Get-HostNic 'vmnic1') -MakeNicStandby (Get-HostNic 'vmnic0') -MakeNicUnused (Get-HostNic 'vmnic2') -LoadBalancingPolicy ExplicitFailover -FailbackEnabled $false -NotifySwitches $true -NetworkFailoverDetectionPolicy BeaconProbing -BeaconInterval 1"));
    assert.ok(lines.includes("Get-NicTeamingPolicy -VirtualPortGroup $portgroup | Set-NicTeamingPolicy -MakeNicActive (Get-HostNic 'vmnic1') -MakeNicStandby (Get-HostNic 'vmnic0') -MakeNicUnused (Get-HostNic 'vmnic2') -NetworkFailoverDetectionPolicy LinkStatus"));
    assert.ok(lines.includes(`if (-not $vmk) { $vmk = New-VMHostNetworkAdapter -VMHost $vmhost -VirtualSwitch $switch -PortGroup 'Storage "A"' -Mac '00:50:56:6a:00:07' -IP '192.0.2.7' -SubnetMask '255.255.255.128' -IPv6 '2001:db8::7/64' -ManagementTrafficEnabled $false -VMotionEnabled $false -FaultToleranceLoggingEnabled $false -VsanTrafficEnabled $true }`));
    assert.ok(lines.includes("(Get-EsxCli -VMHost $vmhost -V2).network.ip.interface.tag.add.Invoke(@{interfacename = $vmk.Name; tagname = 'vSphereProvisioning'})"));
    assert.ok(lines.includes("Get-VMHostNetwork -VMHost $vmhost | Set-VMHostNetwork -VMKernelV6Gateway '2001:db8::1' -VMKernelV6GatewayDevice $vmk.Name -Confirm:$false"));
    assert.ok(lines.includes('# distributed switch dvs-prod is managed by vCenter: skipped with port group dv-web, vmk vmk9'));
    assert.ok(!powercli.includes('dvs-prod\''), 'nothing is created on the distributed switch');
  });

  it("writes seed 001's esx01 as an idempotent PowerCLI script", () => {
    const files = renderPowercli(seed);
    assert.deepEqual(files.map((file) => file.path), ['powercli/esx01-network.ps1']);
    assert.equal(
      files[0]!.content,
      [
        '# esx01: network configuration for PowerCLI (hostwire). Run after Connect-VIServer to its vCenter or to the host.',
        "$ErrorActionPreference = 'Stop'",
        "$vmhost = Get-VMHost -Name 'esx01'",
        '# Physical NICs in the order given: the active list is a failover order.',
        'function Get-HostNic([string[]]$Name) { $Name | ForEach-Object { Get-VMHostNetworkAdapter -VMHost $vmhost -Physical -Name $_ } }',
        '',
        '# standard switch vSwitch1',
        "$switch = Get-VirtualSwitch -VMHost $vmhost -Standard -Name 'vSwitch1' -ErrorAction SilentlyContinue",
        "if (-not $switch) { $switch = New-VirtualSwitch -VMHost $vmhost -Name 'vSwitch1' -Nic 'vmnic2', 'vmnic3' -Mtu 9000 }",
        "$missing = @('vmnic2', 'vmnic3') | Where-Object { $switch.Nic -notcontains $_ }",
        'if ($missing) { Add-VirtualSwitchPhysicalNetworkAdapter -VirtualSwitch $switch -VMHostPhysicalNic (Get-HostNic $missing) -Confirm:$false }',
        '$switch = Set-VirtualSwitch -VirtualSwitch $switch -Mtu 9000 -Confirm:$false',
        "Get-NicTeamingPolicy -VirtualSwitch $switch | Set-NicTeamingPolicy -MakeNicActive (Get-HostNic 'vmnic2', 'vmnic3') -LoadBalancingPolicy LoadBalanceSrcId",
        '# port group vMotion-1',
        "$portgroup = Get-VirtualPortGroup -VirtualSwitch $switch -Standard -Name 'vMotion-1' -ErrorAction SilentlyContinue",
        "if (-not $portgroup) { $portgroup = New-VirtualPortGroup -VirtualSwitch $switch -Name 'vMotion-1' -VLanId 0 }",
        'else { $portgroup = Set-VirtualPortGroup -VirtualPortGroup $portgroup -VLanId 0 }',
        "Get-NicTeamingPolicy -VirtualPortGroup $portgroup | Set-NicTeamingPolicy -MakeNicActive (Get-HostNic 'vmnic2') -MakeNicUnused (Get-HostNic 'vmnic3')",
        '# vmk1',
        "$vmk = Get-VMHostNetworkAdapter -VMHost $vmhost -VMKernel | Where-Object { $_.PortGroupName -eq 'vMotion-1' }",
        "if (-not $vmk) { $vmk = New-VMHostNetworkAdapter -VMHost $vmhost -VirtualSwitch $switch -PortGroup 'vMotion-1' -IP '172.16.1.51' -SubnetMask '255.255.255.0' -Mtu 9000 -ManagementTrafficEnabled $false -VMotionEnabled $true -FaultToleranceLoggingEnabled $false -VsanTrafficEnabled $false }",
        "else { $vmk = Set-VMHostNetworkAdapter -VirtualNic $vmk -IP '172.16.1.51' -SubnetMask '255.255.255.0' -Mtu 9000 -ManagementTrafficEnabled $false -VMotionEnabled $true -FaultToleranceLoggingEnabled $false -VsanTrafficEnabled $false -Confirm:$false }",
        '',
      ].join('\n'),
    );
  });

  it("sets the demo's management vmk0 and default gateway in PowerCLI, and each vMotion port group's failover order", () => {
    const lines = renderPowercli(demo)[0]!.content.split('\n');
    assert.ok(lines.includes("else { $vmk = Set-VMHostNetworkAdapter -VirtualNic $vmk -IP '10.1.1.51' -SubnetMask '255.255.255.0' -ManagementTrafficEnabled $true -VMotionEnabled $false -FaultToleranceLoggingEnabled $false -VsanTrafficEnabled $false -Confirm:$false }"));
    assert.ok(lines.includes("Get-VMHostNetwork -VMHost $vmhost | Set-VMHostNetwork -VMKernelGateway '10.1.1.1' -VMKernelGatewayDevice $vmk.Name -Confirm:$false"));
    assert.deepEqual(
      lines.filter((line) => line.startsWith('Get-NicTeamingPolicy -VirtualPortGroup')),
      [
        ['vmnic2', 'vmnic3'],
        ['vmnic3', 'vmnic2'],
        ['vmnic2', 'vmnic3'],
      ].map(([active, unused]) => `Get-NicTeamingPolicy -VirtualPortGroup $portgroup | Set-NicTeamingPolicy -MakeNicActive (Get-HostNic '${active}') -MakeNicUnused (Get-HostNic '${unused}')`),
    );
  });

  it("writes the demo's esx01 ks.cfg network line from its management subnet", () => {
    const expected = 'network --bootproto=static --device=00:50:56:01:51:00 --ip=10.1.1.51 --netmask=255.255.255.0 --gateway=10.1.1.1 --nameserver="10.1.1.10,10.1.1.11" --hostname=esx01.dc1.example.net --vlanid=100 --addvmportgroup=1';
    assert.equal(kickstartNetworkLine(demo), expected);
    const file = renderEsxcli(demo).find((entry) => entry.path === 'esxcli/esx01-ks-network.cfg');
    assert.equal(file?.content, `${expected}\n`);
    // Tokenized as a shell-like parser reads it: the quoted DNS list is one option.
    const tokens = execFileSync('python3', ['-c', 'import shlex,sys,json; print(json.dumps(shlex.split(sys.stdin.read())))'], { input: expected, encoding: 'utf8' });
    assert.ok((JSON.parse(tokens) as string[]).includes('--nameserver=10.1.1.10,10.1.1.11'));
    // Without a management address the vmk tagged for management is used; an FQDN wins over name + domain.
    const tagged = { ...demo, managementAddress: null, fqdn: 'esx01.mgmt.example.org' };
    assert.equal(kickstartNetworkLine(tagged), expected.replace('esx01.dc1.example.net', 'esx01.mgmt.example.org'));
  });

  it('refuses hosts that are not ESXi', () => {
    const kvm: RenderInput = { name: 'kvm1', platform: 'kvm', osFamily: 'netplan', interfaces: parseInterfaceSet([{ kind: 'physical', name: 'eth0' }], 'kvm') };
    for (const attempt of [() => renderEsxcli(ovm), () => renderPowercli(kvm), () => kickstartNetworkLine(ovm), () => esxcliCommands(kvm)]) {
      assert.throws(attempt, (error: unknown) => error instanceof HostwireError && error.kind === 'validation' && /renders esxi hosts; (ovm1 is ovm|kvm1 is kvm)$/.test(error.message));
    }
  });
});
