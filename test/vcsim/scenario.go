package main

// Scenario file: types, decoding, expansion of "generate", and validation. Nothing here touches
// the simulator; a scenario that passes validate() can be built without further checks.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"

	"github.com/google/uuid"
)

type Scenario struct {
	Datacenter      string         `json:"datacenter"`
	InstanceUuid    string         `json:"instanceUuid"`
	Datastore       string         `json:"datastore"`
	Clusters        []ClusterSpec  `json:"clusters"`
	StandaloneHosts []HostSpec     `json:"standaloneHosts"`
	Dvs             []DvsSpec      `json:"dvs"`
	Vms             []VmSpec       `json:"vms"`
	Generate        *GenerateSpec  `json:"generate"`
	Delays          map[string]int `json:"delays"`
}

type ClusterSpec struct {
	Name  string     `json:"name"`
	Hosts []HostSpec `json:"hosts"`
}

type HostSpec struct {
	Name            string          `json:"name"`
	Uuid            string          `json:"uuid"`
	ConnectionState string          `json:"connectionState"`
	Pnics           []PnicSpec      `json:"pnics"`
	Vswitches       []VswitchSpec   `json:"vswitches"`
	Portgroups      []PortgroupSpec `json:"portgroups"`
	Vmks            []VmkSpec       `json:"vmks"`
	Gateway         string          `json:"gateway"`
}

type PnicSpec struct {
	Name    string `json:"name"`
	Mac     string `json:"mac"`
	SpeedMb *int32 `json:"speedMb"`
	Driver  string `json:"driver"`
}

type VswitchSpec struct {
	Name    string   `json:"name"`
	Uplinks []string `json:"uplinks"`
	Mtu     int32    `json:"mtu"`
	Ports   int32    `json:"ports"`
	Teaming *Teaming `json:"teaming"`
}

type PortgroupSpec struct {
	Name    string   `json:"name"`
	Vswitch string   `json:"vswitch"`
	Vlan    int32    `json:"vlan"`
	Teaming *Teaming `json:"teaming"`
}

type VmkSpec struct {
	Name        string   `json:"name"`
	Portgroup   string   `json:"portgroup"`
	Dvs         string   `json:"dvs"`
	Dvportgroup string   `json:"dvportgroup"`
	Ip          string   `json:"ip"`
	Netmask     string   `json:"netmask"`
	Mac         string   `json:"mac"`
	Mtu         int32    `json:"mtu"`
	Services    []string `json:"services"`
	Netstack    string   `json:"netstack"`
}

// Teaming: absent fields inherit (port group overrides) or take the defaults (vSwitches, DV port
// groups). "active"/"standby" absent vs [] matters: [] is an explicit empty list.
type Teaming struct {
	Policy         string   `json:"policy"`
	Active         []string `json:"active"`
	Standby        []string `json:"standby"`
	NotifySwitches *bool    `json:"notifySwitches"`
	RollingOrder   *bool    `json:"rollingOrder"`
	CheckBeacon    *bool    `json:"checkBeacon"`
}

type DvsSpec struct {
	Name        string            `json:"name"`
	Uuid        string            `json:"uuid"`
	Mtu         int32             `json:"mtu"`
	UplinkNames []string          `json:"uplinkNames"`
	Hosts       []DvsHostSpec     `json:"hosts"`
	Portgroups  []DvPortgroupSpec `json:"portgroups"`
}

type DvsHostSpec struct {
	Host    string   `json:"host"`
	Uplinks []string `json:"uplinks"`
}

type DvPortgroupSpec struct {
	Name    string      `json:"name"`
	Vlan    *int32      `json:"vlan"`
	Trunk   []VlanRange `json:"trunk"`
	Pvlan   *int32      `json:"pvlan"`
	Ports   int32       `json:"ports"`
	Teaming *Teaming    `json:"teaming"`
}

type VlanRange struct {
	Start int32 `json:"start"`
	End   int32 `json:"end"`
}

type VmSpec struct {
	Name         string    `json:"name"`
	Uuid         string    `json:"uuid"`
	InstanceUuid string    `json:"instanceUuid"`
	Host         string    `json:"host"`
	PowerState   string    `json:"powerState"`
	ToolsRunning *bool     `json:"toolsRunning"`
	GuestId      string    `json:"guestId"`
	Nics         []NicSpec `json:"nics"`
}

type NicSpec struct {
	Mac         string   `json:"mac"`
	Portgroup   string   `json:"portgroup"`
	Dvportgroup string   `json:"dvportgroup"`
	Ips         []string `json:"ips"`
	Connected   *bool    `json:"connected"`
}

type GenerateSpec struct {
	Hosts      int    `json:"hosts"`
	VmsPerHost int    `json:"vmsPerHost"`
	Cluster    string `json:"cluster"`
}

// nicTypes are the HostVirtualNicManager nic types we model, in the order ESXi lists them.
var nicTypes = []string{"management", "vmotion", "vSAN", "faultToleranceLogging", "vSphereProvisioning", "vSphereReplication"}

// serviceNicType maps scenario service names (and the vim25 names themselves) to nic types.
var serviceNicType = map[string]string{
	"management": "management", "vmotion": "vmotion", "vsan": "vSAN", "ft": "faultToleranceLogging",
	"provisioning": "vSphereProvisioning", "replication": "vSphereReplication",
	"vSAN": "vSAN", "faultToleranceLogging": "faultToleranceLogging",
	"vSphereProvisioning": "vSphereProvisioning", "vSphereReplication": "vSphereReplication",
}

var teamingPolicies = map[string]bool{"loadbalance_srcid": true, "loadbalance_srcmac": true, "loadbalance_ip": true, "failover_explicit": true}

type scenarioError struct{ msg string }

func (e *scenarioError) Error() string { return e.msg }

func errorf(format string, args ...interface{}) error {
	return &scenarioError{fmt.Sprintf(format, args...)}
}

// loadScenario reads, decodes (strictly: unknown fields are errors), expands and validates.
func loadScenario(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, errorf("cannot read scenario: %v", err)
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] != '{' {
		return nil, errorf("%s: only JSON scenarios are supported (no YAML library is available to this build)", path)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s Scenario
	if err := dec.Decode(&s); err != nil {
		return nil, errorf("%s: invalid scenario JSON: %v", path, err)
	}
	if s.Datacenter == "" {
		s.Datacenter = "dc1"
	}
	if s.Datastore == "" {
		s.Datastore = "datastore1"
	}
	if err := s.expand(); err != nil {
		return nil, err
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

func boolPtr(b bool) *bool     { return &b }
func int32Ptr(i int32) *int32  { return &i }
func macFrom(b []byte) string  { return net.HardwareAddr(b).String() }
func u32bytes(n uint32) []byte { return []byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)} }

// genMAC: locally administered 02:<kind>:<32-bit index>, never clashing between kinds.
func genMAC(kind byte, index uint32) string {
	return macFrom(append([]byte{0x02, kind}, u32bytes(index)...))
}

const (
	macPnic byte = 0x01
	macVmk  byte = 0x02
	macVm   byte = 0x03
)

var dvsUUIDPattern = regexp.MustCompile(`^([0-9a-fA-F]{2} ){7}[0-9a-fA-F]{2}-([0-9a-fA-F]{2} ){7}[0-9a-fA-F]{2}$`)

// dvsUUID writes a UUID the way vCenter writes DVS UUIDs: "50 2b 4f 1c 9e 2a 7c 11-8d 3f 21 aa 90 12 34 56".
func dvsUUID(u string) string {
	hex := strings.ReplaceAll(u, "-", "")
	pairs := make([]string, 16)
	for i := range pairs {
		pairs[i] = hex[2*i : 2*i+2]
	}
	return strings.Join(pairs[:8], " ") + "-" + strings.Join(pairs[8:], " ")
}

func stableUUID(kind, name string) string {
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte("hostwire-vcsim:"+kind+":"+name)).String()
}

// expand turns "generate" into ordinary hosts and VMs.
func (s *Scenario) expand() error {
	g := s.Generate
	if g == nil {
		return nil
	}
	if g.Hosts < 0 || g.VmsPerHost < 0 {
		return errorf("generate: hosts and vmsPerHost must be >= 0")
	}
	if g.Hosts > 60000 || g.Hosts*g.VmsPerHost > 60000 {
		return errorf("generate: at most 60000 hosts and 60000 VMs (unique addresses come from 10.64.0.0/16 and 10.128.0.0/16)")
	}
	if g.Cluster == "" {
		g.Cluster = "bulk"
	}
	var cluster *ClusterSpec
	for i := range s.Clusters {
		if s.Clusters[i].Name == g.Cluster {
			cluster = &s.Clusters[i]
		}
	}
	if cluster == nil {
		s.Clusters = append(s.Clusters, ClusterSpec{Name: g.Cluster})
		cluster = &s.Clusters[len(s.Clusters)-1]
	}
	speed := int32(10000)
	vm := 0
	for i := 1; i <= g.Hosts; i++ {
		name := fmt.Sprintf("esx-gen-%04d", i)
		n := uint32(i + 10) // 10.64.0.1 is the gateway
		host := HostSpec{
			Name:            name,
			ConnectionState: "connected",
			Pnics: []PnicSpec{
				{Name: "vmnic0", Mac: genMAC(macPnic, n<<8), SpeedMb: &speed, Driver: "ixgben"},
				{Name: "vmnic1", Mac: genMAC(macPnic, n<<8|1), SpeedMb: &speed, Driver: "ixgben"},
			},
			Vswitches: []VswitchSpec{{Name: "vSwitch0", Uplinks: []string{"vmnic0", "vmnic1"}, Mtu: 1500, Ports: 128}},
			Portgroups: []PortgroupSpec{
				{Name: "Management Network", Vswitch: "vSwitch0", Vlan: 0},
				{Name: "VM Network", Vswitch: "vSwitch0", Vlan: 50},
			},
			Vmks: []VmkSpec{{
				Name: "vmk0", Portgroup: "Management Network", Ip: fmt.Sprintf("10.64.%d.%d", n>>8, n&0xff),
				Netmask: "255.255.0.0", Mac: genMAC(macVmk, n<<8), Mtu: 1500, Services: []string{"management"},
			}},
			Gateway: "10.64.0.1",
		}
		cluster.Hosts = append(cluster.Hosts, host)
		for j := 1; j <= g.VmsPerHost; j++ {
			vm++
			v := uint32(vm + 10)
			s.Vms = append(s.Vms, VmSpec{
				Name:       fmt.Sprintf("%s-vm%02d", name, j),
				Host:       name,
				PowerState: "poweredOn",
				Nics: []NicSpec{{
					Mac: genMAC(macVm, v<<4), Portgroup: "VM Network",
					Ips: []string{fmt.Sprintf("10.128.%d.%d/16", v>>8, v&0xff)},
				}},
			})
		}
	}
	return nil
}

// allHosts lists every host with the cluster it belongs to ("" = standalone).
func (s *Scenario) allHosts() []hostRef {
	var out []hostRef
	for ci := range s.Clusters {
		for hi := range s.Clusters[ci].Hosts {
			out = append(out, hostRef{&s.Clusters[ci].Hosts[hi], s.Clusters[ci].Name})
		}
	}
	for hi := range s.StandaloneHosts {
		out = append(out, hostRef{&s.StandaloneHosts[hi], ""})
	}
	return out
}

type hostRef struct {
	spec    *HostSpec
	cluster string
}

func validMAC(mac string) (string, bool) {
	hw, err := net.ParseMAC(mac)
	if err != nil || len(hw) != 6 {
		return "", false
	}
	return hw.String(), true
}

func validIPv4(ip string) bool {
	p := net.ParseIP(ip)
	return p != nil && p.To4() != nil
}

func validMask(mask string) bool {
	p := net.ParseIP(mask)
	if p == nil || p.To4() == nil {
		return false
	}
	ones, bits := net.IPMask(p.To4()).Size()
	return bits == 32 && ones >= 0
}

// splitAddress accepts "a.b.c.d", "a.b.c.d/nn", "2001:db8::1", "2001:db8::1/64"; prefix -1 = none given.
func splitAddress(s string) (string, int, bool) {
	if strings.Contains(s, "/") {
		ip, n, err := net.ParseCIDR(s)
		if err != nil {
			return "", 0, false
		}
		ones, _ := n.Mask.Size()
		return ip.String(), ones, true
	}
	ip := net.ParseIP(s)
	if ip == nil {
		return "", 0, false
	}
	return ip.String(), -1, true
}

func checkUUID(where, value string) error {
	if value == "" {
		return nil
	}
	if _, err := uuid.Parse(value); err != nil {
		return errorf("%s: invalid UUID %q", where, value)
	}
	return nil
}

func checkTeaming(where string, t *Teaming, uplinks []string, dvs bool) error {
	if t == nil {
		return nil
	}
	if t.Policy != "" && !teamingPolicies[t.Policy] && !(dvs && t.Policy == "loadbalance_loadbased") {
		return errorf("%s.teaming: unknown policy %q (loadbalance_srcid, loadbalance_srcmac, loadbalance_ip, failover_explicit%s)",
			where, t.Policy, map[bool]string{true: ", loadbalance_loadbased", false: ""}[dvs])
	}
	known := map[string]bool{}
	for _, u := range uplinks {
		known[u] = true
	}
	seen := map[string]string{}
	for _, list := range []struct {
		name  string
		nics  []string
		other string
	}{{"active", t.Active, "standby"}, {"standby", t.Standby, "active"}} {
		for _, nic := range list.nics {
			if !known[nic] {
				return errorf("%s.teaming.%s: %q is not an uplink here (uplinks: %s)", where, list.name, nic, strings.Join(uplinks, ", "))
			}
			if prev, dup := seen[nic]; dup {
				return errorf("%s.teaming: %q listed twice (%s and %s)", where, nic, prev, list.name)
			}
			seen[nic] = list.name
		}
	}
	return nil
}

func (s *Scenario) validate() error {
	if s.InstanceUuid != "" {
		if err := checkUUID("instanceUuid", s.InstanceUuid); err != nil {
			return err
		}
	}
	for method, ms := range s.Delays {
		if ms < 0 {
			return errorf("delays.%s: must be >= 0 ms", method)
		}
	}
	clusterNames := map[string]bool{}
	for _, c := range s.Clusters {
		if c.Name == "" {
			return errorf("clusters: a cluster has no name")
		}
		if clusterNames[c.Name] {
			return errorf("clusters: duplicate cluster name %q", c.Name)
		}
		clusterNames[c.Name] = true
	}

	hosts := map[string]*HostSpec{}
	// pnic -> owner ("vSwitch0", "dvs dvs1") per host: a pnic backs at most one switch.
	pnicOwner := map[string]map[string]string{}
	for _, hr := range s.allHosts() {
		h := hr.spec
		where := fmt.Sprintf("host %q", h.Name)
		if h.Name == "" {
			return errorf("hosts: a host has no name")
		}
		if clusterNames[h.Name] && hr.cluster == "" {
			return errorf("%s: a standalone host cannot share its name with a cluster", where)
		}
		if hosts[h.Name] != nil {
			return errorf("%s: duplicate host name", where)
		}
		hosts[h.Name] = h
		if err := checkUUID(where+".uuid", h.Uuid); err != nil {
			return err
		}
		switch h.ConnectionState {
		case "":
			h.ConnectionState = "connected"
		case "connected", "disconnected", "notResponding":
		default:
			return errorf("%s.connectionState: %q is not connected, disconnected or notResponding", where, h.ConnectionState)
		}
		if h.Gateway != "" && !validIPv4(h.Gateway) {
			return errorf("%s.gateway: %q is not an IPv4 address", where, h.Gateway)
		}
		pnics := map[string]bool{}
		owner := map[string]string{}
		pnicOwner[h.Name] = owner
		for i := range h.Pnics {
			p := &h.Pnics[i]
			if p.Name == "" {
				return errorf("%s.pnics[%d]: no name", where, i)
			}
			if pnics[p.Name] {
				return errorf("%s: duplicate pnic %q", where, p.Name)
			}
			pnics[p.Name] = true
			if p.Mac != "" {
				mac, ok := validMAC(p.Mac)
				if !ok {
					return errorf("%s.pnics[%s].mac: %q is not a MAC address", where, p.Name, p.Mac)
				}
				p.Mac = mac
			}
			if p.SpeedMb != nil && *p.SpeedMb < 0 {
				return errorf("%s.pnics[%s].speedMb: must be >= 0 (0 = link down)", where, p.Name)
			}
		}
		vswitches := map[string]*VswitchSpec{}
		for i := range h.Vswitches {
			v := &h.Vswitches[i]
			vw := fmt.Sprintf("%s.vswitches[%s]", where, v.Name)
			if v.Name == "" {
				return errorf("%s.vswitches[%d]: no name", where, i)
			}
			if vswitches[v.Name] != nil {
				return errorf("%s: duplicate vswitch %q", where, v.Name)
			}
			vswitches[v.Name] = v
			for _, u := range v.Uplinks {
				if !pnics[u] {
					return errorf("%s.uplinks: no pnic %q on this host", vw, u)
				}
				if o, used := owner[u]; used {
					return errorf("%s.uplinks: %q already backs %s", vw, u, o)
				}
				owner[u] = "vswitch " + v.Name
			}
			if v.Mtu < 0 || v.Mtu > 9000 || v.Ports < 0 {
				return errorf("%s: mtu must be 0 (default 1500) to 9000, ports >= 0", vw)
			}
			if err := checkTeaming(vw, v.Teaming, v.Uplinks, false); err != nil {
				return err
			}
		}
		pgs := map[string]bool{}
		for i := range h.Portgroups {
			p := &h.Portgroups[i]
			pw := fmt.Sprintf("%s.portgroups[%s]", where, p.Name)
			if p.Name == "" {
				return errorf("%s.portgroups[%d]: no name", where, i)
			}
			if pgs[p.Name] {
				return errorf("%s: duplicate portgroup %q", where, p.Name)
			}
			pgs[p.Name] = true
			v := vswitches[p.Vswitch]
			if v == nil {
				return errorf("%s.vswitch: no vswitch %q on this host", pw, p.Vswitch)
			}
			if p.Vlan < 0 || p.Vlan > 4095 {
				return errorf("%s.vlan: %d is not 0-4095", pw, p.Vlan)
			}
			if err := checkTeaming(pw, p.Teaming, v.Uplinks, false); err != nil {
				return err
			}
		}
	}

	dvsByName := map[string]*DvsSpec{}
	dvpgs := map[string]string{} // dv port group name -> dvs name
	dvsMembers := map[string]map[string]bool{}
	for i := range s.Dvs {
		d := &s.Dvs[i]
		where := fmt.Sprintf("dvs %q", d.Name)
		if d.Name == "" {
			return errorf("dvs[%d]: no name", i)
		}
		if dvsByName[d.Name] != nil {
			return errorf("%s: duplicate dvs name", where)
		}
		dvsByName[d.Name] = d
		if d.Uuid == "" {
			d.Uuid = dvsUUID(stableUUID("dvs", d.Name))
		} else if !dvsUUIDPattern.MatchString(d.Uuid) {
			if _, err := uuid.Parse(d.Uuid); err != nil {
				return errorf("%s.uuid: %q is neither a UUID nor vSphere's \"50 2b … 7c 11-8d 3f … 34 56\" form", where, d.Uuid)
			}
		}
		if d.Mtu == 0 {
			d.Mtu = 1500
		}
		if d.Mtu < 1280 || d.Mtu > 9000 {
			return errorf("%s.mtu: %d is not 1280-9000", where, d.Mtu)
		}
		maxUplinks := 1
		members := map[string]bool{}
		dvsMembers[d.Name] = members
		for _, m := range d.Hosts {
			if hosts[m.Host] == nil {
				return errorf("%s.hosts: no host %q in the scenario", where, m.Host)
			}
			if members[m.Host] {
				return errorf("%s.hosts: host %q listed twice", where, m.Host)
			}
			members[m.Host] = true
			if len(m.Uplinks) > maxUplinks {
				maxUplinks = len(m.Uplinks)
			}
			owner := pnicOwner[m.Host]
			for _, u := range m.Uplinks {
				found := false
				for _, p := range hosts[m.Host].Pnics {
					found = found || p.Name == u
				}
				if !found {
					return errorf("%s.hosts[%s].uplinks: no pnic %q on that host", where, m.Host, u)
				}
				if o, used := owner[u]; used {
					return errorf("%s.hosts[%s].uplinks: %q already backs %s", where, m.Host, u, o)
				}
				owner[u] = "dvs " + d.Name
			}
		}
		if len(d.UplinkNames) == 0 {
			for n := 1; n <= maxUplinks; n++ {
				d.UplinkNames = append(d.UplinkNames, fmt.Sprintf("uplink%d", n))
			}
		} else if len(d.UplinkNames) < maxUplinks {
			return errorf("%s.uplinkNames: %d names but a host has %d uplinks", where, len(d.UplinkNames), maxUplinks)
		}
		for j := range d.Portgroups {
			p := &d.Portgroups[j]
			pw := fmt.Sprintf("%s.portgroups[%s]", where, p.Name)
			if p.Name == "" {
				return errorf("%s.portgroups[%d]: no name", where, j)
			}
			if other, dup := dvpgs[p.Name]; dup {
				return errorf("%s: DV port group name already used on dvs %q (names are unique per datacenter)", pw, other)
			}
			dvpgs[p.Name] = d.Name
			kinds := 0
			if p.Vlan != nil {
				kinds++
				if *p.Vlan < 0 || *p.Vlan > 4094 {
					return errorf("%s.vlan: %d is not 0-4094", pw, *p.Vlan)
				}
			}
			if p.Trunk != nil {
				kinds++
				for _, r := range p.Trunk {
					if r.Start < 0 || r.End > 4094 || r.Start > r.End {
						return errorf("%s.trunk: bad range %d-%d", pw, r.Start, r.End)
					}
				}
			}
			if p.Pvlan != nil {
				kinds++
				if *p.Pvlan < 1 || *p.Pvlan > 4094 {
					return errorf("%s.pvlan: %d is not 1-4094", pw, *p.Pvlan)
				}
			}
			if kinds > 1 {
				return errorf("%s: give at most one of vlan, trunk, pvlan", pw)
			}
			if p.Ports < 0 {
				return errorf("%s.ports: must be >= 0", pw)
			}
			if err := checkTeaming(pw, p.Teaming, d.UplinkNames, true); err != nil {
				return err
			}
		}
	}
	if len(dvsByName) > 0 && dvsByName[s.Datacenter] != nil {
		return errorf("dvs %q: name clashes with the datacenter", s.Datacenter)
	}

	// vmks need the DVS data, so they are checked after the switches.
	for _, hr := range s.allHosts() {
		h := hr.spec
		where := fmt.Sprintf("host %q", h.Name)
		pgs := map[string]bool{}
		for _, p := range h.Portgroups {
			pgs[p.Name] = true
		}
		vmks := map[string]bool{}
		for i := range h.Vmks {
			k := &h.Vmks[i]
			kw := fmt.Sprintf("%s.vmks[%s]", where, k.Name)
			if k.Name == "" {
				return errorf("%s.vmks[%d]: no name", where, i)
			}
			if vmks[k.Name] {
				return errorf("%s: duplicate vmk %q", where, k.Name)
			}
			vmks[k.Name] = true
			switch {
			case k.Portgroup != "" && k.Dvportgroup != "":
				return errorf("%s: give portgroup or dvportgroup, not both", kw)
			case k.Portgroup != "":
				if k.Dvs != "" {
					return errorf("%s: dvs only goes with dvportgroup", kw)
				}
				if !pgs[k.Portgroup] {
					return errorf("%s.portgroup: no portgroup %q on this host", kw, k.Portgroup)
				}
			case k.Dvportgroup != "":
				owner, ok := dvpgs[k.Dvportgroup]
				if !ok {
					return errorf("%s.dvportgroup: no DV port group %q", kw, k.Dvportgroup)
				}
				if k.Dvs != "" && k.Dvs != owner {
					return errorf("%s: DV port group %q belongs to dvs %q, not %q", kw, k.Dvportgroup, owner, k.Dvs)
				}
				k.Dvs = owner
				if !dvsMembers[owner][h.Name] {
					return errorf("%s: host is not a member of dvs %q", kw, owner)
				}
			default:
				return errorf("%s: needs a portgroup or a dvportgroup", kw)
			}
			if k.Ip != "" {
				ip, prefix, ok := splitAddress(k.Ip)
				if !ok || !validIPv4(ip) {
					return errorf("%s.ip: %q is not an IPv4 address", kw, k.Ip)
				}
				if prefix >= 0 {
					if k.Netmask != "" {
						return errorf("%s: give the prefix length in ip or a netmask, not both", kw)
					}
					k.Netmask = net.IP(net.CIDRMask(prefix, 32)).String()
				}
				k.Ip = ip
				if k.Netmask == "" {
					return errorf("%s: ip %s needs a netmask (or write it as %s/24)", kw, ip, ip)
				}
				if !validMask(k.Netmask) {
					return errorf("%s.netmask: %q is not a netmask", kw, k.Netmask)
				}
			}
			if k.Mac != "" {
				mac, ok := validMAC(k.Mac)
				if !ok {
					return errorf("%s.mac: %q is not a MAC address", kw, k.Mac)
				}
				k.Mac = mac
			}
			if k.Mtu == 0 {
				k.Mtu = 1500
			}
			if k.Mtu < 1280 || k.Mtu > 9000 {
				return errorf("%s.mtu: %d is not 1280-9000", kw, k.Mtu)
			}
			switch k.Netstack {
			case "":
				k.Netstack = "defaultTcpipStack"
			case "defaultTcpipStack", "vmotion", "vSphereProvisioning":
			default:
				return errorf("%s.netstack: %q is not defaultTcpipStack, vmotion or vSphereProvisioning", kw, k.Netstack)
			}
			seen := map[string]bool{}
			for _, svc := range k.Services {
				t, ok := serviceNicType[svc]
				if !ok {
					return errorf("%s.services: unknown service %q (management, vmotion, vsan, ft, provisioning, replication)", kw, svc)
				}
				if seen[t] {
					return errorf("%s.services: %q listed twice", kw, svc)
				}
				seen[t] = true
			}
		}
	}

	vms := map[string]bool{}
	for i := range s.Vms {
		v := &s.Vms[i]
		where := fmt.Sprintf("vm %q", v.Name)
		if v.Name == "" {
			return errorf("vms[%d]: no name", i)
		}
		if vms[v.Name] {
			return errorf("%s: duplicate VM name (VMs share one folder)", where)
		}
		vms[v.Name] = true
		if err := checkUUID(where+".uuid", v.Uuid); err != nil {
			return err
		}
		if err := checkUUID(where+".instanceUuid", v.InstanceUuid); err != nil {
			return err
		}
		h := hosts[v.Host]
		if h == nil {
			return errorf("%s.host: no host %q in the scenario", where, v.Host)
		}
		switch v.PowerState {
		case "":
			v.PowerState = "poweredOn"
		case "poweredOn", "poweredOff", "suspended":
		default:
			return errorf("%s.powerState: %q is not poweredOn, poweredOff or suspended", where, v.PowerState)
		}
		if v.ToolsRunning == nil {
			v.ToolsRunning = boolPtr(v.PowerState == "poweredOn")
		}
		if v.GuestId == "" {
			v.GuestId = "otherGuest64"
		}
		pgs := map[string]bool{}
		for _, p := range h.Portgroups {
			pgs[p.Name] = true
		}
		for j := range v.Nics {
			n := &v.Nics[j]
			nw := fmt.Sprintf("%s.nics[%d]", where, j)
			switch {
			case n.Portgroup != "" && n.Dvportgroup != "":
				return errorf("%s: give portgroup or dvportgroup, not both", nw)
			case n.Portgroup != "":
				if !pgs[n.Portgroup] {
					return errorf("%s.portgroup: host %q has no portgroup %q", nw, v.Host, n.Portgroup)
				}
			case n.Dvportgroup != "":
				owner, ok := dvpgs[n.Dvportgroup]
				if !ok {
					return errorf("%s.dvportgroup: no DV port group %q", nw, n.Dvportgroup)
				}
				if !dvsMembers[owner][v.Host] {
					return errorf("%s.dvportgroup: host %q is not a member of dvs %q", nw, v.Host, owner)
				}
			default:
				return errorf("%s: needs a portgroup or a dvportgroup", nw)
			}
			if n.Mac == "" {
				return errorf("%s.mac: required", nw)
			}
			mac, ok := validMAC(n.Mac)
			if !ok {
				return errorf("%s.mac: %q is not a MAC address", nw, n.Mac)
			}
			n.Mac = mac
			for _, ip := range n.Ips {
				if _, _, ok := splitAddress(ip); !ok {
					return errorf("%s.ips: %q is not an IP address (a /prefix is allowed)", nw, ip)
				}
			}
		}
	}
	return nil
}
