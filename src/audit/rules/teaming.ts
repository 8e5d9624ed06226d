/**
 * Teaming, bonding and MTU rules: VMware's documented IP-hash and beacon-probing rules, failover
 * orders naming NICs that are not uplinks, teams of unlike NICs (seed 000), oversized teams, Linux
 * bond options that do not fit their mode, and MTUs that shrink up a stack.
 */
import { BOND_OPTION_MODES, type InterfaceSpec, type TeamingPolicy } from '../../domain/interfaces.ts';
import { switchTeams, type SwitchTeam } from '../estate.ts';
import { type Hit, type Rule } from '../rule.ts';
import { shellWord } from '../../render/esxcli/index.ts';
import { psString } from '../../render/powercli/index.ts';

/** Uplinks per standard vSwitch (vSphere configuration maximums; ESX 2.x allowed 10). */
const MAX_TEAM_MEMBERS: Record<string, number> = { esxi: 32 };

const failoverSet = (team: SwitchTeam, options: string) =>
  team.owner === team.switchName
    ? `esxcli network vswitch standard policy failover set --vswitch-name=${shellWord(team.switchName)} ${options}`
    : `esxcli network vswitch standard portgroup policy failover set --portgroup-name=${shellWord(team.owner)} ${options}`;

export const teamingRules: Rule = {
  id: 'teaming',
  severity: 'error',
  title: 'A teaming policy VMware documents as broken, or one naming NICs that are not uplinks',
  why: 'IP hash needs every uplink active in one EtherChannel: a standby uplink or beacon probing makes the physical switch see MACs flap. Beacon probing with two uplinks cannot tell which one failed. A failover order naming a NIC outside the switch silently leaves the team shorter than it looks.',
  check(estate) {
    const hits: Hit[] = [];
    for (const team of estate.hosts.flatMap(switchTeams)) {
      const { host, owner, teaming, where } = team;
      // Threshold 0 turns beacon failure detection off (seed 000).
      const beacon = teaming.failureDetection?.mode === 'beacon' && teaming.failureDetection.threshold > 0;
      // A port group is reported only for what it sets itself; what it inherits is its switch's finding.
      const owns = (...fields: (keyof TeamingPolicy)[]) => owner === team.switchName || fields.some((field) => team.declared?.[field] !== undefined);
      if (teaming.loadBalancing === 'iphash' && teaming.standby.length && owns('loadBalancing', 'active', 'standby', 'unused')) {
        hits.push({ host: host.name, objects: [host.name, owner, ...teaming.standby], message: `${host.name} ${where} balances by IP hash with standby uplinks ${teaming.standby.join(', ')}`, fix: failoverSet(team, `--active-uplinks=${[...teaming.active, ...teaming.standby].join(',')}`) });
      }
      if (teaming.loadBalancing === 'iphash' && beacon && owns('loadBalancing', 'failureDetection')) {
        hits.push({ host: host.name, objects: [host.name, owner], message: `${host.name} ${where} balances by IP hash with beacon probing`, fix: failoverSet(team, '--failure-detection=link') });
      }
      if (beacon && team.uplinks.length < 3 && owns('failureDetection')) {
        hits.push({ host: host.name, objects: [host.name, owner], message: `${host.name} ${where} uses beacon probing with ${team.uplinks.length} uplink${team.uplinks.length === 1 ? '' : 's'}; it needs at least three to tell which one failed`, fix: `${failoverSet(team, '--failure-detection=link')}\n(or add a third uplink: esxcli network vswitch standard uplink add --vswitch-name=${shellWord(team.switchName)} --uplink-name=vmnicN)` });
      }
      const named = [...(team.declared?.active ?? []), ...(team.declared?.standby ?? []), ...(team.declared?.unused ?? [])];
      const strangers = named.filter((nic) => !team.uplinks.includes(nic));
      if (strangers.length) {
        hits.push({ host: host.name, objects: [host.name, owner, ...strangers], message: `${host.name} ${where} orders ${strangers.join(', ')}, which ${strangers.length > 1 ? 'are' : 'is'} not an uplink of ${team.switchName} (uplinks: ${team.uplinks.join(', ') || 'none'})`, fix: failoverSet(team, `--active-uplinks=${teaming.active.filter((nic) => team.uplinks.includes(nic)).join(',') || team.uplinks[0]}`) });
      }
    }
    return hits;
  },
};

export const teamMembers: Rule = {
  id: 'team-members',
  severity: 'warning',
  title: 'A team whose members differ in speed or driver, or with more members than the platform allows',
  why: 'A team uses only what all its members have in common (seed 000): mixing a 1 Gb/s and a 10 Gb/s NIC, or two drivers with different offloads, makes failover change throughput and features.',
  check(estate) {
    const hits: Hit[] = [];
    for (const host of estate.hosts) {
      for (const spec of host.interfaces) {
        const members = spec.kind === 'vswitch' || spec.kind === 'dvswitch' ? spec.uplinks : spec.kind === 'bond' ? spec.members : [];
        if (members.length < 2) continue;
        const nics = members.map((name) => host.byName.get(name)).filter((nic): nic is Extract<InterfaceSpec, { kind: 'physical' }> => nic?.kind === 'physical');
        const speeds = new Set(nics.map((nic) => nic.speedMbps).filter((speed) => speed !== undefined));
        const drivers = new Set(nics.map((nic) => nic.driver).filter((driver) => driver !== undefined));
        if (speeds.size > 1 || drivers.size > 1) {
          const describe = nics.map((nic) => `${nic.name} ${nic.speedMbps ?? '?'} Mb/s ${nic.driver ?? ''}`.trim()).join(', ');
          hits.push({ host: host.name, objects: [host.name, spec.name, ...members], message: `${host.name} ${spec.name} teams unlike NICs: ${describe}`, fix: `Team NICs of one speed and driver on ${spec.name}; move the others to a team of their own.` });
        }
        const limit = MAX_TEAM_MEMBERS[host.platform];
        if (limit !== undefined && members.length > limit) {
          hits.push({ host: host.name, objects: [host.name, spec.name], message: `${host.name} ${spec.name} has ${members.length} uplinks; ${host.platform} allows ${limit}`, fix: `esxcli network vswitch standard uplink remove --vswitch-name=${shellWord(spec.name)} --uplink-name=${members[members.length - 1]}` });
        }
      }
    }
    return hits;
  },
};

export const linuxBonds: Rule = {
  id: 'linux-bond',
  severity: 'warning',
  title: 'A Linux bond without link monitoring, with options its mode ignores, or needing switch configuration nobody noted',
  why: 'An 802.3ad bond without miimon never notices a dead member; lacp_rate outside 802.3ad is refused or ignored by the driver; balance-rr, balance-xor and 802.3ad need a matching port-channel on the switch, or traffic loops and drops.',
  check(estate) {
    const hits: Hit[] = [];
    for (const host of estate.hosts) {
      for (const spec of host.interfaces) {
        if (spec.kind !== 'bond') continue;
        if (spec.mode === '802.3ad' && !spec.miimon) hits.push({ host: host.name, objects: [host.name, spec.name], message: `${host.name} ${spec.name} is 802.3ad without miimon`, fix: `Declare miimon: 100 on ${spec.name} and re-render (hostwire host render ${shellWord(host.name)} --format FORMAT)` });
        if (spec.lacpRate && !BOND_OPTION_MODES.lacpRate.includes(spec.mode)) hits.push({ host: host.name, objects: [host.name, spec.name], message: `${host.name} ${spec.name} sets lacp_rate ${spec.lacpRate} in mode ${spec.mode}, where only 802.3ad uses it`, fix: `Remove lacpRate from ${spec.name}, or make it mode 802.3ad` });
        if (['balance-rr', 'balance-xor', '802.3ad'].includes(spec.mode) && !spec.switchNote) hits.push({ host: host.name, objects: [host.name, spec.name], message: `${host.name} ${spec.name} is ${spec.mode}, which needs a port-channel on the switch, and no switch side is noted`, fix: `Record the switch side on ${spec.name}: switchNote: "switch X port-channel N: ports ..." (and check it is configured)` });
      }
    }
    return hits;
  },
};

export const stackMtu: Rule = {
  id: 'mtu-stack',
  severity: 'error',
  title: 'An MTU larger than the interface beneath it',
  why: 'A VLAN above its bond, a bond above its NICs, a vmk above its vSwitch or a bridge above its ports: frames above the lower MTU are dropped, so small pings work and real traffic stalls.',
  check(estate) {
    const hits: Hit[] = [];
    for (const host of estate.hosts) {
      for (const spec of host.interfaces) {
        const below: { name: string; mtu: number | undefined }[] = [];
        if (spec.kind === 'vlan') below.push({ name: spec.parent, mtu: host.byName.get(spec.parent)?.mtu });
        if (spec.kind === 'bond') spec.members.forEach((member) => below.push({ name: member, mtu: host.byName.get(member)?.mtu }));
        if (spec.kind === 'bridge') spec.ports.forEach((port) => below.push({ name: port, mtu: host.byName.get(port)?.mtu }));
        if (spec.kind === 'vmk') {
          const pg = host.byName.get(spec.attachment);
          const vswitch = pg?.kind === 'portgroup' ? host.byName.get(pg.switch) : pg;
          if (vswitch) below.push({ name: vswitch.name, mtu: vswitch.mtu });
        }
        const mtu = spec.mtu;
        for (const lower of below) {
          // On Linux an unset MTU below is raised by the renderers along the stack; ESXi keeps its 1500 default.
          const lowerMtu = lower.mtu ?? (host.platform === 'esxi' ? 1500 : undefined);
          if (mtu === undefined || lowerMtu === undefined || mtu <= lowerMtu) continue;
          const fix = host.platform === 'esxi'
            ? `esxcli network vswitch standard set --vswitch-name=${shellWord(lower.name)} --mtu=${mtu}\nGet-VMHost -Name ${psString(host.name)} | Get-VirtualSwitch -Name ${psString(lower.name)} | Set-VirtualSwitch -Mtu ${mtu} -Confirm:$false`
            : `Declare mtu: ${mtu} on ${lower.name} (renderers then set it along the whole stack): hostwire host render ${shellWord(host.name)} --format FORMAT`;
          hits.push({ host: host.name, objects: [host.name, spec.name, lower.name], message: `${host.name} ${spec.name} has MTU ${mtu}, above the ${lowerMtu} of ${lower.name} beneath it`, fix });
        }
      }
    }
    return hits;
  },
};
