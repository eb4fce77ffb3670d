//go:build benchbypass

package handlers

import (
	"fmt"
	"os"
)

// benchBypassAuth switches content-API authentication off. Only `make
// bench` builds with -tags benchbypass, to measure the same route without
// authentication as the baseline the authenticated path is compared with.
const benchBypassAuth = true

// A binary built this way must never be mistaken for a real one.
func init() {
	fmt.Fprintln(os.Stderr, "WARNING: built with -tags benchbypass: the content API accepts requests WITHOUT authentication; for benchmarks only")
}
