package devproc

import "syscall"

// procAttr kills a child with its parent: an interrupted tool leaves no
// server behind.
func procAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }
