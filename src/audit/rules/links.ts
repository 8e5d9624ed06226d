/**
 * Link-state rules over what the last imported facts or vCenter sync saw: a switch, a port group
 * with its own failover order, or a bond whose every carrying uplink is down, and one left with a
 * single live uplink (vCenter's "Network uplink redundancy lost" alarm). A link nobody observed
 * counts as up.
 */
import { declaresFailoverOrder } from '../../domain/interfaces.ts';
import { shellWord } from '../../render/esxcli/index.ts';
import { switchTeams, type AuditHost } from '../estate.ts';
import type { Hit, Rule } from '../rule.ts';

interface LinkTeam {
  host: AuditHost;
  /** The switch, port group or bond. */
  owner: string;
  /** How a message names it. */
  where: string;
  /** Active and standby uplinks, or a bond's members. */
  carriers: string[];
  unused: string[];
}

function linkTeams(host: AuditHost): LinkTeam[] {
  // A port group on its switch's order shares its switch's fate, reported once for the switch.
  const switches = switchTeams(host)
    .filter((team) => team.owner === team.switchName || declaresFailoverOrder(team.declared))
    .map(({ owner, where, teaming }): LinkTeam => ({ host, owner, where, carriers: [...teaming.active, ...teaming.standby], unused: teaming.unused }));
  // Bonds live on Linux hosts, switches on ESXi ones: never both on one host.
  const bonds = host.interfaces.flatMap((spec): LinkTeam[] => (spec.kind === 'bond' ? [{ host, owner: spec.name, where: spec.name, carriers: spec.members, unused: [] }] : []));
  return [...switches, ...bonds];
}

/** Down by its own link, or, for a bond member, by the bond's MII monitor. */
const isDown = (team: LinkTeam, nic: string) => team.host.links[nic] === 'down' || team.host.links[`${team.owner}/${nic}`] === 'down';

/** How to look at a dead link on the host, and bring it back if it was only set down. */
function checkLinks(host: AuditHost, team: LinkTeam, down: string[]): string {
  if (host.platform === 'esxi') {
    return down.map((nic) => `esxcli network nic get -n ${shellWord(nic)}   # ESXi's view of the link: check the cable and the switch port\nesxcli network nic up -n ${shellWord(nic)}   # if it was set down`).join('\n');
  }
  const bonding = host.byName.get(team.owner)?.kind === 'bond' ? `; cat /proc/net/bonding/${team.owner}` : '';
  return [
    ...down.map((nic) => `ip -d link show ${shellWord(nic)}${bonding}   # check the cable and the switch port\nip link set ${shellWord(nic)} up   # if it was set down`),
    `hostwire host import ${shellWord(host.name)} FACTS --format linux-facts   # then record the links again`,
  ].join('\n');
}

function teamsWhere(hosts: AuditHost[], test: (team: LinkTeam, down: string[], live: string[]) => boolean): { team: LinkTeam; down: string[]; live: string[] }[] {
  return hosts.flatMap((host) =>
    linkTeams(host).flatMap((team) => {
      const down = team.carriers.filter((nic) => isDown(team, nic));
      const live = team.carriers.filter((nic) => !isDown(team, nic));
      return down.length && test(team, down, live) ? [{ team, down, live }] : [];
    }),
  );
}

const listed = (nics: string[]) => `${nics.join(' and ')} ${nics.length === 1 ? 'is' : 'are'}`;

export const noLiveUplink: Rule = {
  id: 'no-live-uplink',
  severity: 'error',
  title: 'A switch, port group or bond whose every active and standby uplink is down',
  why: 'With no live uplink in its failover order, everything on it is cut off from the network: its vmks and VMs still look configured, and an unused uplink that is up never takes over.',
  check(estate) {
    return teamsWhere(estate.hosts, (_team, _down, live) => live.length === 0).map(({ team, down }): Hit => {
      const { host } = team;
      const spare = team.unused.filter((nic) => !isDown(team, nic));
      const useSpare =
        host.platform === 'esxi' && spare.length && team.owner !== team.where
          ? `\nesxcli network vswitch standard portgroup policy failover set --portgroup-name=${shellWord(team.owner)} --active-uplinks=${spare.join(',')}   # or carry it on the live unused uplink meanwhile`
          : '';
      return {
        host: host.name,
        objects: [host.name, team.owner, ...down],
        message: `${host.name} ${team.where} has no live uplink: ${listed(down)} down${spare.length ? ` (${listed(spare)} up but unused)` : ''}`,
        fix: checkLinks(host, team, down) + useSpare,
      };
    });
  },
};

export const uplinkRedundancyLost: Rule = {
  id: 'uplink-redundancy-lost',
  severity: 'warning',
  title: 'A team left with one live uplink',
  why: 'Traffic still flows, over the one uplink left: the next cable, NIC or switch port to fail takes everything on the team down. vCenter raises this as "Network uplink redundancy lost".',
  check(estate) {
    return teamsWhere(estate.hosts, (team, _down, live) => team.carriers.length > 1 && live.length === 1).map(({ team, down, live }): Hit => ({
      host: team.host.name,
      objects: [team.host.name, team.owner, ...down],
      message: `${team.host.name} ${team.where} runs on ${live[0]} alone: ${listed(down)} down`,
      fix: checkLinks(team.host, team, down),
    }));
  },
};
