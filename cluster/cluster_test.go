package cluster_test

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sluice-ml/sluice/cluster/auth"
	"github.com/sluice-ml/sluice/cluster/serve"
	pb "github.com/sluice-ml/sluice/proto"
)

// rows of the generated citibike input: enough for every stage to last a
// few hundred milliseconds, so a kill lands inside the chosen stage.
const rows = 600_000

// TestCluster runs real processes on loopback: a serving driver and three
// executors run the citibike example with the embedded run's output bytes,
// survive executors killed mid-stage, take a joining executor and lose
// nothing when one leaves; a wrong secret is refused; SIGTERM stops all.
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	c := newCluster(t, 3)
	ref := filepath.Join(c.dir, "embedded")
	embeddedWall := runEmbedded(t, c.driverBin, rows, ref)
	want := digest(t, ref)

	t.Run("citibike on 3 executors", func(t *testing.T) {
		// A relative output path resolves where the client submits it, not
		// in the driver's working directory.
		t.Chdir(c.dir)
		out := filepath.Join(c.dir, "cluster")
		j := c.submit(rows, "cluster")
		j.wait(t)
		sameOutput(t, want, digest(t, out))
		if m, _ := filepath.Glob(filepath.Join(c.driverCwd, "*")); len(m) != 0 {
			t.Errorf("the job wrote into the driver's working directory: %v", m)
		}
		t.Logf("citibike %d rows: 3 executors %s, embedded (--local 3) %s", rows, j.wall.Round(time.Millisecond), embeddedWall.Round(time.Millisecond))
		if !strings.Contains(j.summary, "shard-write") {
			t.Errorf("summary lacks the stage table:\n%s", j.summary)
		}
	})

	t.Run("status of a driver with a secret does not warn", func(t *testing.T) {
		var b strings.Builder
		if err := serve.Status(context.Background(), c.grpcAddr, c.sec, "", &b); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), "WARNING") || !strings.Contains(b.String(), "3 executors") {
			t.Errorf("status:\n%s", b.String())
		}
	})

	t.Run("two jobs at once", func(t *testing.T) {
		a := c.submit(rows, filepath.Join(c.dir, "twoA"))
		b := c.submit(rows, filepath.Join(c.dir, "twoB"))
		a.wait(t)
		b.wait(t)
		sameOutput(t, want, digest(t, filepath.Join(c.dir, "twoA")))
		sameOutput(t, want, digest(t, filepath.Join(c.dir, "twoB")))
	})

	// Kill -9 one executor at three moments of the cache reads: when the
	// fit starts, and when the shard-write (which fetches every cache's
	// buckets of its shard) starts and is half-way through.
	moments := []struct {
		name  string
		stage string
		frac  float64
	}{{"fit start", "fit", 0}, {"shard-write start", "shard-write", 0}, {"shard-write half", "shard-write", 0.5}}
	for i, mo := range moments {
		t.Run("kill -9 at "+mo.name, func(t *testing.T) {
			victim := fmt.Sprintf("ex%d", 3-i%3)
			out := filepath.Join(c.dir, fmt.Sprintf("kill%d", i))
			j := c.submit(rows, out)
			killedAt := c.killWhen(t, j, victim, mo.stage, mo.frac)
			delete(c.execs, victim)
			defer func() {
				// A fresh executor takes the victim's place for the next run;
				// the victim's scratch goes at its start (or at the next
				// job's), the live executors' stays.
				c.addExecutor(victim + "b")
				c.waitExecutors(3)
				if m, _ := filepath.Glob(filepath.Join(c.dir, "sluice-"+victim+"-*")); len(m) != 0 {
					t.Errorf("the killed executor's scratch is still there: %v", m)
				}
				for id := range c.execs {
					if m, _ := filepath.Glob(filepath.Join(c.dir, "sluice-"+id+"-*")); len(m) != 1 {
						t.Errorf("live executor %s's scratch: %v", id, m)
					}
				}
			}()
			j.wait(t)
			sameOutput(t, want, digest(t, out))
			// Failure detection: the ring declares the victim dead.
			line := c.driver.waitLog(t, `\S+ \S+ member `+victim+` failed`)
			if at, err := time.ParseInLocation("2006/01/02 15:04:05.000000", strings.Join(strings.Fields(line)[:2], " "), time.Local); err == nil {
				t.Logf("killed %s at %s: the driver's ring reported it failed after %s; job took %s", victim, mo.name, at.Sub(killedAt).Round(time.Millisecond), j.wall.Round(time.Millisecond))
			}
		})
	}

	// A frozen executor (SIGSTOP, kept stopped until the job is over) must
	// not hang the job: the ring declares it failed, every node drops its
	// connections to it (keepalive and fetch deadlines back this up), and
	// the driver re-runs what it held.
	t.Run("SIGSTOP during shard-write", func(t *testing.T) {
		var victim string
		for id := range c.execs {
			if victim == "" || id < victim {
				victim = id
			}
		}
		out := filepath.Join(c.dir, "frozen")
		j := c.submit(rows, out)
		c.waitStage(t, j, "shard-write", 0)
		p := c.execs[victim]
		p.cmd.Process.Signal(syscall.SIGSTOP)
		frozenAt := time.Now()
		<-j.done
		took := time.Since(frozenAt)
		p.cmd.Process.Kill() // SIGKILL ends a stopped process too
		<-p.done
		delete(c.execs, victim)
		defer func() {
			c.addExecutor(victim + "b")
			c.waitExecutors(3)
		}()
		if j.err != nil {
			t.Fatalf("job with a frozen executor failed: %v", j.err)
		}
		sameOutput(t, want, digest(t, out))
		c.driver.waitLog(t, `member `+victim+` failed`)
		t.Logf("froze %s at shard-write start: the job finished %s later (the executor still stopped)", victim, took.Round(time.Millisecond))
	})

	t.Run("join and graceful leave mid-job", func(t *testing.T) {
		out := filepath.Join(c.dir, "joinleave")
		j := c.submit(rows, out)
		c.waitStage(t, j, "fit", 0)
		// Hold the job while the newcomer joins: on a fast machine the
		// remaining stages could otherwise be handed out before the driver
		// hears of it. The pause is far shorter than gossip's suspicion
		// timeout, so no member is marked failed.
		var frozen []*proc
		for _, p := range c.execs {
			p.cmd.Process.Signal(syscall.SIGSTOP)
			frozen = append(frozen, p)
		}
		thaw := func() {
			for _, p := range frozen {
				p.cmd.Process.Signal(syscall.SIGCONT)
			}
			frozen = nil
		}
		defer thaw()
		c.addExecutor("late")
		c.waitExecutors(len(c.execs))
		thaw()
		var leaver string
		for id := range c.execs {
			if id != "late" {
				leaver = id
				break
			}
		}
		lp := c.execs[leaver]
		lp.cmd.Process.Signal(syscall.SIGTERM)
		j.wait(t)
		sameOutput(t, want, digest(t, out))
		<-lp.done
		if lp.err != nil {
			t.Errorf("leaving executor exited with %v", lp.err)
		}
		c.driver.waitLog(t, `member `+leaver+` leave`)
		delete(c.execs, leaver)
		st := c.waitExecutors(3)
		var lateTasks int64
		for _, e := range st.Executors {
			if e.Id == "late" {
				lateTasks = e.TasksDone
			}
		}
		if lateTasks == 0 {
			t.Errorf("the executor that joined mid-job ran no tasks: %v", st.Executors)
		}
		if strings.Contains(lp.log.String(), "cancelling") {
			t.Errorf("the leaving executor cancelled running tasks:\n%s", lp.log.String())
		}
	})

	t.Run("wrong secret refused at join and fetch", func(t *testing.T) {
		bad := filepath.Join(c.dir, "bad-secret")
		writeFile(t, bad, "not the cluster secret at all, no\n")
		p := c.startExecutor("intruder", bad)
		<-p.done
		if p.err == nil {
			t.Fatalf("an executor with a wrong secret joined:\n%s", p.log.String())
		}
		if !strings.Contains(p.log.String(), "refused") || !strings.Contains(p.log.String(), "secret") {
			t.Errorf("no clear refusal line:\n%s", p.log.String())
		}
		st := c.waitExecutors(3)
		for _, e := range st.Executors {
			if e.Id == "intruder" {
				t.Errorf("intruder listed: %v", st.Executors)
			}
		}
		// Fetch with the wrong secret from a live executor.
		target := st.Executors[0]
		badSec, err := auth.NewSecurity(bad, "", "", "")
		if err != nil {
			t.Fatal(err)
		}
		for _, sec := range []auth.Security{badSec, {}} {
			err := fetchOnce(target.Addr, sec)
			if status.Code(err) != codes.Unauthenticated {
				t.Errorf("fetch with a wrong secret: got %v, want Unauthenticated", err)
			}
		}
		c.execs[target.Id].waitLog(t, `refused /sluice.v1.Executor/Fetch from 127\.0\.0\.1:\d+: wrong cluster secret`)
		c.execs[target.Id].waitLog(t, `refused /sluice.v1.Executor/Fetch from 127\.0\.0\.1:\d+: no cluster secret`)
		// And a driver client without the secret cannot submit.
		if _, err := serve.Submit(context.Background(), c.grpcAddr, auth.Security{}, "../examples/citibike.yaml", nil, "", nil); status.Code(err) != codes.Unauthenticated && !strings.Contains(fmt.Sprint(err), "secret") {
			t.Errorf("submit without the secret: %v", err)
		}
	})

	t.Run("SIGTERM stops every process cleanly", func(t *testing.T) {
		for id, p := range c.execs {
			p.stop(t)
			if !strings.Contains(p.log.String(), "leaving the ring") || !strings.Contains(p.log.String(), "executor "+id+" stopped") {
				t.Errorf("%s did not leave and stop:\n%s", id, p.log.String())
			}
			c.driver.waitLog(t, `member `+id+` leave`)
		}
		c.driver.stop(t)
		c.driver.waitLog(t, `driver stopped`)
	})
}

// waitStage polls the driver's status until the job's current stage is
// kind with at least frac of its tasks done and a task running; it fails
// the test when the job ends first.
func (c *testCluster) waitStage(t *testing.T, j *job, kind string, frac float64) {
	t.Helper()
	rx := regexp.MustCompile(`^(\d+) (\S+): (\d+)/(\d+) tasks done, (\d+) running`)
	for {
		select {
		case <-j.done:
			t.Fatalf("job ended (%v) before stage %s reached %.0f%%", j.err, kind, frac*100)
		default:
		}
		st, err := c.status("")
		if err == nil {
			for _, js := range st.Jobs {
				m := rx.FindStringSubmatch(js.Stage)
				if js.State != "running" || m == nil || m[2] != kind {
					continue
				}
				var done, total, running int
				fmt.Sscan(m[3], &done)
				fmt.Sscan(m[4], &total)
				fmt.Sscan(m[5], &running)
				if running > 0 && float64(done) >= frac*float64(total) {
					return
				}
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// killWhen kills the victim with SIGKILL once the stage is reached and
// returns the moment of the kill.
func (c *testCluster) killWhen(t *testing.T, j *job, victim, kind string, frac float64) time.Time {
	t.Helper()
	c.waitStage(t, j, kind, frac)
	p := c.execs[victim]
	p.cmd.Process.Kill()
	at := time.Now()
	<-p.done
	return at
}

// fetchOnce asks an executor for a partition with the given credentials.
func fetchOnce(addr string, sec auth.Security) error {
	opts, err := sec.DialOptions()
	if err != nil {
		return err
	}
	cc, err := grpc.NewClient(addr, opts...)
	if err != nil {
		return err
	}
	defer cc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := pb.NewExecutorClient(cc).Fetch(ctx, &pb.FetchRequest{Path: "/nonexistent", Partition: 0})
	if err != nil {
		return err
	}
	_, err = st.Recv()
	return err
}
