package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/sluice-ml/sluice/engine/runreport"
	"github.com/sluice-ml/sluice/sink"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// gate holds an embedded job when a stage of kind starts (after the
// observer below it saw the start) until release is closed.
type gate struct {
	runreport.Observer
	kind    string
	reached chan struct{}
	release chan struct{}
	once    sync.Once
}

func (g *gate) StageStarted(s runreport.StageStart) {
	g.Observer.StageStarted(s)
	if s.Kind == g.kind {
		g.once.Do(func() {
			close(g.reached)
			<-g.release
		})
	}
}

// screenshotDir is where the UI test saves its screenshots:
// $SLUICE_UI_SCREENSHOTS, or a test temp dir.
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("SLUICE_UI_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// TestWebUIInBrowser runs an embedded job with --ui, holds it at the start
// of shard-write, and checks in headless Chromium that the jobs, job and
// executors pages show it running; then lets it finish and checks that the
// job page (left open) turns to succeeded with the manifest's splits and
// transforms, and that /metrics agrees with the job's own summary.
func TestWebUIInBrowser(t *testing.T) {
	chrome, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("headless Chromium is needed (Debian package chromium): %v", err)
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	genData(t, data, 60_000, 4)
	out := filepath.Join(dir, "out")
	job := writeJob(t, dir, goodJob, map[string]string{"DATA": data, "OUT": out})
	secretFile := filepath.Join(dir, "secret")
	const secret = "ui-test-secret-0123456789"
	if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	g := &gate{kind: "shard-write", reached: make(chan struct{}), release: make(chan struct{})}
	testObserver = func(o runreport.Observer) runreport.Observer { g.Observer = o; return g }
	defer func() { testObserver = nil }()
	released := false
	defer func() {
		if !released {
			close(g.release)
		}
	}()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	exited := make(chan int, 1)
	go func() {
		exited <- driverCtx(ctx, []string{"submit", job, "--local", "2", "--ui", "127.0.0.1:0", "--secret-file", secretFile,
			"--ui-linger", "1h", "--price-per-core-hour", "0.5", "--log-format", "json"}, &stdout, &stderr)
	}()
	select {
	case <-g.reached:
	case code := <-exited:
		t.Fatalf("submit ended (exit %d) before shard-write: %s", code, stderr.String())
	}
	m := regexp.MustCompile(`web UI on http://([^/ ]+)/`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("no UI address in the log: %s", stderr.String())
	}
	base := "http://" + m[1]

	// Without the secret: 401.
	for _, pass := range []string{"", "wrong-secret-0123456789"} {
		req, _ := http.NewRequest("GET", base+"/", nil)
		if pass != "" {
			req.SetBasicAuth("sluice", pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("password %q: status %d, want 401", pass, resp.StatusCode)
		}
	}

	shots := screenshotDir(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome), chromedp.NoSandbox,
		chromedp.WindowSize(1400, 1000), chromedp.Flag("disable-dev-shm-usage", true))
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	bctx, tcancel := context.WithTimeout(bctx, 3*time.Minute)
	defer tcancel()
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("sluice:"+secret))
	if _, err := chromedp.Call(bctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Authorization": auth}}); err != nil {
		t.Fatal(err)
	}
	do := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(shots, name)
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot %s", p)
	}
	eval := func(js string) []string {
		t.Helper()
		v, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return v
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(bctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("%s: %v", sel, err)
		}
		return strings.TrimSpace(v)
	}
	stageStates := func() map[string]string {
		got := map[string]string{}
		for _, kv := range eval(`Array.from(document.querySelectorAll("#stages tr[data-stage]")).map(r => r.dataset.stage + "=" + r.dataset.state)`) {
			k, v, _ := strings.Cut(kv, "=")
			got[k] = v
		}
		return got
	}

	// During the job.
	do(chromedp.Navigate(base+"/"), chromedp.WaitVisible(`tr[data-job]`))
	jobs := eval(`Array.from(document.querySelectorAll("tr[data-job]")).map(r => r.dataset.job + "=" + r.dataset.state)`)
	percent := text(`tr[data-job] .pct`)
	shot("jobs-running.png")
	if len(jobs) != 1 || !strings.HasPrefix(jobs[0], "small-") || !strings.HasSuffix(jobs[0], "=running") {
		t.Fatalf("jobs page: %v, want one small-… job running", jobs)
	}
	jobID := strings.TrimSuffix(jobs[0], "=running")
	pct, err := strconv.Atoi(strings.TrimSuffix(percent, "%"))
	if err != nil || pct <= 0 || pct >= 100 {
		t.Errorf("jobs page: progress %q, want strictly between 0%% and 100%% while shard-write has not run", percent)
	}
	do(chromedp.Navigate(base+"/jobs/"+jobID), chromedp.WaitVisible(`#stages`))
	shot("job-running.png")
	want := map[string]string{"scan": "done", "aggregate": "done", "split-boundaries": "done", "fit": "done", "shard-write": "running"}
	if got := stageStates(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("job page while held at shard-write: stages %v, want %v", got, want)
	}
	do(chromedp.Navigate(base+"/executors"), chromedp.WaitVisible(`#executors`))
	execs := eval(`Array.from(document.querySelectorAll("tr[data-executor]")).map(r => r.dataset.executor + "/" + r.dataset.state)`)
	shot("executors.png")
	if fmt.Sprint(execs) != "[local-0/alive local-1/alive]" {
		t.Errorf("executors page: %v, want local-0 and local-1 alive", execs)
	}

	// Let the job finish while its page is open: the page refreshes itself.
	do(chromedp.Navigate(base+"/jobs/"+jobID), chromedp.WaitVisible(`#stages`))
	close(g.release)
	released = true
	do(chromedp.WaitVisible(`#job-state.succeeded`), chromedp.WaitVisible(`#transforms`))
	written := text(`#rows-written`)
	splits := eval(`Array.from(document.querySelectorAll("#splits tr[data-split]")).map(r => r.dataset.split + "=" + r.children[2].textContent)`)
	transforms := eval(`Array.from(document.querySelectorAll("#transforms tr[data-transform]")).map(r => r.dataset.transform)`)
	shot("job-done.png")
	man := readSinkManifest(t, out)
	if written != fmt.Sprint(man.Rows.Written) {
		t.Errorf("job page: rows written %s, manifest %d", written, man.Rows.Written)
	}
	var wantSplits []string
	for _, s := range man.Splits {
		wantSplits = append(wantSplits, fmt.Sprintf("%s=%d", s.Name, s.Rows))
	}
	if fmt.Sprint(splits) != fmt.Sprint(wantSplits) {
		t.Errorf("job page: splits %v, manifest %v", splits, wantSplits)
	}
	var wantTr []string
	for _, tr := range man.Transforms {
		wantTr = append(wantTr, tr.Feature)
	}
	if fmt.Sprint(transforms) != fmt.Sprint(wantTr) {
		t.Errorf("job page: transforms %v, manifest %v", transforms, wantTr)
	}
	if got := stageStates(); len(got) != 5 || got["shard-write"] != "done" {
		t.Errorf("job page after the job: stages %v, want all five done", got)
	}

	// The summary is printed before the UI lingers.
	waitFor(t, func() bool { return strings.Contains(stdout.String(), "rows: read") })
	checkMetrics(t, base, secret, man, stdout.String())
	checkJSONLog(t, stderr.String(), jobID, secret)
	cancel()
	if code := <-exited; code != ExitOK {
		t.Fatalf("submit: exit %d: %s", code, stderr.String())
	}
}

// waitFor polls cond (the job runs in another goroutine).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; !cond(); i++ {
		if i > 6000 {
			t.Fatal("condition not reached in 60 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func readSinkManifest(t *testing.T, out string) *sink.Manifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m sink.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

// summaryTasks sums the tasks column of the summary's stage table, by
// stage kind.
func summaryTasks(t *testing.T, summary string) (map[string]int, int) {
	rx := regexp.MustCompile(`(?m)^(\d+)\s+(\S+)\s+(\d+)\s`)
	by, all := map[string]int{}, 0
	for _, m := range rx.FindAllStringSubmatch(summary, -1) {
		n, _ := strconv.Atoi(m[3])
		by[m[2]] += n
		all += n
	}
	if all == 0 {
		t.Fatalf("no stage table in the summary:\n%s", summary)
	}
	return by, all
}

// checkMetrics scrapes /metrics, parses it and compares it with the
// manifest and the summary.
func checkMetrics(t *testing.T, base, secret string, man *sink.Manifest, summary string) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/metrics", nil)
	req.SetBasicAuth("prometheus", secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	value := func(name string, labels ...string) float64 {
		f := fams[name]
		if f == nil {
			t.Errorf("/metrics has no %s", name)
			return -1
		}
		for _, m := range f.Metric {
			if matches(m, labels) {
				switch {
				case m.Counter != nil:
					return m.Counter.GetValue()
				case m.Gauge != nil:
					return m.Gauge.GetValue()
				}
			}
		}
		t.Errorf("/metrics: no %s%v", name, labels)
		return -1
	}
	if got := value("sluice_stage_rows_total", "stage", "scan"); got != float64(man.Rows.Read) {
		t.Errorf("sluice_stage_rows_total{stage=scan} = %v, manifest rows read %d", got, man.Rows.Read)
	}
	if got := value("sluice_stage_rows_total", "stage", "shard-write"); got != float64(man.Rows.Written) {
		t.Errorf("sluice_stage_rows_total{stage=shard-write} = %v, manifest rows written %d", got, man.Rows.Written)
	}
	_, tasks := summaryTasks(t, summary)
	if got := value("sluice_tasks_total", "state", "done"); got != float64(tasks) {
		t.Errorf("sluice_tasks_total{state=done} = %v, the summary's stages ran %d tasks", got, tasks)
	}
	for _, name := range []string{"sluice_tasks_total{failed}", "sluice_task_retries_total", "sluice_executors_lost_total", "sluice_tasks_running", "sluice_jobs_running"} {
		n, l, _ := strings.Cut(strings.TrimSuffix(name, "}"), "{")
		var labels []string
		if l != "" {
			labels = []string{"state", l}
		}
		if got := value(n, labels...); got != 0 {
			t.Errorf("%s = %v after a clean job, want 0", name, got)
		}
	}
	if got := value("sluice_jobs_total", "state", "succeeded"); got != 1 {
		t.Errorf("sluice_jobs_total{state=succeeded} = %v, want 1", got)
	}
	if got := value("sluice_memory_budget_bytes", "executor", "local-0"); got != 2<<30 {
		t.Errorf("sluice_memory_budget_bytes{executor=local-0} = %v, want the default 2 GiB", got)
	}
}

func matches(m *dto.Metric, labels []string) bool {
	for i := 0; i+1 < len(labels); i += 2 {
		ok := false
		for _, lp := range m.Label {
			if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// checkJSONLog checks that every log line is a JSON object, that the
// stage lines carry the job and stage ids, and that the secret is absent.
func checkJSONLog(t *testing.T, log, jobID, secret string) {
	t.Helper()
	if strings.Contains(log, secret) {
		t.Errorf("the log holds the cluster secret:\n%s", log)
	}
	stages := 0
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			continue // progress lines share stderr
		}
		if rec["msg"] == nil || rec["level"] == nil || rec["time"] == nil {
			t.Errorf("log record without time, level or msg: %s", line)
		}
		if strings.HasSuffix(fmt.Sprint(rec["msg"]), " done") && rec["stage"] != nil {
			stages++
			if rec["job"] != jobID {
				t.Errorf("stage record with job %v, want %s: %s", rec["job"], jobID, line)
			}
		}
	}
	if stages != 5 {
		t.Errorf("%d stage-done records in the JSON log, want 5:\n%s", stages, log)
	}
}
