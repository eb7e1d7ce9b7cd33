package ui

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sluice-ml/sluice/monitor"
)

type fixed monitor.Snapshot

func (f fixed) Snapshot() monitor.Snapshot { return monitor.Snapshot(f) }

// TestAuth: without the secret every page is 401 and asks for basic auth;
// with it the pages render; /healthz is open; no password without
// --insecure is refused.
func TestAuth(t *testing.T) {
	snap := fixed{Time: time.Unix(0, 0), Mode: "cluster", Jobs: []monitor.JobView{{ID: "j<1>", Name: "n", State: "running", Percent: 40,
		Stages: []monitor.StageView{{ID: 1, Kind: "scan", Label: "scan", State: "running", Tasks: 4, Done: 1}}}},
		Executors: []monitor.ExecutorView{{ID: "ex1", State: "alive", MemoryUsed: -1}}}
	if _, err := Handler(Config{Source: snap}); err != ErrNoPassword {
		t.Errorf("no password, not insecure: %v", err)
	}
	h, err := Handler(Config{Source: snap, Password: []byte("the-secret-0123456789")})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	get := func(path, pass string) (int, string, http.Header) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if pass != "" {
			req.SetBasicAuth("any", pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	for _, p := range []string{"/", "/jobs/j%3C1%3E", "/executors", "/api/snapshot", "/static/style.css"} {
		for _, pass := range []string{"", "the-secret-012345678", "the-secret-0123456789x"} {
			code, _, hdr := get(p, pass)
			if code != http.StatusUnauthorized || !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("%s with password %q: %d %v, want 401 asking for basic auth", p, pass, code, hdr)
			}
		}
	}
	if code, body, _ := get("/healthz", ""); code != 200 || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	code, body, hdr := get("/", "the-secret-0123456789")
	if code != 200 || !strings.Contains(body, `data-job="j&lt;1&gt;"`) || hdr.Get("X-Sluice-Live") != "true" {
		t.Errorf("jobs page: %d live=%q\n%s", code, hdr.Get("X-Sluice-Live"), body)
	}
	code, body, _ = get("/jobs/j%3C1%3E?fragment=1", "the-secret-0123456789")
	if code != 200 || strings.Contains(body, "<html") || !strings.Contains(body, `data-stage="scan"`) {
		t.Errorf("job fragment: %d\n%s", code, body)
	}
	if code, _, _ := get("/jobs/nope", "the-secret-0123456789"); code != http.StatusNotFound {
		t.Errorf("unknown job: %d, want 404", code)
	}
}
