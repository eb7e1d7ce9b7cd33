package serve

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sluice-ml/sluice/cluster"
	"github.com/sluice-ml/sluice/cluster/auth"
	"github.com/sluice-ml/sluice/cluster/ring"
	pb "github.com/sluice-ml/sluice/proto"
	"github.com/sluice-ml/sluice/scheduler"
	"github.com/sluice-ml/sluice/task"
	"github.com/sluice-ml/sluice/task/exchange"
)

// Transport is the driver's scheduler.Transport over gRPC: its executors are
// the ring's live executors, less those found unreachable (until the ring
// reports them again).
type Transport struct {
	m     *ring.Membership
	peers *cluster.Peers
	log   *log.Logger
	mu    sync.Mutex
	down  map[string]bool
	done  map[string]int64     // tasks completed per executor
	seen  map[string]string    // executors launched on -> gRPC address
	sick  map[string]time.Time // executors whose disk is full -> until when they get no tasks
	// changed is closed at the next change of Executors() (then replaced).
	changed chan struct{}
	cpu     cpuMeter
}

// diskSickFor is how long an executor whose disk was full gets no tasks.
const diskSickFor = time.Minute

var (
	_ scheduler.Transport        = (*Transport)(nil)
	_ scheduler.MembershipEvents = (*Transport)(nil)
	_ scheduler.CPUMeter         = (*Transport)(nil)
)

// StageCPU implements scheduler.CPUMeter.
func (t *Transport) StageCPU(jobID string, seq int) time.Duration { return t.cpu.take(jobID, seq) }

// Changed implements scheduler.MembershipEvents.
func (t *Transport) Changed() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.changed
}

// notifyLocked wakes the stages waiting for a change of Executors(); t.mu
// is held.
func (t *Transport) notifyLocked() {
	close(t.changed)
	t.changed = make(chan struct{})
}

// newTransport makes the driver's transport.
func newTransport(m *ring.Membership, p *cluster.Peers, lg *log.Logger) *Transport {
	return &Transport{m: m, peers: p, log: lg, down: map[string]bool{}, done: map[string]int64{}, seen: map[string]string{}, sick: map[string]time.Time{}, changed: make(chan struct{})}
}

// Executors implements scheduler.Transport.
func (t *Transport) Executors() []scheduler.ExecutorInfo {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []scheduler.ExecutorInfo
	for _, mb := range t.m.Members() {
		if until, ok := t.sick[mb.ID]; ok && time.Now().After(until) {
			delete(t.sick, mb.ID)
			t.log.Printf("executor %s: takes tasks again (its disk was full)", mb.ID)
		}
		if mb.Meta.Role == ring.RoleExecutor && !mb.Meta.Leaving && !t.down[mb.ID] && t.sick[mb.ID].IsZero() {
			first, _, _ := strings.Cut(mb.Meta.Engines, ",")
			out = append(out, scheduler.ExecutorInfo{ID: mb.ID, Slots: max(mb.Meta.Slots, 1), GPU: scheduler.IsGPUEngine(first)})
		}
	}
	return out
}

// MemberEvent updates the transport on a ring change.
func (t *Transport) MemberEvent(e ring.Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	defer t.notifyLocked()
	switch e.Kind {
	case ring.EventJoin:
		delete(t.down, e.ID)
	case ring.EventLeave:
		// A leaving executor finishes its running tasks: keep the connection.
		delete(t.down, e.ID)
	case ring.EventFailed:
		delete(t.down, e.ID)
		t.peers.Drop(e.Meta.Addr)
	}
}

// Launch implements scheduler.Transport: it sends the task's stage fragment and
// rebuilds the task's typed failure. An unreachable executor is
// scheduler.ErrExecutorLost.
func (t *Transport) Launch(ctx context.Context, id string, st scheduler.StageRun, tk scheduler.Task) (any, error) {
	spec := st.Spec(tk)
	cl, err := t.peers.Executor(id)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", scheduler.ErrExecutorLost, err)
	}
	if meta, ok := t.m.Lookup(id); ok {
		t.mu.Lock()
		t.seen[id] = meta.Addr
		t.mu.Unlock()
	}
	ref := &pb.TaskRef{JobId: spec.GetJobId(), Stage: spec.GetStageRun(), Index: spec.GetIndex(), Attempt: spec.GetAttempt()}
	reply, err := cl.LaunchTask(ctx, &pb.LaunchRequest{Task: ref, Fragment: spec, Kind: spec.GetKind(), Peers: t.peers.AddressBook()})
	if err != nil {
		if ctx.Err() != nil {
			// The scheduler gave up on this attempt: make sure it stops.
			cctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			cl.CancelTask(cctx, &pb.CancelRequest{Task: ref})
			cancel()
			return nil, ctx.Err()
		}
		switch status.Code(err) {
		case codes.Unavailable, codes.Canceled, codes.Aborted:
			if !t.reachable(id) {
				return nil, fmt.Errorf("%w: %s: %v", scheduler.ErrExecutorLost, id, err)
			}
			return nil, exchange.Retryable(fmt.Errorf("executor %s: %w", id, err))
		case codes.Unauthenticated:
			return nil, fmt.Errorf("executor %s refused the driver: %v", id, status.Convert(err).Message())
		}
		return nil, exchange.Retryable(fmt.Errorf("executor %s: %w", id, err))
	}
	if got := reply.GetTask(); got.GetJobId() != ref.JobId || got.GetStage() != ref.Stage || got.GetIndex() != ref.Index || got.GetAttempt() != ref.Attempt {
		return nil, exchange.Retryable(fmt.Errorf("executor %s answered for %v, not attempt %v (stale report ignored)", id, got, ref))
	}
	if f := reply.GetFailure(); f != nil {
		if strings.HasPrefix(f.Message, cluster.DiskFullPrefix) {
			// The task goes to another executor; this one gets none for a
			// while.
			t.mu.Lock()
			t.sick[id] = time.Now().Add(diskSickFor)
			t.notifyLocked()
			t.mu.Unlock()
			// Wake the waiting stages when it may take tasks again.
			time.AfterFunc(diskSickFor, func() {
				t.mu.Lock()
				t.notifyLocked()
				t.mu.Unlock()
			})
			t.log.Printf("executor %s: %s; no tasks go to it for %s", id, f.Message, diskSickFor)
			return nil, fmt.Errorf("%w: %s: %s", scheduler.ErrExecutorLost, id, f.Message)
		}
		err := cluster.DecodeFailure(f)
		var ff *exchange.FetchFailed
		if errors.As(err, &ff) && ff.Loc.Executor != id && !t.reachable(ff.Loc.Executor) {
			// The input's executor is gone: stop using it now, so the
			// driver re-runs everything it held (lineage).
			t.log.Printf("executor %s unreachable (fetch from it failed)", ff.Loc.Executor)
		}
		return nil, err
	}
	t.mu.Lock()
	t.done[id]++
	t.mu.Unlock()
	t.cpu.add(spec.JobId, int(spec.StageRun), id, reply.CpuStartNs, reply.CpuEndNs)
	return task.DecodeResult(spec.Kind, reply.Result)
}

// reachable asks the executor for its health; an executor that does not
// answer is marked down until the ring reports it again.
func (t *Transport) reachable(id string) bool {
	cl, err := t.peers.Executor(id)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err = cl.Health(ctx, &pb.HealthRequest{})
		cancel()
		if err == nil {
			return true
		}
	}
	t.mu.Lock()
	if !t.down[id] {
		t.log.Printf("executor %s is unreachable: %v; no more tasks go to it", id, err)
		t.down[id] = true
		t.notifyLocked()
	}
	t.mu.Unlock()
	return false
}

// Recheck probes the executors marked down that the ring still lists, and
// takes back those that answer.
func (t *Transport) Recheck() {
	t.mu.Lock()
	var ids []string
	for id := range t.down {
		if _, ok := t.m.Lookup(id); ok {
			ids = append(ids, id)
		} else {
			delete(t.down, id)
			t.notifyLocked()
		}
	}
	t.mu.Unlock()
	for _, id := range ids {
		cl, err := t.peers.Executor(id)
		if err != nil {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err = cl.Health(ctx, &pb.HealthRequest{})
		cancel()
		if err == nil {
			t.mu.Lock()
			delete(t.down, id)
			t.notifyLocked()
			t.mu.Unlock()
			t.log.Printf("executor %s answers again", id)
		}
	}
}

// Forget tells every executor that ran tasks (a leaving one included: it
// serves its outputs until told) to delete the job's files.
func (t *Transport) Forget(jobID string) {
	t.mu.Lock()
	seen := make(map[string]string, len(t.seen))
	for id, a := range t.seen {
		seen[id] = a
	}
	t.mu.Unlock()
	for id, addr := range seen {
		c, err := t.peers.Dial(addr)
		if err != nil {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if _, err := pb.NewExecutorClient(c).ForgetJob(ctx, &pb.ForgetRequest{JobId: jobID}); err != nil && !t.IsDown(id) {
			if _, live := t.m.Lookup(id); live {
				t.log.Printf("forget job %s on %s: %v", jobID, id, err)
			}
		}
		cancel()
	}
}

// TasksDone is how many tasks completed on the executor.
func (t *Transport) TasksDone(id string) int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.done[id]
}

// IsDown reports whether the executor was found unreachable.
func (t *Transport) IsDown(id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.down[id]
}

// DriverTransport is a serving driver's side of the ring: the transport
// that launches tasks on the ring's executors and the fetcher that reads
// their outputs. Call closeFn when the driver stops.
func DriverTransport(m *ring.Membership, sec auth.Security, lg *log.Logger) (t *Transport, f *cluster.Fetcher, closeFn func(), err error) {
	p, err := cluster.NewPeers(m, sec)
	if err != nil {
		return nil, nil, nil, err
	}
	return newTransport(m, p, lg), &cluster.Fetcher{Peers: p}, p.Close, nil
}
