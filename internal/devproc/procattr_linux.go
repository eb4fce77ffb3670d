package devproc

import "syscall"

// ProcAttr kills a child with its parent: an interrupted tool leaves no
// server behind.
func ProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }
