package main

import "syscall"

// childProcAttr makes the kernel kill a child if the orchestrator dies
// without running its clean-up (SIGKILL, a crash), so no server outlives
// `make bench`.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
