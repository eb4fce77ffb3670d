//go:build !linux

package devproc

import "syscall"

// ProcAttr: elsewhere only the tool's own clean-up stops its children.
func ProcAttr() *syscall.SysProcAttr { return nil }
