/**
 * How `pxe serve` reads dnsmasq's log: lines as dnsmasq 2.90 writes them to its log-facility file
 * (taken from a real run) become DHCP and TFTP events; the rest is ignored.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDnsmasqLine } from '../src/pxe/dnsmasq.ts';

const LOG = [
  'Nov 22 05:50:01 dnsmasq[27818]: started, version 2.90 DNS disabled',
  'Nov 22 05:50:03 dnsmasq-dhcp[27818]: 2571824929 DHCPOFFER(pxe0) 10.78.0.22 52:54:00:AA:00:02 ',
  'Nov 22 05:50:03 dnsmasq-dhcp[27818]: 2571824929 sent size: 11 option: 67 bootfile-name  pxelinux.0',
  'Nov 22 05:50:04 dnsmasq-dhcp[27818]: 2571824929 DHCPACK(pxe0) 10.78.0.22 52:54:00:aa:00:02 h2',
  'Nov 22 05:50:04 dnsmasq-dhcp[27818]: 1406904331 DHCPDISCOVER(pxe0) 52:54:00:bb:00:09 no address available',
  'Nov 22 05:50:05 dnsmasq-tftp[27818]: sent /srv/pxe state/tftp/pxelinux.0 to 10.78.0.22',
  'Nov 22 05:50:06 dnsmasq-tftp[27818]: file /srv/pxe/tftp/pxelinux.cfg/564d0c3a-1b2c not found for 10.78.0.22',
  'Nov 22 05:50:06 dnsmasq-tftp[27818]: sent /srv/pxe/tftp/pxelinux.cfg/01-52-54-00-aa-00-02 to 10.78.0.22',
];

describe('dnsmasq log lines', () => {
  it('gives the offers and acknowledgements with their MAC, and the files sent with their client', () => {
    assert.deepEqual(LOG.map(parseDnsmasqLine), [
      null,
      { kind: 'dhcp', message: 'DHCPOFFER', address: '10.78.0.22', mac: '52:54:00:aa:00:02' },
      null,
      { kind: 'dhcp', message: 'DHCPACK', address: '10.78.0.22', mac: '52:54:00:aa:00:02' },
      // No address for an unknown MAC: nothing was offered.
      null,
      { kind: 'tftp-sent', file: '/srv/pxe state/tftp/pxelinux.0', client: '10.78.0.22' },
      null,
      { kind: 'tftp-sent', file: '/srv/pxe/tftp/pxelinux.cfg/01-52-54-00-aa-00-02', client: '10.78.0.22' },
    ]);
  });
});
