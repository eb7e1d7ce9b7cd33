package nodemon

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Config configures a node's HTTP handler.
type Config struct {
	// Password is the cluster secret; requests must carry it with HTTP
	// basic auth. Empty is allowed only with Insecure.
	Password []byte
	Insecure bool
	// Metrics, when set, is served on /metrics.
	Metrics prometheus.Gatherer
	// Healthy, when set, is asked by /healthz (nil error: 200 "ok").
	Healthy func() error
}

// ErrNoPassword is why a server without a password is refused unless insecure.
var ErrNoPassword = errors.New("the web UI needs the cluster secret as its password (--secret-file), or --insecure to serve it without authentication")

// Handler serves /healthz to anyone, and /metrics and the routes of open
// (nil: none) to requests that carry the password.
func Handler(cfg Config, open *http.ServeMux) (http.Handler, error) {
	if len(cfg.Password) == 0 && !cfg.Insecure {
		return nil, ErrNoPassword
	}
	if open == nil {
		open = http.NewServeMux()
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if cfg.Healthy != nil {
			if err := cfg.Healthy(); err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
		}
		fmt.Fprintln(w, "ok")
	})
	if cfg.Metrics != nil {
		open.Handle("GET /metrics", promhttp.HandlerFor(cfg.Metrics, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	}
	mux.Handle("/", basicAuth(cfg.Password, cfg.Insecure, open))
	return headers(mux), nil
}

// basicAuth lets through requests whose basic-auth password is the
// secret (any user name).
func basicAuth(password []byte, insecure bool, next http.Handler) http.Handler {
	if insecure {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pass, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(pass), password) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="sluice", charset="UTF-8"`)
			http.Error(w, "401 unauthorized: the password is the cluster secret (the --secret-file content)", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// headers sets the security headers of every answer.
func headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// Serve serves h on addr until ctx ends; ready is called with the bound
// address once it listens.
func Serve(ctx context.Context, addr string, h http.Handler, ready func(addr string)) error {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(lis) }()
	if ready != nil {
		ready(lis.Addr().String())
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	return nil
}

// Start serves h on addr in the background; stop shuts it down. It
// returns the bound address (addr may name port 0).
func Start(addr string, h http.Handler) (bound string, stop func(), err error) {
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, addr, h, func(a string) { got <- a }) }()
	select {
	case a := <-got:
		return a, func() { cancel(); <-done }, nil
	case err := <-done:
		cancel()
		return "", nil, err
	}
}
