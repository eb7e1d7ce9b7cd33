package executor

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sluice-ml/sluice/cluster"
	"github.com/sluice-ml/sluice/cluster/auth"
	"github.com/sluice-ml/sluice/cluster/ring"
	"github.com/sluice-ml/sluice/exec/placement"
	"github.com/sluice-ml/sluice/internal/cputime"
	pb "github.com/sluice-ml/sluice/proto"
	"github.com/sluice-ml/sluice/task"
	"github.com/sluice-ml/sluice/task/workdir"
)

// Config configures an executor process.
type Config struct {
	ID      string   // unique in the ring; default: "executor-" + host + "-" + gRPC port
	Listen  string   // gRPC host:port (port 0: any free port)
	Gossip  string   // gossip host:port; default: the --listen host, any free port
	Join    []string // gossip addresses of ring members (the driver's --gossip)
	Engine  string   // auto (the job's choice) | cpu | gpu | gpu-emulated: what this node runs tasks with
	Slots   int
	Memory  int64 // bytes
	WorkDir string
	Sec     auth.Security
	Log     io.Writer
	// Ready, when set, is called once the executor serves and has joined.
	Ready func(id, grpcAddr, gossipAddr string)
	// Metrics, when set, is the HOST:PORT of the executor's /metrics and
	// /healthz (basic auth with the cluster secret on /metrics, unless
	// Sec.Insecure); MetricsReady is called with its bound address.
	Metrics      string
	MetricsReady func(addr string)
	// Logger, when set, replaces Log: every line becomes one of its records.
	Logger *slog.Logger
}

// Run serves tasks until ctx ends, then leaves the ring, stops
// serving (running tasks are cancelled) and deletes its work directory.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	lg, logw := cluster.NewLog(cfg.Log, cfg.Logger, log.LstdFlags)
	cfg.Log = logw
	if err := cfg.Sec.CheckServe(); err != nil {
		return err
	}
	if len(cfg.Sec.Secret) == 0 {
		lg.Print(auth.InsecureWarning)
	}
	engines, err := placement.Engines(cfg.Engine)
	if err != nil {
		return err
	}
	names := ""
	for i, e := range engines {
		if i > 0 {
			names += ","
		}
		names += e.Name()
	}
	lis, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", cfg.Listen, err)
	}
	host, _, _ := net.SplitHostPort(cfg.Listen)
	port := lis.Addr().(*net.TCPAddr).Port
	if cfg.ID == "" {
		h := host
		if h == "" || h == "0.0.0.0" || h == "::" {
			h, _ = os.Hostname()
		}
		cfg.ID = "executor-" + h + "-" + strconv.Itoa(port)
	}
	if cfg.Gossip == "" {
		cfg.Gossip = net.JoinHostPort(host, "0")
	}
	if cfg.WorkDir == "" {
		cfg.WorkDir = os.TempDir()
	}
	// Absolute once, at start: task outputs are named by path to peers
	// and checked against this directory when they fetch.
	abs, err := filepath.Abs(cfg.WorkDir)
	if err != nil {
		lis.Close()
		return fmt.Errorf("--work-dir %s: %w", cfg.WorkDir, err)
	}
	cfg.WorkDir = abs
	if err := os.MkdirAll(cfg.WorkDir, 0o755); err != nil {
		lis.Close()
		return fmt.Errorf("--work-dir: %w", err)
	}
	// Scratch of executors (and runs) that died without cleaning up.
	removed, err := workdir.CleanDebris(cfg.WorkDir, "sluice-")
	for _, d := range removed {
		lg.Printf("removed %s (left by a process that died)", d)
	}
	if err != nil {
		lg.Printf("cleaning scratch of dead processes: %v", err)
	}
	work, err := os.MkdirTemp(cfg.WorkDir, "sluice-"+cfg.ID+"-")
	if err != nil {
		lis.Close()
		return fmt.Errorf("--work-dir: %w", err)
	}
	defer os.RemoveAll(work)
	hold, err := workdir.HoldDir(work)
	if err != nil {
		lis.Close()
		return err
	}
	defer hold.Release()
	ex, err := task.NewExecutor(cfg.ID, cfg.Slots, work, cfg.Memory)
	if err != nil {
		lis.Close()
		return err
	}
	ex.Engine = cfg.Engine
	sopts, err := cfg.Sec.ServerOptions(cfg.Log)
	if err != nil {
		lis.Close()
		return err
	}
	svc := &executorService{id: cfg.ID, slots: cfg.Slots, work: work, worker: task.NewWorker(ex), running: map[taskKey]context.CancelFunc{}, log: lg}
	srv := grpc.NewServer(sopts...)
	pb.RegisterExecutorServer(srv, svc)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()

	// An unspecified host is filled in by Join with the ring's address.
	meta := ring.Meta{Role: ring.RoleExecutor, Engines: names, Slots: cfg.Slots, Memory: cfg.Memory, Addr: net.JoinHostPort(host, strconv.Itoa(port))}
	m, err := ring.Join(ring.MemberConfig{ID: cfg.ID, Bind: cfg.Gossip, Join: cfg.Join, Meta: meta, Secret: cfg.Sec.Secret, Log: cfg.Log,
		OnEvent: func(e ring.Event) {
			lg.Printf("member %s %s", e.ID, e.Kind)
			if e.Kind == ring.EventFailed {
				svc.peerFailed(e)
			}
			if e.Meta.Role == ring.RoleDriver && (e.Kind == ring.EventFailed || e.Kind == ring.EventLeave) {
				svc.driverGone(e)
			}
		}})
	if err != nil {
		srv.Stop()
		lg.Printf("executor %s: %v", cfg.ID, err)
		return err
	}
	p, err := cluster.NewPeers(m, cfg.Sec)
	if err != nil {
		m.Leave(time.Second)
		srv.Stop()
		return err
	}
	defer p.Close()
	fetcher := &cluster.Fetcher{Self: cfg.ID, Root: work, Peers: p}
	if cfg.Metrics != "" {
		met, addr, stop, err := serveExecutorMetrics(cfg, ex, fetcher, func() error {
			if svc.stopping.Load() {
				return fmt.Errorf("executor %s is stopping", cfg.ID)
			}
			return nil
		})
		if err != nil {
			m.Leave(time.Second)
			srv.Stop()
			return fmt.Errorf("--metrics %s: %w", cfg.Metrics, err)
		}
		defer stop()
		svc.metrics.Store(met)
		lg.Printf("executor %s metrics on http://%s/metrics", cfg.ID, addr)
		if cfg.MetricsReady != nil {
			cfg.MetricsReady(addr)
		}
	}
	ex.Files = fetcher
	svc.setPeers(p)
	meta, _ = m.Lookup(cfg.ID)
	lg.Printf("executor %s serving on %s, gossip %s, slots %d, engines %s", cfg.ID, meta.Addr, m.Addr(), cfg.Slots, names)
	if cfg.Ready != nil {
		cfg.Ready(cfg.ID, meta.Addr, m.Addr())
	}
	svc.setRing(m)
	// A restarted driver knows no executor: while the ring has no driver,
	// contact the seeds again.
	rejoin := time.NewTicker(rejoinEvery)
	defer rejoin.Stop()
wait:
	for {
		select {
		case <-ctx.Done():
			break wait
		case err := <-served:
			m.Leave(ring.LeaveTimeout)
			return fmt.Errorf("gRPC server: %w", err)
		case <-rejoin.C:
			if !m.HasRole(ring.RoleDriver) {
				if err := m.Rejoin(cfg.Join); err == nil {
					lg.Printf("executor %s: rejoined the ring through %s", cfg.ID, strings.Join(cfg.Join, ","))
				}
			}
		}
	}
	// Leave first, so the driver sends no more tasks; running tasks finish
	// (up to the grace period) and their replies go out before the server
	// stops.
	lg.Printf("executor %s stopping: leaving the ring", cfg.ID)
	if err := m.Leave(ring.LeaveTimeout); err != nil {
		lg.Printf("executor %s: leave: %v", cfg.ID, err)
	}
	// Drain: running tasks finish, and outputs stay fetchable until the
	// driver forgets their jobs (or the grace period ends).
	deadline := time.Now().Add(stopGrace)
	for time.Now().Before(deadline) && !svc.drained() {
		time.Sleep(50 * time.Millisecond)
	}
	stopped := make(chan struct{})
	go func() { srv.GracefulStop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(time.Until(deadline) + time.Second):
		lg.Printf("executor %s: tasks still running after %s; cancelling them", cfg.ID, stopGrace)
		svc.stopping.Store(true)
		svc.cancelAll()
		srv.Stop()
	}
	lg.Printf("executor %s stopped", cfg.ID)
	return nil
}

// stopGrace is how long a stopping executor lets running tasks finish.
const stopGrace = 30 * time.Second

// rejoinEvery is how often an executor without a driver in its ring
// contacts the seeds again.
const rejoinEvery = 2 * time.Second

// taskKey names a running task attempt.
type taskKey struct {
	job                   string
	stage, index, attempt int32
}

func keyOf(t *pb.TaskRef) taskKey {
	return taskKey{job: t.GetJobId(), stage: t.GetStage(), index: t.GetIndex(), attempt: t.GetAttempt()}
}

// executorService implements the Executor gRPC service.
type executorService struct {
	pb.UnimplementedExecutorServer
	id      string
	slots   int
	work    string
	worker  *task.Worker
	peers   *cluster.Peers
	ring    *ring.Membership
	log     *log.Logger
	mu      sync.Mutex
	running map[taskKey]context.CancelFunc
	// stopping is set when running tasks are cancelled by shutdown: their
	// failure is the executor's loss, not the task's.
	stopping atomic.Bool
	metrics  atomic.Pointer[execMetrics] // set once the metrics serve
}

// LaunchTask runs a task; its failure travels in the reply, typed.
func (s *executorService) LaunchTask(ctx context.Context, req *pb.LaunchRequest) (*pb.LaunchReply, error) {
	if req.Task == nil {
		return nil, status.Error(codes.InvalidArgument, "launch: no task reference")
	}
	if err := workdir.CheckJobID(req.Task.JobId); err != nil {
		s.log.Printf("refused a task: %v", err)
		return nil, status.Error(codes.InvalidArgument, "launch: "+err.Error())
	}
	s.mu.Lock()
	p := s.peers
	s.mu.Unlock()
	if p != nil {
		p.Learn(req.Peers)
	}
	k := keyOf(req.Task)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.mu.Lock()
	s.running[k] = cancel
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.running, k)
		s.mu.Unlock()
	}()
	c0 := cputime.Process()
	met := s.metrics.Load()
	met.started()
	out, err := s.worker.RunFragment(ctx, req.GetFragment())
	met.ended(err)
	reply := &pb.LaunchReply{Task: req.Task, CpuStartNs: int64(c0), CpuEndNs: int64(cputime.Process())}
	if err != nil {
		if s.stopping.Load() {
			return nil, status.Error(codes.Unavailable, "executor "+s.id+" is stopping")
		}
		reply.Failure = cluster.EncodeFailure(err)
		return reply, nil
	}
	reply.Result = out
	return reply, nil
}

// CancelTask cancels a running attempt.
func (s *executorService) CancelTask(_ context.Context, req *pb.CancelRequest) (*pb.CancelReply, error) {
	s.mu.Lock()
	cancel, ok := s.running[keyOf(req.Task)]
	s.mu.Unlock()
	if ok {
		cancel()
	}
	return &pb.CancelReply{Cancelled: ok}, nil
}

// cancelAll cancels every running task (shutdown).
func (s *executorService) cancelAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.running {
		c()
	}
}

// Fetch streams a partition of an output in this executor's work directory.
func (s *executorService) Fetch(req *pb.FetchRequest, st pb.Executor_FetchServer) error {
	err := cluster.ServeFetch(s.work, req, st.Send)
	if err != nil && st.Context().Err() == nil {
		s.log.Printf("fetch %s partition %d: %v", req.Path, req.Partition, err)
	}
	return err
}

// Health reports identity and load.
func (s *executorService) Health(context.Context, *pb.HealthRequest) (*pb.HealthReply, error) {
	s.mu.Lock()
	n := len(s.running)
	s.mu.Unlock()
	return &pb.HealthReply{Id: s.id, Slots: int32(s.slots), Running: int32(n)}, nil
}

// ForgetJob deletes a job's files.
func (s *executorService) ForgetJob(_ context.Context, req *pb.ForgetRequest) (*pb.ForgetReply, error) {
	if err := workdir.CheckJobID(req.JobId); err != nil {
		return nil, status.Error(codes.InvalidArgument, "forget: "+err.Error())
	}
	if err := s.worker.Forget(req.JobId); err != nil {
		return nil, err
	}
	return &pb.ForgetReply{}, nil
}

// peerFailed ends what this executor waits on from a member the ring
// declared failed: its connections close, so fetches from it fail now (and
// the driver re-runs what it held) instead of waiting on a frozen or
// cut-off node.
func (s *executorService) peerFailed(e ring.Event) {
	s.mu.Lock()
	p := s.peers
	s.mu.Unlock()
	if p == nil {
		return
	}
	p.Forget(e.ID, e.Meta.Addr)
}

// setRing records the executor's membership.
func (s *executorService) setRing(m *ring.Membership) {
	s.mu.Lock()
	s.ring = m
	s.mu.Unlock()
}

// driverGone cancels the running tasks and deletes the files of every job
// once no driver is left in the ring: the jobs died with their driver (a
// restarted one starts them afresh).
func (s *executorService) driverGone(e ring.Event) {
	s.mu.Lock()
	m := s.ring
	s.mu.Unlock()
	if m != nil && m.HasRole(ring.RoleDriver) {
		return
	}
	s.cancelAll()
	ents, err := os.ReadDir(s.work)
	if err != nil {
		return
	}
	for _, ent := range ents {
		if !ent.IsDir() || workdir.CheckJobID(ent.Name()) != nil {
			continue
		}
		if err := s.worker.Forget(ent.Name()); err != nil {
			s.log.Printf("forget job %s: %v", ent.Name(), err)
			continue
		}
		s.log.Printf("driver %s %s: job %s cancelled and its files deleted", e.ID, e.Kind, ent.Name())
	}
}

// setPeers installs the executor's peer table (after joining the ring).
func (s *executorService) setPeers(p *cluster.Peers) {
	s.mu.Lock()
	s.peers = p
	s.mu.Unlock()
}

// drained reports whether no task runs and no job's files remain.
func (s *executorService) drained() bool {
	s.mu.Lock()
	n := len(s.running)
	s.mu.Unlock()
	if n > 0 {
		return false
	}
	ents, err := os.ReadDir(s.work)
	if err != nil {
		return true
	}
	for _, e := range ents {
		if !workdir.IsOwnerFile(e.Name()) {
			return false
		}
	}
	return true
}
