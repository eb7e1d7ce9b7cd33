package sink

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/sink/layout"
	"github.com/sluice-ml/sluice/sink/shard"
)

// ManifestFormatVersion is the FormatVersion this package writes and reads.
const ManifestFormatVersion = 1

// Manifest is manifest.json. Its JSON is deterministic: fields in struct
// order, map keys sorted, two-space indent, no wall-clock times outside
// Run (see StripRun). Nil slices and maps are written as [] and {}.
type Manifest struct {
	FormatVersion int              `json:"format_version"` // ManifestFormatVersion
	Job           JobInfo          `json:"job"`
	Input         InputInfo        `json:"input"`
	Rows          RowCounts        `json:"rows"`
	Derived       []DerivedColumn  `json:"derived"` // the job's derived columns, for serving to recompute
	Schema        []Column         `json:"schema"`
	Splits        []Split          `json:"splits"` // in ratio order
	Transforms    []Transform      `json:"transforms"`
	Aggregates    []AggregateTable `json:"aggregates"`
	Split         SplitSpec        `json:"split"`
	Shuffle       ShuffleSpec      `json:"shuffle"`
	Engine        EngineInfo       `json:"engine"`
	Output        OutputSpec       `json:"output"`
	Run           *RunInfo         `json:"run,omitempty"`          // this run: id, times, version (manifest_run.go)
	Profiles      *Profiles        `json:"profiles,omitempty"`     // column profiles, drift, report.html
	Slices        *Slices          `json:"slices,omitempty"`       // slice tables (absent without slices:)
	Expectations  *Expectations    `json:"expectations,omitempty"` // nil without an expect section
}

// DerivedColumn is one `columns:` entry: computed from the raw row by Expr
// (the expression language of the filter), before any transform.
type DerivedColumn struct {
	Name string `json:"name"`
	Expr string `json:"expr"`
	Type string `json:"type"` // see TypeName
}

// JobInfo identifies the job file.
type JobInfo struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"` // hex sha256 of the job file bytes
	File   string `json:"file"`
	// Sets are the --set overrides applied on top of the file, as given:
	// SHA256 covers the file alone, so these complete the job's identity.
	Sets []string `json:"sets"`
}

// InputInfo describes what was read.
type InputInfo struct {
	Format    string      `json:"format"`
	Generated bool        `json:"generated"`
	Files     []InputFile `json:"files"`
}

// InputFile is one input file (or one generated logical file).
type InputFile struct {
	Path        string `json:"path"`
	Bytes       int64  `json:"bytes"`
	Rows        int64  `json:"rows"`
	Fingerprint string `json:"fingerprint,omitempty"` // content fingerprint (see RunInfo)
}

// RowCounts are the job's row counters.
type RowCounts struct {
	Read      int64            `json:"read"`
	Filtered  int64            `json:"filtered"` // removed by the filter
	Dropped   int64            `json:"dropped"`  // removed by fill: drop
	Written   int64            `json:"written"`
	DroppedBy map[string]int64 `json:"dropped_by"` // column -> rows dropped by its fill: drop
	NaN       map[string]int64 `json:"nan"`        // column -> NaN values seen in input
	Inf       map[string]int64 `json:"inf"`        // column -> ±Inf values seen in input
}

// Column roles.
const (
	RoleFeature = "feature"
	RoleLabel   = "label"
	RoleKeep    = "keep"
)

// Column is one output column.
type Column struct {
	Name      string `json:"name"`
	Type      string `json:"type"` // see TypeName
	Source    string `json:"source"`
	Role      string `json:"role"` // feature | label | keep
	Transform string `json:"transform"`
}

// Split is one output split and its shards.
type Split struct {
	Name   string       `json:"name"`
	Ratio  float64      `json:"ratio"`
	Rows   int64        `json:"rows"`
	Shards []shard.Info `json:"shards"`
}

// Transform is one fitted transform. Params is the engine's fitted
// parameters, marshalled by the caller (mean/std, boundaries, vocabulary
// in id order, ...).
type Transform struct {
	Feature   string          `json:"feature"`
	Transform string          `json:"transform"`
	Source    string          `json:"source"`
	FittedOn  string          `json:"fitted_on"` // "train"
	Params    json.RawMessage `json:"params"`
}

// AggregateTable is one written group-by table.
type AggregateTable struct {
	Name    string   `json:"name"`
	Path    string   `json:"path"` // relative to the output dir, e.g. "aggregates/stations.arrow"
	Rows    int64    `json:"rows"`
	Bytes   int64    `json:"bytes"`
	SHA256  string   `json:"sha256"`
	By      []string `json:"by"`
	Columns []string `json:"columns"`
}

// SplitSpec records how rows were split.
type SplitSpec struct {
	By         []string     `json:"by"`
	Key        string       `json:"key"` // "" = (input file, row number)
	Seed       uint64       `json:"seed"`
	Ratios     []SplitRatio `json:"ratios"` // in job file order
	Stratified bool         `json:"stratified"`
}

// SplitRatio is one named split share.
type SplitRatio struct {
	Name  string  `json:"name"`
	Ratio float64 `json:"ratio"`
}

// ShuffleSpec records the output shuffle.
type ShuffleSpec struct {
	Enabled bool   `json:"enabled"`
	Seed    uint64 `json:"seed"`
}

// EngineInfo records the engines used.
type EngineInfo struct {
	Prefer    string      `json:"prefer"`
	Fallback  string      `json:"fallback"`
	Placement []Placement `json:"placement"`
	Fallbacks []string    `json:"fallbacks"`
	// FellBack counts, per "stage-kind/Operator" placed on a device, the
	// batches the device gave back to the CPU engine (out of device
	// memory); absent when none did.
	FellBack map[string]int64 `json:"fell_back,omitempty"`
}

// Placement is the engine chosen for one operator of one stage.
type Placement struct {
	Stage    int    `json:"stage"`
	Operator string `json:"operator"`
	Engine   string `json:"engine"`
	Reason   string `json:"reason"`
}

// OutputSpec records the output settings.
type OutputSpec struct {
	Format         string `json:"format"`
	Compression    string `json:"compression"`
	ShardsPerSplit int    `json:"shards_per_split"`
}

// MarshalManifest returns the manifest's JSON (two-space indent, trailing
// newline). It does not modify m.
func MarshalManifest(m *Manifest) ([]byte, error) {
	if m == nil {
		return nil, fmt.Errorf("manifest: nil")
	}
	c := normalized(m)
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	return append(b, '\n'), nil
}

// normalized returns a shallow copy of m with nil slices and maps made
// empty, so they are written as [] and {} rather than null.
func normalized(m *Manifest) *Manifest {
	c := *m
	c.Job.Sets = orEmpty(c.Job.Sets)
	c.Input.Files = orEmpty(c.Input.Files)
	c.Rows.DroppedBy = orEmptyMap(c.Rows.DroppedBy)
	c.Rows.NaN = orEmptyMap(c.Rows.NaN)
	c.Rows.Inf = orEmptyMap(c.Rows.Inf)
	c.Derived = orEmpty(c.Derived)
	c.Schema = orEmpty(c.Schema)
	c.Splits = make([]Split, len(m.Splits))
	for i, s := range m.Splits {
		s.Shards = orEmpty(s.Shards)
		c.Splits[i] = s
	}
	c.Transforms = make([]Transform, len(m.Transforms))
	for i, t := range m.Transforms {
		if len(t.Params) == 0 {
			t.Params = json.RawMessage("null")
		}
		c.Transforms[i] = t
	}
	c.Aggregates = make([]AggregateTable, len(m.Aggregates))
	for i, a := range m.Aggregates {
		a.By = orEmpty(a.By)
		a.Columns = orEmpty(a.Columns)
		c.Aggregates[i] = a
	}
	c.Split.By = orEmpty(c.Split.By)
	c.Split.Ratios = orEmpty(c.Split.Ratios)
	c.Engine.Placement = orEmpty(c.Engine.Placement)
	c.Engine.Fallbacks = orEmpty(c.Engine.Fallbacks)
	return &c
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func orEmptyMap(m map[string]int64) map[string]int64 {
	if m == nil {
		return map[string]int64{}
	}
	return m
}

// ParseManifest decodes manifest JSON, refusing unknown fields and
// unsupported format versions. name is used in error messages.
func ParseManifest(name string, data []byte) (*Manifest, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: trailing data after the manifest object", name)
	}
	if m.FormatVersion != ManifestFormatVersion {
		return nil, fmt.Errorf("%s: format_version %d is not supported; this build reads %d", name, m.FormatVersion, ManifestFormatVersion)
	}
	return &m, nil
}

// ReadManifest reads dir/manifest.json.
func ReadManifest(dir string) (*Manifest, error) {
	name := filepath.Join(dir, layout.ManifestName)
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return ParseManifest(name, data)
}

// TypeName returns the manifest type name of an output column type:
// "float32", "float64", "int32", "int64", "bool", "string" (utf8,
// large_utf8 and dictionaries of them) or "timestamp[us]". Any other type
// is named by its Arrow string (e.g. "timestamp[ns, tz=UTC]", "int8"), so
// a reader sees exactly what the file holds.
func TypeName(dt arrow.DataType) string {
	switch dt.ID() {
	case arrow.FLOAT32:
		return "float32"
	case arrow.FLOAT64:
		return "float64"
	case arrow.INT32:
		return "int32"
	case arrow.INT64:
		return "int64"
	case arrow.BOOL:
		return "bool"
	case arrow.STRING, arrow.LARGE_STRING:
		return "string"
	case arrow.DICTIONARY:
		switch dt.(*arrow.DictionaryType).ValueType.ID() {
		case arrow.STRING, arrow.LARGE_STRING:
			return "string"
		}
	case arrow.TIMESTAMP:
		if dt.(*arrow.TimestampType).Unit == arrow.Microsecond {
			return "timestamp[us]"
		}
	}
	return dt.String()
}
