package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tokenadmin/tokenadmin/internal/devproc"
)

const microTimeout = 3 * time.Minute

// microBench is one line of `go test -bench` output.
type microBench struct {
	nsPerOp     float64
	allocsPerOp int64
}

// benchLineRE matches e.g.
// "BenchmarkParse-2   26373764   45.12 ns/op   0 B/op   0 allocs/op".
var benchLineRE = regexp.MustCompile(`^Benchmark(\w+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(?:\s+\d+ B/op\s+(\d+) allocs/op)?`)

// parseBenchOutput reads the figures of every benchmark in out.
func parseBenchOutput(out []byte) map[string]microBench {
	res := map[string]microBench{}
	for _, line := range strings.Split(string(out), "\n") {
		m := benchLineRE.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		ns, _ := strconv.ParseFloat(m[2], 64)
		allocs, _ := strconv.ParseInt(m[3], 10, 64)
		res[m[1]] = microBench{nsPerOp: ns, allocsPerOp: allocs}
	}
	return res
}

// microSection runs the apitoken package's Go benchmarks, before any
// server starts, so nothing else competes for the CPU.
func (b *bench) microSection(ctx context.Context, t *table) error {
	t.section("Go micro-benchmarks: go test -bench -benchmem ./apitoken/ (in-process, no HTTP)")
	ctx, cancel := context.WithTimeout(ctx, microTimeout)
	defer cancel()
	b.progress("micro-benchmarks: go test -bench ./apitoken/")
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$",
		"-bench", "Parse|Hash|CacheHit|CacheMiss|Allows|Verify", "-benchmem", "./apitoken/")
	cmd.Dir = b.root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go test -bench: %w\n%s", err, devproc.Tail(out.Bytes(), 20))
	}
	res := parseBenchOutput(out.Bytes())

	figures := []struct{ name, label string }{
		{"Parse", "key parse (shape + CRC32 checksum)"},
		{"Hash", "key hash (HMAC-SHA256, pooled)"},
		{"CacheHit", "cache lookup, known key (hit)"},
		{"CacheMiss", "cache lookup, unknown key (miss)"},
		{"Allows", "Allows (custom token, 3 actions)"},
		{"Verify", "Verify (parse + hash + lookup)"},
	}
	var missing []string
	for _, f := range figures {
		r, ok := res[f.name]
		if !ok {
			missing = append(missing, "Benchmark"+f.name)
			continue
		}
		value := fmt.Sprintf("%s, %d allocs", nsPerOp(r.nsPerOp), r.allocsPerOp)
		against, rat := "-", ""
		switch f.name {
		case "CacheHit":
			// A hit should cost no more than a miss, which also
			// records the unknown hash.
			if miss, ok := res["CacheMiss"]; ok {
				against, rat = "cache miss "+nsPerOp(miss.nsPerOp), ratio(r.nsPerOp, miss.nsPerOp)
			}
		case "Verify":
			// What Verify adds over the two steps it must do anyway.
			p, okP := res["Parse"]
			h, okH := res["Hash"]
			if okP && okH {
				against, rat = "parse + hash "+nsPerOp(p.nsPerOp+h.nsPerOp), ratio(r.nsPerOp, p.nsPerOp+h.nsPerOp)
			}
		}
		t.add(f.label, value, against, rat, "")
	}
	if len(missing) > 0 {
		return fmt.Errorf("go test -bench printed no result for %s:\n%s", strings.Join(missing, ", "), devproc.Tail(out.Bytes(), 20))
	}
	return nil
}
