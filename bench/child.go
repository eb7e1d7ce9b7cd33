package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// StageRow is one sluice stage as the report shows it (seconds, bytes).
type StageRow struct {
	ID    int     `json:"id"`
	Kind  string  `json:"kind"`
	Tasks int     `json:"tasks"`
	Rows  int64   `json:"rows"`
	Bytes int64   `json:"bytes"` // bytes written: cache (scan), shards (shard-write)
	Wall  float64 `json:"wall_s"`
	CPU   float64 `json:"cpu_s"`
}

// ChildStats is what `driver bench-child` writes: the engine's own account
// of one run.
type ChildStats struct {
	Wall       float64    `json:"wall_s"`
	PeakMemory int64      `json:"peak_arrow_bytes"` // largest executor budget peak
	Stages     []StageRow `json:"stages"`
}

// Measure is one child process run as the parent saw it.
type Measure struct {
	Wall   float64    `json:"wall_s"`
	CPU    float64    `json:"cpu_s"`   // user + system of the child
	MaxRSS int64      `json:"max_rss"` // bytes
	Stages []StageRow `json:"stages,omitempty"`
	// Phases are a peer's own timings of its phases (seconds).
	Phases map[string]float64 `json:"phases,omitempty"`
}

// runChild runs cmd to completion and measures its wall time, CPU time and
// peak RSS. It returns the child's stdout; a failure carries the tail of
// its stderr.
func runChild(ctx context.Context, name string, args, env []string, dir string) (Measure, []byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = dir
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	err := cmd.Run()
	wall := time.Since(t0).Seconds()
	if err != nil {
		msg := stderr.String()
		if len(msg) > 2000 {
			msg = "..." + msg[len(msg)-2000:]
		}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return Measure{}, nil, fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), ee, strings.TrimSpace(msg))
		}
		return Measure{}, nil, fmt.Errorf("%s: %w", name, err)
	}
	m := Measure{Wall: wall}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
		m.MaxRSS = ru.Maxrss * 1024 // KiB on Linux
	}
	return m, []byte(stdout.String()), nil
}

// WriteChildStats writes the stats file of `driver bench-child`.
func WriteChildStats(path string, s ChildStats) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

func readChildStats(path string) (ChildStats, error) {
	var s ChildStats
	data, err := os.ReadFile(path)
	if err != nil {
		return s, fmt.Errorf("bench-child stats: %w", err)
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return s, fmt.Errorf("bench-child stats %s: %w", path, err)
	}
	return s, nil
}
