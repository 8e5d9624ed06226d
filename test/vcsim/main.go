// Command vcsim serves a vCenter (vSphere SOAP API at /sdk) whose inventory is exactly what a
// scenario file describes, built on govmomi's simulator (Debian: golang-github-vmware-govmomi-dev).
// Tests and benchmarks drive it through test/vcsim/harness.ts; see that file for building.
//
// Usage:
//
//	vcsim -scenario estate.json [-listen 127.0.0.1:0] [-tls] [-username U -password P] [-stdin-watch]
//
// On start it prints ONE JSON line to stdout and then serves until SIGTERM or SIGINT (exit 0):
//
//	{"url":"https://127.0.0.1:PORT/sdk","thumbprint":"AB:CD:...","certPem":"-----BEGIN CERTIFICATE-----...","instanceUuid":"..."}
//
// thumbprint is the SHA-256 of the server certificate (colon-separated upper-case hex); thumbprint
// and certPem are "" without -tls. Without -username/-password any non-empty credentials log in;
// with them, only those do (others get an InvalidLogin fault). -stdin-watch also exits when stdin
// reaches EOF, so the server dies with a parent that forgets to stop it. A scenario that does not
// decode or validate is reported on stderr with exit status 2; other failures exit 1.
//
// Scenario (JSON only: no YAML library is packaged for this GOPATH). Unknown fields are errors.
//
//	{
//	  "datacenter": "dc1",                       // default "dc1"
//	  "instanceUuid": "…",                       // optional: vCenter about.instanceUuid
//	  "datastore": "datastore1",                 // optional: name of the one datastore VMs need
//	  "clusters": [{"name": "prod", "hosts": [HOST, ...]}],
//	  "standaloneHosts": [HOST, ...],
//	  "dvs": [{"name": "dvs1", "mtu": 9000, "uuid": "50 2b … 34 56" (optional; default stable per name),
//	           "uplinkNames": ["uplink1", "uplink2"],   // optional: default uplink1..N, N = most uplinks on a host (min 1)
//	           "hosts": [{"host": "esx01", "uplinks": ["vmnic2", "vmnic3"]}],
//	           "portgroups": [{"name": "dv-vm-50", "vlan": 50},
//	                          {"name": "dv-trunk", "trunk": [{"start": 100, "end": 200}]},
//	                          {"name": "dv-pvlan", "pvlan": 11},
//	                          {"name": "dv-vmotion", "vlan": 0, "teaming": TEAMING, "ports": 8}]}],
//	  "vms": [{"name": "web01", "uuid": "4210…", "instanceUuid": "5010…", "host": "esx01",
//	           "powerState": "poweredOn" | "poweredOff" | "suspended",   // default poweredOn
//	           "toolsRunning": true,                                      // default: powered on
//	           "guestId": "otherGuest64",
//	           "nics": [{"mac": "00:50:56:aa:00:01", "portgroup": "VM Network"} |
//	                    {"mac": "…", "dvportgroup": "dv-vm-50"},
//	                    + optional "ips": ["10.50.0.10", "10.50.0.11/22", "2001:db8::10"], "connected": true]}],
//	  "generate": {"hosts": 500, "vmsPerHost": 10, "cluster": "bulk"},
//	  "delays": {"RetrievePropertiesEx": 3000, "*": 5}                     // ms per SOAP method, "*" = every call
//	}
//
//	HOST = {"name": "esx01", "uuid": "<hardware uuid; default: stable per name>",
//	        "connectionState": "connected" | "disconnected" | "notResponding",
//	        "pnics": [{"name": "vmnic0", "mac": "00:50:56:01:51:00", "speedMb": 10000 (0 = link down), "driver": "ixgben"}],
//	        "vswitches": [{"name": "vSwitch0", "uplinks": ["vmnic0", "vmnic1"], "mtu": 1500, "ports": 128, "teaming": TEAMING}],
//	        "portgroups": [{"name": "Management Network", "vswitch": "vSwitch0", "vlan": 100, "teaming": TEAMING}],
//	        "vmks": [{"name": "vmk0", "portgroup": "Management Network" | "dvs": "dvs1", "dvportgroup": "dv-vmotion",
//	                  "ip": "10.1.1.51", "netmask": "255.255.255.0" (or "ip": "10.1.1.51/24"; no ip = DHCP),
//	                  "mac": "…", "mtu": 1500, "netstack": "defaultTcpipStack" | "vmotion" | "vSphereProvisioning",
//	                  "services": ["management", "vmotion", "vsan", "ft", "provisioning", "replication"]}],
//	        "gateway": "10.1.1.1"}
//
//	TEAMING = {"policy": "loadbalance_srcid" | "loadbalance_srcmac" | "loadbalance_ip" | "failover_explicit"
//	                     (| "loadbalance_loadbased" on DV port groups),
//	           "active": [...], "standby": [...],   // uplinks listed in neither are unused
//	           "notifySwitches": true, "rollingOrder": false (false = fail back), "checkBeacon": false}
//
// A vSwitch or DV port group without teaming gets loadbalance_srcid, every uplink active, notify,
// fail back, link-status detection. A standard port group's teaming is an override: only the
// fields given are set in spec.policy.nicTeaming (the rest inherit); computedPolicy holds the merge.
// If only "standby" is given, "active" is the other uplinks.
//
// "generate" adds hosts esx-gen-0001… to the named cluster (default "bulk", created if absent),
// each with vmnic0/1 on vSwitch0, "Management Network" VLAN 0 and "VM Network" VLAN 50, and vmk0
// (management) at a unique 10.64.x.y/16 (gateway 10.64.0.1), plus vmsPerHost powered-on VMs
// <host>-vmNN with one NIC on "VM Network", tools running and a unique 10.128.x.y/16 guest address.
// Generated MACs are locally administered (02:…) and unique; UUIDs are stable per name.
//
// How the scenario maps onto vim25 (what a PropertyCollector over a ContainerView sees):
//
//   - HostSystem.config.network (= its HostNetworkSystem.networkInfo, one object): pnic[] (mac,
//     linkSpeed.speedMb, driver), vswitch[] (spec.bridge.nicDevice, spec.policy.nicTeaming with
//     nicOrder.activeNic/standbyNic and failureCriteria.checkBeacon, mtu, numPorts), portgroup[]
//     (spec.vlanId, spec.policy override, computedPolicy, port[] for vmks and VM NICs), vnic[]
//     (device, portgroup or spec.distributedVirtualPort {switchUuid, portgroupKey, portKey},
//     spec.ip.ipAddress/subnetMask, spec.mac, spec.mtu), proxySwitch[] per DVS membership (dvsUuid,
//     dvsName, spec.backing.pnicSpec[].pnicDevice), ipRouteConfig.defaultGateway, routeTableInfo.
//   - HostSystem.config.virtualNicManagerInfo.netConfig: for management, vmotion, vSAN,
//     faultToleranceLogging, vSphereProvisioning, vSphereReplication, candidateVnic = every vmk
//     (key "<nicType>.key-vim.host.VirtualNic-vmkN"), selectedVnic = the vmks with that service.
//     configManager.virtualNicManager is a real per-host HostVirtualNicManager (QueryNetConfig,
//     SelectVnicForNicType, DeselectVnicForNicType) sharing that data; config.vmotion follows.
//   - HostSystem.hardware.systemInfo.uuid / summary.hardware.uuid, runtime.connectionState.
//   - One Network per standard port group name (shared across hosts); DistributedVirtualPortgroup
//     config.defaultPortConfig.vlan (VlanIdSpec / TrunkVlanSpec / PvlanSpec) and
//     uplinkTeamingPolicy (VmwareUplinkPortTeamingPolicy), config.uplink; DVS config.maxMtu,
//     config.host[] members with their pnic backing, config.uplinkPortgroup.
//   - VirtualMachine config.uuid/instanceUuid, config.hardware.device VirtualVmxnet3 (macAddress,
//     connectable, backing VirtualEthernetCardNetworkBackingInfo{deviceName, network} or
//     VirtualEthernetCardDistributedVirtualPortBackingInfo{port{switchUuid, portgroupKey}}),
//     runtime.powerState, runtime.host, guest.toolsRunningStatus, guest.net[] {network, macAddress,
//     ipAddress[], ipConfig (when a /prefix is given), connected}. Without tools, guest.net only
//     lists NICs that have "ips" (stale data).
//   - HostSystem.network, ComputeResource.network, Network.host/vm, DistributedVirtualPortgroup.host/vm,
//     VirtualMachine.network and Datacenter.network are rebuilt to agree with each other.
//
// Added to the simulator: RetrievePropertiesEx paging (options.maxObjects, tokens,
// ContinueRetrievePropertiesEx, CancelRetrievePropertiesEx), per-host HostVirtualNicManager.
//
// Simulator limits: distributed switches are typed DistributedVirtualSwitch (real vCenter:
// VmwareDistributedVirtualSwitch); each DVS has its simulator-made uplink port group
// "<dvs>-DVUplinks-N" (config.uplink = true); when the scenario has VMs there is one shared local
// datastore (in a temporary folder, on /dev/shm when there is one, removed on exit), because the
// simulator cannot create VMs without one; the simulator's objects for configuration managers
// other than the network, datastore, firewall, storage and vNIC managers do not exist.
package main

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
)

type startup struct {
	URL          string `json:"url"`
	Thumbprint   string `json:"thumbprint"`
	CertPem      string `json:"certPem"`
	InstanceUuid string `json:"instanceUuid"`
}

func main() {
	scenarioPath := flag.String("scenario", "", "scenario JSON file (default: an empty datacenter)")
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	useTLS := flag.Bool("tls", false, "serve HTTPS with the simulator's self-signed certificate")
	username := flag.String("username", "", "the only user name that may log in (default: any)")
	password := flag.String("password", "", "its password")
	stdinWatch := flag.Bool("stdin-watch", false, "also exit when stdin reaches EOF")
	flag.Parse()

	if (*username == "") != (*password == "") {
		fmt.Fprintln(os.Stderr, "vcsim: give both -username and -password, or neither")
		os.Exit(2)
	}

	s := &Scenario{Datacenter: "dc1", Datastore: "datastore1"}
	if *scenarioPath != "" {
		var err error
		if s, err = loadScenario(*scenarioPath); err != nil {
			fmt.Fprintf(os.Stderr, "vcsim: scenario error: %v\n", err)
			os.Exit(2)
		}
	}

	b, err := build(s)
	if err != nil {
		b.cleanup()
		var se *scenarioError
		if errors.As(err, &se) {
			fmt.Fprintf(os.Stderr, "vcsim: scenario error: %v\n", err)
			os.Exit(2)
		}
		fmt.Fprintf(os.Stderr, "vcsim: building the scenario failed: %v\n", err)
		os.Exit(1)
	}

	service := b.m.Service
	service.Listen = &url.URL{Host: *listen}
	if *username != "" {
		service.Listen.User = url.UserPassword(*username, *password)
	}
	if *useTLS {
		service.TLS = new(tls.Config)
	}
	server := service.NewServer()

	out := startup{URL: fmt.Sprintf("%s://%s%s", server.URL.Scheme, server.URL.Host, server.URL.Path)}
	if *useTLS {
		cert := server.Certificate()
		sum := sha256.Sum256(cert.Raw)
		hex := make([]string, len(sum))
		for i, v := range sum {
			hex[i] = fmt.Sprintf("%02X", v)
		}
		out.Thumbprint = strings.Join(hex, ":")
		out.CertPem = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
	}
	if si, ok := simulator.Map.Get(vim25.ServiceInstance).(*simulator.ServiceInstance); ok {
		out.InstanceUuid = si.Content.About.InstanceUuid
	}
	line, _ := json.Marshal(out)
	fmt.Fprintln(os.Stdout, string(line))

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	if *stdinWatch {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop <- syscall.SIGTERM
		}()
	}
	<-stop
	b.cleanup()
	os.Exit(0)
}
