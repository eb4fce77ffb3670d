package main

import (
	"time"

	"github.com/tokenadmin/tokenadmin/internal/devproc"
)

// Server CPU per request is the figure that other work on a shared machine
// moves least: throughput falls when other processes take the cores, but
// the CPU the server spends on one request hardly changes. So beside the
// request rates the HTTP section reports CPU per request, and compares the
// read path with and without authentication on it too.

// cpu is the CPU time s's process has used so far.
func (s *server) cpu() (time.Duration, bool) {
	if s == nil || s.srv == nil {
		return 0, false
	}
	return devproc.CPU(s.srv.Cmd.Process.Pid)
}
