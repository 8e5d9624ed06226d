package main

// Builds a validated Scenario inside govmomi's simulator. Inventory objects (datacenter, clusters,
// hosts, distributed switches and port groups, the datastore, VMs) are created through the vSphere
// API against the in-process simulator, so the simulator's own bookkeeping stays right; what the
// simulator cannot express (host networking, vmkernel services, NIC backings, guest info, power
// state) is then written straight into its Go objects, and every network reference is rebuilt at
// the end so HostSystem.network, ComputeResource.network, Network.host/vm and VirtualMachine.network
// agree.

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

type MOR = types.ManagedObjectReference

const (
	macPnicDefault byte = 0x11
	macVmkDefault  byte = 0x12
)

type builtHost struct {
	spec     *HostSpec
	index    int
	obj      *simulator.HostSystem
	ref      MOR
	parent   MOR
	pool     MOR
	dvs      []*builtDvs
	nextPort int
	pgs      map[string]*types.HostPortGroup
}

type dvsMember struct {
	spec      *DvsHostSpec
	pnicSpecs []types.DistributedVirtualSwitchHostMemberPnicSpec
	uplinks   []types.KeyValue // uplink port key -> uplink name
}

type builtDvs struct {
	spec     *DvsSpec
	obj      *simulator.DistributedVirtualSwitch
	ref      MOR
	uplinkPg *simulator.DistributedVirtualPortgroup
	members  map[string]*dvsMember
	nextPort int
}

func (d *builtDvs) port() string {
	d.nextPort++
	return strconv.Itoa(d.nextPort)
}

type builtDvpg struct {
	spec *DvPortgroupSpec
	dvs  *builtDvs
	obj  *simulator.DistributedVirtualPortgroup
	ref  MOR
}

type builder struct {
	ctx     context.Context
	s       *Scenario
	m       *simulator.Model
	c       *vim25.Client
	dc      *simulator.Datacenter
	folders *object.DatacenterFolders

	hosts     map[string]*builtHost
	hostOrder []*builtHost
	parents   []MOR
	dvs       []*builtDvs
	dvpgs     map[string]*builtDvpg
	networks  map[string]MOR // standard port group name -> Network
	defaults  map[string]MOR // networks the simulator made by itself ("VM Network")
	vmsByNet  map[MOR][]MOR
	dsDir     string
}

func get(ref MOR) mo.Reference { return simulator.Map.Get(ref) }

// wait returns a finished task's result. Simulator tasks run synchronously inside the call that
// creates them, so the task is complete by the time the method returns.
func (b *builder) wait(task *object.Task, err error) (MOR, error) {
	if err != nil {
		return MOR{}, err
	}
	t, ok := get(task.Reference()).(*simulator.Task)
	if !ok {
		info, err := task.WaitForResult(b.ctx, nil)
		if err != nil {
			return MOR{}, err
		}
		ref, _ := info.Result.(MOR)
		return ref, nil
	}
	if t.Info.Error != nil {
		return MOR{}, fmt.Errorf("%s failed: %#v", t.Info.Name, t.Info.Error.Fault)
	}
	ref, _ := t.Info.Result.(MOR)
	return ref, nil
}

func newModel(s *Scenario) *simulator.Model {
	m := simulator.VPX()
	m.Datacenter, m.Portgroup, m.Host, m.Cluster, m.ClusterHost = 0, 0, 0, 0, 0
	m.Datastore, m.Machine, m.Pool, m.App, m.Pod, m.Folder = 0, 0, 0, 0, 0, 0
	m.Autostart = false
	if s.InstanceUuid != "" {
		m.ServiceContent.About.InstanceUuid = s.InstanceUuid
	}
	return m
}

func build(s *Scenario) (*builder, error) {
	b := &builder{
		ctx: context.Background(), s: s, m: newModel(s),
		hosts: map[string]*builtHost{}, dvpgs: map[string]*builtDvpg{},
		networks: map[string]MOR{}, defaults: map[string]MOR{}, vmsByNet: map[MOR][]MOR{},
	}
	if err := b.m.Create(); err != nil {
		return b, err
	}
	c, err := vim25.NewClient(b.ctx, b.m.Service)
	if err != nil {
		return b, err
	}
	b.c = c
	steps := []struct {
		name string
		f    func() error
	}{
		{"datacenter", b.createDatacenter},
		{"hosts", b.createHosts},
		{"distributed switches", b.createDvs},
		{"host networking", b.configureHosts},
		{"datastore", b.createDatastore},
		{"virtual machines", b.createVms},
		{"network references", b.reconcile},
	}
	for _, step := range steps {
		if err := step.f(); err != nil {
			return b, fmt.Errorf("%s: %w", step.name, err)
		}
	}
	delays := map[string]int{}
	for method, ms := range s.Delays {
		if method == "*" {
			b.m.DelayConfig.Delay = ms
		} else {
			delays[method] = ms
		}
	}
	// Model.Create pointed the service at m.DelayConfig; setting it only now keeps the build fast.
	b.m.DelayConfig.MethodDelay = delays
	installPaging()
	return b, nil
}

func (b *builder) cleanup() {
	if b.m != nil {
		b.m.Remove()
	}
	if b.dsDir != "" {
		_ = os.RemoveAll(b.dsDir)
	}
}

func (b *builder) createDatacenter() error {
	dc, err := object.NewRootFolder(b.c).CreateDatacenter(b.ctx, b.s.Datacenter)
	if err != nil {
		return err
	}
	b.dc = get(dc.Reference()).(*simulator.Datacenter)
	if b.folders, err = dc.Folders(b.ctx); err != nil {
		return err
	}
	for _, ref := range get(b.dc.NetworkFolder).(*simulator.Folder).ChildEntity {
		if n, ok := get(ref).(*mo.Network); ok {
			b.defaults[n.Name] = ref
		}
	}
	return nil
}

func copyRefs(refs []MOR) []MOR { return append([]MOR(nil), refs...) }

func (b *builder) createHosts() error {
	add := func(spec *HostSpec, f func(types.HostConnectSpec) (*object.Task, error)) error {
		ref, err := b.wait(f(types.HostConnectSpec{HostName: spec.Name}))
		if err != nil {
			return fmt.Errorf("host %s: %w", spec.Name, err)
		}
		h := get(ref).(*simulator.HostSystem)
		bh := &builtHost{spec: spec, index: len(b.hostOrder), obj: h, ref: ref, parent: *h.Parent, nextPort: 33554436}
		// The simulator hands out slices of Datacenter.network; appending to them later would
		// overwrite the datacenter's list, so every host gets its own.
		h.Network = copyRefs(h.Network)
		switch p := get(*h.Parent).(type) {
		case *simulator.ClusterComputeResource:
			bh.pool = *p.ResourcePool
		case *mo.ComputeResource:
			bh.pool = *p.ResourcePool
			p.Network = copyRefs(p.Network)
			b.parents = append(b.parents, p.Self)
		}
		h.Runtime.ConnectionState = types.HostSystemConnectionState(spec.ConnectionState)
		if spec.Uuid != "" {
			h.Summary.Hardware.Uuid = spec.Uuid
			h.Hardware.SystemInfo.Uuid = spec.Uuid
		}
		b.hosts[spec.Name] = bh
		b.hostOrder = append(b.hostOrder, bh)
		return nil
	}
	for ci := range b.s.Clusters {
		cs := &b.s.Clusters[ci]
		cluster, err := b.folders.HostFolder.CreateCluster(b.ctx, cs.Name, types.ClusterConfigSpecEx{})
		if err != nil {
			return fmt.Errorf("cluster %s: %w", cs.Name, err)
		}
		cl := get(cluster.Reference()).(*simulator.ClusterComputeResource)
		cl.Network = copyRefs(cl.Network)
		b.parents = append(b.parents, cl.Self)
		for hi := range cs.Hosts {
			err := add(&cs.Hosts[hi], func(spec types.HostConnectSpec) (*object.Task, error) {
				return cluster.AddHost(b.ctx, spec, true, nil, nil)
			})
			if err != nil {
				return err
			}
		}
	}
	for hi := range b.s.StandaloneHosts {
		err := add(&b.s.StandaloneHosts[hi], func(spec types.HostConnectSpec) (*object.Task, error) {
			return b.folders.HostFolder.AddStandaloneHost(b.ctx, spec, true, nil, nil)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func vlanSpec(p *DvPortgroupSpec) types.BaseVmwareDistributedVirtualSwitchVlanSpec {
	switch {
	case p.Trunk != nil:
		var ranges []types.NumericRange
		for _, r := range p.Trunk {
			ranges = append(ranges, types.NumericRange{Start: r.Start, End: r.End})
		}
		return &types.VmwareDistributedVirtualSwitchTrunkVlanSpec{VlanId: ranges}
	case p.Pvlan != nil:
		return &types.VmwareDistributedVirtualSwitchPvlanSpec{PvlanId: *p.Pvlan}
	case p.Vlan != nil:
		return &types.VmwareDistributedVirtualSwitchVlanIdSpec{VlanId: *p.Vlan}
	default:
		return &types.VmwareDistributedVirtualSwitchVlanIdSpec{VlanId: 0}
	}
}

func dvsTeaming(t *Teaming, uplinks []string) *types.VmwareUplinkPortTeamingPolicy {
	policy, notify, rolling, beacon, active, standby := resolveTeaming(t, uplinks)
	return &types.VmwareUplinkPortTeamingPolicy{
		Policy:         &types.StringPolicy{Value: policy},
		ReversePolicy:  &types.BoolPolicy{Value: types.NewBool(true)},
		NotifySwitches: &types.BoolPolicy{Value: &notify},
		RollingOrder:   &types.BoolPolicy{Value: &rolling},
		FailureCriteria: &types.DVSFailureCriteria{
			CheckSpeed:        &types.StringPolicy{Value: "minimum"},
			Speed:             &types.IntPolicy{Value: 10},
			CheckDuplex:       &types.BoolPolicy{Value: types.NewBool(false)},
			FullDuplex:        &types.BoolPolicy{Value: types.NewBool(false)},
			CheckErrorPercent: &types.BoolPolicy{Value: types.NewBool(false)},
			Percentage:        &types.IntPolicy{Value: 0},
			CheckBeacon:       &types.BoolPolicy{Value: &beacon},
		},
		UplinkPortOrder: &types.VMwareUplinkPortOrderPolicy{ActiveUplinkPort: active, StandbyUplinkPort: standby},
	}
}

func without(all, remove []string) []string {
	drop := map[string]bool{}
	for _, r := range remove {
		drop[r] = true
	}
	var out []string
	for _, a := range all {
		if !drop[a] {
			out = append(out, a)
		}
	}
	return out
}

func (b *builder) createDvs() error {
	for di := range b.s.Dvs {
		ds := &b.s.Dvs[di]
		spec := types.DVSCreateSpec{ConfigSpec: &types.VMwareDVSConfigSpec{
			DVSConfigSpec: types.DVSConfigSpec{
				Name:             ds.Name,
				UplinkPortPolicy: &types.DVSNameArrayUplinkPortPolicy{UplinkPortName: ds.UplinkNames},
			},
			MaxMtu: ds.Mtu,
		}}
		ref, err := b.wait(b.folders.NetworkFolder.CreateDVS(b.ctx, spec))
		if err != nil {
			return fmt.Errorf("dvs %s: %w", ds.Name, err)
		}
		sw := get(ref).(*simulator.DistributedVirtualSwitch)
		cfg := sw.Config.(*types.VMwareDVSConfigInfo)
		sw.Uuid, sw.Summary.Uuid, cfg.Uuid = ds.Uuid, ds.Uuid, ds.Uuid
		cfg.MaxMtu = ds.Mtu // the simulator drops VMwareDVSConfigSpec.maxMtu
		d := &builtDvs{spec: ds, obj: sw, ref: ref, members: map[string]*dvsMember{}, nextPort: 0}
		d.uplinkPg = get(sw.Portgroup[0]).(*simulator.DistributedVirtualPortgroup)
		d.uplinkPg.Config.Uplink = types.NewBool(true)
		cfg.UplinkPortgroup = []MOR{d.uplinkPg.Self}
		b.dvs = append(b.dvs, d)

		if len(ds.Portgroups) > 0 {
			var specs []types.DVPortgroupConfigSpec
			for pi := range ds.Portgroups {
				p := &ds.Portgroups[pi]
				specs = append(specs, types.DVPortgroupConfigSpec{
					Name:       p.Name,
					Type:       string(types.DistributedVirtualPortgroupPortgroupTypeEarlyBinding),
					NumPorts:   p.Ports,
					AutoExpand: types.NewBool(true),
					DefaultPortConfig: &types.VMwareDVSPortSetting{
						Vlan:                vlanSpec(p),
						UplinkTeamingPolicy: dvsTeaming(p.Teaming, ds.UplinkNames),
					},
				})
			}
			dvs := object.NewDistributedVirtualSwitch(b.c, ref)
			if _, err := b.wait(dvs.AddPortgroup(b.ctx, specs)); err != nil {
				return fmt.Errorf("dvs %s port groups: %w", ds.Name, err)
			}
			byName := map[string]*simulator.DistributedVirtualPortgroup{}
			for _, pgRef := range sw.Portgroup {
				pg := get(pgRef).(*simulator.DistributedVirtualPortgroup)
				byName[pg.Name] = pg
			}
			for pi := range ds.Portgroups {
				p := &ds.Portgroups[pi]
				pg := byName[p.Name]
				if pg == nil {
					return fmt.Errorf("dvs %s: port group %s was not created", ds.Name, p.Name)
				}
				pg.Config.Uplink = types.NewBool(false)
				b.dvpgs[p.Name] = &builtDvpg{spec: p, dvs: d, obj: pg, ref: pg.Self}
			}
		}

		if len(ds.Hosts) > 0 {
			var members []types.DistributedVirtualSwitchHostMemberConfigSpec
			for _, mh := range ds.Hosts {
				members = append(members, types.DistributedVirtualSwitchHostMemberConfigSpec{
					Operation: string(types.ConfigSpecOperationAdd),
					Host:      b.hosts[mh.Host].ref,
				})
			}
			dvs := object.NewDistributedVirtualSwitch(b.c, ref)
			if _, err := b.wait(dvs.Reconfigure(b.ctx, &types.DVSConfigSpec{Host: members})); err != nil {
				return fmt.Errorf("dvs %s hosts: %w", ds.Name, err)
			}
		}
		for mi := range ds.Hosts {
			mh := &ds.Hosts[mi]
			bh := b.hosts[mh.Host]
			member := &dvsMember{spec: mh}
			var portKeys []string
			for ui, name := range ds.UplinkNames {
				key := d.port()
				portKeys = append(portKeys, key)
				member.uplinks = append(member.uplinks, types.KeyValue{Key: key, Value: name})
				if ui < len(mh.Uplinks) {
					member.pnicSpecs = append(member.pnicSpecs, types.DistributedVirtualSwitchHostMemberPnicSpec{
						PnicDevice: mh.Uplinks[ui], UplinkPortKey: key, UplinkPortgroupKey: d.uplinkPg.Key,
					})
				}
			}
			d.members[mh.Host] = member
			bh.dvs = append(bh.dvs, d)
			hostRef := bh.ref
			cfg.Host = append(cfg.Host, types.DistributedVirtualSwitchHostMember{
				Config: types.DistributedVirtualSwitchHostMemberConfigInfo{
					Host:                &hostRef,
					MaxProxySwitchPorts: 512,
					Backing:             &types.DistributedVirtualSwitchHostMemberPnicBacking{PnicSpec: member.pnicSpecs},
				},
				ProductInfo:   sw.Summary.ProductInfo,
				UplinkPortKey: portKeys,
				Status:        "up",
			})
		}
	}
	return nil
}

// resolveTeaming fills a scenario's teaming with ESXi's defaults: source port ID, notify switches,
// fail back, link-state detection, every uplink active unless listed as standby.
func resolveTeaming(t *Teaming, uplinks []string) (policy string, notify, rolling, beacon bool, active, standby []string) {
	policy, notify, rolling, beacon = "loadbalance_srcid", true, false, false
	active = uplinks
	if t == nil {
		return
	}
	if t.Policy != "" {
		policy = t.Policy
	}
	if t.NotifySwitches != nil {
		notify = *t.NotifySwitches
	}
	if t.RollingOrder != nil {
		rolling = *t.RollingOrder
	}
	if t.CheckBeacon != nil {
		beacon = *t.CheckBeacon
	}
	if t.Standby != nil {
		standby = t.Standby
	}
	if t.Active != nil {
		active = t.Active
	} else {
		active = without(uplinks, standby)
	}
	return
}

func vswitchTeaming(t *Teaming, uplinks []string) *types.HostNicTeamingPolicy {
	policy, notify, rolling, beacon, active, standby := resolveTeaming(t, uplinks)
	return &types.HostNicTeamingPolicy{
		Policy:         policy,
		ReversePolicy:  types.NewBool(true),
		NotifySwitches: &notify,
		RollingOrder:   &rolling,
		FailureCriteria: &types.HostNicFailureCriteria{
			CheckSpeed: "minimum", Speed: 10, CheckDuplex: types.NewBool(false), FullDuplex: types.NewBool(false),
			CheckErrorPercent: types.NewBool(false), Percentage: 0, CheckBeacon: &beacon,
		},
		NicOrder: &types.HostNicOrderPolicy{ActiveNic: active, StandbyNic: standby},
	}
}

// portgroupTeaming is a port group's override: only what the scenario says, the rest inherits.
func portgroupTeaming(t *Teaming, uplinks []string) *types.HostNicTeamingPolicy {
	out := &types.HostNicTeamingPolicy{FailureCriteria: &types.HostNicFailureCriteria{}}
	if t == nil {
		return out
	}
	out.Policy = t.Policy
	out.NotifySwitches = t.NotifySwitches
	out.RollingOrder = t.RollingOrder
	out.FailureCriteria.CheckBeacon = t.CheckBeacon
	if t.Active != nil || t.Standby != nil {
		active := t.Active
		if active == nil {
			active = without(uplinks, t.Standby)
		}
		out.NicOrder = &types.HostNicOrderPolicy{ActiveNic: active, StandbyNic: t.Standby}
	}
	return out
}

// computedTeaming applies a port group override to its vSwitch policy.
func computedTeaming(base, override *types.HostNicTeamingPolicy) *types.HostNicTeamingPolicy {
	out := *base
	fc := *base.FailureCriteria
	out.FailureCriteria = &fc
	if override.Policy != "" {
		out.Policy = override.Policy
	}
	if override.NotifySwitches != nil {
		out.NotifySwitches = override.NotifySwitches
	}
	if override.RollingOrder != nil {
		out.RollingOrder = override.RollingOrder
	}
	if override.FailureCriteria != nil && override.FailureCriteria.CheckBeacon != nil {
		fc.CheckBeacon = override.FailureCriteria.CheckBeacon
	}
	if override.NicOrder != nil {
		out.NicOrder = override.NicOrder
	}
	return &out
}

func securityPolicy() *types.HostNetworkSecurityPolicy {
	return &types.HostNetworkSecurityPolicy{AllowPromiscuous: types.NewBool(false), MacChanges: types.NewBool(false), ForgedTransmits: types.NewBool(false)}
}

func offloadPolicy() *types.HostNetOffloadCapabilities {
	return &types.HostNetOffloadCapabilities{CsumOffload: types.NewBool(true), TcpSegmentation: types.NewBool(true), ZeroCopyXmit: types.NewBool(true)}
}

func shapingPolicy() *types.HostNetworkTrafficShapingPolicy {
	return &types.HostNetworkTrafficShapingPolicy{Enabled: types.NewBool(false)}
}

func (bh *builtHost) port() string {
	key := "key-vim.host.PortGroup.Port-" + strconv.Itoa(bh.nextPort)
	bh.nextPort++
	return key
}

func (b *builder) configureHosts() error {
	for _, bh := range b.hostOrder {
		if err := b.configureHost(bh); err != nil {
			return fmt.Errorf("host %s: %w", bh.spec.Name, err)
		}
	}
	return nil
}

func (b *builder) configureHost(bh *builtHost) error {
	spec := bh.spec
	h := bh.obj
	info := &types.HostNetworkInfo{IpV6Enabled: types.NewBool(false), AtBootIpV6Enabled: types.NewBool(false)}
	pnicKey := func(name string) string { return "key-vim.host.PhysicalNic-" + name }

	for i, p := range spec.Pnics {
		mac := p.Mac
		if mac == "" {
			mac = genMAC(macPnicDefault, uint32(bh.index)<<8|uint32(i))
		}
		speed := int32(10000)
		if p.SpeedMb != nil {
			speed = *p.SpeedMb
		}
		var link *types.PhysicalNicLinkInfo
		if speed > 0 {
			link = &types.PhysicalNicLinkInfo{SpeedMb: speed, Duplex: true}
		}
		driver := p.Driver
		if driver == "" {
			driver = "ixgben"
		}
		valid := speed
		if valid == 0 {
			valid = 10000
		}
		info.Pnic = append(info.Pnic, types.PhysicalNic{
			Key:                          pnicKey(p.Name),
			Device:                       p.Name,
			Pci:                          fmt.Sprintf("0000:%02x:00.0", 0x10+i),
			Driver:                       driver,
			LinkSpeed:                    link,
			ValidLinkSpecification:       []types.PhysicalNicLinkInfo{{SpeedMb: valid, Duplex: true}},
			Spec:                         types.PhysicalNicSpec{Ip: &types.HostIpConfig{}, LinkSpeed: link},
			Mac:                          mac,
			WakeOnLanSupported:           false,
			AutoNegotiateSupported:       types.NewBool(true),
			VmDirectPathGen2Supported:    types.NewBool(false),
			ResourcePoolSchedulerAllowed: types.NewBool(true),
		})
	}

	teaming := map[string]*types.HostNicTeamingPolicy{}
	uplinks := map[string][]string{}
	for _, v := range spec.Vswitches {
		mtu, ports := v.Mtu, v.Ports
		if mtu == 0 {
			mtu = 1500
		}
		if ports == 0 {
			ports = 128
		}
		t := vswitchTeaming(v.Teaming, v.Uplinks)
		teaming[v.Name], uplinks[v.Name] = t, v.Uplinks
		var pgKeys, pnics []string
		for _, p := range spec.Portgroups {
			if p.Vswitch == v.Name {
				pgKeys = append(pgKeys, "key-vim.host.PortGroup-"+p.Name)
			}
		}
		for _, u := range v.Uplinks {
			pnics = append(pnics, pnicKey(u))
		}
		var bridge types.BaseHostVirtualSwitchBridge
		if len(v.Uplinks) > 0 {
			bridge = &types.HostVirtualSwitchBondBridge{
				NicDevice:                   v.Uplinks,
				Beacon:                      &types.HostVirtualSwitchBeaconConfig{Interval: 1},
				LinkDiscoveryProtocolConfig: &types.LinkDiscoveryProtocolConfig{Protocol: "cdp", Operation: "listen"},
			}
		}
		info.Vswitch = append(info.Vswitch, types.HostVirtualSwitch{
			Name:              v.Name,
			Key:               "key-vim.host.VirtualSwitch-" + v.Name,
			NumPorts:          ports,
			NumPortsAvailable: ports,
			Mtu:               mtu,
			Portgroup:         pgKeys,
			Pnic:              pnics,
			Spec: types.HostVirtualSwitchSpec{
				NumPorts: ports,
				Bridge:   bridge,
				Policy: &types.HostNetworkPolicy{
					Security: securityPolicy(), NicTeaming: t, OffloadPolicy: offloadPolicy(), ShapingPolicy: shapingPolicy(),
				},
				Mtu: mtu,
			},
		})
	}

	for _, p := range spec.Portgroups {
		override := portgroupTeaming(p.Teaming, uplinks[p.Vswitch])
		info.Portgroup = append(info.Portgroup, types.HostPortGroup{
			Key:     "key-vim.host.PortGroup-" + p.Name,
			Vswitch: "key-vim.host.VirtualSwitch-" + p.Vswitch,
			ComputedPolicy: types.HostNetworkPolicy{
				Security: securityPolicy(), NicTeaming: computedTeaming(teaming[p.Vswitch], override),
				OffloadPolicy: offloadPolicy(), ShapingPolicy: shapingPolicy(),
			},
			Spec: types.HostPortGroupSpec{
				Name:        p.Name,
				VlanId:      p.Vlan,
				VswitchName: p.Vswitch,
				Policy: types.HostNetworkPolicy{
					Security: &types.HostNetworkSecurityPolicy{}, NicTeaming: override,
					OffloadPolicy: &types.HostNetOffloadCapabilities{}, ShapingPolicy: &types.HostNetworkTrafficShapingPolicy{},
				},
			},
		})
	}
	bh.pgs = map[string]*types.HostPortGroup{}
	for i := range info.Portgroup {
		bh.pgs[info.Portgroup[i].Spec.Name] = &info.Portgroup[i]
	}

	services := map[string]map[string]bool{} // nicType -> vmk
	for i, k := range spec.Vmks {
		mac := k.Mac
		if mac == "" {
			mac = genMAC(macVmkDefault, uint32(bh.index)<<8|uint32(i))
		}
		vnic := types.HostVirtualNic{
			Device: k.Name,
			Key:    vnicKey(k.Name),
			Spec: types.HostVirtualNicSpec{
				Ip:                  &types.HostIpConfig{Dhcp: k.Ip == "", IpAddress: k.Ip, SubnetMask: k.Netmask},
				Mac:                 mac,
				Mtu:                 k.Mtu,
				TsoEnabled:          types.NewBool(true),
				NetStackInstanceKey: k.Netstack,
			},
		}
		if k.Portgroup != "" {
			vnic.Portgroup = k.Portgroup
			vnic.Spec.Portgroup = k.Portgroup
			vnic.Port = bh.port()
			pg := bh.pgs[k.Portgroup]
			pg.Port = append(pg.Port, types.HostPortGroupPort{Key: vnic.Port, Mac: []string{mac}, Type: "host"})
		} else {
			pg := b.dvpgs[k.Dvportgroup]
			vnic.Spec.DistributedVirtualPort = &types.DistributedVirtualSwitchPortConnection{
				SwitchUuid: pg.dvs.obj.Uuid, PortgroupKey: pg.obj.Key, PortKey: pg.dvs.port(),
			}
		}
		info.Vnic = append(info.Vnic, vnic)
		for _, svc := range k.Services {
			t := serviceNicType[svc]
			if services[t] == nil {
				services[t] = map[string]bool{}
			}
			services[t][k.Name] = true
		}
	}

	for _, d := range bh.dvs {
		member := d.members[spec.Name]
		var pnics []string
		for _, ps := range member.pnicSpecs {
			pnics = append(pnics, pnicKey(ps.PnicDevice))
		}
		info.ProxySwitch = append(info.ProxySwitch, types.HostProxySwitch{
			DvsUuid:           d.obj.Uuid,
			DvsName:           d.spec.Name,
			Key:               d.obj.Uuid,
			NumPorts:          512,
			ConfigNumPorts:    512,
			NumPortsAvailable: 512 - int32(len(member.uplinks)),
			UplinkPort:        member.uplinks,
			Mtu:               d.spec.Mtu,
			Pnic:              pnics,
			Spec: types.HostProxySwitchSpec{
				Backing: &types.DistributedVirtualSwitchHostMemberPnicBacking{PnicSpec: member.pnicSpecs},
			},
		})
	}

	dns := &types.HostDnsConfig{HostName: spec.Name, DomainName: ""}
	route := &types.HostIpRouteConfig{DefaultGateway: spec.Gateway}
	info.DnsConfig = dns
	info.IpRouteConfig = route
	info.RouteTableInfo = routeTable(spec)
	info.NetStackInstance = []types.HostNetStackInstance{
		{Key: "defaultTcpipStack", Name: "defaultTcpipStack", DnsConfig: dns, IpRouteConfig: route,
			RequestedMaxNumberOfConnections: 11000, CongestionControlAlgorithm: "newreno", IpV6Enabled: types.NewBool(false)},
		{Key: "vmotion", DnsConfig: &types.HostDnsConfig{}, IpRouteConfig: &types.HostIpRouteConfig{},
			RequestedMaxNumberOfConnections: 11000, CongestionControlAlgorithm: "newreno", IpV6Enabled: types.NewBool(false)},
		{Key: "vSphereProvisioning", DnsConfig: &types.HostDnsConfig{}, IpRouteConfig: &types.HostIpRouteConfig{},
			RequestedMaxNumberOfConnections: 11000, CongestionControlAlgorithm: "newreno", IpV6Enabled: types.NewBool(false)},
	}

	// config.network and the HostNetworkSystem's networkInfo are one object, so API edits made
	// through HostNetworkSystem (AddPortGroup, ...) show in both.
	h.Config.Network = info
	nsys := get(*h.ConfigManager.NetworkSystem).(*simulator.HostNetworkSystem)
	nsys.NetworkInfo = info
	nsys.Host = &h.HostSystem

	mgr := &HostVirtualNicManager{host: &h.HostSystem}
	for _, t := range nicTypes {
		cfg := types.VirtualNicManagerNetConfig{NicType: t, MultiSelectAllowed: true}
		for _, v := range info.Vnic {
			candidate := v
			candidate.Key = t + "." + v.Key
			cfg.CandidateVnic = append(cfg.CandidateVnic, candidate)
			if services[t][v.Device] {
				cfg.SelectedVnic = append(cfg.SelectedVnic, candidate.Key)
			}
		}
		mgr.Info.NetConfig = append(mgr.Info.NetConfig, cfg)
	}
	ref := simulator.Map.Put(mgr).Reference()
	h.ConfigManager.VirtualNicManager = &ref
	h.Config.VirtualNicManagerInfo = &mgr.Info
	syncVmotion(&h.HostSystem)

	// Standard port groups become one Network per name, shared by every host that has it.
	for _, p := range spec.Portgroups {
		if _, ok := b.networks[p.Name]; ok {
			continue
		}
		if ref, ok := b.defaults[p.Name]; ok {
			b.networks[p.Name] = ref
			delete(b.defaults, p.Name)
			continue
		}
		b.networks[p.Name] = b.newNetwork(p.Name)
	}
	return nil
}

func routeTable(spec *HostSpec) *types.HostIpRouteTableInfo {
	table := &types.HostIpRouteTableInfo{}
	gwDevice := ""
	gw := net.ParseIP(spec.Gateway)
	for _, k := range spec.Vmks {
		if k.Ip == "" || k.Netstack != "defaultTcpipStack" {
			continue
		}
		mask := net.IPMask(net.ParseIP(k.Netmask).To4())
		ones, _ := mask.Size()
		network := net.ParseIP(k.Ip).To4().Mask(mask)
		table.IpRoute = append(table.IpRoute, types.HostIpRouteEntry{
			Network: network.String(), PrefixLength: int32(ones), Gateway: "0.0.0.0", DeviceName: k.Name,
		})
		if gw != nil && gwDevice == "" && (&net.IPNet{IP: network, Mask: mask}).Contains(gw) {
			gwDevice = k.Name
		}
	}
	if spec.Gateway != "" {
		if gwDevice == "" && len(spec.Vmks) > 0 {
			gwDevice = spec.Vmks[0].Name
		}
		table.IpRoute = append([]types.HostIpRouteEntry{{
			Network: "0.0.0.0", PrefixLength: 0, Gateway: spec.Gateway, DeviceName: gwDevice,
		}}, table.IpRoute...)
	}
	return table
}

func (b *builder) newNetwork(name string) MOR {
	folder := get(b.dc.NetworkFolder).(*simulator.Folder)
	n := &mo.Network{}
	n.Name = name
	simulator.Map.PutEntity(folder, n)
	n.Summary = &types.NetworkSummary{Network: &n.Self, Name: name, Accessible: true}
	folder.ChildEntity = append(folder.ChildEntity, n.Self)
	return n.Self
}

func (b *builder) createDatastore() error {
	if len(b.s.Vms) == 0 || len(b.hostOrder) == 0 {
		return nil
	}
	// The simulator writes a few small files per VM; on tmpfs that is ~20x faster than on disk.
	dir, err := os.MkdirTemp("/dev/shm", "hostwire-vcsim-ds-")
	if err != nil {
		if dir, err = os.MkdirTemp("", "hostwire-vcsim-ds-"); err != nil {
			return err
		}
	}
	b.dsDir = dir
	first := b.hostOrder[0]
	dss := object.NewHostDatastoreSystem(b.c, *first.obj.ConfigManager.DatastoreSystem)
	ds, err := dss.CreateLocalDatastore(b.ctx, b.s.Datastore, dir)
	if err != nil {
		return err
	}
	// The simulator names a local datastore's moref after its folder path; give it a vCenter-like
	// "datastore-N" instead (before any VM refers to it).
	old := ds.Reference()
	sds := get(old).(*simulator.Datastore)
	simulator.Map.Remove(old)
	sds.Self = MOR{Type: "Datastore"}
	ref := simulator.Map.Put(sds).Reference()
	rekey := func(refs []MOR) {
		for i := range refs {
			if refs[i] == old {
				refs[i] = ref
			}
		}
	}
	rekey(get(b.dc.DatastoreFolder).(*simulator.Folder).ChildEntity)
	rekey(b.dc.Datastore)
	rekey(first.obj.Datastore)
	rekey(get(*first.obj.ConfigManager.DatastoreSystem).(*simulator.HostDatastoreSystem).Datastore)
	if browser, ok := get(sds.Browser).(*simulator.HostDatastoreBrowser); ok {
		rekey(browser.Datastore)
	}
	rekey(computeResource(first.parent).Datastore)
	for _, bh := range b.hostOrder[1:] {
		sys := get(*bh.obj.ConfigManager.DatastoreSystem).(*simulator.HostDatastoreSystem)
		sys.Datastore = append(sys.Datastore, ref)
		bh.obj.Datastore = copyRefs(sys.Datastore)
		sds.Host = append(sds.Host, types.DatastoreHostMount{
			Key: bh.ref,
			MountInfo: types.HostMountInfo{
				AccessMode: string(types.HostMountModeReadWrite), Mounted: types.NewBool(true), Accessible: types.NewBool(true),
			},
		})
	}
	for _, p := range b.parents {
		cr := computeResource(p)
		if simulator.FindReference(cr.Datastore, ref) == nil {
			cr.Datastore = append(copyRefs(cr.Datastore), ref)
		}
	}
	return nil
}

func computeResource(ref MOR) *mo.ComputeResource {
	switch p := get(ref).(type) {
	case *simulator.ClusterComputeResource:
		return &p.ComputeResource
	case *mo.ComputeResource:
		return p
	}
	return nil
}

// withByte0 makes a UUID look like vSphere's: BIOS UUIDs start 42, instance UUIDs 50.
func withByte0(u string, b0 string) string { return b0 + u[2:] }

func (b *builder) createVms() error {
	for vi := range b.s.Vms {
		v := &b.s.Vms[vi]
		bh := b.hosts[v.Host]
		id, instance := v.Uuid, v.InstanceUuid
		if id == "" {
			id = withByte0(stableUUID("vm", v.Name), "42")
		}
		if instance == "" {
			instance = withByte0(stableUUID("vm-instance", v.Name), "50")
		}
		spec := types.VirtualMachineConfigSpec{
			Name:         v.Name,
			GuestId:      v.GuestId,
			Uuid:         id,
			InstanceUuid: instance,
			NumCPUs:      2,
			MemoryMB:     2048,
			Files:        &types.VirtualMachineFileInfo{VmPathName: "[" + b.s.Datastore + "]"},
		}
		pool := object.NewResourcePool(b.c, bh.pool)
		host := object.NewHostSystem(b.c, bh.ref)
		ref, err := b.wait(b.folders.VmFolder.CreateVM(b.ctx, spec, pool, host))
		if err != nil {
			return fmt.Errorf("vm %s: %w", v.Name, err)
		}
		b.configureVm(get(ref).(*simulator.VirtualMachine), v, bh)
	}
	return nil
}

func (b *builder) configureVm(vm *simulator.VirtualMachine, v *VmSpec, bh *builtHost) {
	// The simulator gives every VM the same default device objects (pointers into
	// esx.VirtualDevice), so the PCI controller that gets the NICs is copied, not edited.
	devices := append([]types.BaseVirtualDevice(nil), vm.Config.Hardware.Device...)
	var pci *types.VirtualPCIController
	for i, d := range devices {
		if p, ok := d.(*types.VirtualPCIController); ok {
			own := *p
			own.Device = append([]int32(nil), p.Device...)
			pci, devices[i] = &own, &own
		}
	}
	running := *v.ToolsRunning
	var nets []MOR
	var guestNet []types.GuestNicInfo
	firstIP := ""
	for i, n := range v.Nics {
		key, unit := int32(4000+i), int32(7+i)
		connected := n.Connected == nil || *n.Connected
		card := types.VirtualEthernetCard{
			VirtualDevice: types.VirtualDevice{
				Key:           key,
				ControllerKey: 100,
				UnitNumber:    &unit,
				Connectable: &types.VirtualDeviceConnectInfo{
					StartConnected: connected, AllowGuestControl: true, Connected: connected, Status: "ok",
				},
			},
			AddressType:      "manual",
			MacAddress:       n.Mac,
			WakeOnLanEnabled: types.NewBool(true),
		}
		var netRef MOR
		var netName, summary string
		if n.Portgroup != "" {
			netRef, netName, summary = b.networks[n.Portgroup], n.Portgroup, n.Portgroup
			ref := netRef
			card.Backing = &types.VirtualEthernetCardNetworkBackingInfo{
				VirtualDeviceDeviceBackingInfo: types.VirtualDeviceDeviceBackingInfo{DeviceName: n.Portgroup},
				Network:                        &ref,
			}
			pg := bh.pgs[n.Portgroup]
			pg.Port = append(pg.Port, types.HostPortGroupPort{Key: bh.port(), Mac: []string{n.Mac}, Type: "virtualMachine"})
		} else {
			pg := b.dvpgs[n.Dvportgroup]
			netRef, netName, summary = pg.ref, pg.spec.Name, "DVSwitch: "+pg.dvs.obj.Uuid
			card.Backing = &types.VirtualEthernetCardDistributedVirtualPortBackingInfo{
				Port: types.DistributedVirtualSwitchPortConnection{
					SwitchUuid: pg.dvs.obj.Uuid, PortgroupKey: pg.obj.Key, PortKey: pg.dvs.port(),
				},
			}
		}
		card.DeviceInfo = &types.Description{Label: fmt.Sprintf("Network adapter %d", i+1), Summary: summary}
		devices = append(devices, &types.VirtualVmxnet3{VirtualVmxnet: types.VirtualVmxnet{VirtualEthernetCard: card}})
		if pci != nil {
			pci.Device = append(pci.Device, key)
		}
		if simulator.FindReference(nets, netRef) == nil {
			nets = append(nets, netRef)
			b.vmsByNet[netRef] = append(b.vmsByNet[netRef], vm.Self)
		}
		// With tools not running vCenter keeps no guest NIC data, unless the scenario gives
		// addresses (stale guest info).
		if running || len(n.Ips) > 0 {
			g := types.GuestNicInfo{Network: netName, MacAddress: n.Mac, Connected: connected, DeviceConfigId: key}
			var configured []types.NetIpConfigInfoIpAddress
			for _, addr := range n.Ips {
				ip, prefix, _ := splitAddress(addr)
				g.IpAddress = append(g.IpAddress, ip)
				if firstIP == "" || (net.ParseIP(firstIP).To4() == nil && net.ParseIP(ip).To4() != nil) {
					firstIP = ip
				}
				if prefix >= 0 {
					configured = append(configured, types.NetIpConfigInfoIpAddress{IpAddress: ip, PrefixLength: int32(prefix), State: "preferred"})
				}
			}
			if len(configured) > 0 {
				g.IpConfig = &types.NetIpConfigInfo{IpAddress: configured}
			}
			guestNet = append(guestNet, g)
		}
	}
	vm.Config.Hardware.Device = devices
	vm.Network = nets
	vm.Summary.Config.NumEthernetCards = int32(len(v.Nics))

	g := vm.Guest
	g.GuestId = v.GuestId
	g.ToolsVersion = "12352"
	g.ToolsVersionStatus = "guestToolsCurrent"
	g.ToolsVersionStatus2 = "guestToolsCurrent"
	if running {
		g.ToolsRunningStatus = string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
		g.ToolsStatus = types.VirtualMachineToolsStatusToolsOk
		g.GuestState = "running"
		g.HostName = v.Name
	} else {
		g.ToolsRunningStatus = string(types.VirtualMachineToolsRunningStatusGuestToolsNotRunning)
		g.ToolsStatus = types.VirtualMachineToolsStatusToolsNotRunning
		g.GuestState = "notRunning"
	}
	g.Net = guestNet
	g.IpAddress = firstIP
	vm.Summary.Guest.ToolsStatus = g.ToolsStatus
	vm.Summary.Guest.ToolsRunningStatus = g.ToolsRunningStatus
	vm.Summary.Guest.ToolsVersionStatus = g.ToolsVersionStatus
	vm.Summary.Guest.ToolsVersionStatus2 = g.ToolsVersionStatus2
	vm.Summary.Guest.HostName = g.HostName
	vm.Summary.Guest.IpAddress = firstIP

	state := types.VirtualMachinePowerState(v.PowerState)
	vm.Runtime.PowerState = state
	vm.Summary.Runtime.PowerState = state
	if state == types.VirtualMachinePowerStatePoweredOn {
		now := time.Now()
		vm.Runtime.BootTime = &now
		vm.Summary.Runtime.BootTime = &now
	}
	if running {
		vm.Summary.QuickStats.GuestHeartbeatStatus = types.ManagedEntityStatusGreen
	}
}

// reconcile rebuilds every network reference from the scenario, and drops simulator-made networks
// the scenario does not have.
func (b *builder) reconcile() error {
	hostsByNet := map[MOR][]MOR{}
	netsOf := map[MOR][]MOR{}
	for _, bh := range b.hostOrder {
		var nets []MOR
		for _, p := range bh.spec.Portgroups {
			nets = append(nets, b.networks[p.Name])
		}
		for _, d := range bh.dvs {
			nets = append(nets, d.obj.Portgroup...)
		}
		for _, n := range nets {
			hostsByNet[n] = append(hostsByNet[n], bh.ref)
		}
		bh.obj.Network = nets
		if info := bh.obj.Config.Network; info != nil {
			for i := range info.Vswitch {
				v := &info.Vswitch[i]
				used := int32(0)
				for _, p := range info.Portgroup {
					if p.Vswitch == v.Key {
						used += int32(len(p.Port))
					}
				}
				v.NumPortsAvailable = v.NumPorts - used
			}
		}
		netsOf[bh.parent] = append(netsOf[bh.parent], nets...)
	}
	for _, p := range b.parents {
		var union []MOR
		for _, n := range netsOf[p] {
			if simulator.FindReference(union, n) == nil {
				union = append(union, n)
			}
		}
		computeResource(p).Network = union
	}
	for _, ref := range b.networks {
		n := get(ref).(*mo.Network)
		n.Host, n.Vm = copyRefs(hostsByNet[ref]), copyRefs(b.vmsByNet[ref])
	}
	for _, d := range b.dvs {
		for _, ref := range d.obj.Portgroup {
			pg := get(ref).(*simulator.DistributedVirtualPortgroup)
			pg.Host, pg.Vm = copyRefs(hostsByNet[ref]), copyRefs(b.vmsByNet[ref])
		}
	}
	folder := get(b.dc.NetworkFolder).(*simulator.Folder)
	for _, ref := range b.defaults {
		simulator.RemoveReference(&folder.ChildEntity, ref)
		simulator.Map.Remove(ref)
	}
	var dcNets []MOR
	for _, ref := range folder.ChildEntity {
		switch ref.Type {
		case "Network", "DistributedVirtualPortgroup", "OpaqueNetwork":
			dcNets = append(dcNets, ref)
		}
	}
	b.dc.Network = dcNets
	return nil
}
