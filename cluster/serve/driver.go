package serve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"

	"github.com/sluice-ml/sluice/cluster"
	"github.com/sluice-ml/sluice/cluster/auth"
	"github.com/sluice-ml/sluice/cluster/ring"
	"github.com/sluice-ml/sluice/engine"
	"github.com/sluice-ml/sluice/engine/runreport"
	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/monitor"
	pb "github.com/sluice-ml/sluice/proto"
	"github.com/sluice-ml/sluice/scheduler"
)

// DriverConfig configures `driver serve`.
type DriverConfig struct {
	Listen  string // gRPC host:port for submissions and status
	Gossip  string // gossip host:port executors join
	Sec     auth.Security
	WorkDir string // the driver's scratch directory
	Log     io.Writer
	// NoExecutorWait is how long a stage waits for an executor when none is
	// left; 0 means 2 minutes.
	NoExecutorWait time.Duration
	// MaxAttempts per task; 0 = the engine's default.
	MaxAttempts int
	// Ready, when set, is called once the driver serves.
	Ready func(grpcAddr, gossipAddr string)
	// UI, when set, is the HOST:PORT of the web UI, /metrics and /healthz
	// (basic auth with the cluster secret, unless Sec.Insecure).
	UI string
	// UIReady, when set, is called with the UI's bound address.
	UIReady func(addr string)
	// Logger, when set, replaces Log: every line becomes one of its records.
	Logger *slog.Logger
	// Prices price the jobs' CPU and GPU time in status and the UI.
	Prices runreport.Prices
}

// RunDriver serves jobs until ctx ends; running jobs are then cancelled.
func RunDriver(ctx context.Context, cfg DriverConfig) error {
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.NoExecutorWait <= 0 {
		cfg.NoExecutorWait = 2 * time.Minute
	}
	lg, logw := cluster.NewLog(cfg.Log, cfg.Logger, log.LstdFlags|log.Lmicroseconds)
	cfg.Log = logw
	if cfg.WorkDir != "" {
		abs, err := filepath.Abs(cfg.WorkDir)
		if err != nil {
			return fmt.Errorf("--work-dir %s: %w", cfg.WorkDir, err)
		}
		cfg.WorkDir = abs
	}
	if err := cfg.Sec.CheckServe(); err != nil {
		return err
	}
	if len(cfg.Sec.Secret) == 0 {
		lg.Print(auth.InsecureWarning)
	}
	lis, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", cfg.Listen, err)
	}
	d := &driverService{cfg: cfg, log: lg, jobs: map[string]*jobState{}}
	reg := prometheus.NewRegistry()
	d.tracker = monitor.NewTracker(monitor.Config{Mode: "cluster", Prices: cfg.Prices, Executors: d, Metrics: monitor.NewMetrics(reg)})
	d.observer = d.tracker
	if cfg.Logger != nil {
		d.observer = monitor.Observers(d.tracker, monitor.LogObserver(cfg.Logger))
	}
	m, err := ring.Join(ring.MemberConfig{ID: "driver-" + lis.Addr().String(), Bind: cfg.Gossip,
		Meta: ring.Meta{Role: ring.RoleDriver, Addr: lis.Addr().String()}, Secret: cfg.Sec.Secret, Log: cfg.Log, OnEvent: d.memberEvent})
	if err != nil {
		lis.Close()
		return err
	}
	t, files, closePeers, err := DriverTransport(m, cfg.Sec, lg)
	if err != nil {
		lis.Close()
		m.Leave(time.Second)
		return err
	}
	defer closePeers()
	d.mu.Lock()
	d.t, d.files, d.m = t, files, m
	d.mu.Unlock()
	sopts, err := cfg.Sec.ServerOptions(cfg.Log)
	if err != nil {
		lis.Close()
		m.Leave(time.Second)
		return err
	}
	srv := grpc.NewServer(sopts...)
	pb.RegisterDriverServer(srv, d)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	jobCtx, cancelJobs := context.WithCancel(ctx)
	defer cancelJobs()
	d.ctx = jobCtx
	if cfg.UI != "" {
		addr, stop, err := d.startUI(cfg, reg)
		if err != nil {
			srv.Stop()
			m.Leave(time.Second)
			return err
		}
		defer stop()
		lg.Printf("web UI on http://%s/", addr)
		if cfg.UIReady != nil {
			cfg.UIReady(addr)
		}
	}
	lg.Printf("driver serving on %s, gossip %s", lis.Addr(), m.Addr())
	if cfg.Ready != nil {
		cfg.Ready(lis.Addr().String(), m.Addr())
	}
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			d.t.Recheck()
			continue
		case err := <-served:
			m.Leave(ring.LeaveTimeout)
			return fmt.Errorf("gRPC server: %w", err)
		case <-ctx.Done():
		}
		break
	}
	lg.Printf("driver stopping")
	cancelJobs()
	d.wg.Wait()
	stopped := make(chan struct{})
	go func() { srv.GracefulStop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		srv.Stop()
	}
	if err := m.Leave(ring.LeaveTimeout); err != nil {
		lg.Printf("driver: leave: %v", err)
	}
	lg.Printf("driver stopped")
	return nil
}

// driverService implements the Driver gRPC service.
type driverService struct {
	pb.UnimplementedDriverServer
	cfg   DriverConfig
	log   *log.Logger
	m     *ring.Membership
	t     *Transport
	files *cluster.Fetcher
	ctx   context.Context // cancelled when the driver stops
	wg    sync.WaitGroup
	mu    sync.Mutex
	jobs  map[string]*jobState
	seq   int
	// tracker follows the jobs for status and the UI; observer is what
	// each job reports to (the tracker, and the log).
	tracker  *monitor.Tracker
	observer runreport.Observer
	ring     ringView
}

// memberEvent logs ring changes and keeps the transport current.
func (d *driverService) memberEvent(e ring.Event) {
	d.ring.note(e)
	if e.Meta.Role == ring.RoleExecutor {
		d.log.Printf("member %s %s (addr %s, slots %d, engines %s)", e.ID, e.Kind, e.Meta.Addr, e.Meta.Slots, e.Meta.Engines)
	}
	d.mu.Lock()
	t := d.t
	d.mu.Unlock()
	if t != nil {
		t.MemberEvent(e)
	}
}

// jobState is a submitted job, as status reports it.
type jobState struct {
	mu       sync.Mutex
	id       string
	engineID string
	name     string
	state    string // running | succeeded | failed | cancelled
	stage    string
	tasks    int
	done     int
	running  int
	err      string
	started  time.Time
	wall     time.Duration
}

// jobTransport is the driver's transport seen by one job: it records the
// job's progress for status.
type jobTransport struct {
	*Transport
	j *jobState
}

// Launch implements scheduler.Transport.
func (jt jobTransport) Launch(ctx context.Context, id string, st scheduler.StageRun, t scheduler.Task) (any, error) {
	spec := st.Spec(t)
	jt.j.mu.Lock()
	jt.j.engineID = spec.GetJobId()
	if s := fmt.Sprintf("%d %s", st.ID, st.Kind); s != jt.j.stage {
		jt.j.stage, jt.j.done, jt.j.tasks = s, 0, st.Tasks
		if st.Only != nil {
			jt.j.tasks = len(st.Only)
		}
	}
	jt.j.running++
	jt.j.mu.Unlock()
	res, err := jt.Transport.Launch(ctx, id, st, t)
	jt.j.mu.Lock()
	jt.j.running--
	if err == nil {
		jt.j.done++
	}
	jt.j.mu.Unlock()
	return res, err
}

// lineWriter sends each written line as a progress event.
type lineWriter struct {
	mu   sync.Mutex
	buf  []byte
	send func(string)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.send(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
}

// Submit runs a job and streams its progress; a job whose client goes away
// (the stream ends) is cancelled.
func (d *driverService) Submit(req *pb.SubmitRequest, st pb.Driver_SubmitServer) error {
	job, err := jobspec.Parse(req.File, req.Data, req.Sets)
	if err == nil {
		err = resolveClientPaths(job, req.ClientDir)
	}
	if err != nil {
		return st.Send(&pb.JobEvent{Done: true, Error: err.Error(), UsageError: true})
	}
	if req.Engine != "" {
		if _, err := engine.Engines(req.Engine); err != nil {
			return st.Send(&pb.JobEvent{Done: true, Error: err.Error(), UsageError: true})
		}
	}
	d.mu.Lock()
	d.seq++
	j := &jobState{id: fmt.Sprintf("%s-%d", job.Name, d.seq), name: job.Name, state: "running", started: time.Now()}
	d.jobs[j.id] = j
	d.mu.Unlock()
	events := make(chan *pb.JobEvent, 256)
	send := func(e *pb.JobEvent) {
		e.JobId = j.id
		select {
		case events <- e:
		default: // a slow client loses progress lines, never the job
		}
	}
	d.log.Printf("job %s submitted (%s)", j.id, req.File)
	finished := make(chan *pb.JobEvent, 1)
	jobCtx, cancelJob := context.WithCancel(d.ctx)
	defer cancelJob()
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		opt := engine.Options{Transport: jobTransport{d.t, j}, Files: d.files, Forget: d.t.Forget, Engine: req.Engine,
			WorkDir: d.cfg.WorkDir, NoExecutorWait: d.cfg.NoExecutorWait, MaxAttempts: d.cfg.MaxAttempts, Observer: d.observer, Prices: d.cfg.Prices,
			Progress: &lineWriter{send: func(s string) { send(&pb.JobEvent{Progress: s}) }}}
		res, err := engine.Run(jobCtx, job, opt)
		j.mu.Lock()
		j.wall = time.Since(j.started)
		end := &pb.JobEvent{JobId: j.id, Done: true}
		if err != nil {
			j.state, j.err = "failed", err.Error()
			if jobCtx.Err() != nil && d.ctx.Err() == nil {
				j.state, j.err = "cancelled", "cancelled: its client went away"
			}
			end.Error = err.Error()
			var je *jobspec.Error
			end.UsageError = errors.As(err, &je)
		} else {
			j.state = "succeeded"
			var b strings.Builder
			res.Summary(&b)
			end.Summary = b.String()
		}
		j.mu.Unlock()
		d.log.Printf("job %s %s in %s", j.id, j.state, j.wall.Round(time.Millisecond))
		finished <- end
	}()
	streamOK := true
	gone := st.Context().Done()
	for {
		select {
		case <-gone:
			gone = nil
			streamOK = false
			d.log.Printf("job %s: its client is gone; cancelling it", j.id)
			cancelJob()
		case e := <-events:
			if streamOK && st.Send(e) != nil {
				streamOK = false
			}
		case end := <-finished:
			for len(events) > 0 {
				if e := <-events; streamOK {
					streamOK = st.Send(e) == nil
				}
			}
			if !streamOK {
				return nil
			}
			return st.Send(end)
		}
	}
}

// Status reports one job or all, and the executors.
func (d *driverService) Status(_ context.Context, req *pb.StatusRequest) (*pb.StatusReply, error) {
	d.mu.Lock()
	var jobs []*jobState
	for id, j := range d.jobs {
		if req.JobId == "" || req.JobId == id || req.JobId == j.engineIDLocked() {
			jobs = append(jobs, j)
		}
	}
	d.mu.Unlock()
	if req.JobId != "" && len(jobs) == 0 {
		return nil, fmt.Errorf("no job %q on this driver", req.JobId)
	}
	out := &pb.StatusReply{}
	for _, j := range jobs {
		view, known := d.tracker.Job(j.engineIDLocked())
		j.mu.Lock()
		wall := j.wall
		if j.state == "running" {
			wall = time.Since(j.started)
		}
		stage := ""
		if j.stage != "" {
			stage = fmt.Sprintf("%s: %d/%d tasks done, %d running", j.stage, j.done, j.tasks, j.running)
		}
		js := &pb.JobStatus{JobId: j.id, Name: j.name, State: j.state, Stage: stage, Error: j.err,
			StartedUnix: j.started.Unix(), WallSeconds: wall.Seconds(), EtaSeconds: -1}
		if known {
			js.Percent, js.EtaSeconds, js.CpuSeconds, js.Cost = view.Percent, view.ETASeconds, view.CPUSeconds, view.Cost
		}
		out.Jobs = append(out.Jobs, js)
		j.mu.Unlock()
	}
	sort.Slice(out.Jobs, func(a, b int) bool {
		x, y := out.Jobs[a], out.Jobs[b]
		if x.StartedUnix != y.StartedUnix {
			return x.StartedUnix < y.StartedUnix
		}
		return x.JobId < y.JobId
	})
	for _, mb := range d.m.Members() {
		if mb.Meta.Role == ring.RoleExecutor && !d.t.IsDown(mb.ID) {
			out.Executors = append(out.Executors, &pb.ExecutorStatus{Id: mb.ID, Addr: mb.Meta.Addr, Slots: int32(mb.Meta.Slots),
				Engines: mb.Meta.Engines, Memory: mb.Meta.Memory, TasksDone: d.t.TasksDone(mb.ID)})
		}
	}
	return out, nil
}

// engineIDLocked reads the engine's job ID.
func (j *jobState) engineIDLocked() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.engineID
}
