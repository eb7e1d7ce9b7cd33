package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// WriteReport writes report.json, report.md and chart.png into dir.
func WriteReport(dir string, r *Report) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("report.json: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "report.json"), append(data, '\n'), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.md"), []byte(Markdown(r)), 0o644); err != nil {
		return err
	}
	img := Chart(r)
	f, err := os.Create(filepath.Join(dir, "chart.png"))
	if err != nil {
		return err
	}
	if err := encodePNG(f, img); err != nil {
		f.Close()
		return fmt.Errorf("chart.png: %w", err)
	}
	return f.Close()
}

// Markdown renders the report: the agreement verdict, the table of job ×
// engine, and sluice's per-stage breakdown.
func Markdown(r *Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# sluice benchmark\n\n")
	fmt.Fprintf(&b, "%s on %s: %d CPUs, %s. %d generated citibike rows (seed %d), median of %d run(s) per cell; peers run with %d threads. Prices: CPU instance $%.2f/h, GPU instance $%.2f/h.\n\n",
		r.Started.Format("2006-01-02 15:04 UTC"), r.Host, r.CPUs, r.GPU, r.Rows, r.Seed, r.Runs, r.Threads, r.PriceCPU, r.PriceGPU)
	if len(r.Disagreements) == 0 {
		fmt.Fprintf(&b, "**Agreement: every peer that ran agrees with sluice** (rows per split and per group, aggregates within 1e-9 relative, fitted statistics: transforms, one-hot categories and hash buckets equal, vocabularies sharing ≥ 95 %% of entries, fitted numbers within %d standard errors, since each peer ranks rows by its own hash).\n\n", FitSE)
	} else {
		fmt.Fprintf(&b, "## ⚠ DISAGREEMENT: %d problem(s) between sluice and a peer\n\n", len(r.Disagreements))
		for _, d := range r.Disagreements {
			fmt.Fprintf(&b, "- **%s**\n", d)
		}
		b.WriteString("\n")
	}
	b.WriteString("| job | engine | wall s | CPU s | peak RSS | rows/s | input MB/s | wall vs faster peer | CPU vs faster peer | RSS vs faster peer | cost USD | compute cost USD | status |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, e := range r.Entries {
		if e.Status != "ok" {
			fmt.Fprintf(&b, "| %s | %s | - | - | - | - | - | - | - | - | - | - | %s |\n", e.Job, e.Engine, oneLine(e.Status))
			continue
		}
		status := "ok"
		if e.Agreement != nil && !e.Agreement.OK {
			status = "**DISAGREES**"
		}
		fmt.Fprintf(&b, "| %s | %s | %.2f | %.2f | %s | %s | %.1f | %s | %s | %s | %.6f | %.6f | %s |\n", e.Job, e.Engine, e.Wall, e.CPU,
			fmtBytes(e.MaxRSS), fmtCount(e.RowsPerSec), e.BytesPerSec/1e6, fmtRatio(e.TimeVsPeer), fmtRatio(e.CPUVsPeer), fmtRatio(e.RSSVsPeer), e.Cost, e.ComputeCost, status)
	}
	b.WriteString("\nThe faster peer is the one with the lower median wall time; runs are interleaved (run i of every engine, then run i+1, the order rotating each round).\n")
	b.WriteString("\n### Engines\n\n| job | engine | version | method | runs: wall s (CPU s) | phases (median s) |\n|---|---|---|---|---|---|\n")
	for _, e := range r.Entries {
		if e.Status != "ok" {
			continue
		}
		var runs, phases []string
		for _, m := range e.Runs {
			runs = append(runs, fmt.Sprintf("%.1f (%.1f)", m.Wall, m.CPU))
		}
		for _, name := range sortedKeys(e.Phases) {
			phases = append(phases, fmt.Sprintf("%s %.1f", name, e.Phases[name]))
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", e.Job, e.Engine, orDash(e.Version), orDash(oneLine(e.Method)),
			strings.Join(runs, ", "), orDash(strings.Join(phases, ", ")))
	}
	fmt.Fprintf(&b, "\nrows/s and MB/s are input rows and input bytes over the median wall time; cost = wall × instance price / 3600; compute cost = CPU s × $%g per core-hour (+ a GPU engine's wall s × $%g per GPU-hour) / 3600.\n", r.PricePerCoreHour, r.PricePerGPUHour)
	for _, e := range r.Entries {
		if e.Status != "ok" || len(e.Stages) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n### %s: %s per stage (median wall and CPU)\n\n", e.Job, e.Engine)
		b.WriteString("| stage | tasks | wall s | CPU s | rows | bytes written | shuffle bytes |\n|---|---:|---:|---:|---:|---:|---:|\n")
		for _, s := range e.Stages {
			shuffle := "-"
			if s.Kind == "transform" {
				shuffle = fmtBytes(s.Bytes)
			}
			fmt.Fprintf(&b, "| %d %s | %d | %.2f | %.2f | %d | %s | %s |\n", s.ID, s.Kind, s.Tasks, s.Wall, s.CPU, s.Rows, fmtBytes(s.Bytes), shuffle)
		}
	}
	b.WriteString("\nbytes written: the scan's local cache (the last stage's exchange: buckets by shard hash) and the shard files.\n\n![time per stage per engine](chart.png)\n")
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func sortedKeys(m map[string]float64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func oneLine(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\n", " "), "|", "/")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

func fmtRatio(x float64) string {
	if x == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f×", x)
}

func fmtBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func fmtCount(x float64) string {
	switch {
	case x >= 1e6:
		return fmt.Sprintf("%.2fM", x/1e6)
	case x >= 1e3:
		return fmt.Sprintf("%.1fk", x/1e3)
	}
	return fmt.Sprintf("%.0f", x)
}
