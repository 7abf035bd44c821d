// Command plot draws benchmark series as a PNG chart on log-log axes, with the standard library
// only. It reads lines "SERIES X Y" (X and Y positive numbers) from stdin and writes the chart to
// the file named by -o: one colored line per series, decade ticks on both axes, a legend.
//
//	go run ./bench/plot -o build/bench/endblock-backlog.png -x "non-final keystones" -y "ns per block" <points
package main

import (
	"bufio"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

const (
	width, height           = 900, 600
	left, right, top, lower = 110, 30, 50, 80 // margins
	scale                   = 2               // pixels per font dot
)

var palette = []color.RGBA{{0x1f, 0x77, 0xb4, 0xff}, {0xd6, 0x27, 0x28, 0xff}, {0x2c, 0xa0, 0x2c, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0x94, 0x67, 0xbd, 0xff}}

type point struct{ x, y float64 }

func main() {
	out := flag.String("o", "", "output PNG file")
	xLabel := flag.String("x", "", "x axis label")
	yLabel := flag.String("y", "", "y axis label")
	title := flag.String("title", "", "chart title")
	flag.Parse()
	if *out == "" {
		fail(fmt.Errorf("-o is required"))
	}
	series, order, err := read(bufio.NewScanner(os.Stdin))
	if err != nil {
		fail(err)
	}
	f, err := os.Create(*out)
	if err != nil {
		fail(err)
	}
	if err := png.Encode(f, draw(series, order, *title, *xLabel, *yLabel)); err != nil {
		fail(err)
	}
	if err := f.Close(); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "plot:", err)
	os.Exit(1)
}

// read parses "SERIES X Y" lines; series keep the order of their first line.
func read(sc *bufio.Scanner) (map[string][]point, []string, error) {
	series := map[string][]point{}
	var order []string
	for line := 1; sc.Scan(); line++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 {
			return nil, nil, fmt.Errorf("line %d: want SERIES X Y, got %q", line, sc.Text())
		}
		x, err1 := strconv.ParseFloat(f[1], 64)
		y, err2 := strconv.ParseFloat(f[2], 64)
		if err1 != nil || err2 != nil || x <= 0 || y <= 0 {
			return nil, nil, fmt.Errorf("line %d: X and Y must be positive numbers: %q", line, sc.Text())
		}
		if _, ok := series[f[0]]; !ok {
			order = append(order, f[0])
		}
		series[f[0]] = append(series[f[0]], point{x, y})
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	if len(order) == 0 {
		return nil, nil, fmt.Errorf("no points on stdin")
	}
	return series, order, nil
}

// draw renders the series on log10 axes spanning whole decades around every point.
func draw(series map[string][]point, order []string, title, xLabel, yLabel string) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	fill(img, img.Bounds(), color.RGBA{0xff, 0xff, 0xff, 0xff})
	x0, x1, y0, y1 := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, ps := range series {
		for _, p := range ps {
			x0, x1 = min(x0, math.Log10(p.x)), max(x1, math.Log10(p.x))
			y0, y1 = min(y0, math.Log10(p.y)), max(y1, math.Log10(p.y))
		}
	}
	x0, x1, y0, y1 = math.Floor(x0), math.Max(math.Ceil(x1), math.Floor(x0)+1), math.Floor(y0), math.Max(math.Ceil(y1), math.Floor(y0)+1)
	px := func(x float64) int { return left + int((math.Log10(x)-x0)/(x1-x0)*float64(width-left-right)) }
	py := func(y float64) int { return height - lower - int((math.Log10(y)-y0)/(y1-y0)*float64(height-top-lower)) }
	grey, black := color.RGBA{0xdd, 0xdd, 0xdd, 0xff}, color.RGBA{0, 0, 0, 0xff}
	for d := x0; d <= x1; d++ {
		x := px(math.Pow(10, d))
		line(img, x, top, x, height-lower, grey)
		label := decade(d)
		text(img, x-textWidth(label)/2, height-lower+10, label, black)
	}
	for d := y0; d <= y1; d++ {
		y := py(math.Pow(10, d))
		line(img, left, y, width-right, y, grey)
		label := decade(d)
		text(img, left-10-textWidth(label), y-5*scale/2, label, black)
	}
	line(img, left, top, left, height-lower, black)
	line(img, left, height-lower, width-right, height-lower, black)
	text(img, (width-textWidth(xLabel))/2, height-lower+40, xLabel, black)
	text(img, 10, top-22, yLabel, black)
	text(img, (width-textWidth(title))/2, 10, title, black)
	for i, name := range order {
		c := palette[i%len(palette)]
		ps := slices.Clone(series[name])
		slices.SortFunc(ps, func(a, b point) int { return int(math.Copysign(1, a.x-b.x)) })
		for j, p := range ps {
			fill(img, image.Rect(px(p.x)-3, py(p.y)-3, px(p.x)+4, py(p.y)+4), c)
			if j > 0 {
				line(img, px(ps[j-1].x), py(ps[j-1].y), px(p.x), py(p.y), c)
			}
		}
		ly := top + 10 + i*12*scale/2*2
		fill(img, image.Rect(width-right-180, ly, width-right-168, ly+10), c)
		text(img, width-right-160, ly, name, black)
	}
	return img
}

// decade labels 10^d as a plain number (1, 10, 100, ...) or 1e<d> when it is long.
func decade(d float64) string {
	if d >= 0 && d <= 6 {
		return strconv.FormatFloat(math.Pow(10, d), 'f', 0, 64)
	}
	return "1e" + strconv.Itoa(int(d))
}

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetRGBA(x, y, c)
		}
	}
}

// line draws a 2-pixel line from (xa, ya) to (xb, yb).
func line(img *image.RGBA, xa, ya, xb, yb int, c color.RGBA) {
	steps := max(abs(xb-xa), abs(yb-ya), 1)
	for i := 0; i <= steps; i++ {
		x := xa + (xb-xa)*i/steps
		y := ya + (yb-ya)*i/steps
		fill(img, image.Rect(x, y, x+2, y+2), c)
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func textWidth(s string) int { return len(s) * 4 * scale }

// text draws s in the 3×5 font below, scale pixels per dot; unknown characters draw as blanks.
func text(img *image.RGBA, x, y int, s string, c color.RGBA) {
	for i, r := range strings.ToLower(s) {
		g, ok := font[r]
		if !ok {
			continue
		}
		for row, bits := range g {
			for col, b := range bits {
				if b == '#' {
					fx, fy := x+(i*4+col)*scale, y+row*scale
					fill(img, image.Rect(fx, fy, fx+scale, fy+scale), c)
				}
			}
		}
	}
}

// font is a 3×5 dot font of the characters the charts use.
var font = map[rune][5]string{
	'0': {"###", "#.#", "#.#", "#.#", "###"}, '1': {".#.", "##.", ".#.", ".#.", "###"},
	'2': {"###", "..#", "###", "#..", "###"}, '3': {"###", "..#", ".##", "..#", "###"},
	'4': {"#.#", "#.#", "###", "..#", "..#"}, '5': {"###", "#..", "###", "..#", "###"},
	'6': {"###", "#..", "###", "#.#", "###"}, '7': {"###", "..#", "..#", ".#.", ".#."},
	'8': {"###", "#.#", "###", "#.#", "###"}, '9': {"###", "#.#", "###", "..#", "###"},
	'a': {".#.", "#.#", "###", "#.#", "#.#"}, 'b': {"##.", "#.#", "##.", "#.#", "##."},
	'c': {".##", "#..", "#..", "#..", ".##"}, 'd': {"##.", "#.#", "#.#", "#.#", "##."},
	'e': {"###", "#..", "##.", "#..", "###"}, 'f': {"###", "#..", "##.", "#..", "#.."},
	'g': {".##", "#..", "#.#", "#.#", ".##"}, 'h': {"#.#", "#.#", "###", "#.#", "#.#"},
	'i': {"###", ".#.", ".#.", ".#.", "###"}, 'j': {"..#", "..#", "..#", "#.#", ".#."},
	'k': {"#.#", "#.#", "##.", "#.#", "#.#"}, 'l': {"#..", "#..", "#..", "#..", "###"},
	'm': {"#.#", "###", "###", "#.#", "#.#"}, 'n': {"##.", "#.#", "#.#", "#.#", "#.#"},
	'o': {".#.", "#.#", "#.#", "#.#", ".#."}, 'p': {"##.", "#.#", "##.", "#..", "#.."},
	'q': {".#.", "#.#", "#.#", "##.", ".##"}, 'r': {"##.", "#.#", "##.", "#.#", "#.#"},
	's': {".##", "#..", ".#.", "..#", "##."}, 't': {"###", ".#.", ".#.", ".#.", ".#."},
	'u': {"#.#", "#.#", "#.#", "#.#", "###"}, 'v': {"#.#", "#.#", "#.#", "#.#", ".#."},
	'w': {"#.#", "#.#", "###", "###", "#.#"}, 'x': {"#.#", "#.#", ".#.", "#.#", "#.#"},
	'y': {"#.#", "#.#", ".#.", ".#.", ".#."}, 'z': {"###", "..#", ".#.", "#..", "###"},
	'(': {".#.", "#..", "#..", "#..", ".#."}, ')': {".#.", "..#", "..#", "..#", ".#."},
	'-': {"...", "...", "###", "...", "..."}, '.': {"...", "...", "...", "...", ".#."},
	',': {"...", "...", "...", ".#.", "#.."}, '/': {"..#", "..#", ".#.", "#..", "#.."},
	'=': {"...", "###", "...", "###", "..."}, ':': {"...", ".#.", "...", ".#.", "..."},
	'µ': {"...", "#.#", "#.#", "##.", "#.."}, '+': {"...", ".#.", "###", ".#.", "..."},
}
