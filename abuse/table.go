package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// printTable writes the results as one Markdown table, each case's builds
// on neighbouring lines so that before and after read side by side.
func printTable(w io.Writer, builds []build, results []result) {
	fmt.Fprintln(w, "| case | db | build | statuses | wall | server CPU | PG CPU | peak RSS | others' worst | what happened |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|")
	for _, c := range cases {
		for _, dialect := range []string{"sqlite", "postgres"} {
			for _, b := range builds {
				for _, r := range results {
					if r.name != c.name || r.dialect != dialect || r.build != b.name {
						continue
					}
					fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
						r.name, shortDB(dialect), r.build, statusCell(r), wallCell(r), cpuCell(r, r.cpu), cpuCell(r, r.dbCPU), memCell(r), othersCell(r), noteCell(r))
				}
			}
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "server CPU: the tokenadmin process; PG CPU: the PostgreSQL backends serving it (a lower bound).")
	fmt.Fprintln(w, "others' worst: the slowest of the findOne reads another client sent every 250 ms while the case ran (\"-\": the case was over first).")
	for _, c := range cases {
		fmt.Fprintf(w, "- %s: %s\n", c.name, c.what)
	}
}

func shortDB(d string) string {
	if d == "postgres" {
		return "PG"
	}
	return "SQLite"
}

func statusCell(r result) string {
	if r.err != nil {
		return "-"
	}
	return statusSummary(r.statuses)
}

func wallCell(r result) string {
	if r.capped {
		return "> " + r.wall.Round(time.Second).String()
	}
	return dur(r.wall)
}

func cpuCell(r result, cpu time.Duration) string {
	if cpu < 0 {
		return "-"
	}
	if r.capped {
		return "≥ " + dur(cpu)
	}
	return dur(cpu)
}

func memCell(r result) string {
	if r.peak == 0 {
		return "?"
	}
	return fmt.Sprintf("%d MB (from %d)", r.peak>>20, r.base>>20)
}

// othersCell is the slowest answer the bystander got while the case ran,
// and how many of its reads failed (timed out or not 200).
func othersCell(r result) string {
	p := r.others
	if p.n == 0 {
		return "-" // the case was over before the first read came back
	}
	s := dur(p.worst)
	if p.failed > 0 {
		s += fmt.Sprintf(", %d of %d failed", p.failed, p.n)
	}
	return s
}

func noteCell(r result) string {
	if r.err != nil {
		return "could not run: " + strings.ReplaceAll(r.err.Error(), "\n", " ")
	}
	return strings.ReplaceAll(r.note, "|", "\\|")
}

// dur is a duration short enough for a table cell.
func dur(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return "< 1 ms"
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	default:
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
}
