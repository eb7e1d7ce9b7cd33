package sink

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// RunInfo is the manifest's `run`: which run wrote the output. It is the
// one part of a manifest that differs between two runs of the same job on
// the same input; StripRun removes it for comparisons.
type RunInfo struct {
	ID         string `json:"id"`          // UUIDv7 (time-ordered)
	StartedAt  string `json:"started_at"`  // RFC 3339, UTC
	FinishedAt string `json:"finished_at"` // RFC 3339, UTC
	Version    string `json:"sluice_version"`
	JobSHA256  string `json:"job_sha256"` // the job as run: the file's bytes and every --set
	Output     string `json:"output"`     // the output path (absolute when local)
	// Cache names the stage cache directory the run used ("" = none) and
	// Reused its stages it took from there, by plan stage kind.
	Cache  string   `json:"cache,omitempty"`
	Reused []string `json:"reused,omitempty"`
}

// Version is sluice's version as manifests record it.
var Version = "0.15.0-dev"

// TimeFormat is how RunInfo writes times.
const TimeFormat = time.RFC3339Nano

// RunTime formats t for RunInfo.
func RunTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

// NewRunID returns a UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, the
// version and variant bits, and 74 random bits.
func NewRunID(t time.Time) string {
	var u [16]byte
	ms := uint64(t.UnixMilli())
	for i := 0; i < 6; i++ {
		u[i] = byte(ms >> (40 - 8*i))
	}
	rand.Read(u[6:])
	u[6] = u[6]&0x0f | 0x70 // version 7
	u[8] = u[8]&0x3f | 0x80 // variant 10
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// StripRun returns manifest bytes with `run` removed, re-encoded as
// MarshalManifest writes them: what tests compare across runs.
func StripRun(data []byte) ([]byte, error) {
	m, err := ParseManifest("manifest.json", data)
	if err != nil {
		return nil, err
	}
	m.Run = nil
	out, err := MarshalManifest(m)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	return out, nil
}
