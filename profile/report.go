package profile

import (
	"bytes"
	"fmt"
	"html/template"
	"strconv"

	"github.com/sluice-ml/sluice/sink"
)

// Report renders report.html: one self-contained page (inline CSS, SVG
// histograms, no scripts) with the column profiles per split, the drift
// table and the slice tables. The bytes depend only on its arguments.
func Report(job string, p *sink.Profiles, s *sink.Slices) ([]byte, error) {
	var buf bytes.Buffer
	err := reportTmpl.Execute(&buf, map[string]any{"Job": job, "P": p, "S": s})
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return buf.Bytes(), nil
}

// num formats a number for the report: integers in full, others with 6
// significant digits; "–" for null.
func num(v any) string {
	switch x := v.(type) {
	case *float64:
		if x == nil {
			return "–"
		}
		return strconv.FormatFloat(*x, 'g', 6, 64)
	case float64:
		return strconv.FormatFloat(x, 'g', 6, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	}
	return fmt.Sprint(v)
}

// pct formats a share as a percentage with 2 decimals.
func pct(a, b int64) string {
	if b == 0 {
		return "–"
	}
	return strconv.FormatFloat(100*float64(a)/float64(b), 'f', 2, 64) + "%"
}

// svgBar is one bar of a histogram.
type svgBar struct {
	X, Y, W, H float64
	Title      string
}

// bars lays a histogram out in a 240x60 SVG.
func bars(h *sink.Histogram) []svgBar {
	if h == nil || len(h.Counts) == 0 {
		return nil
	}
	var top int64 = 1
	for _, c := range h.Counts {
		top = max(top, c)
	}
	const width, height = 240.0, 60.0
	w := width / float64(len(h.Counts))
	out := make([]svgBar, len(h.Counts))
	for i, c := range h.Counts {
		bh := height * float64(c) / float64(top)
		out[i] = svgBar{X: float64(i) * w, Y: height - bh, W: max(w-1, 1), H: bh,
			Title: fmt.Sprintf("[%s, %s]: %d", num(h.Edges[i]), num(h.Edges[i+1]), c)}
	}
	return out
}

var reportTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"num": num, "pct": pct, "bars": bars,
	"fmt":      func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) },
	"quantile": func(p float64) string { return "p" + strconv.FormatFloat(100*p, 'g', -1, 64) },
}).Parse(reportHTML))

const reportHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>sluice report: {{.Job}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1.5em}
th,td{border:1px solid #ccc;padding:3px 7px;text-align:right;font-size:13px}
th{background:#f0f0f0}
td.l,th.l{text-align:left}
svg rect{fill:#4a7bb7}
.psi-hi{background:#f8d0d0}.psi-mid{background:#fbeec0}
.note{color:#666;font-size:12px}
</style>
</head>
<body>
<h1>Job {{.Job}}</h1>
<p class="note">Profiles describe each output column's source values as read (before fills and transforms).
Quantiles and histograms come from a quantile sketch (each column's rank error is listed); distinct
counts are HyperLogLog estimates (relative standard error {{num .P.DistinctStdError}}); top-value counts
may be low by at most the listed undercount.</p>
{{range .P.Splits}}
<h2 id="split-{{.Split}}">Split {{.Split}} ({{.Rows}} rows)</h2>
<table class="profile">
<tr><th class="l">column</th><th class="l">role</th><th class="l">type</th><th>count</th><th>nulls</th><th>NaN</th><th>Inf</th>
<th>min</th><th>max</th><th>mean</th><th>std</th>{{range $.P.Quantiles}}<th>{{quantile .}}</th>{{end}}<th>rank error</th><th>distinct</th><th class="l">histogram</th></tr>
{{range .Columns}}<tr data-column="{{.Name}}">
<td class="l">{{.Name}}</td><td class="l">{{.Role}}</td><td class="l">{{.Type}}</td><td>{{.Count}}</td><td>{{.Nulls}}</td><td>{{.NaN}}</td><td>{{.Inf}}</td>
<td>{{num .Min}}</td><td>{{num .Max}}</td><td>{{num .Mean}}</td><td>{{num .Std}}</td>
{{if .Quantiles}}{{range .Quantiles}}<td>{{num .}}</td>{{end}}{{else}}{{range $.P.Quantiles}}<td>–</td>{{end}}{{end}}
<td>{{num .QuantileRankError}}</td><td>{{.Distinct}}</td>
<td class="l">{{with .Histogram}}<svg width="240" height="60" viewBox="0 0 240 60" role="img">{{range bars .}}<rect x="{{fmt .X}}" y="{{fmt .Y}}" width="{{fmt .W}}" height="{{fmt .H}}"><title>{{.Title}}</title></rect>{{end}}</svg>{{end}}</td>
</tr>
{{end}}</table>
{{range .Columns}}{{if .Top}}
<h3>{{.Name}}: top values (undercount at most {{.TopMaxUndercount}})</h3>
<table class="top"><tr><th class="l">value</th><th>count</th></tr>
{{range .Top}}<tr><td class="l">{{.Value}}</td><td>{{.Count}}</td></tr>
{{end}}</table>
{{end}}{{end}}
{{end}}
{{if .P.Drift}}
<h2 id="drift">Drift (PSI against {{(index .P.Drift 0).Train}})</h2>
<p class="note">PSI = Σ (a − e)·ln(a/e) over bin shares floored at 0.0001: below 0.1 stable, 0.1–0.25 moderate, above 0.25 large.</p>
<table class="drift"><tr><th class="l">column</th><th class="l">split</th><th>bins</th><th>PSI</th></tr>
{{range .P.Drift}}<tr{{if gt .PSI 0.25}} class="psi-hi"{{else if gt .PSI 0.1}} class="psi-mid"{{end}}><td class="l">{{.Column}}</td><td class="l">{{.Split}}</td><td>{{.Bins}}</td><td>{{num .PSI}}</td></tr>
{{end}}</table>
{{end}}
{{with .S}}
<h2 id="slices">Slices</h2>
<p class="note">Per value and split: rows, the label's mean and std and the numeric features' means (raw values). Each column lists its {{.Top}} largest values; the others are summed into (other).</p>
{{range .Columns}}
<h3>{{.Column}} ({{.Distinct}} values{{if .Other}}, {{.Other}} in (other){{end}})</h3>
<table class="slice" data-column="{{.Column}}"><tr><th class="l">value</th><th class="l">split</th><th>rows</th><th>label mean</th><th>label std</th>{{if .Rows}}{{with index .Rows 0}}{{range $f, $v := .FeatureMeans}}<th>mean {{$f}}</th>{{end}}{{end}}{{end}}</tr>
{{range .Rows}}<tr><td class="l">{{.Value}}</td><td class="l">{{.Split}}</td><td>{{.Rows}}</td><td>{{num .LabelMean}}</td><td>{{num .LabelStd}}</td>{{range $f, $v := .FeatureMeans}}<td>{{num $v}}</td>{{end}}</tr>
{{end}}</table>
{{end}}
{{end}}
</body>
</html>
`
