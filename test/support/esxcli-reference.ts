/**
 * The esxcli namespaces hostwire's renderers call, with the long options each accepts and the values
 * each takes, written from VMware's esxcli reference (vSphere Command-Line Interface Reference,
 * `esxcli network` namespace). Option spellings were cross-checked against pyvisdk's esxcli handlers
 * (xuru/pyvisdk, pyvisdk/esxcli/handlers/ha_cli_handler_network_*.py), which are generated from the
 * command descriptors ESXi itself publishes; the options added after ESXi 5.0 are marked with their
 * release. A fake esxcli records each call and the tests check it against this table.
 */

type Rule = { kind: 'string' } | { kind: 'integer'; min: number; max: number } | { kind: 'boolean' } | { kind: 'enum'; values: readonly string[] } | { kind: 'pattern'; pattern: RegExp; describe: string };

const text: Rule = { kind: 'string' };
const bool: Rule = { kind: 'boolean' };
const integer = (min: number, max: number): Rule => ({ kind: 'integer', min, max });
const oneOf = (...values: string[]): Rule => ({ kind: 'enum', values });
/** "This name must be in the form vmkX, where X is a number 0-99" (network ip interface add). */
const vmkName: Rule = { kind: 'pattern', pattern: /^vmk([0-9]|[1-9][0-9])$/, describe: 'vmkX with X in 0-99' };
/** "a comma seperated list of values with the uplink name and no spaces" (policy failover set). */
const uplinkList: Rule = { kind: 'pattern', pattern: /^[^\s,]+(,[^\s,]+)*$/, describe: 'uplink names joined by commas, no spaces' };
/** The MTU of a vSwitch or vmknic: 1280-9000 on ESXi (9000 being jumbo frames). */
const mtu = integer(1280, 9000);
/** The failover policy options, the same on a switch and on a port group. */
const failover = {
  'active-uplinks': uplinkList,
  'standby-uplinks': uplinkList,
  'load-balancing': oneOf('explicit', 'iphash', 'mac', 'portid'),
  failback: bool,
  'notify-switches': bool,
  'failure-detection': oneOf('beacon', 'link'),
};

export const ESXCLI_REFERENCE: Record<string, { options: Record<string, Rule>; required: string[] }> = {
  'network vswitch standard add': { options: { 'vswitch-name': text, ports: integer(1, 4096) }, required: ['vswitch-name'] },
  'network vswitch standard set': { options: { 'vswitch-name': text, mtu, 'cdp-status': oneOf('down', 'listen', 'advertise', 'both') }, required: ['vswitch-name'] },
  'network vswitch standard uplink add': { options: { 'uplink-name': text, 'vswitch-name': text }, required: ['uplink-name', 'vswitch-name'] },
  'network vswitch standard policy failover set': { options: { 'vswitch-name': text, ...failover }, required: ['vswitch-name'] },
  'network vswitch standard portgroup add': { options: { 'portgroup-name': text, 'vswitch-name': text }, required: ['portgroup-name', 'vswitch-name'] },
  'network vswitch standard portgroup set': { options: { 'portgroup-name': text, 'vlan-id': integer(0, 4095) }, required: ['portgroup-name'] },
  // --use-vswitch resets the port group to its switch's policy; it is the -u that some guides misread as "unused".
  'network vswitch standard portgroup policy failover set': { options: { 'portgroup-name': text, ...failover, 'use-vswitch': bool }, required: ['portgroup-name'] },
  'network ip interface add': {
    options: { 'interface-name': vmkName, 'portgroup-name': text, 'mac-address': { kind: 'pattern', pattern: /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, describe: 'a MAC address' }, mtu, 'dvs-name': text, 'dvport-id': text, netstack: text },
    required: ['interface-name'],
  },
  'network ip interface set': { options: { 'interface-name': vmkName, mtu, enabled: bool }, required: ['interface-name'] },
  // --gateway: the interface's IPv4 default gateway, since ESXi 6.5.
  'network ip interface ipv4 set': {
    options: { 'interface-name': vmkName, type: oneOf('dhcp', 'none', 'static'), ipv4: text, netmask: text, gateway: text, 'peer-dns': bool },
    required: ['interface-name', 'type'],
  },
  'network ip interface ipv6 address add': { options: { 'interface-name': vmkName, ipv6: { kind: 'pattern', pattern: /^[0-9a-f:]+\/\d{1,3}$/, describe: 'X:X:X::/X' } }, required: ['interface-name', 'ipv6'] },
  // Since ESXi 5.1; the tag names are those of the esxcli reference.
  'network ip interface tag add': {
    options: {
      'interface-name': vmkName,
      tagname: oneOf('Management', 'VMotion', 'faultToleranceLogging', 'vSphereReplication', 'vSphereReplicationNFC', 'vSphereProvisioning', 'VSAN', 'VSANWitness', 'vSphereBackupNFC', 'PTP', 'NVMeTCP', 'NVMeRDMA'),
    },
    required: ['interface-name', 'tagname'],
  },
  'network ip route ipv4 add': { options: { gateway: text, network: text, netstack: text }, required: ['gateway', 'network'] },
  'network ip route ipv6 add': { options: { gateway: text, network: text, netstack: text }, required: ['gateway', 'network'] },
};

function checkValue(rule: Rule, value: string): string | null {
  switch (rule.kind) {
    case 'string':
      return value === '' ? 'an empty value' : null;
    case 'boolean':
      return ['true', 'false', 'yes', 'no', '1', '0'].includes(value) ? null : `'${value}' is not a boolean`;
    case 'integer':
      return /^\d+$/.test(value) && Number(value) >= rule.min && Number(value) <= rule.max ? null : `'${value}' is not an integer in ${rule.min}-${rule.max}`;
    case 'enum':
      return rule.values.includes(value) ? null : `'${value}' is not one of ${rule.values.join(', ')}`;
    case 'pattern':
      return rule.pattern.test(value) ? null : `'${value}' is not ${rule.describe}`;
  }
}

/** What is wrong with one recorded call (its argv after `esxcli`), or nothing. Short options are refused outright. */
export function esxcliProblems(argv: string[]): string[] {
  const firstOption = argv.findIndex((word) => word.startsWith('-'));
  const namespace = (firstOption < 0 ? argv : argv.slice(0, firstOption)).join(' ');
  const entry = ESXCLI_REFERENCE[namespace];
  if (!entry) return [`unknown namespace '${namespace}'`];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const word of firstOption < 0 ? [] : argv.slice(firstOption)) {
    const option = /^--([a-z0-9-]+)=(.*)$/s.exec(word);
    if (!option) {
      problems.push(`'${word}' is not a --long-option=value`);
      continue;
    }
    const [, name, value] = option as unknown as [string, string, string];
    const rule = entry.options[name];
    if (!rule) problems.push(`${namespace} has no option --${name}`);
    else {
      const wrong = checkValue(rule, value);
      if (wrong) problems.push(`--${name}: ${wrong}`);
    }
    if (seen.has(name)) problems.push(`--${name} given twice`);
    seen.add(name);
  }
  for (const name of entry.required) if (!seen.has(name)) problems.push(`${namespace} needs --${name}`);
  return problems;
}
