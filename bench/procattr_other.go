//go:build !linux

package main

import "syscall"

// childProcAttr: elsewhere only the orchestrator's own clean-up stops
// children.
func childProcAttr() *syscall.SysProcAttr { return nil }
