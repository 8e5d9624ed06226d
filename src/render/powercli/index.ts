/**
 * An ESXi host's network as a PowerCLI script: standard switches (New-VirtualSwitch), port groups
 * (New-VirtualPortGroup), teaming and failover on each (Set-NicTeamingPolicy with MakeNicActive /
 * MakeNicStandby / MakeNicUnused) and VMkernel ports (New-VMHostNetworkAdapter) with their services.
 * Every object is looked up before it is created and set to the declared state either way, so the
 * script can run again. Distributed switches are left to vCenter, as in the esxcli rendering.
 */
import type { RenderedFile, RenderInput } from '../files.ts';
import { readEsxiNetwork, VMK_TAGS, type EsxiVmk, type TeamingSettings } from '../esxi/network.ts';

/** PowerCLI's LoadBalancingPolicy enumeration for the declaration's policies. */
const LOAD_BALANCING = { srcid: 'LoadBalanceSrcId', srcmac: 'LoadBalanceSrcMac', iphash: 'LoadBalanceIP', explicit: 'ExplicitFailover' } as const;
const FAILURE_DETECTION = { link: 'LinkStatus', beacon: 'BeaconProbing' } as const;

/** A PowerShell string literal: single-quoted, so nothing inside expands; a ' is written ''. */
export function psString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

const psList = (values: string[]) => values.map(psString).join(', ');
const psBool = (value: boolean) => (value ? '$true' : '$false');

/** The Set-NicTeamingPolicy parameters of one policy; `switchPolicy` adds what only a switch takes. */
function teamingParameters(teaming: TeamingSettings, switchPolicy: boolean): string {
  const parameters: string[] = [];
  if (teaming.order?.active.length) parameters.push(`-MakeNicActive (Get-HostNic ${psList(teaming.order.active)})`);
  if (teaming.order?.standby.length) parameters.push(`-MakeNicStandby (Get-HostNic ${psList(teaming.order.standby)})`);
  if (teaming.order?.unused.length) parameters.push(`-MakeNicUnused (Get-HostNic ${psList(teaming.order.unused)})`);
  if (teaming.loadBalancing) parameters.push(`-LoadBalancingPolicy ${LOAD_BALANCING[teaming.loadBalancing]}`);
  if (teaming.failback !== undefined) parameters.push(`-FailbackEnabled ${psBool(teaming.failback)}`);
  if (teaming.notifySwitches !== undefined) parameters.push(`-NotifySwitches ${psBool(teaming.notifySwitches)}`);
  if (teaming.failureDetection) parameters.push(`-NetworkFailoverDetectionPolicy ${FAILURE_DETECTION[teaming.failureDetection]}`);
  if (switchPolicy && teaming.failureDetection === 'beacon' && teaming.beacon) parameters.push(`-BeaconInterval ${teaming.beacon.intervalSeconds}`);
  return parameters.join(' ');
}

/** The vmk's settings shared by New- and Set-VMHostNetworkAdapter: addresses, MTU and every service flag, on or off. */
function vmkParameters(vmk: EsxiVmk): string {
  return [
    ...(vmk.ipv4 ? [`-IP ${psString(vmk.ipv4.address)} -SubnetMask ${psString(vmk.ipv4.netmask)}`] : []),
    ...(vmk.ipv6.length ? [`-IPv6 ${psList(vmk.ipv6)}`] : []),
    ...(vmk.mtu !== undefined ? [`-Mtu ${vmk.mtu}`] : []),
    `-ManagementTrafficEnabled ${psBool(vmk.services.includes('management'))}`,
    `-VMotionEnabled ${psBool(vmk.services.includes('vmotion'))}`,
    `-FaultToleranceLoggingEnabled ${psBool(vmk.services.includes('ft'))}`,
    `-VsanTrafficEnabled ${psBool(vmk.services.includes('vsan'))}`,
  ].join(' ');
}

/** Services with no New-VMHostNetworkAdapter switch: tagged through esxcli, with the same tag names. */
const TAGGED_THROUGH_ESXCLI = ['provisioning', 'replication'] as const;

export function powercliLines(host: RenderInput): string[] {
  const network = readEsxiNetwork(host, 'powercli');
  const lines = [
    `# ${host.name}: network configuration for PowerCLI (hostwire). Run after Connect-VIServer to its vCenter or to the host.`,
    "$ErrorActionPreference = 'Stop'",
    `$vmhost = Get-VMHost -Name ${psString(host.name)}`,
    '# Physical NICs in the order given: the active list is a failover order.',
    'function Get-HostNic([string[]]$Name) { $Name | ForEach-Object { Get-VMHostNetworkAdapter -VMHost $vmhost -Physical -Name $_ } }',
  ];
  for (const vswitch of network.switches) {
    const name = psString(vswitch.name);
    lines.push('', `# standard switch ${vswitch.name}`);
    lines.push(`$switch = Get-VirtualSwitch -VMHost $vmhost -Standard -Name ${name} -ErrorAction SilentlyContinue`);
    const mtu = vswitch.mtu !== undefined ? ` -Mtu ${vswitch.mtu}` : '';
    lines.push(`if (-not $switch) { $switch = New-VirtualSwitch -VMHost $vmhost -Name ${name}${vswitch.ports !== undefined ? ` -NumPorts ${vswitch.ports}` : ''}${vswitch.uplinks.length ? ` -Nic ${psList(vswitch.uplinks)}` : ''}${mtu} }`);
    if (vswitch.uplinks.length) {
      lines.push(`$missing = @(${psList(vswitch.uplinks)}) | Where-Object { $switch.Nic -notcontains $_ }`);
      lines.push('if ($missing) { Add-VirtualSwitchPhysicalNetworkAdapter -VirtualSwitch $switch -VMHostPhysicalNic (Get-HostNic $missing) -Confirm:$false }');
    }
    if (mtu) lines.push(`$switch = Set-VirtualSwitch -VirtualSwitch $switch${mtu} -Confirm:$false`);
    if (vswitch.uplinks.length) lines.push(`Get-NicTeamingPolicy -VirtualSwitch $switch | Set-NicTeamingPolicy ${teamingParameters(vswitch.teaming, true)}`);
    for (const portgroup of network.portgroups.filter((entry) => entry.switch === vswitch.name)) {
      const pgName = psString(portgroup.name);
      lines.push(`# port group ${portgroup.name}`);
      lines.push(`$portgroup = Get-VirtualPortGroup -VirtualSwitch $switch -Standard -Name ${pgName} -ErrorAction SilentlyContinue`);
      lines.push(`if (-not $portgroup) { $portgroup = New-VirtualPortGroup -VirtualSwitch $switch -Name ${pgName} -VLanId ${portgroup.vlan} }`);
      lines.push(`else { $portgroup = Set-VirtualPortGroup -VirtualPortGroup $portgroup -VLanId ${portgroup.vlan} }`);
      for (const setting of portgroup.distributedOnly) lines.push(`# ${portgroup.name}: ${setting} needs a distributed port group; a standard one cannot carry it`);
      const override = portgroup.override ? teamingParameters(portgroup.override, false) : '';
      if (override) lines.push(`Get-NicTeamingPolicy -VirtualPortGroup $portgroup | Set-NicTeamingPolicy ${override}`);
      for (const vmk of network.vmks.filter((entry) => entry.portgroup === portgroup.name)) {
        // New-VMHostNetworkAdapter picks the vmk's device name itself, so the vmk is found by its port group.
        lines.push(`# ${vmk.name}`);
        lines.push(`$vmk = Get-VMHostNetworkAdapter -VMHost $vmhost -VMKernel | Where-Object { $_.PortGroupName -eq ${pgName} }`);
        lines.push(`if (-not $vmk) { $vmk = New-VMHostNetworkAdapter -VMHost $vmhost -VirtualSwitch $switch -PortGroup ${pgName}${vmk.mac ? ` -Mac ${psString(vmk.mac)}` : ''} ${vmkParameters(vmk)} }`);
        lines.push(`else { $vmk = Set-VMHostNetworkAdapter -VirtualNic $vmk ${vmkParameters(vmk)} -Confirm:$false }`);
        for (const service of TAGGED_THROUGH_ESXCLI.filter((entry) => vmk.services.includes(entry))) {
          lines.push(`(Get-EsxCli -VMHost $vmhost -V2).network.ip.interface.tag.add.Invoke(@{interfacename = $vmk.Name; tagname = ${psString(VMK_TAGS[service]!)}})`);
        }
        for (const service of vmk.services.filter((entry) => !VMK_TAGS[entry])) lines.push(`# ${vmk.name}: ${service} has no service flag; ${service === 'iscsi' ? 'bind it to the software iSCSI adapter' : 'NFS traffic leaves through the vmk on the server subnet'}`);
        if (vmk.gateway) lines.push(`Get-VMHostNetwork -VMHost $vmhost | Set-VMHostNetwork -VMKernelGateway ${psString(vmk.gateway)} -VMKernelGatewayDevice $vmk.Name -Confirm:$false`);
        if (network.ipv6Gateway?.vmk === vmk.name) lines.push(`Get-VMHostNetwork -VMHost $vmhost | Set-VMHostNetwork -VMKernelV6Gateway ${psString(network.ipv6Gateway.gateway)} -VMKernelV6GatewayDevice $vmk.Name -Confirm:$false`);
      }
    }
  }
  for (const dvs of network.distributed) {
    const members = [...dvs.portgroups.map((name) => `port group ${name}`), ...dvs.vmks.map((name) => `vmk ${name}`)];
    lines.push('', `# distributed switch ${dvs.name} is managed by vCenter: skipped${members.length ? ` with ${members.join(', ')}` : ''}`);
  }
  return lines;
}

export function renderPowercli(host: RenderInput): RenderedFile[] {
  return [{ path: `powercli/${host.name}-network.ps1`, content: `${powercliLines(host).join('\n')}\n` }];
}
