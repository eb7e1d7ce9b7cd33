package bench

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
)

// Chart layout, in pixels.
const (
	chartW     = 1200
	chartScale = 2 // font scale
	rowH       = 30
	barH       = 20
	labelW     = 300
	marginX    = 20
	topH       = 50
	axisH      = 40
	legendRowH = 26
)

var (
	white = color.RGBA{255, 255, 255, 255}
	black = color.RGBA{20, 20, 20, 255}
	grey  = color.RGBA{200, 200, 200, 255}
	// palette colours the stages in order of first appearance, then the
	// peers' totals.
	palette = []color.RGBA{
		{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
		{148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255},
		{188, 189, 34, 255}, {23, 190, 207, 255},
	}
)

// segment is one coloured part of a bar.
type segment struct {
	key  string
	secs float64
}

// Chart draws the median time per stage per engine as horizontal stacked
// bars, one per (job, engine) that ran: sluice's bars are stacked by stage,
// a peer's bar is its total wall time. Entries without numbers get their
// status as text. Every bar shares one seconds axis.
func Chart(r *Report) *image.RGBA {
	type bar struct {
		label string
		segs  []segment
		note  string
	}
	var bars []bar
	var keys []string
	seen := map[string]bool{}
	addKey := func(k string) {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	maxSecs := 0.0
	for _, e := range r.Entries {
		b := bar{label: e.Job + " " + e.Engine}
		switch {
		case e.Status != "ok":
			b.note = e.Status
			if len(b.note) > 60 {
				b.note = b.note[:60] + "..."
			}
		case len(e.Stages) > 0:
			total := 0.0
			for _, s := range e.Stages {
				b.segs = append(b.segs, segment{s.Kind, s.Wall})
				addKey(s.Kind)
				total += s.Wall
			}
			// Time outside the stages (start-up, planning, commit).
			if rest := e.Wall - total; rest > 0 {
				b.segs = append(b.segs, segment{"other", rest})
				addKey("other")
			}
		default:
			b.segs = []segment{{e.Engine + " total", e.Wall}}
			addKey(e.Engine + " total")
		}
		t := 0.0
		for _, s := range b.segs {
			t += s.secs
		}
		maxSecs = math.Max(maxSecs, t)
		bars = append(bars, b)
	}
	colour := map[string]color.RGBA{}
	for i, k := range keys {
		colour[k] = palette[i%len(palette)]
	}
	legendRows := (len(keys) + 3) / 4
	h := topH + len(bars)*rowH + axisH + legendRows*legendRowH + 20
	img := image.NewRGBA(image.Rect(0, 0, chartW, h))
	draw.Draw(img, img.Bounds(), &image.Uniform{white}, image.Point{}, draw.Src)
	drawText(img, marginX, 15, "SLUICE BENCH: SECONDS PER STAGE (MEDIAN)", chartScale, black)

	plotX, plotW := marginX+labelW, chartW-marginX*2-labelW
	step := niceStep(maxSecs)
	ticks := int(math.Ceil(maxSecs / step))
	if ticks < 1 {
		ticks = 1
	}
	axisMax := step * float64(ticks)
	px := func(secs float64) int { return int(math.Round(secs / axisMax * float64(plotW))) }
	axisY := topH + len(bars)*rowH
	for i := 0; i <= ticks; i++ {
		x := plotX + px(float64(i)*step)
		fill(img, x, topH-5, 1, axisY-topH+10, grey)
		lbl := trimFloat(float64(i) * step)
		drawText(img, x-textWidth(lbl, chartScale)/2, axisY+10, lbl, chartScale, black)
	}
	for i, b := range bars {
		y := topH + i*rowH
		drawText(img, marginX, y+(rowH-glyphH*chartScale)/2, b.label, chartScale, black)
		if b.note != "" {
			drawText(img, plotX+5, y+(rowH-glyphH*chartScale)/2, b.note, chartScale, palette[3])
			continue
		}
		x := plotX
		for _, s := range b.segs {
			w := px(s.secs)
			fill(img, x, y+(rowH-barH)/2, w, barH, colour[s.key])
			x += w
		}
	}
	ly := axisY + axisH
	colW := (chartW - 2*marginX) / 4
	for i, k := range keys {
		x, y := marginX+(i%4)*colW, ly+(i/4)*legendRowH
		fill(img, x, y, 16, 16, colour[k])
		drawText(img, x+24, y+1, k, chartScale, black)
	}
	return img
}

// niceStep picks an axis step of 1, 2 or 5 × 10^k giving at most 10 ticks.
func niceStep(max float64) float64 {
	if !(max > 0) {
		return 1
	}
	raw := max / 10
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

func trimFloat(x float64) string {
	s := fmt.Sprintf("%.3g", x)
	return s
}

func fill(img *image.RGBA, x, y, w, h int, c color.RGBA) {
	draw.Draw(img, image.Rect(x, y, x+w, y+h), &image.Uniform{c}, image.Point{}, draw.Src)
}

func encodePNG(w io.Writer, img image.Image) error { return png.Encode(w, img) }
