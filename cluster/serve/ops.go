package serve

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/sluice-ml/sluice/cluster/ring"
	"github.com/sluice-ml/sluice/monitor"
	"github.com/sluice-ml/sluice/scheduler"
	"github.com/sluice-ml/sluice/ui"
)

// ringView remembers every executor the driver has seen in the ring, for the
// UI and status: its metadata, its state and when it changed.
type ringView struct {
	mu    sync.Mutex
	execs map[string]*seenExec
	lost  int
}

type seenExec struct {
	meta  ring.Meta
	state string // alive | leaving | left | lost
	since time.Time
}

// note records a membership event.
func (r *ringView) note(e ring.Event) {
	if e.Meta.Role != ring.RoleExecutor {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.execs == nil {
		r.execs = map[string]*seenExec{}
	}
	x := r.execs[e.ID]
	if x == nil {
		x = &seenExec{}
		r.execs[e.ID] = x
	}
	x.meta, x.since = e.Meta, e.At
	switch e.Kind {
	case ring.EventJoin, ring.EventUpdate:
		x.state = "alive"
		if e.Meta.Leaving {
			x.state = "leaving"
		}
	case ring.EventLeave:
		x.state = "left"
	case ring.EventFailed:
		x.state = "lost"
		r.lost++
	}
}

// Executors implements monitor.ExecutorSource: the ring's executors and
// those that left or were lost, with their heartbeats and the transport's
// view of them.
func (d *driverService) Executors() []monitor.ExecutorView {
	d.ring.mu.Lock()
	out := make([]monitor.ExecutorView, 0, len(d.ring.execs))
	for id, x := range d.ring.execs {
		first, _, _ := strings.Cut(x.meta.Engines, ",")
		dev := "cpu"
		if scheduler.IsGPUEngine(first) {
			dev = first
			if x.meta.Devices != "" {
				dev = x.meta.Devices
			}
		}
		out = append(out, monitor.ExecutorView{ID: id, Addr: x.meta.Addr, Engine: x.meta.Engines, Device: dev, Slots: x.meta.Slots,
			Memory: x.meta.Memory, MemoryUsed: -1, State: x.state})
	}
	d.ring.mu.Unlock()
	for i := range out {
		v := &out[i]
		v.LastHeartbeat = d.m.LastHeartbeat(v.ID)
		if v.State == "alive" && d.t.IsDown(v.ID) {
			v.State = "unreachable"
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
	return out
}

// startUI serves the driver's web UI, /metrics and /healthz on cfg.UI.
func (d *driverService) startUI(cfg DriverConfig, reg *prometheus.Registry) (string, func(), error) {
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	h, err := ui.Handler(ui.Config{Source: d.tracker, Password: cfg.Sec.Secret, Insecure: cfg.Sec.Insecure, Metrics: reg})
	if err != nil {
		return "", nil, err
	}
	bound, stop, err := ui.Start(cfg.UI, h)
	if err != nil {
		return "", nil, fmt.Errorf("--ui: %w", err)
	}
	return bound, stop, nil
}
