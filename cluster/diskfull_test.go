package cluster_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// An executor whose work dir is a 2 MiB tmpfs (mounted by the test; it
// runs as root, as CI does; smaller than one scan task's cache of this
// 2M-row job, about 3.9 MB, so any task it gets fills it) runs out of
// space: its tasks go to the others,
// the driver stops giving it tasks for a while, and the job has the
// embedded run's bytes.
func TestDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	c := newCluster(t, 2)
	small := filepath.Join(c.dir, "small")
	if err := os.MkdirAll(small, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", small, "tmpfs", 0, "size=2m"); err != nil {
		t.Fatalf("mounting a 2 MiB tmpfs (the test needs root): %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(small, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", small, err)
		}
	})
	p := start(t, "small", c.execBin, "--join", c.gossipAddr, "--listen", "127.0.0.1:0", "--id", "small", "--slots", "2",
		"--memory", "1GiB", "--work-dir", small, "--secret-file", c.secret)
	p.waitLog(t, `executor small serving`)
	c.execs["small"] = p
	c.waitExecutors(3)

	const n = 2_000_000
	ref := filepath.Join(c.dir, "embedded")
	runEmbedded(t, c.driverBin, n, ref)
	out := filepath.Join(c.dir, "out")
	j := c.submit(n, out)
	j.wait(t)
	sameOutput(t, digest(t, ref), digest(t, out))
	c.driver.waitLog(t, `executor small: disk full: .*no space left on device; no tasks go to it for`)
	t.Logf("job with one executor's disk full: %s", j.wall)
}
