package cluster_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/sluice-ml/sluice/cluster/auth"
	"github.com/sluice-ml/sluice/engine"
	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/planner"
	pb "github.com/sluice-ml/sluice/proto"
	"github.com/sluice-ml/sluice/task"
)

// tree lists every path under dir except those under skip.
func tree(t *testing.T, dir, skip string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == skip {
			return filepath.SkipDir
		}
		out = append(out, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// capture makes the call token of every call, as the cluster's
// credentials do, and records it.
type capture struct {
	secret []byte
	last   *string
}

func (c capture) GetRequestMetadata(ctx context.Context, _ ...string) (map[string]string, error) {
	ri, ok := credentials.RequestInfoFromContext(ctx)
	if !ok {
		return nil, errors.New("capture: the call's method is unknown")
	}
	tok, err := auth.NewToken(c.secret, ri.Method, time.Now())
	if err != nil {
		return nil, err
	}
	*c.last = tok
	return map[string]string{auth.TokenHeader: tok}, nil
}

func (capture) RequireTransportSecurity() bool { return false }

// A real executor, driven over gRPC with the cluster's secret: hostile job
// ids and paths are refused and nothing is written or deleted outside its
// work directory; a recorded call token cannot be replayed, used for
// another method, or used once stale.
func TestHostileCalls(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	c := newCluster(t, 0)
	sandbox := filepath.Join(c.dir, "sandbox")
	deep := filepath.Join(sandbox, "l1", "l2", "l3")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	canary := filepath.Join(sandbox, "canary")
	writeFile(t, canary, "must survive\n")
	ex := start(t, "target", c.execBin, "--join", c.gossipAddr, "--listen", "127.0.0.1:0", "--id", "target", "--slots", "2",
		"--memory", "1GiB", "--work-dir", deep, "--secret-file", c.secret)
	addr := regexp.MustCompile(`serving on (\S+),`).FindStringSubmatch(ex.waitLog(t, `executor target serving on \S+,`))[1]
	works, _ := filepath.Glob(filepath.Join(deep, "sluice-target-*"))
	if len(works) != 1 {
		t.Fatalf("executor work dirs: %v", works)
	}
	work := works[0]
	before := tree(t, sandbox, work)

	var last string
	opts, err := c.sec.DialOptions()
	if err != nil {
		t.Fatal(err)
	}
	opts = append(opts, grpc.WithPerRPCCredentials(capture{c.sec.Secret, &last}))
	conn, err := grpc.NewClient(addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cl := pb.NewExecutorClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	jobFile, err := filepath.Abs("../examples/citibike.yaml")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(jobFile)
	if err != nil {
		t.Fatal(err)
	}
	job, err := jobspec.Parse(jobFile, data, citibikeSets(20_000, filepath.Join(c.dir, "out")))
	if err != nil {
		t.Fatal(err)
	}
	launch := func(refID, specID string) (*pb.LaunchReply, error) {
		f, err := engine.BindTask(job, engine.Options{}, "bind-check", planner.StageScan, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.JobId = specID
		return cl.LaunchTask(ctx, &pb.LaunchRequest{Task: &pb.TaskRef{JobId: refID}, Fragment: f, Kind: planner.StageScan})
	}

	// The control: a plain job id writes its cache under the work dir.
	if r, err := launch("good-1", "good-1"); err != nil || r.Failure != nil {
		t.Fatalf("a valid task failed: %v %v", err, r.GetFailure())
	}
	if m, _ := filepath.Glob(filepath.Join(work, "good-1", "cache-00000-a0.*")); len(m) != 2 {
		t.Fatalf("the valid task wrote no cache under the work dir: %v", m)
	}

	escape := "sluice-hostile-" + filepath.Base(c.dir)
	hostile := []string{"../../x", "../../../../../" + escape, "../../../../../../../../../../tmp/" + escape,
		filepath.Join(sandbox, "abs"), "/tmp/" + escape, "a\x00b", "nul\x00/../../x", strings.Repeat("a", 5000), ".", "..", "", "a/b",
		"../../../../canary", "..\\..\\x"}
	for _, id := range hostile {
		// Refused by the task reference...
		if _, err := launch(id, "good-1"); status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "bad job id") {
			t.Errorf("launch with job id %q in the reference: %v, want InvalidArgument naming the bad job id", clip(id), err)
		}
		// ...and by the spec itself, whatever the reference says.
		if r, err := launch("good-1", id); err != nil || r.Failure == nil || !strings.Contains(r.Failure.Message, "bad job id") {
			t.Errorf("launch with job id %q in the spec: %v %v, want a failure naming the bad job id", clip(id), err, r.GetFailure())
		}
		if _, err := cl.ForgetJob(ctx, &pb.ForgetRequest{JobId: id}); status.Code(err) != codes.InvalidArgument {
			t.Errorf("forget job %q: %v, want InvalidArgument", clip(id), err)
		}
		for _, p := range []string{id, filepath.Join(work, id), work + "/" + id + "/cache-00000-a0"} {
			if strings.HasPrefix(filepath.Clean(p), work+"/good-1") {
				continue
			}
			st, err := cl.Fetch(ctx, &pb.FetchRequest{Path: p})
			if err == nil {
				_, err = st.Recv()
			}
			if err == nil || (!strings.Contains(err.Error(), "not a task output") && !strings.Contains(err.Error(), "no such file")) {
				t.Errorf("fetch %q: %v, want a refusal", clip(p), err)
			}
		}
	}
	// An output directory that is not an output's temporary directory.
	for _, out := range []string{"relative.tmp-0123456789abcdef", "/tmp/../etc/x.tmp-0123456789abcdef", "/etc", "/tmp/x.tmp-zz"} {
		f := &pb.StageFragment{FormatVersion: task.FragmentVersion, JobId: "good-1", Kind: planner.StageShardWrite, Broadcast: &pb.Broadcast{OutDir: out}}
		r, err := cl.LaunchTask(ctx, &pb.LaunchRequest{Task: &pb.TaskRef{JobId: "good-1"}, Fragment: f, Kind: planner.StageShardWrite})
		if err != nil || r.Failure == nil || !strings.Contains(r.Failure.Message, "bad output directory") {
			t.Errorf("output dir %q: %v %v, want a failure naming it", out, err, r.GetFailure())
		}
	}
	if after := tree(t, sandbox, work); strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Errorf("files changed outside the work dir:\nbefore %v\nafter  %v", before, after)
	}
	for _, p := range []string{"/tmp/" + escape, filepath.Join(c.dir, escape)} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s was created", p)
		}
	}
	if b, err := os.ReadFile(canary); err != nil || string(b) != "must survive\n" {
		t.Errorf("canary: %q %v", b, err)
	}

	// Tokens: a recorded token works once, for its method, while fresh.
	if _, err := cl.Health(ctx, &pb.HealthRequest{}); err != nil {
		t.Fatal(err)
	}
	recorded := last
	plainOpts, err := auth.Security{}.DialOptions()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := grpc.NewClient(addr, plainOpts...)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	rc := pb.NewExecutorClient(raw)
	with := func(tok string) context.Context { return metadata.AppendToOutgoingContext(ctx, auth.TokenHeader, tok) }
	if _, err := rc.Health(with(recorded), &pb.HealthRequest{}); status.Code(err) != codes.Unauthenticated || !strings.Contains(err.Error(), "already used") {
		t.Errorf("replayed Health call: %v, want Unauthenticated (already used)", err)
	}
	ex.waitLog(t, `refused /sluice.v1.Executor/Health from 127\.0\.0\.1:\d+: call token already used`)
	if _, err := rc.ForgetJob(with(recorded), &pb.ForgetRequest{JobId: "good-1"}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("a Health token used for ForgetJob: %v, want Unauthenticated", err)
	}
	stale, err := auth.NewToken(c.sec.Secret, "/sluice.v1.Executor/Health", time.Now().Add(-2*auth.TokenWindow))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rc.Health(with(stale), &pb.HealthRequest{}); status.Code(err) != codes.Unauthenticated || !strings.Contains(err.Error(), "time window") {
		t.Errorf("a stale token: %v, want Unauthenticated (time window)", err)
	}
	fresh, err := auth.NewToken(c.sec.Secret, "/sluice.v1.Executor/Health", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rc.Health(with(fresh), &pb.HealthRequest{}); err != nil {
		t.Errorf("a fresh token made by hand was refused: %v", err)
	}
	if _, err := os.Stat(filepath.Join(work, "good-1")); err != nil {
		t.Errorf("the job's files went (a refused ForgetJob ran?): %v", err)
	}
	if _, err := cl.ForgetJob(ctx, &pb.ForgetRequest{JobId: "good-1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(work, "good-1")); err == nil {
		t.Error("ForgetJob left the job's files")
	}
	ex.stop(t)
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
