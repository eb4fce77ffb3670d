package main

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// row is one figure of the report. A row with only a heading starts a
// section.
type row struct {
	heading                               string
	figure, value, against, ratio, target string
}

// table collects the report as the sections run; it is printed once at
// the end so the figures stand together.
type table struct {
	rows  []row
	notes []string
}

func (t *table) section(title string) { t.rows = append(t.rows, row{heading: title}) }

func (t *table) add(figure, value, against, ratio, target string) {
	t.rows = append(t.rows, row{figure: figure, value: value, against: against, ratio: ratio, target: target})
}

func (t *table) note(format string, args ...any) {
	t.notes = append(t.notes, fmt.Sprintf(format, args...))
}

// verdict renders a target and whether it was met.
func verdict(target string, met bool) string {
	if met {
		return target + "  met"
	}
	return target + "  MISSED"
}

func (t *table) print(w io.Writer) {
	header := row{figure: "figure", value: "value", against: "against", ratio: "ratio", target: "target"}
	cols := func(r row) []string { return []string{"  " + r.figure, r.value, r.against, r.ratio, r.target} }
	width := make([]int, 5)
	for _, r := range append([]row{header}, t.rows...) {
		if r.heading != "" {
			continue
		}
		for i, c := range cols(r) {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	line := func(r row) {
		var b strings.Builder
		for i, c := range cols(r) {
			b.WriteString(c)
			if i < len(width)-1 {
				b.WriteString(strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)+3))
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	total := 3 * (len(width) - 1)
	for _, n := range width {
		total += n
	}
	fmt.Fprintln(w)
	line(header)
	fmt.Fprintln(w, strings.Repeat("-", total))
	for _, r := range t.rows {
		if r.heading != "" {
			fmt.Fprintln(w, r.heading)
			continue
		}
		line(r)
	}
	if len(t.notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range t.notes {
			fmt.Fprintln(w, "note: "+n)
		}
	}
}
