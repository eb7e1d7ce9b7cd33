package cluster_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/sluice-ml/sluice/cluster/auth"
	"github.com/sluice-ml/sluice/cluster/serve"
	pb "github.com/sluice-ml/sluice/proto"
	"github.com/sluice-ml/sluice/sink"
)

// bins holds the driver and executor binaries, built once per test run.
var bins struct {
	once            sync.Once
	driver, execBin string
	err             error
}

func buildBinaries(t *testing.T) (driver, executor string) {
	t.Helper()
	bins.once.Do(func() {
		dir, err := os.MkdirTemp("", "sluice-cluster-bin-")
		if err != nil {
			bins.err = err
			return
		}
		bins.driver, bins.execBin = filepath.Join(dir, "driver"), filepath.Join(dir, "executor")
		for pkg, out := range map[string]string{"../cmd/driver": bins.driver, "../cmd/executor": bins.execBin} {
			if b, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
				bins.err = fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
				return
			}
		}
	})
	if bins.err != nil {
		t.Fatal(bins.err)
	}
	return bins.driver, bins.execBin
}

// syncBuf is a goroutine-safe log buffer.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proc is a running driver or executor process.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  *syncBuf
	done chan struct{}
	err  error
}

func start(t *testing.T, name, bin string, args ...string) *proc {
	t.Helper()
	return startIn(t, "", name, bin, args...)
}

// startIn is start with the process's working directory set to dir.
func startIn(t *testing.T, dir, name, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, cmd: exec.Command(bin, args...), log: &syncBuf{}, done: make(chan struct{})}
	p.cmd.Dir = dir
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("--- %s log ---\n%s", p.name, p.log.String())
		}
	})
	return p
}

// waitLog waits until the process log matches re; it fails the test when
// the process exits first.
func (p *proc) waitLog(t *testing.T, re string) string {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m := rx.FindString(p.log.String()); m != "" {
			return m
		}
		select {
		case <-p.done:
			if m := rx.FindString(p.log.String()); m != "" {
				return m
			}
			t.Fatalf("%s exited (%v) before logging %q:\n%s", p.name, p.err, re, p.log.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("%s did not log %q within 60s:\n%s", p.name, re, p.log.String())
	return ""
}

// stop sends SIGTERM and waits for a clean exit.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not stop within 60s of SIGTERM", p.name)
	}
	if p.err != nil {
		t.Fatalf("%s exited with %v after SIGTERM:\n%s", p.name, p.err, p.log.String())
	}
}

// testCluster is a serving driver and its executors on loopback.
type testCluster struct {
	t          *testing.T
	driverBin  string
	execBin    string
	dir        string
	secret     string
	driver     *proc
	grpcAddr   string
	gossipAddr string
	execs      map[string]*proc
	sec        auth.Security
	host       string // the address every process listens on
	driverCwd  string // the driver process's working directory
	jobFile    string // examples/citibike.yaml, absolute (tests may change directory)
}

func newCluster(t *testing.T, executors int) *testCluster {
	return newClusterOn(t, "127.0.0.1", executors)
}

// newClusterOn starts a cluster whose processes listen on host.
func newClusterOn(t *testing.T, host string, executors int) *testCluster {
	driverBin, execBin := buildBinaries(t)
	dir := t.TempDir()
	c := &testCluster{t: t, driverBin: driverBin, execBin: execBin, dir: dir, execs: map[string]*proc{}, host: host}
	var err error
	if c.jobFile, err = filepath.Abs("../examples/citibike.yaml"); err != nil {
		t.Fatal(err)
	}
	c.secret = filepath.Join(dir, "secret")
	if err := os.WriteFile(c.secret, []byte("correct horse battery staple 0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if c.sec, err = auth.NewSecurity(c.secret, "", "", ""); err != nil {
		t.Fatal(err)
	}
	// The driver runs in a directory of its own, so a job path resolved
	// against the driver's working directory instead of the client's
	// lands somewhere a test can tell apart.
	c.driverCwd = filepath.Join(dir, "driver-cwd")
	if err := os.Mkdir(c.driverCwd, 0o755); err != nil {
		t.Fatal(err)
	}
	c.driver = startIn(t, c.driverCwd, "driver", driverBin, "serve", "--listen", host+":0", "--gossip", host+":0",
		"--secret-file", c.secret, "--work-dir", dir)
	m := regexp.MustCompile(`driver serving on (\S+), gossip (\S+)`).FindStringSubmatch(c.driver.waitLog(t, `driver serving on \S+, gossip \S+`))
	c.grpcAddr, c.gossipAddr = m[1], m[2]
	for i := 1; i <= executors; i++ {
		c.addExecutor(fmt.Sprintf("ex%d", i))
	}
	c.waitExecutors(executors)
	return c
}

// addExecutor starts an executor with the cluster's secret.
func (c *testCluster) addExecutor(id string) *proc {
	p := c.startExecutor(id, c.secret)
	p.waitLog(c.t, `executor `+id+` serving`)
	c.execs[id] = p
	return p
}

// startExecutor starts an executor whose --work-dir is c.dir spelled
// relative to its working directory: the paths it gives its peers to fetch
// from must be absolute all the same.
func (c *testCluster) startExecutor(id, secret string) *proc {
	return startIn(c.t, filepath.Dir(c.dir), id, c.execBin, "--join", c.gossipAddr, "--listen", c.host+":0", "--id", id, "--slots", "2",
		"--memory", "1GiB", "--work-dir", filepath.Base(c.dir), "--secret-file", secret)
}

// status asks the driver for its state.
func (c *testCluster) status(jobID string) (*pb.StatusReply, error) {
	cl, done, err := dialDriver(c.grpcAddr, c.sec)
	if err != nil {
		return nil, err
	}
	defer done()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return cl.Status(ctx, &pb.StatusRequest{JobId: jobID})
}

// waitExecutors waits until the driver sees exactly n executors.
func (c *testCluster) waitExecutors(n int) *pb.StatusReply {
	c.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		st, err := c.status("")
		if err == nil && len(st.Executors) == n {
			return st
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("driver does not see %d executors: %v %v", n, st, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// job is an asynchronous submission.
type job struct {
	summary string
	err     error
	done    chan struct{}
	start   time.Time
	wall    time.Duration
}

// submit sends the citibike example job with rows and output path out.
func (c *testCluster) submit(rows int, out string) *job {
	j := &job{done: make(chan struct{}), start: time.Now()}
	go func() {
		defer close(j.done)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		j.summary, j.err = serve.Submit(ctx, c.grpcAddr, c.sec, c.jobFile, citibikeSets(rows, out), "", nil)
		j.wall = time.Since(j.start)
	}()
	return j
}

func (j *job) wait(t *testing.T) {
	t.Helper()
	<-j.done
	if j.err != nil {
		t.Fatalf("cluster job failed: %v", j.err)
	}
}

func citibikeSets(rows int, out string) []string {
	return []string{fmt.Sprintf("input.generate.rows=%d", rows), "output.path=" + out, "output.shards=4", "output.overwrite=true"}
}

// runEmbedded runs the same job embedded (3 in-process executors).
func runEmbedded(t *testing.T, driverBin string, rows int, out string) time.Duration {
	t.Helper()
	// The same job file path as the cluster run's (the manifest records it).
	abs, err := filepath.Abs("../examples/citibike.yaml")
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"submit", abs, "--local", "3", "--quiet", "--no-cache"}
	for _, s := range citibikeSets(rows, out) {
		args = append(args, "--set", s)
	}
	t0 := time.Now()
	if b, err := exec.Command(driverBin, args...).CombinedOutput(); err != nil {
		t.Fatalf("embedded run: %v\n%s", err, b)
	}
	return time.Since(t0)
}

// digest lists every output file's SHA-256; manifest.json is compared with
// its job.sets removed (they name the output path, which differs) and its
// run section (sink.StripRun: the run id and times differ).
func digest(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "manifest.json" {
			if b, err = sink.StripRun(b); err != nil {
				return err
			}
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				return fmt.Errorf("manifest: %w", err)
			}
			delete(m["job"].(map[string]any), "sets")
			b, _ = json.Marshal(m)
		}
		s := sha256.Sum256(b)
		out[rel] = hex.EncodeToString(s[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameOutput fails unless the two outputs hold the same files and bytes.
func sameOutput(t *testing.T, want, got map[string]string) {
	t.Helper()
	var names []string
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(want) < 6 || !strings.Contains(strings.Join(names, " "), "train/part-00003") {
		t.Fatalf("reference output looks incomplete: %v", names)
	}
	for _, n := range names {
		if got[n] != want[n] {
			t.Errorf("%s differs from the embedded run (or is missing)", n)
		}
	}
	if len(got) != len(want) {
		t.Errorf("cluster output has %d files, embedded %d", len(got), len(want))
	}
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

// dialDriver connects to a serving driver with the cluster's credentials.
func dialDriver(addr string, sec auth.Security) (pb.DriverClient, func(), error) {
	opts, err := sec.DialOptions()
	if err != nil {
		return nil, nil, err
	}
	c, err := grpc.NewClient(addr, opts...)
	if err != nil {
		return nil, nil, err
	}
	return pb.NewDriverClient(c), func() { c.Close() }, nil
}
