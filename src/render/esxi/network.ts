/**
 * An ESXi host's interface graph read as the vSphere objects every ESXi renderer (esxcli, PowerCLI,
 * the ks.cfg `network` line) configures: standard switches with their uplinks and an explicit
 * failover order, port groups with the teaming they override, VMkernel ports with their addresses,
 * service tags and the default gateway, the members of distributed switches (vCenter's to create),
 * and which objects the ESXi installer has already made on every installed host.
 */
import { ipv4Netmask, parseInterfaceAddress } from '../../domain/address.ts';
import { HostwireError } from '../../domain/errors.ts';
import { declaresFailoverOrder, failoverOrder, type FailoverOrder, type InterfaceSpec, type LOAD_BALANCING, type TeamingPolicy, type VMK_SERVICES } from '../../domain/interfaces.ts';
import { defaultRoute, type RenderInput } from '../files.ts';

type LoadBalancing = (typeof LOAD_BALANCING)[number];
type VmkService = (typeof VMK_SERVICES)[number];
type Spec<K extends InterfaceSpec['kind']> = Extract<InterfaceSpec, { kind: K }>;

/**
 * What the ESXi installer creates, interactively or from the ks.cfg `network` line: vSwitch0 with
 * the install NIC as its uplink, the "Management Network" port group with vmk0 on it, and the
 * "VM Network" port group unless the line says --addvmportgroup=0.
 */
export const INSTALLER = { switch: 'vSwitch0', managementPortgroup: 'Management Network', vmPortgroup: 'VM Network', vmk: 'vmk0' } as const;

/**
 * The `esxcli network ip interface tag add --tagname` value of each service, as VMware's esxcli
 * reference spells them. iSCSI and NFS have no tag: iSCSI binds a vmk to a software adapter
 * (`esxcli iscsi networkportal add`), NFS simply routes through the vmk on the server's subnet.
 */
export const VMK_TAGS: Partial<Record<VmkService, string>> = {
  management: 'Management',
  vmotion: 'VMotion',
  ft: 'faultToleranceLogging',
  replication: 'vSphereReplication',
  provisioning: 'vSphereProvisioning',
  vsan: 'VSAN',
};


export interface TeamingSettings {
  loadBalancing?: LoadBalancing;
  failback?: boolean;
  notifySwitches?: boolean;
  failureDetection?: 'link' | 'beacon';
  /** Beacon timing as declared: interval x threshold is the detection time (seed 000). */
  beacon?: { intervalSeconds: number; threshold: number };
  /** On a port group, absent when it keeps its switch's order. */
  order?: FailoverOrder;
}

export interface EsxiSwitch {
  name: string;
  uplinks: string[];
  mtu?: number;
  ports?: number;
  teaming: TeamingSettings & { order: FailoverOrder };
  createdByInstaller: boolean;
  /** The uplink the installer already gave the switch (the ks.cfg --device NIC). */
  installerUplink: string | null;
}

export interface EsxiPortgroup {
  name: string;
  switch: string;
  vlan: number;
  /** Null when the port group inherits all of its switch's teaming. */
  override: TeamingSettings | null;
  createdByInstaller: boolean;
  /** Settings a standard port group cannot carry (VLAN trunk ranges, private VLANs), for a comment. */
  distributedOnly: string[];
}

export interface EsxiVmk {
  name: string;
  portgroup: string;
  switch: string;
  mac?: string;
  mtu?: number;
  ipv4: { address: string; netmask: string } | null;
  /** IPv4 addresses beyond the first: a VMkernel port holds one. */
  extraIpv4: string[];
  /** address/length, as esxcli and PowerCLI take them. */
  ipv6: string[];
  services: VmkService[];
  /** The IPv4 default gateway, on the vmk that carries the host's default route. */
  gateway: string | null;
  createdByInstaller: boolean;
}

export interface EsxiNetwork {
  switches: EsxiSwitch[];
  portgroups: EsxiPortgroup[];
  vmks: EsxiVmk[];
  /** Distributed switches, with what sits on them: vCenter creates these, not the host. */
  distributed: { name: string; uplinks: string[]; portgroups: string[]; vmks: string[] }[];
  /** An IPv6 default gateway, which no vmk option carries. */
  ipv6Gateway: { vmk: string; gateway: string } | null;
}

/** Refuses a host that is not ESXi, naming the format and the host's platform. */
export function requireEsxi(host: RenderInput, format: string): void {
  if (host.platform !== 'esxi') {
    throw new HostwireError('validation', `format: ${format} renders esxi hosts; ${host.name} is ${host.platform}`, [{ path: 'format', message: 'wrong platform' }]);
  }
}

function teamingSettings(declared: TeamingPolicy | undefined): TeamingSettings {
  const settings: TeamingSettings = {};
  if (declared?.loadBalancing) settings.loadBalancing = declared.loadBalancing;
  if (declared?.failback !== undefined) settings.failback = declared.failback;
  if (declared?.notifySwitches !== undefined) settings.notifySwitches = declared.notifySwitches;
  const detection = declared?.failureDetection;
  if (detection?.mode === 'beacon') {
    // A beacon threshold of 0 disables beacon failure detection (seed 000): link state is what is left.
    settings.failureDetection = detection.threshold > 0 ? 'beacon' : 'link';
    settings.beacon = { intervalSeconds: detection.intervalSeconds, threshold: detection.threshold };
  } else if (detection) settings.failureDetection = 'link';
  return settings;
}

/** Reads an ESXi host's declaration; refuses any other platform. */
export function readEsxiNetwork(host: RenderInput, format: string): EsxiNetwork {
  requireEsxi(host, format);
  const specs = host.interfaces;
  const vswitches = specs.filter((spec): spec is Spec<'vswitch'> => spec.kind === 'vswitch');
  const dvswitches = specs.filter((spec): spec is Spec<'dvswitch'> => spec.kind === 'dvswitch');
  const portgroupSpecs = specs.filter((spec): spec is Spec<'portgroup'> => spec.kind === 'portgroup');
  const vmkSpecs = specs.filter((spec): spec is Spec<'vmk'> => spec.kind === 'vmk');
  const standardNames = new Set(vswitches.map((spec) => spec.name));
  const switchOfPortgroup = new Map(portgroupSpecs.map((spec) => [spec.name, spec.switch]));

  const switches = vswitches.map((spec): EsxiSwitch => {
    const order = failoverOrder(spec.uplinks, spec.teaming);
    const createdByInstaller = spec.name === INSTALLER.switch;
    return {
      name: spec.name,
      uplinks: spec.uplinks,
      ...(spec.mtu !== undefined ? { mtu: spec.mtu } : {}),
      ...(spec.ports !== undefined ? { ports: spec.ports } : {}),
      teaming: { ...teamingSettings(spec.teaming), order },
      createdByInstaller,
      installerUplink: createdByInstaller ? (order.active[0] ?? spec.uplinks[0] ?? null) : null,
    };
  });

  const portgroups = portgroupSpecs
    .filter((spec) => standardNames.has(spec.switch))
    .map((spec): EsxiPortgroup => {
      const parent = vswitches.find((candidate) => candidate.name === spec.switch)!;
      const override = spec.teaming ? { ...teamingSettings(spec.teaming), ...(declaresFailoverOrder(spec.teaming) ? { order: failoverOrder(parent.uplinks, parent.teaming, spec.teaming) } : {}) } : null;
      const distributedOnly = [
        ...(spec.trunk?.length ? [`VLAN trunk ${spec.trunk.map((range) => (range.first === range.last ? `${range.first}` : `${range.first}-${range.last}`)).join(',')}`] : []),
        ...(spec.pvlan !== undefined ? [`private VLAN ${spec.pvlan}`] : []),
      ];
      const createdByInstaller = spec.switch === INSTALLER.switch && (spec.name === INSTALLER.managementPortgroup || spec.name === INSTALLER.vmPortgroup);
      return { name: spec.name, switch: spec.switch, vlan: spec.vlan, override, createdByInstaller, distributedOnly };
    });

  const route = defaultRoute(host);
  const vmks = vmkSpecs
    .filter((spec) => standardNames.has(switchOfPortgroup.get(spec.attachment) ?? ''))
    .map((spec): EsxiVmk => {
      const parsed = (spec.addresses ?? []).map((text) => parseInterfaceAddress(text));
      const v4 = parsed.filter((entry) => entry.address.family === 4);
      const first = v4[0];
      const carriesRoute = route?.interface === spec.name && !route.gateway.includes(':');
      return {
        name: spec.name,
        portgroup: spec.attachment,
        switch: switchOfPortgroup.get(spec.attachment)!,
        ...(spec.mac ? { mac: spec.mac } : {}),
        ...(spec.mtu !== undefined ? { mtu: spec.mtu } : {}),
        ipv4: first ? { address: first.address.text, netmask: ipv4Netmask(first.prefix.length) } : null,
        extraIpv4: v4.slice(1).map((entry) => `${entry.address.text}/${entry.prefix.length}`),
        ipv6: parsed.filter((entry) => entry.address.family === 6).map((entry) => `${entry.address.text}/${entry.prefix.length}`),
        services: spec.services,
        gateway: carriesRoute ? route.gateway : null,
        createdByInstaller: spec.name === INSTALLER.vmk && spec.attachment === INSTALLER.managementPortgroup && switchOfPortgroup.get(spec.attachment) === INSTALLER.switch,
      };
    });

  const distributed = dvswitches.map((spec) => {
    const portgroupNames = portgroupSpecs.filter((pg) => pg.switch === spec.name).map((pg) => pg.name);
    return { name: spec.name, uplinks: spec.uplinks, portgroups: portgroupNames, vmks: vmkSpecs.filter((vmk) => portgroupNames.includes(vmk.attachment)).map((vmk) => vmk.name) };
  });
  const ipv6Gateway = route && route.gateway.includes(':') && vmks.some((vmk) => vmk.name === route.interface) ? { vmk: route.interface, gateway: route.gateway } : null;
  return { switches, portgroups, vmks, distributed, ipv6Gateway };
}

/** The vmk holding the host's management address, else the first one tagged for management. */
export function managementVmk(host: RenderInput, network: EsxiNetwork): EsxiVmk | null {
  return network.vmks.find((vmk) => vmk.ipv4 && vmk.ipv4.address === host.managementAddress) ?? network.vmks.find((vmk) => vmk.services.includes('management')) ?? null;
}
