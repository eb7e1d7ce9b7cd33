package jobspec

var (
	outputFormats = []string{"arrow", "parquet"}
	compressions  = []string{"zstd", "lz4", "none"}
	preferences   = []string{"auto", "cpu", "gpu"}
	fallbacks     = []string{"allow", "warn", "error"}
)

// output reads `output:`.
func (p *parser) output(top *mapNode) (Output, error) {
	o := Output{Format: "arrow", Compression: "zstd", Shards: 1, Shuffle: true}
	e := top.get("output")
	if e == nil {
		return o, p.errf(0, "output", "required: at least output.path, the folder to write shards and the manifest to")
	}
	m, err := p.mapping("output", e.line, e.val, []string{"path", "format", "compression", "shards", "shuffle", "overwrite"})
	if err != nil {
		return o, err
	}
	o.Line = e.line
	pe := m.get("path")
	if pe == nil {
		return o, p.errf(e.line, "output.path", "required: the folder to write shards and the manifest to")
	}
	if o.Path, err = p.name("output.path", pe, "a folder path"); err != nil {
		return o, err
	}
	if err := p.checkPathURL("output.path", pe.line, o.Path); err != nil {
		return o, err
	}
	if x := m.get("format"); x != nil {
		if o.Format, err = p.enum("output.format", x, "format", outputFormats); err != nil {
			return o, err
		}
	}
	if x := m.get("compression"); x != nil {
		if o.Compression, err = p.enum("output.compression", x, "compression", compressions); err != nil {
			return o, err
		}
	}
	if x := m.get("shards"); x != nil {
		n, err := p.intRange("output.shards", x, 1, 1<<20)
		if err != nil {
			return o, err
		}
		o.Shards = int(n)
	}
	if x := m.get("shuffle"); x != nil {
		if o.Shuffle, err = p.boolVal("output.shuffle", x); err != nil {
			return o, err
		}
	}
	if x := m.get("overwrite"); x != nil {
		if o.Overwrite, err = p.boolVal("output.overwrite", x); err != nil {
			return o, err
		}
	}
	return o, nil
}

// engine reads `engine:`.
func (p *parser) engine(top *mapNode) (Engine, error) {
	g := Engine{Prefer: "auto", Fallback: "allow"}
	e := top.get("engine")
	if e == nil {
		return g, nil
	}
	m, err := p.mapping("engine", e.line, e.val, []string{"prefer", "fallback"})
	if err != nil {
		return g, err
	}
	if x := m.get("prefer"); x != nil {
		if g.Prefer, err = p.enum("engine.prefer", x, "engine", preferences); err != nil {
			return g, err
		}
	}
	if x := m.get("fallback"); x != nil {
		if g.Fallback, err = p.enum("engine.fallback", x, "fallback", fallbacks); err != nil {
			return g, err
		}
	}
	return g, nil
}
