//go:build pprof

package main

import (
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof" // the profiling endpoints, only in a -tags pprof build
	"os"
)

// A -tags pprof build serves net/http/pprof on 127.0.0.1:6060 (or
// TOKENADMIN_PPROF_ADDR), to profile a running server under load: the
// figures of make bench were found this way. Never in a shipped binary.
func init() {
	addr := os.Getenv("TOKENADMIN_PPROF_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6060"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pprof:", err)
		return
	}
	fmt.Fprintln(os.Stderr, "WARNING: built with -tags pprof: profiling endpoints on http://"+addr+"/debug/pprof/")
	go http.Serve(ln, nil) //nolint:errcheck // ends with the process
}
