package bench

import (
	"bytes"
	"image/png"
	"testing"
)

// TestChartPNG: the chart encodes as a PNG that decodes to the documented
// width and a height that grows with the number of bars, and sluice's
// stage segments are drawn in distinct colours.
func TestChartPNG(t *testing.T) {
	r := &Report{Entries: []*Entry{
		{Job: "citibike", Engine: "sluice-cpu", Status: "ok", Wall: 3,
			Stages: []StageRow{{ID: 1, Kind: "scan", Wall: 1}, {ID: 2, Kind: "shard-write", Wall: 1.5}}},
		{Job: "citibike", Engine: "sluice-gpu", Status: "no GPU on this machine"},
		{Job: "citibike", Engine: "duckdb", Status: "ok", Wall: 6},
	}}
	var buf bytes.Buffer
	if err := encodePNG(&buf, Chart(r)); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatalf("chart.png does not decode: %v", err)
	}
	b := img.Bounds()
	// 4 legend keys (scan, shard-write, other, duckdb total) fit on one row.
	wantH := topH + 3*rowH + axisH + 1*legendRowH + 20
	if b.Dx() != chartW || b.Dy() != wantH {
		t.Fatalf("chart is %dx%d, want %dx%d", b.Dx(), b.Dy(), chartW, wantH)
	}
	// The first bar's middle row: scan (palette 0) then shard-write
	// (palette 1); the axis is 6 s wide (step 1), so 1 s = plotW/6 px.
	plotW := chartW - marginX*2 - labelW
	y := topH + rowH/2
	at := func(secs float64) [3]uint32 {
		r, g, b, _ := img.At(marginX+labelW+int(secs*float64(plotW)/6), y).RGBA()
		return [3]uint32{r >> 8, g >> 8, b >> 8}
	}
	p0, p1 := palette[0], palette[1]
	if got := at(0.5); got != [3]uint32{uint32(p0.R), uint32(p0.G), uint32(p0.B)} {
		t.Fatalf("scan segment colour %v, want %v", got, p0)
	}
	if got := at(1.7); got != [3]uint32{uint32(p1.R), uint32(p1.G), uint32(p1.B)} {
		t.Fatalf("shard-write segment colour %v, want %v", got, p1)
	}
}

func TestNiceStep(t *testing.T) {
	for _, c := range []struct{ max, want float64 }{{6, 1}, {0.55, 0.1}, {27, 5}, {130, 20}, {0, 1}} {
		if got := niceStep(c.max); got != c.want {
			t.Errorf("niceStep(%v) = %v, want %v", c.max, got, c.want)
		}
	}
}

func TestTextWidth(t *testing.T) {
	if got := textWidth("ab1", 2); got != 3*(glyphW+1)*2 {
		t.Fatalf("textWidth = %d", got)
	}
	for r, g := range glyphs {
		rows := bytes.Split([]byte(g), []byte("|"))
		if len(rows) != glyphH {
			t.Fatalf("glyph %q has %d rows", r, len(rows))
		}
		for _, row := range rows {
			if len(row) != glyphW {
				t.Fatalf("glyph %q row %q is not %d wide", r, row, glyphW)
			}
		}
	}
}
