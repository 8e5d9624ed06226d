package main

// Paging for RetrievePropertiesEx, which this simulator lacks (it ignores options.maxObjects and
// has no ContinueRetrievePropertiesEx): the PropertyCollector singleton is replaced by a wrapper
// that cuts results into pages of maxObjects and hands out tokens, as vCenter does. The simulator
// makes one instance of the wrapper type per session, so tokens are per session.

import (
	"strconv"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

type PagingPropertyCollector struct {
	simulator.PropertyCollector

	mu    sync.Mutex
	next  int
	pages map[string]pagedResult
}

type pagedResult struct {
	objects []types.ObjectContent
	size    int
}

func installPaging() {
	si := simulator.Map.Get(vim25.ServiceInstance).(*simulator.ServiceInstance)
	pc := &PagingPropertyCollector{}
	pc.Self = si.Content.PropertyCollector
	simulator.Map.Put(pc)
}

// page returns the first size objects and keeps the rest under a new token.
func (pc *PagingPropertyCollector) page(objects []types.ObjectContent, size int) types.RetrieveResult {
	if size <= 0 || len(objects) <= size {
		return types.RetrieveResult{Objects: objects}
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.pages == nil {
		pc.pages = map[string]pagedResult{}
	}
	pc.next++
	token := strconv.Itoa(pc.next)
	pc.pages[token] = pagedResult{objects: objects[size:], size: size}
	return types.RetrieveResult{Token: token, Objects: objects[:size]}
}

func (pc *PagingPropertyCollector) RetrievePropertiesEx(ctx *simulator.Context, r *types.RetrievePropertiesEx) soap.HasFault {
	res := pc.PropertyCollector.RetrievePropertiesEx(ctx, r)
	body, ok := res.(*methods.RetrievePropertiesExBody)
	if !ok || body.Res == nil || body.Res.Returnval == nil {
		return res
	}
	page := pc.page(body.Res.Returnval.Objects, int(r.Options.MaxObjects))
	body.Res.Returnval = &page
	return body
}

func (pc *PagingPropertyCollector) ContinueRetrievePropertiesEx(ctx *simulator.Context, r *types.ContinueRetrievePropertiesEx) soap.HasFault {
	body := &methods.ContinueRetrievePropertiesExBody{}
	pc.mu.Lock()
	rest, ok := pc.pages[r.Token]
	delete(pc.pages, r.Token)
	pc.mu.Unlock()
	if !ok {
		body.Fault_ = simulator.Fault("unknown or finished token "+r.Token, &types.InvalidArgument{InvalidProperty: "token"})
		return body
	}
	body.Res = &types.ContinueRetrievePropertiesExResponse{Returnval: pc.page(rest.objects, rest.size)}
	return body
}

func (pc *PagingPropertyCollector) CancelRetrievePropertiesEx(ctx *simulator.Context, r *types.CancelRetrievePropertiesEx) soap.HasFault {
	pc.mu.Lock()
	delete(pc.pages, r.Token)
	pc.mu.Unlock()
	return &methods.CancelRetrievePropertiesExBody{Res: &types.CancelRetrievePropertiesExResponse{}}
}
