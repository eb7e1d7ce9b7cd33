package cluster_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sluice-ml/sluice/cluster/serve"
	"github.com/sluice-ml/sluice/task/workdir"
)

// jobFiles lists the job directories in the executors' scratch.
func (c *testCluster) jobFiles() []string {
	var out []string
	works, _ := filepath.Glob(filepath.Join(c.dir, "sluice-*-*"))
	for _, w := range works {
		ents, _ := os.ReadDir(w)
		for _, e := range ents {
			if !workdir.IsOwnerFile(e.Name()) {
				out = append(out, filepath.Join(w, e.Name()))
			}
		}
	}
	return out
}

// waitNoJobFiles waits until no executor holds a job's files.
func (c *testCluster) waitNoJobFiles(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for len(c.jobFiles()) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("executors still hold job files: %v", c.jobFiles())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The driver keeps no state only it knows: a job whose client goes away
// is cancelled and its files deleted; after kill -9 of the driver the
// executors drop its jobs' files, rejoin the driver restarted on the same
// ports, and the next job has the embedded run's bytes.
func TestDriverRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	c := newCluster(t, 2)
	ref := filepath.Join(c.dir, "embedded")
	runEmbedded(t, c.driverBin, rows, ref)
	want := digest(t, ref)

	t.Run("client gone", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		j := &job{done: make(chan struct{}), start: time.Now()}
		go func() {
			defer close(j.done)
			_, j.err = serve.Submit(ctx, c.grpcAddr, c.sec, "../examples/citibike.yaml", citibikeSets(rows, filepath.Join(c.dir, "gone")), "", nil)
		}()
		c.waitStage(t, j, "fit", 0)
		cancel()
		<-j.done
		c.driver.waitLog(t, `job \S+: its client is gone; cancelling it`)
		c.driver.waitLog(t, `job \S+ cancelled in`)
		st, err := c.status("")
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Jobs) != 1 || st.Jobs[0].State != "cancelled" {
			t.Errorf("status: %v", st.Jobs)
		}
		c.waitNoJobFiles(t)
	})

	t.Run("kill -9 and restart the driver", func(t *testing.T) {
		dead := c.submit(rows, filepath.Join(c.dir, "dead"))
		c.waitStage(t, dead, "fit", 0)
		if len(c.jobFiles()) == 0 {
			t.Fatal("the running job has no files on the executors")
		}
		c.driver.cmd.Process.Kill()
		<-c.driver.done
		<-dead.done
		if dead.err == nil {
			t.Fatal("the job of the killed driver succeeded")
		}
		for id, p := range c.execs {
			p.waitLog(t, `driver \S+ failed: job \S+ cancelled and its files deleted`)
			_ = id
		}
		c.waitNoJobFiles(t)
		// Restart once the executors no longer gossip to the dead driver
		// (memberlist's local config: 15 s), so only their rejoin loop can
		// bring them back.
		time.Sleep(20 * time.Second)

		c.driver = start(t, "driver2", c.driverBin, "serve", "--listen", c.grpcAddr, "--gossip", c.gossipAddr,
			"--secret-file", c.secret, "--work-dir", c.dir)
		c.driver.waitLog(t, `driver serving on `+regexp.QuoteMeta(c.grpcAddr))
		c.waitExecutors(2)
		// At least one executor contacted the seeds again (the others may
		// learn of the driver from it).
		// The executor logs its rejoin after the join returns, which can be
		// just after the driver has seen it; wait for the line.
		rejoined := 0
		for deadline := time.Now().Add(30 * time.Second); rejoined == 0 && time.Now().Before(deadline); {
			for _, p := range c.execs {
				if strings.Contains(p.log.String(), "rejoined the ring") {
					rejoined++
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
		if rejoined == 0 {
			t.Error("no executor logged its rejoin within 30s")
		}
		if m, _ := filepath.Glob(filepath.Join(c.dir, "dead.tmp-*")); len(m) != 1 {
			t.Errorf("the killed job left no temporary output: %v", m)
		}
		// The next job, to the same output, succeeds; the killed job's
		// temporary output and the old driver's scratch are gone.
		out := filepath.Join(c.dir, "dead")
		j := c.submit(rows, out)
		j.wait(t)
		sameOutput(t, want, digest(t, out))
		if m, _ := filepath.Glob(filepath.Join(c.dir, "dead.tmp-*")); len(m) != 0 {
			t.Errorf("the killed job's temporary output is still there: %v", m)
		}
		if m, _ := filepath.Glob(filepath.Join(c.dir, "sluice-citibike*")); len(m) != 0 {
			t.Errorf("the killed driver's scratch is still there: %v", m)
		}
		for _, p := range c.execs {
			p.stop(t)
			if regexp.MustCompile(`tasks still running`).MatchString(p.log.String()) {
				t.Errorf("%s had to cancel tasks at stop:\n%s", p.name, p.log.String())
			}
		}
		c.driver.stop(t)
	})
}
