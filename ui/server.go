package ui

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluice-ml/sluice/monitor"
	"github.com/sluice-ml/sluice/monitor/nodemon"
)

//go:embed assets
var assets embed.FS

// Source is the driver state the UI shows.
type Source interface {
	Snapshot() monitor.Snapshot
}

// Config configures the UI handler.
type Config struct {
	Source Source
	// Password is the cluster secret; requests must carry it with HTTP
	// basic auth. Empty is allowed only with Insecure.
	Password []byte
	Insecure bool
	// Metrics, when set, is served on /metrics.
	Metrics prometheus.Gatherer
	// Healthy, when set, is asked by /healthz (nil error: 200 "ok").
	Healthy func() error
}

// ErrNoPassword is why a UI without a password is refused unless insecure.
var ErrNoPassword = nodemon.ErrNoPassword

// Handler returns the UI's HTTP handler.
func Handler(cfg Config) (http.Handler, error) {
	if len(cfg.Password) == 0 && !cfg.Insecure {
		return nil, ErrNoPassword
	}
	if cfg.Source == nil && cfg.Metrics == nil {
		return nil, errors.New("ui: nothing to serve (no source, no metrics)")
	}
	open := http.NewServeMux()
	if cfg.Source != nil {
		p, err := newPages(cfg.Source)
		if err != nil {
			return nil, err
		}
		static, _ := fs.Sub(assets, "assets/static")
		open.Handle("GET /static/", http.StripPrefix("/static/", http.FileServer(http.FS(static))))
		open.HandleFunc("GET /{$}", p.jobs)
		open.HandleFunc("GET /jobs/{id}", p.job)
		open.HandleFunc("GET /executors", p.executors)
		open.HandleFunc("GET /api/snapshot", p.snapshot)
	}
	return nodemon.Handler(nodemon.Config{Password: cfg.Password, Insecure: cfg.Insecure, Metrics: cfg.Metrics, Healthy: cfg.Healthy}, open)
}

// Serve and Start serve a handler on an address (package nodemon).
var (
	Serve = nodemon.Serve
	Start = nodemon.Start
)

// tmplFuncs format values for the pages.
var tmplFuncs = template.FuncMap{
	"bytes":   fmtBytes,
	"count":   fmtCount,
	"secs":    fmtSecs,
	"pct":     func(p float64) string { return fmt.Sprintf("%.0f%%", p) },
	"cost":    fmtCost,
	"eta":     func(s float64) string { return map[bool]string{true: "?", false: fmtSecs(s)}[s < 0] },
	"join":    strings.Join,
	"clock":   func(t time.Time) string { return t.UTC().Format("15:04:05 UTC") },
	"ago":     fmtAgo,
	"percent": func(a, b int) float64 { return pctOf(a, b) },
}

func pctOf(a, b int) float64 {
	if b <= 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// fmtCost shows USD with cents, or six decimals below a cent.
func fmtCost(c float64) string {
	if c < 0.01 {
		return fmt.Sprintf("$%.6f", c)
	}
	return fmt.Sprintf("$%.2f", c)
}
