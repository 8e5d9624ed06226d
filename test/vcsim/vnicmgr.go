package main

// A per-host HostVirtualNicManager, which this simulator lacks: its Info is the same memory as
// HostSystem.config.virtualNicManagerInfo, and Select/DeselectVnicForNicType edit it (and keep the
// legacy config.vmotion in step), so a client can read and also remediate service selection.

import (
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

type HostVirtualNicManager struct {
	mo.HostVirtualNicManager

	host *mo.HostSystem
}

func vnicKey(device string) string { return "key-vim.host.VirtualNic-" + device }

func (m *HostVirtualNicManager) netConfig(nicType string) *types.VirtualNicManagerNetConfig {
	for i := range m.Info.NetConfig {
		if m.Info.NetConfig[i].NicType == nicType {
			return &m.Info.NetConfig[i]
		}
	}
	return nil
}

func invalidNicType(nicType string) *soap.Fault {
	return simulator.Fault("invalid nicType "+nicType, &types.InvalidArgument{InvalidProperty: "nicType"})
}

func hostConfigFault(msg string) *soap.Fault {
	return simulator.Fault(msg, &types.HostConfigFault{})
}

func (m *HostVirtualNicManager) QueryNetConfig(req *types.QueryNetConfig) soap.HasFault {
	body := &methods.QueryNetConfigBody{}
	cfg := m.netConfig(req.NicType)
	if cfg == nil {
		body.Fault_ = invalidNicType(req.NicType)
		return body
	}
	copied := *cfg
	body.Res = &types.QueryNetConfigResponse{Returnval: &copied}
	return body
}

func (m *HostVirtualNicManager) SelectVnicForNicType(req *types.SelectVnicForNicType) soap.HasFault {
	body := &methods.SelectVnicForNicTypeBody{}
	cfg := m.netConfig(req.NicType)
	if cfg == nil {
		body.Fault_ = invalidNicType(req.NicType)
		return body
	}
	key := req.NicType + "." + vnicKey(req.Device)
	found := false
	for _, c := range cfg.CandidateVnic {
		found = found || c.Key == key
	}
	if !found {
		body.Fault_ = hostConfigFault("no virtual NIC " + req.Device)
		return body
	}
	selected := false
	for _, s := range cfg.SelectedVnic {
		selected = selected || s == key
	}
	if !selected {
		cfg.SelectedVnic = append(append([]string(nil), cfg.SelectedVnic...), key)
	}
	syncVmotion(m.host)
	body.Res = &types.SelectVnicForNicTypeResponse{}
	return body
}

func (m *HostVirtualNicManager) DeselectVnicForNicType(req *types.DeselectVnicForNicType) soap.HasFault {
	body := &methods.DeselectVnicForNicTypeBody{}
	cfg := m.netConfig(req.NicType)
	if cfg == nil {
		body.Fault_ = invalidNicType(req.NicType)
		return body
	}
	key := req.NicType + "." + vnicKey(req.Device)
	var kept []string
	for _, s := range cfg.SelectedVnic {
		if s != key {
			kept = append(kept, s)
		}
	}
	cfg.SelectedVnic = kept
	syncVmotion(m.host)
	body.Res = &types.DeselectVnicForNicTypeResponse{}
	return body
}

// syncVmotion derives the legacy config.vmotion (one selected vmk) from the vmotion net config.
func syncVmotion(host *mo.HostSystem) {
	info := host.Config.VirtualNicManagerInfo
	vm := &types.HostVMotionInfo{NetConfig: &types.HostVMotionNetConfig{}}
	var vnics []types.HostVirtualNic
	if host.Config.Network != nil {
		vnics = host.Config.Network.Vnic
	}
	vm.NetConfig.CandidateVnic = vnics
	if info != nil {
		for _, cfg := range info.NetConfig {
			if cfg.NicType != "vmotion" || len(cfg.SelectedVnic) == 0 {
				continue
			}
			device := cfg.SelectedVnic[0][len("vmotion."):]
			vm.NetConfig.SelectedVnic = device
			for _, v := range vnics {
				if v.Key == device {
					vm.IpConfig = v.Spec.Ip
				}
			}
		}
	}
	host.Config.Vmotion = vm
}
