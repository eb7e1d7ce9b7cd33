package cluster_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluice-ml/sluice/cluster/auth"
	"github.com/sluice-ml/sluice/cluster/serve"
	"github.com/sluice-ml/sluice/engine"
	"github.com/sluice-ml/sluice/input/citibike"
	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/sink"
	"github.com/sluice-ml/sluice/storage"
	"github.com/sluice-ml/sluice/storage/s3test"
)

// bridge is a Linux bridge in the root namespace with hosts (network
// namespaces) plugged into it by veth pairs: a small LAN. The root
// namespace holds the bridge's address, where the test's S3 server listens.
type bridge struct {
	name, ip string
	net      string // "10.214.N." : host i gets net+(10+i)
	hosts    []*netns
	t        *testing.T
}

// newBridge makes the bridge; its /24 is picked from the test's pid so
// that concurrent runs on one machine do not collide.
func newBridge(t *testing.T) *bridge {
	t.Helper()
	pid := os.Getpid() % 10000
	b := &bridge{name: fmt.Sprintf("slbr%d", pid), net: fmt.Sprintf("10.214.%d.", pid%250), t: t}
	b.ip = b.net + "1"
	n := &netns{t: t}
	n.ip("link", "add", b.name, "type", "bridge")
	t.Cleanup(func() { exec.Command("ip", "link", "del", b.name).Run() })
	n.ip("addr", "add", b.ip+"/24", "dev", b.name)
	n.ip("link", "set", b.name, "up")
	return b
}

// addHost makes a namespace with one link into the bridge and returns it
// (its nsIP is its address on the LAN, hostIf the bridge-side end).
func (b *bridge) addHost() *netns {
	b.t.Helper()
	i := len(b.hosts)
	pid := os.Getpid() % 10000
	n := &netns{
		name:   fmt.Sprintf("sluice-mh-%d-%d", pid, i),
		hostIf: fmt.Sprintf("slm%dh%d", pid, i),
		nsIf:   fmt.Sprintf("slm%dn%d", pid, i),
		hostIP: b.ip,
		nsIP:   fmt.Sprintf("%s%d", b.net, 10+i),
		t:      b.t,
	}
	n.ip("netns", "add", n.name)
	b.t.Cleanup(func() {
		exec.Command("ip", "netns", "del", n.name).Run()
		exec.Command("ip", "link", "del", n.hostIf).Run()
	})
	n.ip("link", "add", n.hostIf, "type", "veth", "peer", "name", n.nsIf, "netns", n.name)
	n.ip("link", "set", n.hostIf, "master", b.name)
	n.ip("link", "set", n.hostIf, "up")
	n.ip("-n", n.name, "addr", "add", n.nsIP+"/24", "dev", n.nsIf)
	n.ip("-n", n.name, "link", "set", n.nsIf, "up")
	n.ip("-n", n.name, "link", "set", "lo", "up")
	b.hosts = append(b.hosts, n)
	return n
}

const multiHostJob = `name: multihost
input:
  path: IN
  format: parquet
filter: tripduration >= 60
features:
  tripduration: {transform: zscore}
  start_station_id: {transform: vocab, top_k: 100}
  gender: {transform: onehot}
  starttime: {transform: minmax}
label:
  birth_year: {fill: median}
keep: [trip_id]
split:
  by: start_station_name
  ratios: {train: 0.9, eval: 0.1}
  seed: 42
aggregates:
  by_station:
    by: start_station_id
    compute: {n: count(), d: mean(tripduration)}
output:
  path: OUT
  format: parquet
  shards: 6
  overwrite: true
`

// objectSums lists a manifest's output files with their sha256s.
func objectSums(m *sink.Manifest) []string {
	var s []string
	for _, sp := range m.Splits {
		for _, sh := range sp.Shards {
			s = append(s, sh.Path+" "+sh.SHA256)
		}
	}
	for _, a := range m.Aggregates {
		s = append(s, a.Path+" "+a.SHA256)
	}
	return s
}

// Four hosts that share no directory: the driver and three executors each
// in a network namespace of their own on one bridge, every work dir
// private, the input and the output in an S3-compatible bucket (a real
// SeaweedFS server on the bridge). One executor's link is cut once
// shard-write has begun: the job finishes, and the bucket holds the shard
// bytes of the same job run embedded on local files.
func TestMultiHostObjectStore(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	br := newBridge(t)
	srv := s3test.StartOn(t, br.ip) // also points this process's AWS environment (and its children's) at it
	bucket := srv.Bucket(t, "lake")
	local := t.TempDir()
	in := filepath.Join(local, "trips")
	if err := citibike.Write(in, rows, 4, 7); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(in)
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(in, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		srv.Put(t, bucket, "raw/trips/"+e.Name(), data)
	}

	// The reference: the same job embedded, local input and output.
	ref := filepath.Join(local, "ref")
	src := strings.NewReplacer("IN", in, "OUT", ref).Replace(multiHostJob)
	refJob, err := jobspec.Parse("job.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	refRes, err := engine.Run(context.Background(), refJob, engine.Options{Local: 2, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	want := objectSums(refRes.Manifest)

	driverBin, execBin := buildBinaries(t)
	c := &testCluster{t: t, driverBin: driverBin, execBin: execBin, dir: t.TempDir(), execs: map[string]*proc{}}
	c.secret = filepath.Join(c.dir, "secret")
	if err := os.WriteFile(c.secret, []byte("multi-host secret 0123456789 abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if c.sec, err = auth.NewSecurity(c.secret, "", "", ""); err != nil {
		t.Fatal(err)
	}
	dh := br.addHost()
	c.driver = startIn(t, t.TempDir(), "driver", "ip", "netns", "exec", dh.name, driverBin, "serve",
		"--listen", dh.nsIP+":0", "--gossip", dh.nsIP+":0", "--secret-file", c.secret, "--work-dir", t.TempDir())
	m := regexp.MustCompile(`driver serving on (\S+), gossip (\S+)`).FindStringSubmatch(c.driver.waitLog(t, `driver serving on \S+, gossip \S+`))
	c.grpcAddr, c.gossipAddr = m[1], m[2]
	hosts := map[string]*netns{}
	for i := 1; i <= 3; i++ {
		id := fmt.Sprintf("h%d", i)
		h := br.addHost()
		hosts[id] = h
		p := startIn(t, t.TempDir(), id, "ip", "netns", "exec", h.name, execBin, "--join", c.gossipAddr,
			"--listen", h.nsIP+":0", "--id", id, "--slots", "2", "--memory", "1GiB", "--work-dir", t.TempDir(),
			"--secret-file", c.secret)
		p.waitLog(t, `executor `+id+` serving on `+strings.ReplaceAll(h.nsIP, ".", `\.`))
		c.execs[id] = p
	}
	c.waitExecutors(3)

	jobFile := filepath.Join(local, "job.yaml")
	out := "s3://" + bucket + "/train-data/citibike"
	src = strings.NewReplacer("IN", "s3://"+bucket+"/raw/trips/", "OUT", out).Replace(multiHostJob)
	if err := os.WriteFile(jobFile, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	j := &job{done: make(chan struct{}), start: time.Now()}
	go func() {
		defer close(j.done)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		j.summary, j.err = serve.Submit(ctx, c.grpcAddr, c.sec, jobFile, nil, "", nil)
	}()
	c.waitStage(t, j, "shard-write", 0)
	cut := hosts["h3"]
	cut.ip("link", "set", cut.hostIf, "down")
	<-j.done
	if j.err != nil {
		t.Fatalf("multi-host job with a cut executor failed: %v", j.err)
	}
	c.driver.waitLog(t, `member h3 failed`)

	ctx := context.Background()
	data, err := storage.ReadAll(ctx, out+"/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := sink.ParseManifest(out+"/manifest.json", data)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(objectSums(got), want) {
		t.Fatalf("the bucket's output differs from the embedded local run:\n got %v\nwant %v", objectSums(got), want)
	}
	// Each listed object holds the listed bytes.
	for _, s := range want {
		path, sum, _ := strings.Cut(s, " ")
		obj, err := storage.ReadAll(ctx, out+"/"+path)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(obj)
		if hex.EncodeToString(h[:]) != sum {
			t.Fatalf("%s/%s: object sha256 differs from the manifest", out, path)
		}
	}
	t.Logf("3 executors on hosts of their own, input and output in the bucket, h3 cut off at shard-write: done in %s",
		time.Since(j.start).Round(time.Millisecond))
}
