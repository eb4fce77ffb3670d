package main

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// processCPU is the CPU time (user + system) process pid has used, read
// from /proc (Linux); ok is false where there is no /proc.
//
// Server CPU per request is the figure that other work on a shared machine
// moves least: throughput falls when other processes take the cores, but
// the CPU the server spends on one request hardly changes. So beside the
// request rates the HTTP section reports CPU per request, and compares the
// read path with and without authentication on it too.
func processCPU(pid int) (cpu time.Duration, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// The command name (field 2) may hold spaces; fields are counted
	// after its closing parenthesis. utime and stime are fields 14 and 15.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	// USER_HZ, the unit of these fields, is 100 on every Linux port.
	const userHZ = 100
	return time.Duration(utime+stime) * time.Second / userHZ, true
}

// cpu is the CPU time s's process has used so far.
func (s *server) cpu() (time.Duration, bool) {
	if s == nil || s.cmd == nil || s.cmd.Process == nil {
		return 0, false
	}
	return processCPU(s.cmd.Process.Pid)
}
