package cluster_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// netns is a network namespace joined to the root namespace by a veth
// pair: a second host as far as the network is concerned.
type netns struct {
	name         string
	hostIf, nsIf string // the veth ends
	hostIP, nsIP string
	t            *testing.T
}

// newNetns makes the namespace and its link (the test runs as root, as CI
// does); the addresses are a /30 picked from the test's pid so that
// concurrent runs on one machine do not collide.
func newNetns(t *testing.T) *netns {
	t.Helper()
	pid := os.Getpid() % 16000
	n := &netns{
		name:   fmt.Sprintf("sluice-pt-%d", pid),
		hostIf: fmt.Sprintf("slh%d", pid),
		nsIf:   fmt.Sprintf("sln%d", pid),
		hostIP: fmt.Sprintf("10.213.%d.%d", pid*4/256, pid*4%256+1),
		nsIP:   fmt.Sprintf("10.213.%d.%d", pid*4/256, pid*4%256+2),
		t:      t,
	}
	n.ip("netns", "add", n.name)
	t.Cleanup(func() {
		// Deleting the namespace deletes its veth end, and so the pair.
		exec.Command("ip", "netns", "del", n.name).Run()
		exec.Command("ip", "link", "del", n.hostIf).Run()
	})
	n.ip("link", "add", n.hostIf, "type", "veth", "peer", "name", n.nsIf, "netns", n.name)
	n.ip("addr", "add", n.hostIP+"/30", "dev", n.hostIf)
	n.ip("link", "set", n.hostIf, "up")
	n.ip("-n", n.name, "addr", "add", n.nsIP+"/30", "dev", n.nsIf)
	n.ip("-n", n.name, "link", "set", n.nsIf, "up")
	n.ip("-n", n.name, "link", "set", "lo", "up")
	return n
}

// ip runs ip(8) and fails the test on an error.
func (n *netns) ip(args ...string) {
	n.t.Helper()
	if b, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		n.t.Fatalf("ip %s (the test needs root and iproute2): %v\n%s", strings.Join(args, " "), err, b)
	}
}

// An executor on another host (a network namespace) is cut off by taking
// its link down once shard-write has begun: the ring declares it failed,
// the others stop waiting on it, the driver re-runs what it held, and the
// job has the embedded run's bytes. When the link comes back the executor
// rejoins; whatever it still did while cut off (its late results are
// fenced by attempt) changes neither that output nor the next job's.
func TestNetworkPartition(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	ns := newNetns(t)
	c := newClusterOn(t, ns.hostIP, 2)
	cut := start(t, "cut", "ip", "netns", "exec", ns.name, c.execBin, "--join", c.gossipAddr, "--listen", ns.nsIP+":0",
		"--id", "cut", "--slots", "2", "--memory", "1GiB", "--work-dir", c.dir, "--secret-file", c.secret)
	cut.waitLog(t, `executor cut serving on `+strings.ReplaceAll(ns.nsIP, ".", `\.`))
	c.execs["cut"] = cut
	c.waitExecutors(3)

	ref := filepath.Join(c.dir, "embedded")
	runEmbedded(t, c.driverBin, rows, ref)
	want := digest(t, ref)

	out := filepath.Join(c.dir, "partitioned")
	j := c.submit(rows, out)
	c.waitStage(t, j, "shard-write", 0)
	ns.ip("link", "set", ns.hostIf, "down")
	cutAt := time.Now()
	<-j.done
	took := time.Since(cutAt)
	if j.err != nil {
		t.Fatalf("job with a partitioned executor failed: %v", j.err)
	}
	sameOutput(t, want, digest(t, out))
	c.driver.waitLog(t, `member cut failed`)
	t.Logf("cut off an executor's link at shard-write start: the job finished %s later (the link still down)", took.Round(time.Millisecond))

	// The link comes back: the executor rejoins and takes tasks again.
	ns.ip("link", "set", ns.hostIf, "up")
	c.waitExecutors(3)
	out2 := filepath.Join(c.dir, "healed")
	j2 := c.submit(rows, out2)
	j2.wait(t)
	sameOutput(t, want, digest(t, out2))
	// The first job's output is as it was committed, with nothing added by
	// the executor that was cut off.
	sameOutput(t, want, digest(t, out))
	if n := strings.Count(c.driver.log.String(), "member cut join"); n < 2 {
		t.Errorf("the driver saw the executor join %d times; it never rejoined:\n%s", n, cut.log.String())
	}
}
