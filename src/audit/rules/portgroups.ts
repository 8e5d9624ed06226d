/**
 * Port group rules: one name with different VLANs or missing on some hosts of a cluster, subnets
 * whose VLAN no port group carries on their wire (and the reverse), management sharing with VM
 * traffic or riding untagged on a trunk, and vSwitches running out of ports.
 */
import type { InterfaceSpec } from '../../domain/interfaces.ts';
import { effectiveTeaming, vmkPlacement, vmks, type AuditHost } from '../estate.ts';
import { type Hit, type Rule } from '../rule.ts';
import { clusters } from './vmotion.ts';
import { shellWord } from '../../render/esxcli/index.ts';
import { psString } from '../../render/powercli/index.ts';

type Portgroup = Extract<InterfaceSpec, { kind: 'portgroup' }>;
const portgroups = (host: AuditHost) => host.interfaces.filter((spec): spec is Portgroup => spec.kind === 'portgroup');

export const portgroupVlans: Rule = {
  id: 'portgroup-vlan-mismatch',
  severity: 'error',
  title: 'A port group name maps to different VLANs on hosts of a cluster, or a VM port group is missing on some hosts',
  why: 'vMotion reconnects a VM to the port group of the same name on the target host: a different VLAN or a missing port group cuts the VM off after migration.',
  check(estate) {
    const hits: Hit[] = [];
    for (const [cluster, members] of clusters(estate)) {
      const vlans = new Map<string, Map<number, string[]>>();
      for (const host of members) {
        for (const pg of portgroups(host)) {
          const byVlan = vlans.get(pg.name) ?? new Map<number, string[]>();
          byVlan.set(pg.vlan, [...(byVlan.get(pg.vlan) ?? []), host.name]);
          vlans.set(pg.name, byVlan);
        }
      }
      for (const [name, byVlan] of vlans) {
        if (byVlan.size < 2) continue;
        // The VLAN most hosts use is taken as the intended one.
        const [intended] = [...byVlan.entries()].sort((a, b) => b[1].length - a[1].length || a[0] - b[0])[0]!;
        for (const [vlan, hosts] of byVlan) {
          if (vlan === intended) continue;
          for (const host of hosts) {
            hits.push({ host, objects: [host, name], message: `port group '${name}' is VLAN ${vlan} on ${host} but VLAN ${intended} on ${byVlan.get(intended)!.join(', ')} (cluster ${cluster})`, fix: `esxcli network vswitch standard portgroup set --portgroup-name=${shellWord(name)} --vlan-id=${intended}\nGet-VMHost -Name ${psString(host)} | Get-VirtualPortGroup -Name ${psString(name)} | Set-VirtualPortGroup -VLanId ${intended}` });
          }
        }
      }
      const withVms = new Set(estate.vnics.filter((vnic) => vnic.host && members.some((host) => host.name === vnic.host) && vnic.portgroup).map((vnic) => vnic.portgroup!));
      for (const name of [...withVms].sort()) {
        const reference = members.map((host) => ({ host, pg: portgroups(host).find((pg) => pg.name === name) })).find((entry) => entry.pg);
        if (!reference?.pg) continue;
        for (const host of members) {
          if (host.interfaces.some((spec) => spec.name === name)) continue;
          const vswitch = reference.pg.switch;
          hits.push({ host: host.name, objects: [host.name, name], message: `port group '${name}' (VLAN ${reference.pg.vlan}) carries VMs on ${reference.host.name} but is missing on ${host.name} (cluster ${cluster})`, fix: `esxcli network vswitch standard portgroup add --portgroup-name=${shellWord(name)} --vswitch-name=${shellWord(vswitch)}\nesxcli network vswitch standard portgroup set --portgroup-name=${shellWord(name)} --vlan-id=${reference.pg.vlan}` });
        }
      }
    }
    return hits;
  },
};

export const subnetPortgroups: Rule = {
  id: 'subnet-vlan-without-portgroup',
  severity: 'warning',
  title: "A subnet's VLAN has no port group on a host attached to its wire, or a port group carries a VLAN no subnet describes",
  why: 'A VM placed on that host cannot reach the subnet; a port group whose VLAN no subnet describes is traffic the address plan does not know about.',
  check(estate) {
    const hits: Hit[] = [];
    // Per wire: the hosts attached to it and the VLANs each carries there.
    const attached = new Map<string, Map<string, Set<number>>>();
    const described = new Set(estate.subnets.map((subnet) => `${subnet.wire}\u0000${subnet.vlan}`));
    for (const host of estate.hosts) {
      for (const pg of portgroups(host)) {
        const wire = estate.switchWires.get(`${host.name}\u0000${pg.switch}`);
        if (!wire) continue;
        const hosts = attached.get(wire) ?? new Map<string, Set<number>>();
        hosts.set(host.name, (hosts.get(host.name) ?? new Set()).add(pg.vlan));
        attached.set(wire, hosts);
        if (pg.vlan > 0 && pg.vlan < 4095 && !described.has(`${wire}\u0000${pg.vlan}`)) {
          hits.push({ host: host.name, objects: [host.name, pg.name, wire], message: `port group '${pg.name}' on ${host.name} carries VLAN ${pg.vlan} on wire ${wire}, but no subnet of that wire has VLAN ${pg.vlan}`, fix: `hostwire subnet create NAME --wire ${shellWord(wire)} --cidr CIDR --vlan ${pg.vlan}` });
        }
      }
    }
    for (const subnet of estate.subnets) {
      for (const [host, carried] of attached.get(subnet.wire) ?? []) {
        if (carried.has(subnet.vlan) || carried.has(4095)) continue;
        hits.push({ host, objects: [host, subnet.name, subnet.wire], message: `subnet '${subnet.name}' is VLAN ${subnet.vlan} on wire ${subnet.wire}, but ${host} has no port group with that VLAN on it`, fix: `esxcli network vswitch standard portgroup add --portgroup-name=VLAN${subnet.vlan} --vswitch-name=VSWITCH\nesxcli network vswitch standard portgroup set --portgroup-name=VLAN${subnet.vlan} --vlan-id=${subnet.vlan}` });
      }
    }
    return hits;
  },
};

export const managementIsolation: Rule = {
  id: 'management-isolation',
  severity: 'warning',
  title: 'The management network shares uplinks and VLAN with VM traffic, or rides untagged on a trunk',
  why: 'A VM flooding its port group then starves the host\'s management (seed 000\'s isolation concern); untagged management on a trunk depends on the switch port\'s native VLAN, which changes silently with switch work (seed 003).',
  check(estate) {
    const hits: Hit[] = [];
    const vmPortgroups = new Map<string, Set<string>>();
    for (const vnic of estate.vnics) if (vnic.host && vnic.portgroup) vmPortgroups.set(vnic.host, (vmPortgroups.get(vnic.host) ?? new Set()).add(vnic.portgroup));
    for (const host of estate.hosts) {
      for (const vmk of vmks(host).filter((candidate) => candidate.services.includes('management'))) {
        const placement = vmkPlacement(host, vmk);
        if (!placement) continue;
        const mine = effectiveTeaming(placement.switch, placement.portgroup.teaming).active;
        for (const pg of portgroups(host)) {
          if (pg.name === placement.portgroup.name || pg.switch !== placement.switch.name || pg.vlan !== placement.portgroup.vlan || !vmPortgroups.get(host.name)?.has(pg.name)) continue;
          const shared = effectiveTeaming(placement.switch, pg.teaming).active.filter((uplink) => mine.includes(uplink));
          if (!shared.length) continue;
          hits.push({ host: host.name, objects: [host.name, vmk.name, placement.portgroup.name, pg.name], message: `${host.name} management ${vmk.name} on '${placement.portgroup.name}' shares VLAN ${pg.vlan} and uplinks ${shared.join(', ')} with VM port group '${pg.name}'`, fix: `Give management its own VLAN, or its own active uplink with the VM port group's active uplinks as its standby:\nesxcli network vswitch standard portgroup policy failover set --portgroup-name=${shellWord(placement.portgroup.name)} --active-uplinks=${mine[0]}` });
        }
        const tagged = portgroups(host).some((pg) => pg.switch === placement.switch.name && pg.vlan > 0);
        if (placement.portgroup.vlan === 0 && tagged) {
          hits.push({ host: host.name, objects: [host.name, vmk.name, placement.portgroup.name], message: `${host.name} management ${vmk.name} is untagged on '${placement.portgroup.name}' while ${placement.switch.name} trunks tagged VLANs: it depends on the switch port's native VLAN`, fix: `esxcli network vswitch standard portgroup set --portgroup-name=${shellWord(placement.portgroup.name)} --vlan-id=MANAGEMENT_VLAN` });
        }
      }
    }
    return hits;
  },
};

export const vswitchPorts: Rule = {
  id: 'vswitch-ports-low',
  severity: 'warning',
  title: 'A vSwitch has fewer free ports than 10% of its size',
  why: 'When a standard vSwitch runs out of ports, powering on or migrating a VM onto the host fails with "no free port".',
  check(estate) {
    const hits: Hit[] = [];
    const used = new Map<string, number>();
    const count = (host: string, vswitch: string) => used.set(`${host}\u0000${vswitch}`, (used.get(`${host}\u0000${vswitch}`) ?? 0) + 1);
    for (const vnic of estate.vnics) {
      const host = vnic.host ? estate.hostsByName.get(vnic.host) : undefined;
      const pg = host && vnic.portgroup ? host.byName.get(vnic.portgroup) : undefined;
      if (host && pg?.kind === 'portgroup') count(host.name, pg.switch);
    }
    for (const host of estate.hosts) {
      for (const vmk of vmks(host)) {
        const placement = vmkPlacement(host, vmk);
        if (placement) count(host.name, placement.switch.name);
      }
      for (const spec of host.interfaces) {
        if (spec.kind !== 'vswitch' || spec.ports === undefined) continue;
        // Uplinks take ports too.
        const taken = (used.get(`${host.name}\u0000${spec.name}`) ?? 0) + spec.uplinks.length;
        const free = spec.ports - taken;
        if (free >= spec.ports * 0.1) continue;
        const size = [64, 128, 256, 512, 1024, 2048, 4096].find((candidate) => candidate - taken >= candidate * 0.2) ?? 4096;
        hits.push({ host: host.name, objects: [host.name, spec.name], message: `${host.name} ${spec.name} has ${Math.max(free, 0)} of ${spec.ports} ports free (${taken} in use)`, fix: `esxcli network vswitch standard set --vswitch-name=${shellWord(spec.name)} --ports=${size}   # takes effect after a reboot on older ESX` });
      }
    }
    return hits;
  },
};
