package btcdtest

import "syscall"

// sysProcAttr makes the kernel kill btcd if the test binary dies without
// running its cleanups (a panic, a -timeout), so no node outlives its test.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
