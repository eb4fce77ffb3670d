//go:build !linux

package devproc

import "syscall"

func procAttr() *syscall.SysProcAttr { return nil }
