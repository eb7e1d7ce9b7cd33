package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/sluice-ml/sluice/monitor"
)

// pages renders the UI's pages from snapshots.
type pages struct {
	src  Source
	tmpl *template.Template
}

func newPages(src Source) (*pages, error) {
	t, err := template.New("").Funcs(tmplFuncs).ParseFS(assets, "assets/*.html")
	if err != nil {
		return nil, fmt.Errorf("ui templates: %w", err)
	}
	return &pages{src: src, tmpl: t}, nil
}

// page is what every template gets.
type page struct {
	Title    string
	Nav      string // jobs | executors
	Snap     monitor.Snapshot
	Job      *monitor.JobView
	Live     bool // a job runs: the page refreshes itself
	Fragment bool // only the content, for the refresh
}

// render writes a page, or with ?fragment=1 only its content.
func (p *pages) render(w http.ResponseWriter, r *http.Request, name string, pg page) {
	for _, j := range pg.Snap.Jobs {
		if j.State == "running" {
			pg.Live = true
		}
	}
	pg.Fragment = r.URL.Query().Get("fragment") == "1"
	var b bytes.Buffer
	tmpl := "layout"
	if pg.Fragment {
		tmpl = name
	}
	pg.Title = name
	if err := p.tmpl.Lookup(tmpl).Execute(&b, struct {
		page
		Content string
	}{pg, name}); err != nil {
		http.Error(w, "rendering "+name+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Sluice-Live", fmt.Sprint(pg.Live))
	w.Write(b.Bytes())
}

func (p *pages) jobs(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, "jobs", page{Nav: "jobs", Snap: p.src.Snapshot()})
}

func (p *pages) job(w http.ResponseWriter, r *http.Request) {
	s := p.src.Snapshot()
	id := r.PathValue("id")
	for i := range s.Jobs {
		if s.Jobs[i].ID == id {
			p.render(w, r, "job", page{Nav: "jobs", Snap: s, Job: &s.Jobs[i]})
			return
		}
	}
	http.Error(w, fmt.Sprintf("404: no job %q on this driver", id), http.StatusNotFound)
}

func (p *pages) executors(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, "executors", page{Nav: "executors", Snap: p.src.Snapshot()})
}

func (p *pages) snapshot(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(p.src.Snapshot())
}

func fmtBytes(n int64) string {
	switch {
	case n < 0:
		return "?"
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func fmtCount(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2fG", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.2fM", float64(n)/1e6)
	case n >= 1e4:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}

func fmtSecs(s float64) string {
	d := time.Duration(s * float64(time.Second))
	switch {
	case d >= time.Minute:
		return d.Round(time.Second).String()
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	}
	return d.Round(100 * time.Microsecond).String()
}

// fmtAgo is how long before now t was.
func fmtAgo(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	if d < time.Second {
		return "just now"
	}
	return d.Round(time.Second).String() + " ago"
}
