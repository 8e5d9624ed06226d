/**
 * vMotion and iSCSI rules (seed 002): a vmk left without vMotion where its peers carry it, vMotion
 * subnets that differ between hosts of a cluster, multi-NIC vMotion and iSCSI binding teaming,
 * and jumbo frames on only some hosts' vMotion vmks.
 */
import type { InterfaceSpec } from '../../domain/interfaces.ts';
import { effectiveTeaming, networkOf, vmkPlacement, vmks, type AuditHost, type Estate } from '../estate.ts';
import { type Hit, type Rule } from '../rule.ts';
import { shellWord } from '../../render/esxcli/index.ts';
import { psString } from '../../render/powercli/index.ts';

type Vmk = Extract<InterfaceSpec, { kind: 'vmk' }>;

/** Hosts by cluster; hosts in no cluster have no peers to compare with. */
export function clusters(estate: Estate): Map<string, AuditHost[]> {
  const byCluster = new Map<string, AuditHost[]>();
  for (const host of estate.hosts) if (host.cluster && host.platform === 'esxi') byCluster.set(host.cluster, [...(byCluster.get(host.cluster) ?? []), host]);
  return byCluster;
}

const networksOf = (estate: Estate, vmk: Vmk) => (vmk.addresses ?? []).map((address) => networkOf(estate, address));

export const vmotionNotEnabled: Rule = {
  id: 'vmotion-not-enabled',
  severity: 'error',
  title: 'A vmk is not enabled for vMotion where its peers on other hosts are',
  why: 'vMotion pairs vmks by subnet (seed 002): when one end of a pair has vMotion off, the hosts fall back to another stream or the migration fails, and it shows only during long maintenance windows.',
  check(estate) {
    const hits: Hit[] = [];
    for (const members of clusters(estate).values()) {
      // Which hosts carry vMotion on each port group and network: only other hosts' make a peer.
      const portgroups = new Map<string, Set<string>>();
      const networks = new Map<string, Set<string>>();
      const note = (into: Map<string, Set<string>>, key: string, host: string) => into.set(key, (into.get(key) ?? new Set()).add(host));
      for (const host of members) {
        for (const vmk of vmks(host)) {
          if (!vmk.services.includes('vmotion')) continue;
          note(portgroups, vmk.attachment, host.name);
          for (const network of networksOf(estate, vmk)) note(networks, network, host.name);
        }
      }
      const onOtherHosts = (carriers: Set<string> | undefined, host: string) => carriers !== undefined && carriers.size > (carriers.has(host) ? 1 : 0);
      for (const host of members) {
        for (const vmk of vmks(host)) {
          if (vmk.services.includes('vmotion') || vmk.services.includes('management')) continue;
          const sharedNetwork = networksOf(estate, vmk).find((network) => onOtherHosts(networks.get(network), host.name));
          if (!onOtherHosts(portgroups.get(vmk.attachment), host.name) && !sharedNetwork) continue;
          const where = sharedNetwork ? `subnet ${sharedNetwork}` : `port group '${vmk.attachment}'`;
          hits.push({
            host: host.name,
            objects: [host.name, vmk.name],
            message: `${host.name} ${vmk.name} (${vmk.attachment}) is not enabled for vMotion, while ${where} carries vMotion on other hosts of cluster ${host.cluster}`,
            fix: [
              `esxcli network ip interface tag add --interface-name=${vmk.name} --tagname=VMotion`,
              `Get-VMHost -Name ${psString(host.name)} | Get-VMHostNetworkAdapter -Name ${psString(vmk.name)} | Set-VMHostNetworkAdapter -VMotionEnabled $true -Confirm:$false`,
              `hostwire audit fix vmotion-not-enabled --host ${shellWord(host.name)} --apply`,
            ].join('\n'),
          });
        }
      }
    }
    return hits;
  },
};

export const vmotionSubnetsDiffer: Rule = {
  id: 'vmotion-subnets-differ',
  severity: 'warning',
  title: 'The vMotion subnets differ between hosts of a cluster, or a host has two vMotion vmks in one subnet',
  why: 'Each vMotion stream runs between vmks of one subnet: a host without a vmk in one of the cluster\'s vMotion subnets cannot take that stream, and two vmks in one subnet make the host choose one by its routing table.',
  check(estate) {
    const hits: Hit[] = [];
    for (const [cluster, members] of clusters(estate)) {
      const all = new Set<string>();
      for (const host of members) for (const vmk of vmks(host)) if (vmk.services.includes('vmotion')) networksOf(estate, vmk).forEach((network) => all.add(network));
      for (const host of members) {
        // Any vmk in the subnet counts: one with vMotion off is vmotion-not-enabled's finding.
        const present = new Set(vmks(host).flatMap((vmk) => networksOf(estate, vmk)));
        const missing = [...all].filter((network) => !present.has(network)).sort();
        if (missing.length && vmks(host).some((vmk) => vmk.services.includes('vmotion'))) {
          hits.push({ host: host.name, objects: [host.name, ...missing], message: `${host.name} has no vmk in vMotion subnet${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, which other hosts of cluster ${cluster} use`, fix: missing.map((network) => `hostwire host apply FILE.yaml   # add a vmk with vMotion in ${network} to ${host.name}, e.g. addresses: [{subnet: ${network}}]`).join('\n') });
        }
        const seen = new Map<string, string>();
        for (const vmk of vmks(host).filter((candidate) => candidate.services.includes('vmotion'))) {
          for (const network of networksOf(estate, vmk)) {
            const other = seen.get(network);
            if (other) hits.push({ host: host.name, objects: [host.name, other, vmk.name], message: `${host.name} has two vMotion vmks in ${network}: ${other} and ${vmk.name}`, fix: `Move ${vmk.name} to its own subnet, or disable vMotion on it:\nesxcli network ip interface tag remove --interface-name=${vmk.name} --tagname=VMotion` });
            else seen.set(network, vmk.name);
          }
        }
      }
    }
    return hits;
  },
};

export const bindingTeaming: Rule = {
  id: 'vmotion-iscsi-teaming',
  severity: 'error',
  title: "A multi-NIC vMotion or iSCSI vmk's port group does not have exactly one active uplink with the others unused",
  why: 'A vMotion or bound iSCSI vmk uses one uplink at a time. With a standby uplink it can fail over onto its sibling\'s NIC, and iSCSI port binding refuses it; VMware requires one active and every other uplink unused, not standby (seed 002).',
  check(estate) {
    const hits: Hit[] = [];
    for (const host of estate.hosts) {
      const vmotionBySwitch = new Map<string, number>();
      for (const vmk of vmks(host)) {
        const placement = vmkPlacement(host, vmk);
        if (placement && vmk.services.includes('vmotion')) vmotionBySwitch.set(placement.switch.name, (vmotionBySwitch.get(placement.switch.name) ?? 0) + 1);
      }
      for (const vmk of vmks(host)) {
        const placement = vmkPlacement(host, vmk);
        if (!placement || placement.switch.uplinks.length < 2) continue;
        const multiNicVmotion = vmk.services.includes('vmotion') && (vmotionBySwitch.get(placement.switch.name) ?? 0) > 1;
        if (!multiNicVmotion && !vmk.services.includes('iscsi')) continue;
        const teaming = effectiveTeaming(placement.switch, placement.portgroup.teaming);
        if (teaming.active.length === 1 && teaming.standby.length === 0) continue;
        const keep = teaming.active[0] ?? placement.switch.uplinks[0]!;
        const others = placement.switch.uplinks.filter((uplink) => uplink !== keep);
        const service = vmk.services.includes('iscsi') ? 'iSCSI' : 'vMotion';
        hits.push({
          host: host.name,
          objects: [host.name, vmk.name, placement.portgroup.name],
          message: `${host.name} ${vmk.name} (${service}) on port group '${placement.portgroup.name}' has active [${teaming.active.join(', ')}] and standby [${teaming.standby.join(', ')}]; it needs one active uplink and the others unused`,
          fix: [
            `esxcli network vswitch standard portgroup policy failover set --portgroup-name=${shellWord(placement.portgroup.name)} --active-uplinks=${keep}`,
            `Get-VMHost -Name ${psString(host.name)} | Get-VirtualPortGroup -Name ${psString(placement.portgroup.name)} | Get-NicTeamingPolicy | Set-NicTeamingPolicy -MakeNicActive ${psString(keep)} -MakeNicUnused ${others.map(psString).join(',')}`,
          ].join('\n'),
        });
      }
    }
    return hits;
  },
};

export const vmotionJumboPartial: Rule = {
  id: 'vmotion-jumbo-partial',
  severity: 'warning',
  title: 'Jumbo frames on the vMotion vmks of some hosts of a cluster only',
  why: 'A vMotion stream between a 9000-byte vmk and a 1500-byte one either fragments or, where the path drops oversized frames, stalls after the handshake.',
  check(estate) {
    const hits: Hit[] = [];
    for (const [cluster, members] of clusters(estate)) {
      const mtuOf = (vmk: Vmk) => vmk.mtu ?? 1500;
      const vmotion = members.flatMap((host) => vmks(host).filter((vmk) => vmk.services.includes('vmotion')).map((vmk) => ({ host, vmk })));
      const jumbo = vmotion.filter(({ vmk }) => mtuOf(vmk) > 1500);
      if (!jumbo.length || jumbo.length === vmotion.length) continue;
      const largest = Math.max(...jumbo.map(({ vmk }) => mtuOf(vmk)));
      for (const { host, vmk } of vmotion.filter(({ vmk }) => mtuOf(vmk) <= 1500)) {
        const vswitch = vmkPlacement(host, vmk)?.switch;
        // The vmk's MTU cannot exceed its switch's: raise the standard vSwitch first when it is lower.
        const raiseSwitch = vswitch?.kind === 'vswitch' && (vswitch.mtu ?? 1500) < largest ? `esxcli network vswitch standard set --vswitch-name=${shellWord(vswitch.name)} --mtu=${largest}\n` : '';
        hits.push({ host: host.name, objects: [host.name, vmk.name], message: `${host.name} ${vmk.name} has MTU ${mtuOf(vmk)} while other vMotion vmks of cluster ${cluster} use ${largest}`, fix: `${raiseSwitch}esxcli network ip interface set --interface-name=${vmk.name} --mtu=${largest}` });
      }
    }
    return hits;
  },
};
