package jobspec

import "github.com/sluice-ml/sluice/jobspec/yamlread"

var (
	outputFormats = []string{"arrow", "parquet"}
	compressions  = []string{"zstd", "lz4", "none"}
	preferences   = []string{"auto", "cpu", "gpu"}
	fallbacks     = []string{"allow", "warn", "error"}
)

// output reads `output:`.
func (p *parser) output(top *yamlread.MapNode) (Output, error) {
	o := Output{Format: "arrow", Compression: "zstd", Shards: 1, Shuffle: true}
	e := top.Get("output")
	if e == nil {
		return o, p.errf(0, "output", "required: at least output.path, the folder to write shards and the manifest to")
	}
	m, err := yamlread.Mapping("output", e.Line, e.Val, []string{"path", "format", "compression", "shards", "shuffle", "overwrite"})
	if err != nil {
		return o, err
	}
	o.Line = e.Line
	pe := m.Get("path")
	if pe == nil {
		return o, p.errf(e.Line, "output.path", "required: the folder to write shards and the manifest to")
	}
	if o.Path, err = yamlread.Name("output.path", pe, "a folder path"); err != nil {
		return o, err
	}
	if err := p.checkPathURL("output.path", pe.Line, o.Path); err != nil {
		return o, err
	}
	if x := m.Get("format"); x != nil {
		if o.Format, err = yamlread.Enum("output.format", x, "format", outputFormats); err != nil {
			return o, err
		}
	}
	if x := m.Get("compression"); x != nil {
		if o.Compression, err = yamlread.Enum("output.compression", x, "compression", compressions); err != nil {
			return o, err
		}
	}
	if x := m.Get("shards"); x != nil {
		n, err := yamlread.IntRange("output.shards", x, 1, 1<<20)
		if err != nil {
			return o, err
		}
		o.Shards = int(n)
	}
	if x := m.Get("shuffle"); x != nil {
		if o.Shuffle, err = yamlread.BoolVal("output.shuffle", x); err != nil {
			return o, err
		}
	}
	if x := m.Get("overwrite"); x != nil {
		if o.Overwrite, err = yamlread.BoolVal("output.overwrite", x); err != nil {
			return o, err
		}
	}
	return o, nil
}

// engine reads `engine:`.
func (p *parser) engine(top *yamlread.MapNode) (Engine, error) {
	g := Engine{Prefer: "auto", Fallback: "allow"}
	e := top.Get("engine")
	if e == nil {
		return g, nil
	}
	m, err := yamlread.Mapping("engine", e.Line, e.Val, []string{"prefer", "fallback"})
	if err != nil {
		return g, err
	}
	if x := m.Get("prefer"); x != nil {
		if g.Prefer, err = yamlread.Enum("engine.prefer", x, "engine", preferences); err != nil {
			return g, err
		}
	}
	if x := m.Get("fallback"); x != nil {
		if g.Fallback, err = yamlread.Enum("engine.fallback", x, "fallback", fallbacks); err != nil {
			return g, err
		}
	}
	return g, nil
}
