#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real (a PostgreSQL server, the programs that
# consume each rendering), when they are
# missing and we may install them; otherwise says what to install. Run by `npm test` (pretest).
set -euo pipefail

missing=()
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || missing+=(postgresql)
command -v runuser >/dev/null || missing+=(util-linux)
# The vCenter simulator harness (test/vcsim) is built from Debian's govmomi with Debian's Go.
command -v go >/dev/null || missing+=(golang-go)
[ -d /usr/share/gocode/src/github.com/vmware/govmomi/simulator ] || missing+=(golang-github-vmware-govmomi-dev)
# Renderings are checked by the programs that consume them.
command -v netplan >/dev/null || missing+=(netplan.io)
command -v ifquery >/dev/null || missing+=(ifupdown)
command -v nmcli >/dev/null || missing+=(network-manager)
command -v virt-xml-validate >/dev/null || missing+=(libvirt-clients)
command -v ovs-vswitchd >/dev/null || missing+=(openvswitch-switch)
command -v ip >/dev/null || missing+=(iproute2)
command -v ping >/dev/null || missing+=(iputils-ping)
command -v shellcheck >/dev/null || missing+=(shellcheck)
command -v dnsmasq >/dev/null || missing+=(dnsmasq-base)
command -v dhcpd >/dev/null || missing+=(isc-dhcp-server)
command -v grub-script-check >/dev/null || missing+=(grub-common)
[ -f /usr/lib/PXELINUX/pxelinux.0 ] || missing+=(pxelinux)
[ -f /usr/lib/syslinux/modules/bios/ldlinux.c32 ] || missing+=(syslinux-common)
command -v curl >/dev/null || missing+=(curl)
command -v busybox >/dev/null || missing+=(busybox)
command -v tftp >/dev/null || missing+=(tftp-hpa)
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
[ -d /usr/lib/ipxe/qemu ] || missing+=(ipxe-qemu)
command -v chromium >/dev/null || missing+=(chromium)

if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "installing test dependencies: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "the tests need these Debian packages: ${missing[*]} (sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
