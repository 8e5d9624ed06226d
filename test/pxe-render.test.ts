/**
 * The PXE tree for three hosts: the demo's esx01 (declared, BIOS), an undeclared ESXi host (UEFI)
 * and the demo's Oracle VM host ovm1 (declared, BIOS or UEFI). The real consumers check what they
 * can: dnsmasq --test and dhcpd -t accept the DHCP configuration, GRUB's own parser
 * (grub-script-check) the GRUB files; the links resolve into the image folder; pxelinux entries,
 * boot.cfg and the kickstarts' network lines are compared line for line.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PxeImage, PxeRenderInput } from '../src/pxe/model.ts';
import { renderPxeTree } from '../src/pxe/render/index.ts';
import type { RenderInput } from '../src/render/files.ts';
import { seedDemo } from '../src/services/demo.ts';
import { renderInputFor } from '../src/services/host-network.ts';
import { makeContext } from '../src/store/context.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { removeRendered, writeRendered, writeRenderedInto } from './support/rendered.ts';

const BOOT_CFG = readFileSync(join(import.meta.dirname, 'fixtures', 'pxe', 'esxi8-boot.cfg'), 'utf8');
const HASH = '$6$hostwire$Cn9pA0tyQ7hX5mWPE3s0o6Ew7Q2YdNo8m8T0p5b0iU4m0yq3r8TQ0vV3b7V9FhBzpAn4n1nZpFJ9Q6cR8u1bS/';
const MGMT = { name: 'mgmt', cidr: '10.1.1.0/24', gateway: '10.1.1.1', dns: ['10.1.1.10', '10.1.1.11'], domain: 'dc1.example.net', vlan: 100 };

/** Runs a real tool and returns its exit status and output. */
function run(command: string, args: string[]) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error) throw new Error(`${command} could not run (${result.error.message}): install its Debian package`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const lines = (text: string) => text.trimEnd().split('\n');

describe('PXE tree rendering', () => {
  const stores: Store[] = [];
  const images = mkdtempSync(join(tmpdir(), 'hostwire-pxe-images-'));
  const esxi: PxeImage = { name: 'esxi8', kind: 'esxi', path: join(images, 'esxi8'), kernel: null, initrd: null, createdAt: '2025-01-01T00:00:00Z' };
  const oracle: PxeImage = { name: 'ol9', kind: 'linux', path: join(images, 'ol9'), kernel: 'images/pxeboot/vmlinuz', initrd: 'images/pxeboot/initrd.img', createdAt: '2025-01-01T00:00:00Z' };
  let esx01: RenderInput;
  let ovm1: RenderInput;

  const record = (name: string, mac: string, address: string, boot: 'bios' | 'uefi' | 'auto', image: PxeImage, vlan: number | null) => ({
    record: { name, mac, subnet: 'mgmt', address, boot, image: image.name, hostname: `${name}.dc1.example.net`, vlan, createdAt: '2025-01-01T00:00:00Z' },
    subnet: MGMT,
    image,
    token: `token-of-${name}-0123456789`,
    ...(image.kind === 'esxi' ? { imageBootCfg: BOOT_CFG } : {}),
  });
  const estate = (overrides: Partial<PxeRenderInput> = {}, ovmBoot: 'bios' | 'uefi' | 'auto' = 'bios'): PxeRenderInput => ({
    hosts: [
      { ...record('esx01', '00:50:56:01:51:00', '10.1.1.51', 'bios', esxi, 100), declared: esx01 },
      { ...record('esx03', '00:50:56:01:53:00', '10.1.1.53', 'uefi', esxi, 100), declared: null },
      { ...record('ovm1', '00:14:5e:c0:ff:ee', '10.1.1.101', ovmBoot, oracle, 100), declared: ovm1 },
    ],
    server: { address: '10.1.1.5', httpPort: 8080, interface: 'eth1' },
    allowUnknown: false,
    dns: false,
    rootPasswordHash: HASH,
    ...overrides,
  });
  /** Writes the tree as `pxe render --out` would, returning its root and the files by path. */
  const written = (input: PxeRenderInput) => {
    const root = writeRendered([], 'hostwire-pxe-');
    const files = renderPxeTree(input, root);
    writeRenderedInto(root, files);
    return { root, byPath: new Map(files.map((file) => [file.path, file])) };
  };

  before(async () => {
    for (const file of ['mboot.c32', 'b.b00', 'efi/boot/bootx64.efi', 'images/pxeboot/vmlinuz', 'images/pxeboot/initrd.img']) {
      for (const image of [esxi, oracle]) {
        mkdirSync(join(image.path, file, '..'), { recursive: true });
        writeFileSync(join(image.path, file), image.name);
      }
    }
    const store = await openStore(':memory:');
    stores.push(store);
    const context = makeContext(store, 'test');
    await seedDemo(context);
    esx01 = await renderInputFor(context, 'esx01');
    ovm1 = await renderInputFor(context, 'ovm1');
  });
  after(async () => {
    removeRendered();
    rmSync(images, { recursive: true, force: true });
    for (const store of stores) await store.close();
  });

  it('dnsmasq accepts the configuration: one static range, each MAC its address and its loader, no DNS', () => {
    const { root, byPath } = written(estate());
    const check = run('dnsmasq', ['--test', '-C', join(root, 'dnsmasq.conf')]);
    assert.equal(check.status, 0, check.output);
    assert.match(check.output, /syntax check OK/);
    const conf = lines(readFileSync(join(root, 'dnsmasq.conf'), 'utf8')).filter((line) => !line.startsWith('#'));
    assert.deepEqual(conf, [
      'port=0',
      'bind-interfaces',
      'interface=eth1',
      'log-dhcp',
      `log-facility=${root}/dnsmasq.log`,
      `dhcp-leasefile=${root}/dnsmasq.leases`,
      'enable-tftp',
      `tftp-root=${root}/tftp`,
      'dhcp-match=set:bios,option:client-arch,0',
      'dhcp-match=set:efi64,option:client-arch,7',
      'dhcp-match=set:efi64,option:client-arch,9',
      'dhcp-range=set:net-mgmt,10.1.1.0,static,255.255.255.0,1h',
      'dhcp-option=tag:net-mgmt,option:router,10.1.1.1',
      'dhcp-option=tag:net-mgmt,option:dns-server,10.1.1.10,10.1.1.11',
      'dhcp-option=tag:net-mgmt,option:domain-name,dc1.example.net',
      'dhcp-host=00:50:56:01:51:00,set:host-esx01,10.1.1.51,esx01,1h',
      'dhcp-boot=tag:host-esx01,tag:bios,pxelinux.0,,10.1.1.5',
      'dhcp-host=00:50:56:01:53:00,set:host-esx03,10.1.1.53,esx03,1h',
      'dhcp-boot=tag:host-esx03,tag:efi64,01-00-50-56-01-53-00/mboot.efi,,10.1.1.5',
      'dhcp-host=00:14:5e:c0:ff:ee,set:host-ovm1,10.1.1.101,ovm1,1h',
      'dhcp-boot=tag:host-ovm1,tag:bios,pxelinux.0,,10.1.1.5',
    ]);
    assert.equal(byPath.has('tftp/grub/grub.cfg'), false, 'no UEFI Linux host, no GRUB files');
  });

  it('dnsmasq accepts the dynamic range of --allow-unknown (the upper quarter of the subnet) and DNS on', () => {
    const { root } = written(estate({ allowUnknown: true, dns: true, server: { address: '10.1.1.5', httpPort: 8080, interface: null } }));
    const check = run('dnsmasq', ['--test', '-C', join(root, 'dnsmasq.conf')]);
    assert.equal(check.status, 0, check.output);
    const conf = lines(readFileSync(join(root, 'dnsmasq.conf'), 'utf8'));
    assert.equal(conf.includes('dhcp-range=set:net-mgmt,10.1.1.192,10.1.1.254,255.255.255.0,1h'), true);
    assert.equal(conf.includes('port=0'), false);
    assert.equal(conf.includes('listen-address=10.1.1.5'), true);
  });

  it('dhcpd accepts the host fragment inside a dhcpd.conf with the subnet, and refuses a broken one', () => {
    const { root, byPath } = written(estate({}, 'auto'));
    const wrapper = join(root, 'dhcpd.conf');
    writeFileSync(wrapper, `authoritative;\nsubnet 10.1.1.0 netmask 255.255.255.0 {\n}\ninclude "${join(root, 'dhcpd-hosts.conf')}";\n`);
    const check = run('dhcpd', ['-4', '-t', '-cf', wrapper]);
    assert.equal(check.status, 0, check.output);
    const fragment = byPath.get('dhcpd-hosts.conf')!.content;
    assert.equal(fragment.split('host ovm1 {')[1]!.split('\n}')[0], [
      '',
      '  hardware ethernet 00:14:5e:c0:ff:ee;',
      '  fixed-address 10.1.1.101;',
      '  next-server 10.1.1.5;',
      '  option host-name "ovm1";',
      '  option routers 10.1.1.1;',
      '  option domain-name-servers 10.1.1.10, 10.1.1.11;',
      '  option domain-name "dc1.example.net";',
      '  if option system-arch = 00:07 or option system-arch = 00:09 {',
      '    filename "grub/grubx64.efi";',
      '  } else {',
      '    filename "pxelinux.0";',
      '  }',
    ].join('\n'));
    assert.match(fragment, /host esx03 \{[^}]*filename "01-00-50-56-01-53-00\/mboot.efi";\n\}/);
    writeFileSync(join(root, 'dhcpd-hosts.conf'), fragment.replace('fixed-address 10.1.1.101;', 'fixed-address 10.1.1.101'));
    assert.notEqual(run('dhcpd', ['-4', '-t', '-cf', wrapper]).status, 0, 'dhcpd -t must refuse a missing semicolon');
  });

  it("ESXi, BIOS: pxelinux runs the image's mboot.c32 on the host's boot.cfg, which points at the image and the kickstart", () => {
    const { root, byPath } = written(estate());
    assert.deepEqual(lines(byPath.get('tftp/pxelinux.cfg/01-00-50-56-01-51-00')!.content), [
      '# hostwire: esx01 installs ESXi from image esxi8',
      'DEFAULT install',
      'PROMPT 0',
      'LABEL install',
      '  KERNEL images/esxi8/mboot.c32',
      '  APPEND -c 01-00-50-56-01-51-00/boot.cfg',
      '  IPAPPEND 2',
    ]);
    assert.deepEqual(lines(byPath.get('tftp/01-00-50-56-01-51-00/boot.cfg')!.content), [
      'bootstate=0',
      'title=Loading ESXi installer',
      'timeout=5',
      'prefix=images/esxi8',
      'kernel=b.b00',
      'kernelopt=runweasel ks=http://10.1.1.5:8080/ks/esx01?token=token-of-esx01-0123456789 netdevice=00:50:56:01:51:00',
      'modules=jumpstrt.gz --- useropts.gz --- features.gz --- k.b00 --- uc_intel.b00 --- uc_amd.b00 --- procfs.b00 --- vmx.v00 --- vim.v00 --- sb.v00 --- s.v00 --- imgdb.tgz --- imgpayld.tgz',
      'build=8.0.2-0.0.22380479',
      'updated=0',
    ]);
    // What pxelinux loads resolves, through the image link, to the image's own files.
    const tftp = join(root, 'tftp');
    assert.equal(realpathSync(join(tftp, 'images/esxi8/mboot.c32')), realpathSync(join(esxi.path, 'mboot.c32')));
    assert.equal(realpathSync(join(tftp, 'images/esxi8', 'b.b00')), realpathSync(join(esxi.path, 'b.b00')));
    assert.equal(byPath.get('tftp/pxelinux.0')?.symlink, '/usr/lib/PXELINUX/pxelinux.0');
    assert.equal(byPath.get('tftp/ldlinux.c32')?.symlink, '/usr/lib/syslinux/modules/bios/ldlinux.c32');
  });

  it("ESXi, UEFI: the image's bootx64.efi as mboot.efi in the host's per-MAC folder, beside its boot.cfg", () => {
    const { root, byPath } = written(estate());
    assert.equal(realpathSync(join(root, 'tftp/01-00-50-56-01-53-00/mboot.efi')), realpathSync(join(esxi.path, 'efi/boot/bootx64.efi')));
    assert.match(byPath.get('tftp/01-00-50-56-01-53-00/boot.cfg')!.content, /^kernelopt=runweasel ks=http:\/\/10\.1\.1\.5:8080\/ks\/esx03\?token=token-of-esx03-0123456789 netdevice=00:50:56:01:53:00$/m);
    assert.equal(byPath.has('tftp/pxelinux.cfg/01-00-50-56-01-53-00'), false, 'a UEFI-only host has no pxelinux entry');
  });

  it("ESXi ks.cfg: the declared host's management line and its esxcli %firstboot; the undeclared host's from its record", () => {
    const { byPath } = written(estate());
    const declared = lines(byPath.get('ks/esx01.cfg')!.content);
    assert.deepEqual(declared.slice(0, 7), [
      '# hostwire: scripted install of esx01 from image esxi8',
      'vmaccepteula',
      'install --firstdisk --overwritevmfs',
      `rootpw --iscrypted ${HASH}`,
      'network --bootproto=static --device=00:50:56:01:51:00 --ip=10.1.1.51 --netmask=255.255.255.0 --gateway=10.1.1.1 --nameserver="10.1.1.10,10.1.1.11" --hostname=esx01.dc1.example.net --vlanid=100 --addvmportgroup=1',
      'reboot',
      '',
    ]);
    assert.equal(declared[7], '%firstboot --interpreter=busybox');
    for (const command of ['esxcli network vswitch standard add --vswitch-name=vSwitch1', 'esxcli network ip interface add --interface-name=vmk1 --portgroup-name=vMotion-1 --mtu=9000', 'esxcli network ip interface tag add --interface-name=vmk1 --tagname=VMotion']) {
      assert.equal(declared.includes(command), true, command);
    }
    assert.equal(byPath.get('ks/esx01.cfg')!.mode, 0o600);
    assert.deepEqual(lines(byPath.get('ks/esx03.cfg')!.content), [
      '# hostwire: scripted install of esx03 from image esxi8',
      'vmaccepteula',
      'install --firstdisk --overwritevmfs',
      `rootpw --iscrypted ${HASH}`,
      'network --bootproto=static --device=00:50:56:01:53:00 --ip=10.1.1.53 --netmask=255.255.255.0 --gateway=10.1.1.1 --nameserver="10.1.1.10,10.1.1.11" --hostname=esx03.dc1.example.net --vlanid=100 --addvmportgroup=0',
      'reboot',
    ]);
  });

  it("Linux: the pxelinux entry boots the image's kernel with the kickstart URL; GRUB's parser accepts the UEFI files", () => {
    const bios = written(estate());
    assert.deepEqual(lines(bios.byPath.get('tftp/pxelinux.cfg/01-00-14-5e-c0-ff-ee')!.content), [
      '# hostwire: ovm1 installs Linux from image ol9',
      'DEFAULT install',
      'PROMPT 0',
      'LABEL install',
      '  KERNEL images/ol9/images/pxeboot/vmlinuz',
      '  INITRD images/ol9/images/pxeboot/initrd.img',
      '  APPEND ip=dhcp inst.ks=http://10.1.1.5:8080/ks/ovm1?token=token-of-ovm1-0123456789',
      '  IPAPPEND 2',
    ]);
    const uefi = written(estate({}, 'uefi'));
    const perMac = uefi.byPath.get('tftp/grub/grub.cfg-01-00-14-5e-c0-ff-ee')!.content;
    assert.deepEqual(lines(perMac).slice(3), [
      "menuentry 'Install ovm1' {",
      "  linux /images/ol9/images/pxeboot/vmlinuz 'ip=dhcp' 'inst.ks=http://10.1.1.5:8080/ks/ovm1?token=token-of-ovm1-0123456789' 'BOOTIF=01-00-14-5e-c0-ff-ee'",
      '  initrd /images/ol9/images/pxeboot/initrd.img',
      '}',
    ]);
    assert.equal(lines(uefi.byPath.get('tftp/grub/grub.cfg')!.content)[1], 'if [ "$net_default_mac" = "00:14:5e:c0:ff:ee" ]; then configfile "$prefix/grub.cfg-01-00-14-5e-c0-ff-ee"; fi');
    for (const file of ['grub/grub.cfg', 'grub/grub.cfg-01-00-14-5e-c0-ff-ee']) {
      const check = run('grub-script-check', [join(uefi.root, 'tftp', file)]);
      assert.equal(check.status, 0, `${file}: ${check.output}`);
    }
    assert.equal(uefi.byPath.get('tftp/grub/grubx64.efi')?.symlink, '/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed');
    assert.equal(uefi.byPath.has('tftp/pxelinux.cfg/01-00-14-5e-c0-ff-ee'), false);
    assert.equal(realpathSync(join(uefi.root, 'tftp/images/ol9/images/pxeboot/vmlinuz')), realpathSync(join(oracle.path, 'images/pxeboot/vmlinuz')));
  });

  it("Linux kickstart: seed 001's bond, VLAN trunk and per-VLAN bridges as anaconda network lines, the address on vlan100", () => {
    const ks = lines(written(estate()).byPath.get('ks/ovm1.cfg')!.content);
    assert.deepEqual(ks, [
      '# hostwire: kickstart of ovm1 from image ol9',
      'text',
      'url --url=http://10.1.1.5:8080/images/ol9/',
      'lang en_US.UTF-8',
      'keyboard us',
      'timezone UTC --utc',
      'zerombr',
      'clearpart --all --initlabel',
      'autopart',
      `rootpw --iscrypted ${HASH}`,
      'network --hostname=ovm1.dc1.example.net',
      'network --device=bond0 --bondslaves=eth0,eth1 --bondopts=mode=802.3ad,miimon=100 --noipv4 --noipv6 --onboot=yes',
      'network --device=bond0 --vlanid=50 --interfacename=bond0.50 --noipv4 --noipv6 --onboot=yes',
      'network --device=vlan50 --bridgeslaves=bond0.50 --bridgeopts=stp=no --noipv4 --noipv6 --onboot=yes',
      'network --device=bond0 --vlanid=51 --interfacename=bond0.51 --noipv4 --noipv6 --onboot=yes',
      'network --device=vlan51 --bridgeslaves=bond0.51 --bridgeopts=stp=no --noipv4 --noipv6 --onboot=yes',
      'network --device=bond0 --vlanid=100 --interfacename=bond0.100 --noipv4 --noipv6 --onboot=yes',
      'network --device=vlan100 --bridgeslaves=bond0.100 --bridgeopts=stp=no --bootproto=static --ip=10.1.1.101 --netmask=255.255.255.0 --gateway=10.1.1.1 --nameserver=10.1.1.10,10.1.1.11 --noipv6 --onboot=yes',
      'reboot',
    ]);
  });

  it('an undeclared Linux host gets its record address on its PXE NIC, tagged with the record VLAN', () => {
    const input = estate();
    input.hosts = [{ ...record('kvm9', '52:54:00:00:00:09', '10.1.1.59', 'bios', oracle, 100), declared: null }];
    const ks = lines(written(input).byPath.get('ks/kvm9.cfg')!.content);
    assert.deepEqual(ks.filter((line) => line.startsWith('network')), [
      'network --hostname=kvm9.dc1.example.net',
      'network --device=52:54:00:00:00:09 --noipv4 --noipv6 --onboot=yes',
      'network --device=52:54:00:00:00:09 --vlanid=100 --interfacename=nic0.100 --bootproto=static --ip=10.1.1.59 --netmask=255.255.255.0 --gateway=10.1.1.1 --nameserver=10.1.1.10,10.1.1.11 --noipv6 --onboot=yes',
    ]);
  });

  it('refuses a clear-text root password without repeating it, and renders no rootpw without a hash', () => {
    for (const password of ['VMware1!', '$6$short', '$2y$10$abcdefghijklmnopqrstuuN3lZ1o8hX5', `${HASH}\nrootpw --plaintext x`]) {
      assert.throws(
        () => renderPxeTree(estate({ rootPasswordHash: password }), '/srv/pxe'),
        (error: Error) => error.message.startsWith('rootPasswordHash is not a crypt(3) hash') && !error.message.includes(password),
      );
    }
    const files = renderPxeTree(estate({ rootPasswordHash: null }), '/srv/pxe');
    assert.equal(files.some((file) => file.path.startsWith('ks/') && file.content.includes('rootpw')), false);
  });

  it('refuses input that would break out of its line or that the boot chain cannot use', () => {
    const cases: [string, (input: PxeRenderInput) => void, RegExp][] = [
      ['newline in a host name', (input) => (input.hosts[1]!.record.hostname = 'esx03\ndhcp-range=0.0.0.0,static'), /hosts\.1\.hostname: 'esx03\ndhcp-range=0\.0\.0\.0,static' is not a DNS name/],
      ['comma in a MAC', (input) => (input.hosts[1]!.record.mac = '00:50:56:01:53:00,ignore'), /hosts\.1\.mac: /],
      ['address outside the subnet', (input) => (input.hosts[1]!.record.address = '10.9.9.9'), /hosts\.1\.address: 10\.9\.9\.9 is outside subnet mgmt \(10\.1\.1\.0\/24\)/],
      ['duplicate MAC', (input) => (input.hosts[1]!.record.mac = input.hosts[0]!.record.mac), /two provisioning records have mac 00:50:56:01:51:00/],
      ['quote in an image path', (input) => (input.hosts[2]!.image = { ...oracle, path: '/srv/"x' }), /hosts\.2\.image: image ol9: '\/srv\/"x' is not an absolute path/],
      ['record and declaration disagree', (input) => (input.hosts[0]!.record.address = '10.1.1.60'), /esx01: the provisioning record gives 10\.1\.1\.60, but its management vmk vmk0 is declared with 10\.1\.1\.51/],
      ['ESXi image whose boot.cfg was not read', (input) => delete input.hosts[1]!.imageBootCfg, /image esxi8 .*: its boot\.cfg was not read/],
      ['IPv6 server', (input) => (input.server = { address: '2001:db8::5', httpPort: 8080, interface: null }), /server\.address: 2001:db8::5 is IPv6/],
    ];
    for (const [name, change, message] of cases) {
      const input = estate();
      change(input);
      assert.throws(() => renderPxeTree(input, '/srv/pxe'), message, name);
    }
  });

  it("dnsmasq's TFTP serves the per-MAC entry, and the image's files through the image link (loopback only)", async () => {
    const { root, byPath } = written(estate());
    const dnsmasq = spawn('dnsmasq', ['--keep-in-foreground', '--conf-file=/dev/null', '--pid-file=', '--user=root', '--port=0', '--bind-interfaces', '--listen-address=127.0.0.1', '--enable-tftp', `--tftp-root=${join(root, 'tftp')}`], { stdio: 'ignore' });
    try {
      const fetch = (path: string) => spawnSync('curl', ['--silent', '--show-error', '--max-time', '10', `tftp://127.0.0.1/${path}`], { encoding: 'utf8' });
      // dnsmasq has bound port 69 once a fetch answers; a bounded number of tries, no clock.
      let entry = fetch('pxelinux.cfg/01-00-50-56-01-51-00');
      for (let attempt = 0; attempt < 50 && entry.status !== 0; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        entry = fetch('pxelinux.cfg/01-00-50-56-01-51-00');
      }
      assert.equal(entry.error, undefined, 'curl (Debian package curl) runs');
      assert.equal(entry.stdout, byPath.get('tftp/pxelinux.cfg/01-00-50-56-01-51-00')!.content, entry.stderr);
      assert.equal(fetch('images/esxi8/mboot.c32').stdout, 'esxi8');
      assert.equal(fetch('01-00-50-56-01-53-00/mboot.efi').stdout, 'esxi8');
    } finally {
      dnsmasq.kill();
    }
  });

  it("the tree is complete: every loader DHCP names is rendered, the system's linked, the images' resolving to their files", () => {
    const { root, byPath } = written(estate({}, 'auto'));
    const loaders = [...readFileSync(join(root, 'dnsmasq.conf'), 'utf8').matchAll(/^dhcp-boot=tag:[^,]+,tag:[^,]+,([^,]+),,10\.1\.1\.5$/gm)].map((match) => match[1]!);
    assert.deepEqual(loaders, ['pxelinux.0', '01-00-50-56-01-53-00/mboot.efi', 'pxelinux.0', 'grub/grubx64.efi']);
    for (const loader of loaders) assert.equal(byPath.has(`tftp/${loader}`), true, loader);
    assert.equal(existsSync(join(root, 'tftp/01-00-50-56-01-53-00/mboot.efi')), true);
    assert.equal(existsSync(join(root, 'tftp/pxelinux.0')), true, "Debian's pxelinux.0 is installed (package pxelinux)");
    assert.equal(existsSync(join(root, 'tftp/ldlinux.c32')), true, "Debian's ldlinux.c32 is installed (package syslinux-common)");
  });
});
