package jobspec

import (
	"path/filepath"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Input formats and the CSV column types.
var (
	inputFormats = []string{"parquet", "csv", "arrow"}
	csvTypes     = []string{"int64", "float64", "string", "bool", "timestamp"}
	generators   = []string{"citibike"}
)

// formatByExt maps a lower-case file extension to an input format.
var formatByExt = map[string]string{
	".parquet": "parquet", ".pq": "parquet",
	".csv":   "csv",
	".arrow": "arrow", ".ipc": "arrow", ".feather": "arrow",
}

// input reads the `input:` section.
func (p *parser) input(top *mapNode) (Input, error) {
	e := top.get("input")
	if e == nil {
		return Input{}, p.errf(0, "input", "required: give input.path (a file, directory or glob) or input.generate")
	}
	m, err := p.mapping("input", e.line, e.val, []string{"path", "format", "generate", "csv"})
	if err != nil {
		return Input{}, err
	}
	in := Input{Line: e.line}
	pe, ge := m.get("path"), m.get("generate")
	switch {
	case pe != nil && ge != nil:
		return Input{}, p.errf(ge.line, "input.generate", "give either input.path or input.generate, not both")
	case pe == nil && ge == nil:
		return Input{}, p.errf(e.line, "input", "give input.path (a file, directory or glob) or input.generate")
	case ge != nil:
		for _, k := range []string{"format", "csv"} {
			if x := m.get(k); x != nil {
				return Input{}, p.errf(x.line, m.field(k), "applies only to input.path, not input.generate")
			}
		}
		in.Generate, err = p.generate(ge)
		return in, err
	}
	if in.Path, err = p.name("input.path", pe, "a file, directory or glob"); err != nil {
		return Input{}, err
	}
	if err := p.checkPathURL("input.path", pe.line, in.Path); err != nil {
		return Input{}, err
	}
	if fe := m.get("format"); fe != nil {
		if in.Format, err = p.enum("input.format", fe, "format", inputFormats); err != nil {
			return Input{}, err
		}
	} else {
		ext := strings.ToLower(filepath.Ext(strings.TrimRight(in.Path, `/\`)))
		f, ok := formatByExt[ext]
		if !ok {
			why := "it has no file extension"
			if ext != "" {
				why = "the extension " + ext + " is not known"
			}
			return Input{}, p.errf(pe.line, "input.format", "cannot tell the format of %q: %s; set input.format to parquet, csv or arrow", in.Path, why)
		}
		in.Format = f
	}
	in.CSV = CSVOptions{Delimiter: ",", Header: true, Null: []string{"", "NA", "null"}}
	if ce := m.get("csv"); ce != nil {
		if in.Format != "csv" {
			return Input{}, p.errf(ce.line, "input.csv", "applies only when input.format is csv (it is %s)", in.Format)
		}
		if in.CSV, err = p.csvOptions(ce); err != nil {
			return Input{}, err
		}
	}
	return in, nil
}

// generate reads `input.generate`.
func (p *parser) generate(e *entry) (*Generate, error) {
	m, err := p.mapping("input.generate", e.line, e.val, []string{"kind", "rows", "seed", "files"})
	if err != nil {
		return nil, err
	}
	g := &Generate{Files: 8}
	ke := m.get("kind")
	if ke == nil {
		return nil, p.errf(e.line, "input.generate.kind", "required: the data set to generate (allowed: %s)", strings.Join(generators, ", "))
	}
	if g.Kind, err = p.enum("input.generate.kind", ke, "generator", generators); err != nil {
		return nil, err
	}
	re := m.get("rows")
	if re == nil {
		return nil, p.errf(e.line, "input.generate.rows", "required: how many rows to generate, an integer >= 1")
	}
	if g.Rows, err = p.intAtLeast("input.generate.rows", re, 1); err != nil {
		return nil, err
	}
	if se := m.get("seed"); se != nil {
		if g.Seed, err = p.uintVal("input.generate.seed", se); err != nil {
			return nil, err
		}
	}
	if fe := m.get("files"); fe != nil {
		n, err := p.intRange("input.generate.files", fe, 1, 1<<20)
		if err != nil {
			return nil, err
		}
		g.Files = int(n)
	}
	return g, nil
}

// csvOptions reads `input.csv`; absent settings keep their defaults.
func (p *parser) csvOptions(e *entry) (CSVOptions, error) {
	o := CSVOptions{Delimiter: ",", Header: true, Null: []string{"", "NA", "null"}}
	m, err := p.mapping("input.csv", e.line, e.val, []string{"delimiter", "header", "types", "null"})
	if err != nil {
		return o, err
	}
	if de := m.get("delimiter"); de != nil {
		d, err := p.text("input.csv.delimiter", de, "one character")
		if err != nil {
			return o, err
		}
		r, size := utf8.DecodeRuneInString(d)
		if d == "" || size != len(d) || r == utf8.RuneError || r == '"' || r == '\n' || r == '\r' {
			return o, p.errf(lineOf(de.val, de.line), "input.csv.delimiter", "expected one character other than a quote or newline (got %q)", d)
		}
		o.Delimiter = d
	}
	if he := m.get("header"); he != nil {
		if o.Header, err = p.boolVal("input.csv.header", he); err != nil {
			return o, err
		}
	}
	if te := m.get("types"); te != nil {
		tm, err := p.mapping("input.csv.types", te.line, te.val, nil)
		if err != nil {
			return o, err
		}
		o.Types = make(map[string]string, len(tm.entries))
		for i := range tm.entries {
			c := &tm.entries[i]
			if strings.TrimSpace(c.key) == "" {
				return o, p.errf(c.line, "input.csv.types", "column names must not be empty")
			}
			if o.Types[c.key], err = p.enum(tm.field(c.key), c, "type", csvTypes); err != nil {
				return o, err
			}
		}
	}
	if ne := m.get("null"); ne != nil {
		if ne.val.Kind != yaml.SequenceNode {
			return o, p.errf(lineOf(ne.val, ne.line), "input.csv.null", "expected a list of strings read as null, e.g. [\"\", NA] (got %s)", describe(ne.val))
		}
		o.Null = make([]string, 0, len(ne.val.Content))
		for _, it := range ne.val.Content {
			it = resolve(it)
			if it == nil || it.Kind != yaml.ScalarNode {
				return o, p.errf(lineOf(it, ne.line), "input.csv.null", "expected a list of strings (got %s in the list)", describe(it))
			}
			o.Null = append(o.Null, it.Value) // as written: `null` and `~` mean those strings here
		}
	}
	return o, nil
}
