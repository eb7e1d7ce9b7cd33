package cluster_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/sluice-ml/sluice/cluster/auth"
	"github.com/sluice-ml/sluice/cluster/serve"
)

// procCPU reads a process's user + system CPU time from /proc, in clock
// ticks (an oracle independent of the engine's accounting).
func procCPU(t *testing.T, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// The command name (field 2) may hold spaces: count from its ')'.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

// scrape fetches and parses a /metrics page.
func scrape(t *testing.T, url, password string) map[string]*dto.MetricFamily {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if password != "" {
		req.SetBasicAuth("prometheus", password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("%s: status %d", url, resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("%s does not parse: %v", url, err)
	}
	return fams
}

// metric is the value of the family's sample with the label (or the only
// sample when label is empty).
func metric(t *testing.T, fams map[string]*dto.MetricFamily, name, label, value string) float64 {
	t.Helper()
	f := fams[name]
	if f == nil {
		t.Fatalf("no metric %s", name)
	}
	for _, m := range f.Metric {
		ok := label == ""
		for _, lp := range m.Label {
			if lp.GetName() == label && lp.GetValue() == value {
				ok = true
			}
		}
		if ok {
			if m.Counter != nil {
				return m.Counter.GetValue()
			}
			return m.Gauge.GetValue()
		}
	}
	t.Fatalf("no %s{%s=%q}", name, label, value)
	return 0
}

func httpStatus(t *testing.T, url, password string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if password != "" {
		req.SetBasicAuth("x", password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestOperations runs a cluster whose driver serves the UI and whose
// executors serve metrics, all logging JSON, and checks: the summary's CPU
// against the executors' CPU read from /proc; the executors' task counters
// against the driver's and the summary's; 401 without the secret; the
// UI's job state; status with completion and cost; and JSON logs that
// never hold the secret.
func TestOperations(t *testing.T) {
	driverBin, execBin := buildBinaries(t)
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "secret")
	const secret = "ops test secret 0123456789abcdef"
	writeFile(t, secretFile, secret+"\n")
	sec, err := auth.NewSecurity(secretFile, "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	drv := start(t, "driver", driverBin, "serve", "--listen", "127.0.0.1:0", "--gossip", "127.0.0.1:0", "--secret-file", secretFile,
		"--work-dir", dir, "--ui", "127.0.0.1:0", "--log-format", "json", "--price-per-core-hour", "3.6")
	m := regexp.MustCompile(`driver serving on ([^\s,"]+), gossip ([^\s,"]+)`).FindStringSubmatch(drv.waitLog(t, `driver serving on [^\s,"]+, gossip [^\s,"]+`))
	grpcAddr, gossip := m[1], m[2]
	uiAddr := regexp.MustCompile(`web UI on http://([^/"]+)/`).FindStringSubmatch(drv.waitLog(t, `web UI on http://[^/"]+/`))[1]
	execs := map[string]*proc{}
	metricsAddr := map[string]string{}
	for _, id := range []string{"ex1", "ex2"} {
		p := start(t, id, execBin, "--join", gossip, "--listen", "127.0.0.1:0", "--id", id, "--slots", "2", "--memory", "1GiB",
			"--work-dir", dir, "--secret-file", secretFile, "--metrics", "127.0.0.1:0", "--log-format", "json")
		metricsAddr[id] = regexp.MustCompile(`metrics on http://([^/"]+)/`).FindStringSubmatch(p.waitLog(t, `executor `+id+` metrics on http://[^/"]+/`))[1]
		p.waitLog(t, `executor `+id+` serving`)
		execs[id] = p
	}
	c := &testCluster{t: t, grpcAddr: grpcAddr, sec: sec}
	c.waitExecutors(2)

	for id, a := range metricsAddr {
		if got := httpStatus(t, "http://"+a+"/metrics", ""); got != http.StatusUnauthorized {
			t.Errorf("%s /metrics without the secret: %d, want 401", id, got)
		}
		if got := httpStatus(t, "http://"+a+"/healthz", ""); got != http.StatusOK {
			t.Errorf("%s /healthz: %d, want 200 (probes carry no credentials)", id, got)
		}
	}
	if got := httpStatus(t, "http://"+uiAddr+"/", "wrong password 0123456789"); got != http.StatusUnauthorized {
		t.Errorf("UI with a wrong password: %d, want 401", got)
	}

	cpu0 := map[string]time.Duration{}
	for id, p := range execs {
		cpu0[id] = procCPU(t, p.cmd.Process.Pid)
	}
	d0 := procCPU(t, drv.cmd.Process.Pid)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	summary, err := serve.Submit(ctx, grpcAddr, sec, "../examples/citibike.yaml", citibikeSets(300_000, filepath.Join(dir, "out")), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var execCPU time.Duration
	for id, p := range execs {
		execCPU += procCPU(t, p.cmd.Process.Pid) - cpu0[id]
	}
	drvCPU := procCPU(t, drv.cmd.Process.Pid) - d0

	// The summary's CPU: every stage's, summed on the closing line.
	cm := regexp.MustCompile(`wall \S+  cpu (\S+)`).FindStringSubmatch(summary)
	if cm == nil {
		t.Fatalf("no cpu on the summary's closing line:\n%s", summary)
	}
	sumCPU, err := time.ParseDuration(cm[1])
	if err != nil {
		t.Fatal(err)
	}
	// The executors did nearly all the work: the summary must count it
	// (it once showed only the driver's), and cannot exceed what the
	// processes spent (plus rounding to 10 ms per stage and tick).
	if sumCPU < execCPU/2 || sumCPU > execCPU+drvCPU+200*time.Millisecond {
		t.Errorf("summary CPU %s; the executors spent %s and the driver %s during the job (from /proc)\n%s", sumCPU, execCPU, drvCPU, summary)
	}

	tasks := 0
	for _, row := range regexp.MustCompile(`(?m)^\d+\s+\S+\s+(\d+)\s`).FindAllStringSubmatch(summary, -1) {
		n, _ := strconv.Atoi(row[1])
		tasks += n
	}
	drvM := scrape(t, "http://"+uiAddr+"/metrics", secret)
	if got := metric(t, drvM, "sluice_tasks_total", "state", "done"); got != float64(tasks) {
		t.Errorf("driver sluice_tasks_total{state=done} = %v, the summary's stages ran %d tasks", got, tasks)
	}
	var execDone float64
	for id, a := range metricsAddr {
		em := scrape(t, "http://"+a+"/metrics", secret)
		execDone += metric(t, em, "sluice_executor_tasks_total", "state", "done")
		if got := metric(t, em, "sluice_memory_budget_bytes", "executor", id); got != 1<<30 {
			t.Errorf("%s sluice_memory_budget_bytes = %v, want its --memory 1GiB", id, got)
		}
		for _, name := range []string{"sluice_shuffle_fetch_bytes_total", "sluice_shuffle_fetch_errors_total", "sluice_executor_tasks_running"} {
			metric(t, em, name, "", "")
		}
	}
	if execDone != float64(tasks) {
		t.Errorf("executors' sluice_executor_tasks_total{state=done} sum to %v, the summary's stages ran %d tasks", execDone, tasks)
	}

	// The UI's snapshot and status agree on the finished job.
	type snapshot struct {
		Jobs []struct {
			State      string  `json:"state"`
			Percent    float64 `json:"percent"`
			CPUSeconds float64 `json:"cpu_seconds"`
			Cost       float64 `json:"cost"`
		} `json:"jobs"`
		Executors []struct {
			ID            string    `json:"id"`
			State         string    `json:"state"`
			Done          int       `json:"done"`
			LastHeartbeat time.Time `json:"last_heartbeat"`
		} `json:"executors"`
	}
	getSnap := func() snapshot {
		req, _ := http.NewRequest("GET", "http://"+uiAddr+"/api/snapshot", nil)
		req.SetBasicAuth("me", secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var s snapshot
		if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	// A heartbeat is the member's answer to the driver's failure-detector
	// probe, which visits one member per second: a job shorter than a probe
	// round can end before an executor is first probed, so wait for a round.
	snap := getSnap()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		probed := true
		for _, e := range snap.Executors {
			probed = probed && !e.LastHeartbeat.IsZero()
		}
		if probed {
			break
		}
		time.Sleep(200 * time.Millisecond)
		snap = getSnap()
	}
	if len(snap.Jobs) != 1 || snap.Jobs[0].State != "succeeded" || snap.Jobs[0].Percent != 100 {
		t.Fatalf("UI snapshot: %+v, want one succeeded job at 100%%", snap.Jobs)
	}
	// Cost: CPU hours at $3.6 per core-hour is $0.001 per CPU second.
	if j := snap.Jobs[0]; j.Cost <= 0 || fmt.Sprintf("%.9f", j.Cost) != fmt.Sprintf("%.9f", j.CPUSeconds*3.6/3600) {
		t.Errorf("UI cost $%v for %v CPU seconds at $3.6/core-hour", j.Cost, j.CPUSeconds)
	}
	done := 0
	for _, e := range snap.Executors {
		done += e.Done
		if e.State != "alive" || e.LastHeartbeat.IsZero() {
			t.Errorf("UI executor %s: state %s, last heartbeat %v; want alive with a heartbeat", e.ID, e.State, e.LastHeartbeat)
		}
	}
	if len(snap.Executors) != 2 || done != tasks {
		t.Errorf("UI executors %+v: want 2 that ran %d tasks", snap.Executors, tasks)
	}
	var out strings.Builder
	if err := serve.Status(ctx, grpcAddr, sec, "", &out); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^citibike\S*-1\s+succeeded\s+100%\s+-\s+\S+s\s+\S+s\s+\$0\.\d{4}`).MatchString(out.String()) {
		t.Errorf("status does not show the job succeeded at 100%% with its cost:\n%s", out.String())
	}

	// JSON logs, with the job's ids as attributes, and no secret.
	stageLines := 0
	for name, p := range map[string]*proc{"driver": drv, "ex1": execs["ex1"], "ex2": execs["ex2"]} {
		log := p.log.String()
		if strings.Contains(log, secret) || strings.Contains(log, strings.Fields(secret)[2]) {
			t.Errorf("%s log holds the secret", name)
		}
		sc := bufio.NewScanner(strings.NewReader(log))
		for sc.Scan() {
			var rec map[string]any
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil || rec["msg"] == nil || rec["time"] == nil {
				t.Errorf("%s log line is not a JSON record: %s", name, sc.Text())
				continue
			}
			if rec["job"] != nil && rec["stage"] != nil && strings.HasSuffix(rec["msg"].(string), " done") {
				stageLines++
			}
		}
	}
	if stageLines < 5 {
		t.Errorf("%d stage-done records with job and stage attributes in the driver's JSON log, want one per stage", stageLines)
	}
}
