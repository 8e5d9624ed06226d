/** Wires a sync created apart that its evidence says are one L2 domain (`wire suggest-merges`). */
import { type Rule } from '../rule.ts';
import { shellWord } from '../../render/esxcli/index.ts';

export const mergeableWires: Rule = {
  id: 'wires-mergeable',
  severity: 'info',
  title: 'Auto-created wires that evidence says are one L2 domain',
  why: 'A sync creates one wire per switch it cannot place; when VMs on it carry IPs of a subnet on another wire with the same VLAN, the two are one broadcast domain, and keeping them apart hides capacity and duplicate IPs.',
  check(estate) {
    return estate.mergeSuggestions.map((suggestion) => ({
      host: null,
      objects: [...suggestion.wires, suggestion.into],
      message: `wire${suggestion.wires.length > 1 ? 's' : ''} ${suggestion.wires.join(', ')} look${suggestion.wires.length > 1 ? '' : 's'} like wire ${suggestion.into}: ${suggestion.evidence.join('; ')}`,
      fix: `hostwire wire merge ${suggestion.wires.map(shellWord).join(' ')} --into ${shellWord(suggestion.into)}`,
    }));
  },
};
