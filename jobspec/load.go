package jobspec

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sluice-ml/sluice/jobspec/yamlread"
)

// maxJobFileBytes bounds what Load reads: job files are small.
const maxJobFileBytes = 4 << 20

// topKeys are the sections of a job file, in the order they are documented.
var topKeys = []string{"name", "input", "filter", "columns", "features", "label", "keep", "split", "aggregates", "output", "engine", "slices", "expect"}

// Load reads and parses the job file at path. sets are --set overrides
// "key.path=value" (e.g. "output.overwrite=true", "input.generate.rows=1000",
// "split.seed=7"): each value is parsed as YAML and put into the tree,
// creating missing mappings, before validation. Errors are *Error.
func Load(path string, sets []string) (*Job, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: path, Msg: fmt.Sprintf("cannot read job file: %v", err)}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxJobFileBytes+1))
	if err != nil {
		return nil, &Error{File: path, Msg: fmt.Sprintf("cannot read job file: %v", err)}
	}
	if len(data) > maxJobFileBytes {
		return nil, &Error{File: path, Msg: fmt.Sprintf("job file is larger than %d bytes", maxJobFileBytes)}
	}
	return Parse(path, data, sets)
}

// Parse parses and validates job file bytes; file names the file in errors
// and sets Job.File and Job.Dir. See Load for sets. Errors are *Error.
func Parse(file string, data []byte, sets []string) (job *Job, err error) {
	root, err := decodeRoot(file, data)
	if err != nil {
		return nil, err
	}
	if root == nil {
		if len(sets) == 0 {
			return nil, &Error{File: file, Msg: "the job file is empty; it must be a mapping with at least name, input and output"}
		}
		root = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	}
	if err := yamlread.ApplySets(root, sets); err != nil {
		return nil, withFile(file, err)
	}
	sum := sha256.Sum256(data)
	p := &parser{file: file, lines: strings.Split(string(data), "\n")}
	job, err = p.job(root)
	if err != nil {
		return nil, withFile(file, err)
	}
	job.File = file
	job.SHA256 = hex.EncodeToString(sum[:])
	job.Source = append([]byte(nil), data...)
	job.Dir = filepath.Dir(file)
	if len(sets) > 0 {
		job.Sets = append([]string(nil), sets...)
	}
	return job, nil
}

// decodeRoot parses exactly one YAML document and returns its top-level
// mapping, or nil for a document with no content.
func decodeRoot(file string, data []byte) (*yaml.Node, error) {
	top, err := yamlread.Decode(data)
	if err != nil {
		return nil, withFile(file, err)
	}
	if top != nil && top.Kind != yaml.MappingNode {
		return nil, &Error{File: file, Line: top.Line, Msg: fmt.Sprintf("the top level must be a mapping of sections (%s) (got %s)", strings.Join(topKeys, ", "), yamlread.Describe(top))}
	}
	return top, nil
}

// job validates the whole tree.
func (p *parser) job(root *yaml.Node) (*Job, error) {
	m, err := yamlread.Mapping("", 1, root, topKeys)
	if err != nil {
		return nil, err
	}
	j := &Job{}
	e := m.Get("name")
	if e == nil {
		return nil, p.errf(0, "name", "required: a name for the job, e.g. name: citibike-birth-year")
	}
	if j.Name, err = yamlread.Name("name", e, "a job name"); err != nil {
		return nil, err
	}
	if j.Input, err = p.input(m); err != nil {
		return nil, err
	}
	if e := m.Get("filter"); e != nil {
		x, err := p.expr("filter", e)
		if err != nil {
			return nil, err
		}
		j.Filter = &x
	}
	if j.Columns, err = p.columns(m); err != nil {
		return nil, err
	}
	if j.Features, err = p.features(m); err != nil {
		return nil, err
	}
	if j.Label, err = p.label(m); err != nil {
		return nil, err
	}
	if e := m.Get("keep"); e != nil {
		if j.Keep, err = p.names("keep", e); err != nil {
			return nil, err
		}
	}
	if j.Split, err = p.split(m); err != nil {
		return nil, err
	}
	if j.Aggregates, err = p.aggregates(m); err != nil {
		return nil, err
	}
	if j.Slices, err = p.slices(m); err != nil {
		return nil, err
	}
	if j.Output, err = p.output(m); err != nil {
		return nil, err
	}
	if j.Engine, err = p.engine(m); err != nil {
		return nil, err
	}
	if j.Expect, err = p.expect(m); err != nil {
		return nil, err
	}
	if err := p.checkOutputs(j); err != nil {
		return nil, err
	}
	return j, nil
}

// checkOutputs rejects a name written twice among features, label and keep,
// and a job that writes no columns at all.
func (p *parser) checkOutputs(j *Job) error {
	type use struct {
		where string
		line  int
	}
	seen := make(map[string]use)
	add := func(name, where string, line int) error {
		if prev, dup := seen[name]; dup {
			return p.errf(line, where, "column %q is already an output in %s (line %d); each output name may appear once among features, label and keep", name, prev.where, prev.line)
		}
		seen[name] = use{where, line}
		return nil
	}
	for _, f := range j.Features {
		if err := add(f.Name, "features."+f.Name, f.Line); err != nil {
			return err
		}
	}
	if j.Label != nil {
		if err := add(j.Label.Name, "label."+j.Label.Name, j.Label.Line); err != nil {
			return err
		}
	}
	for i, k := range j.Keep {
		if err := add(k.Name, fmt.Sprintf("keep[%d]", i), k.Line); err != nil {
			return err
		}
	}
	if len(seen) == 0 && len(j.Aggregates) == 0 {
		return p.errf(0, "features", "the job writes no columns: give features, label, keep or aggregates")
	}
	return nil
}
