//go:build !linux

package btcdtest

import "syscall"

// sysProcAttr: only Linux can tie the child's life to the parent's; elsewhere
// a node outlives a test binary that dies without running its cleanups.
func sysProcAttr() *syscall.SysProcAttr { return nil }
