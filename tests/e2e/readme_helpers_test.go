package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// readmeCommands returns the commands of the first ```sh block under the README heading "## name":
// continuation lines joined, comments and blank lines dropped. The tests run these lines, so a
// README example that stops working fails a test.
func readmeCommands(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## "+name+"\n")
	if !ok {
		t.Fatalf("README.md has no section %q", name)
	}
	_, block, ok := strings.Cut(section, "```sh\n")
	if !ok || strings.Index(section, "```sh\n") > strings.Index(section+"\n## ", "\n## ") {
		t.Fatalf("README.md section %q has no ```sh block", name)
	}
	block, _, _ = strings.Cut(block, "```")
	var cmds []string
	pending := ""
	comment := regexp.MustCompile(`(^|\s+)#.*$`)
	for _, line := range strings.Split(block, "\n") {
		line = strings.TrimSpace(comment.ReplaceAllString(line, ""))
		if cont, ok := strings.CutSuffix(line, `\`); ok {
			pending += strings.TrimSpace(cont) + " "
			continue
		}
		line = pending + line
		pending = ""
		if line != "" {
			cmds = append(cmds, line)
		}
	}
	return cmds
}

// shellResult is what a shell command run by runShell did.
type shellResult struct {
	Out, Stderr string
	Err         error // nil when it exited 0
	Duration    time.Duration
}

// All is the output for a failure message.
func (r shellResult) All() string { return r.Out + r.Stderr }

// runShell runs script with bash in the repository root, as a user types it, with env added to
// the test's environment (minus make's own variables, so a `make` inside starts afresh). The
// script and everything it starts in the foreground get its own process group, killed when the
// timeout passes.
func runShell(t *testing.T, script string, env []string, timeout time.Duration) shellResult {
	t.Helper()
	return runShellIn(t, repoRoot, script, env, timeout)
}

// runShellIn is runShell in the directory dir.
func runShellIn(t *testing.T, dir, script string, env []string, timeout time.Duration) shellResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%q did not finish in %s: %w", script, timeout, err)
	}
	return shellResult{Out: out.String(), Stderr: errOut.String(), Err: err, Duration: time.Since(start)}
}

// cleanEnv is the test's environment without the variables make passes to its children.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// processesMentioning returns the PIDs of the live processes whose command line contains s (a
// test's temporary directory: only processes started for that test have it). Exited processes
// not yet reaped have no command line and do not count.
func processesMentioning(t *testing.T, s string) []int {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Fatalf("finding leftover processes reads /proc (linux only)")
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue // exited meanwhile
		}
		if bytes.Contains(cmdline, []byte(s)) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// waitNoProcesses waits up to timeout until no process mentions s, and fails the test otherwise.
func waitNoProcesses(t *testing.T, s string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		left := processesMentioning(t, s)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d processes of %s still running %s after the stop: %v", len(left), s, timeout, describe(left))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// killProcessesMentioning is a test's last-resort cleanup: SIGKILL to every process that mentions
// its temporary directory s (so they are its own), when the commands under test left some.
func killProcessesMentioning(t *testing.T, s string) {
	for _, pid := range processesMentioning(t, s) {
		t.Logf("cleanup: killing leftover process %d", pid)
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

func describe(pids []int) []string {
	var out []string
	for _, pid := range pids {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		out = append(out, fmt.Sprintf("%d: %s", pid, strings.TrimSpace(string(bytes.ReplaceAll(b, []byte{0}, []byte{' '})))))
	}
	return out
}
