package jobspec

import (
	"path/filepath"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/sluice-ml/sluice/jobspec/yamlread"
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
func (p *parser) input(top *yamlread.MapNode) (Input, error) {
	e := top.Get("input")
	if e == nil {
		return Input{}, p.errf(0, "input", "required: give input.path (a file, directory or glob) or input.generate")
	}
	m, err := yamlread.Mapping("input", e.Line, e.Val, []string{"path", "format", "generate", "csv"})
	if err != nil {
		return Input{}, err
	}
	in := Input{Line: e.Line}
	pe, ge := m.Get("path"), m.Get("generate")
	switch {
	case pe != nil && ge != nil:
		return Input{}, p.errf(ge.Line, "input.generate", "give either input.path or input.generate, not both")
	case pe == nil && ge == nil:
		return Input{}, p.errf(e.Line, "input", "give input.path (a file, directory or glob) or input.generate")
	case ge != nil:
		for _, k := range []string{"format", "csv"} {
			if x := m.Get(k); x != nil {
				return Input{}, p.errf(x.Line, m.Field(k), "applies only to input.path, not input.generate")
			}
		}
		in.Generate, err = p.generate(ge)
		return in, err
	}
	if in.Path, err = yamlread.Name("input.path", pe, "a file, directory or glob"); err != nil {
		return Input{}, err
	}
	if err := p.checkPathURL("input.path", pe.Line, in.Path); err != nil {
		return Input{}, err
	}
	if fe := m.Get("format"); fe != nil {
		if in.Format, err = yamlread.Enum("input.format", fe, "format", inputFormats); err != nil {
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
			return Input{}, p.errf(pe.Line, "input.format", "cannot tell the format of %q: %s; set input.format to parquet, csv or arrow", in.Path, why)
		}
		in.Format = f
	}
	in.CSV = CSVOptions{Delimiter: ",", Header: true, Null: []string{"", "NA", "null"}}
	if ce := m.Get("csv"); ce != nil {
		if in.Format != "csv" {
			return Input{}, p.errf(ce.Line, "input.csv", "applies only when input.format is csv (it is %s)", in.Format)
		}
		if in.CSV, err = p.csvOptions(ce); err != nil {
			return Input{}, err
		}
	}
	return in, nil
}

// generate reads `input.generate`.
func (p *parser) generate(e *yamlread.Entry) (*Generate, error) {
	m, err := yamlread.Mapping("input.generate", e.Line, e.Val, []string{"kind", "rows", "seed", "files"})
	if err != nil {
		return nil, err
	}
	g := &Generate{Files: 8}
	ke := m.Get("kind")
	if ke == nil {
		return nil, p.errf(e.Line, "input.generate.kind", "required: the data set to generate (allowed: %s)", strings.Join(generators, ", "))
	}
	if g.Kind, err = yamlread.Enum("input.generate.kind", ke, "generator", generators); err != nil {
		return nil, err
	}
	re := m.Get("rows")
	if re == nil {
		return nil, p.errf(e.Line, "input.generate.rows", "required: how many rows to generate, an integer >= 1")
	}
	if g.Rows, err = yamlread.IntAtLeast("input.generate.rows", re, 1); err != nil {
		return nil, err
	}
	if se := m.Get("seed"); se != nil {
		if g.Seed, err = yamlread.UintVal("input.generate.seed", se); err != nil {
			return nil, err
		}
	}
	if fe := m.Get("files"); fe != nil {
		n, err := yamlread.IntRange("input.generate.files", fe, 1, 1<<20)
		if err != nil {
			return nil, err
		}
		g.Files = int(n)
	}
	return g, nil
}

// csvOptions reads `input.csv`; absent settings keep their defaults.
func (p *parser) csvOptions(e *yamlread.Entry) (CSVOptions, error) {
	o := CSVOptions{Delimiter: ",", Header: true, Null: []string{"", "NA", "null"}}
	m, err := yamlread.Mapping("input.csv", e.Line, e.Val, []string{"delimiter", "header", "types", "null"})
	if err != nil {
		return o, err
	}
	if de := m.Get("delimiter"); de != nil {
		d, err := yamlread.Text("input.csv.delimiter", de, "one character")
		if err != nil {
			return o, err
		}
		r, size := utf8.DecodeRuneInString(d)
		if d == "" || size != len(d) || r == utf8.RuneError || r == '"' || r == '\n' || r == '\r' {
			return o, p.errf(yamlread.LineOf(de.Val, de.Line), "input.csv.delimiter", "expected one character other than a quote or newline (got %q)", d)
		}
		o.Delimiter = d
	}
	if he := m.Get("header"); he != nil {
		if o.Header, err = yamlread.BoolVal("input.csv.header", he); err != nil {
			return o, err
		}
	}
	if te := m.Get("types"); te != nil {
		tm, err := yamlread.Mapping("input.csv.types", te.Line, te.Val, nil)
		if err != nil {
			return o, err
		}
		o.Types = make(map[string]string, len(tm.Entries))
		for i := range tm.Entries {
			c := &tm.Entries[i]
			if strings.TrimSpace(c.Key) == "" {
				return o, p.errf(c.Line, "input.csv.types", "column names must not be empty")
			}
			if o.Types[c.Key], err = yamlread.Enum(tm.Field(c.Key), c, "type", csvTypes); err != nil {
				return o, err
			}
		}
	}
	if ne := m.Get("null"); ne != nil {
		if ne.Val.Kind != yaml.SequenceNode {
			return o, p.errf(yamlread.LineOf(ne.Val, ne.Line), "input.csv.null", "expected a list of strings read as null, e.g. [\"\", NA] (got %s)", yamlread.Describe(ne.Val))
		}
		o.Null = make([]string, 0, len(ne.Val.Content))
		for _, it := range ne.Val.Content {
			it = yamlread.Resolve(it)
			if it == nil || it.Kind != yaml.ScalarNode {
				return o, p.errf(yamlread.LineOf(it, ne.Line), "input.csv.null", "expected a list of strings (got %s in the list)", yamlread.Describe(it))
			}
			o.Null = append(o.Null, it.Value) // as written: `null` and `~` mean those strings here
		}
	}
	return o, nil
}
