package logs

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Formats are the --log-format values.
const (
	FormatText = "text"
	FormatJSON = "json"
)

// New returns a logger writing to w in format (text or json) at level
// info. Every occurrence of a secret in a message or attribute is
// replaced by "[redacted]".
func New(w io.Writer, format string, secrets ...[]byte) (*slog.Logger, error) {
	var h slog.Handler
	switch format {
	case FormatText, "":
		h = &textHandler{mu: &sync.Mutex{}, w: w}
	case FormatJSON:
		h = slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo})
	default:
		return nil, fmt.Errorf("--log-format %q: want text or json", format)
	}
	var keep [][]byte
	for _, s := range secrets {
		if len(s) > 0 {
			keep = append(keep, s)
		}
	}
	if len(keep) > 0 {
		h = &scrubHandler{next: h, secrets: keep}
	}
	return slog.New(h), nil
}

// textHandler writes "date time message key=value ..." lines, the format
// of the standard log package with microseconds, so that a line reads the
// same whatever logged it.
type textHandler struct {
	mu     *sync.Mutex
	w      io.Writer
	attrs  []slog.Attr
	groups string
}

func (h *textHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h *textHandler) Handle(_ context.Context, r slog.Record) error {
	var b bytes.Buffer
	t := r.Time
	if t.IsZero() {
		t = time.Now()
	}
	b.WriteString(t.Format("2006/01/02 15:04:05.000000 "))
	if r.Level >= slog.LevelWarn {
		b.WriteString(r.Level.String())
		b.WriteByte(' ')
	}
	b.WriteString(strings.TrimRight(r.Message, "\n"))
	for _, a := range h.attrs {
		writeAttr(&b, "", a)
	}
	r.Attrs(func(a slog.Attr) bool {
		writeAttr(&b, h.groups, a)
		return true
	})
	b.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := h.w.Write(b.Bytes())
	return err
}

func writeAttr(b *bytes.Buffer, prefix string, a slog.Attr) {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return
	}
	if a.Value.Kind() == slog.KindGroup {
		for _, g := range a.Value.Group() {
			writeAttr(b, prefix+a.Key+".", g)
		}
		return
	}
	b.WriteByte(' ')
	b.WriteString(prefix + a.Key)
	b.WriteByte('=')
	v := a.Value.String()
	if v == "" || strings.ContainsAny(v, " \"=\n\t") {
		v = strconv.Quote(v)
	}
	b.WriteString(v)
}

func (h *textHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	return &c
}

func (h *textHandler) WithGroup(name string) slog.Handler {
	c := *h
	c.groups += name + "."
	return &c
}

// scrubHandler replaces the secrets in messages and string attributes.
type scrubHandler struct {
	next    slog.Handler
	secrets [][]byte
}

func (h *scrubHandler) scrub(s string) string {
	for _, sec := range h.secrets {
		if strings.Contains(s, string(sec)) {
			s = strings.ReplaceAll(s, string(sec), "[redacted]")
		}
	}
	return s
}

func (h *scrubHandler) attr(a slog.Attr) slog.Attr {
	a.Value = a.Value.Resolve()
	switch a.Value.Kind() {
	case slog.KindGroup:
		g := a.Value.Group()
		out := make([]slog.Attr, len(g))
		for i, x := range g {
			out[i] = h.attr(x)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(out...)}
	case slog.KindString:
		return slog.String(a.Key, h.scrub(a.Value.String()))
	case slog.KindAny:
		return slog.String(a.Key, h.scrub(a.Value.String()))
	}
	return a
}

func (h *scrubHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *scrubHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.scrub(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *scrubHandler) WithAttrs(as []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(as))
	for i, a := range as {
		out[i] = h.attr(a)
	}
	return &scrubHandler{next: h.next.WithAttrs(out), secrets: h.secrets}
}

func (h *scrubHandler) WithGroup(name string) slog.Handler {
	return &scrubHandler{next: h.next.WithGroup(name), secrets: h.secrets}
}

// Writer returns an io.Writer that logs each line written to it as one
// record (for libraries that log to a writer: the gossip ring, gRPC).
func Writer(l *slog.Logger) io.Writer { return slog.NewLogLogger(l.Handler(), slog.LevelInfo).Writer() }
