package cluster_test

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sluice-ml/sluice/cluster/auth"
	"github.com/sluice-ml/sluice/cluster/serve"
)

// exitCode waits for p and returns its exit status.
func exitCode(t *testing.T, p *proc) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("%s still runs:\n%s", p.name, p.log.String())
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	if p.err != nil {
		t.Fatalf("%s: %v", p.name, p.err)
	}
	return 0
}

// An open cluster is refused unless asked for: `driver serve` and
// `executor` without a secret exit 2 naming --secret-file and --insecure;
// with --insecure they start, warn at start, and `driver status` warns.
func TestOpenServeRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	driverBin, execBin := buildBinaries(t)
	dir := t.TempDir()
	for _, p := range []*proc{
		start(t, "open driver", driverBin, "serve", "--listen", "127.0.0.1:0", "--gossip", "127.0.0.1:0", "--work-dir", dir),
		start(t, "open executor", execBin, "--join", "127.0.0.1:1", "--listen", "127.0.0.1:0", "--work-dir", dir),
	} {
		if code := exitCode(t, p); code != 2 {
			t.Errorf("%s exited %d, want 2:\n%s", p.name, code, p.log.String())
		}
		if l := p.log.String(); !strings.Contains(l, "no cluster secret") || !strings.Contains(l, "--secret-file") || !strings.Contains(l, "--insecure") {
			t.Errorf("%s: no clear refusal:\n%s", p.name, l)
		}
		if strings.Contains(p.log.String(), "serving") {
			t.Errorf("%s served:\n%s", p.name, p.log.String())
		}
	}

	d := start(t, "insecure driver", driverBin, "serve", "--insecure", "--listen", "127.0.0.1:0", "--gossip", "127.0.0.1:0", "--work-dir", dir)
	m := regexp.MustCompile(`driver serving on (\S+), gossip (\S+)`).FindStringSubmatch(d.waitLog(t, `driver serving on \S+, gossip \S+`))
	if !strings.Contains(d.log.String(), "WARNING: --insecure") {
		t.Errorf("the insecure driver did not warn at start:\n%s", d.log.String())
	}
	e := start(t, "insecure executor", execBin, "--insecure", "--join", m[2], "--listen", "127.0.0.1:0", "--id", "open1", "--work-dir", dir)
	e.waitLog(t, `executor open1 serving`)
	if !strings.Contains(e.log.String(), "WARNING: --insecure") {
		t.Errorf("the insecure executor did not warn at start:\n%s", e.log.String())
	}
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := serve.Status(ctx, m[1], auth.Security{}, "", &out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "WARNING: --insecure") {
		t.Errorf("driver status of an open driver does not warn:\n%s", out.String())
	}
	e.stop(t)
	d.stop(t)
}
