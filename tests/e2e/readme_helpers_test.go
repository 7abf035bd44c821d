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
// README example that stops working fails a test; TestReadmeBlocks holds every ```sh block of the
// README to one of these sections.
func readmeCommands(t *testing.T, name string) []string {
	t.Helper()
	for _, b := range readmeBlocks(t) {
		if b.section == name && b.tag == "sh" {
			return shellLines(b.body)
		}
	}
	t.Fatalf("README.md section %q has no ```sh block", name)
	return nil
}

// readmeBlock is a fenced code block of README.md: the "## " heading it is under, its info string
// (the fence's tag) and its text.
type readmeBlock struct {
	section, tag, body string
	line               int // of the opening fence
}

// readmeBlocks returns every fenced code block of README.md, in order: a fence is a line of three
// or more backticks or tildes, and a block ends at a fence of the same character at least as long;
// a fence left open fails.
func readmeBlocks(t *testing.T) []readmeBlock {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	fence := regexp.MustCompile("^ {0,3}(`{3,}|~{3,})(.*)$")
	var blocks []readmeBlock
	var open *readmeBlock
	closing, section := "", ""
	for i, line := range strings.Split(string(b), "\n") {
		m := fence.FindStringSubmatch(line)
		switch {
		case open != nil && m != nil && strings.HasPrefix(m[1], closing) && strings.TrimSpace(m[2]) == "":
			blocks = append(blocks, *open)
			open = nil
		case open != nil:
			open.body += line + "\n"
		case m != nil:
			closing = m[1]
			open = &readmeBlock{section: section, tag: strings.TrimSpace(m[2]), line: i + 1}
		case strings.HasPrefix(line, "## "):
			section = strings.TrimPrefix(line, "## ")
		}
	}
	if open != nil {
		t.Fatalf("README.md:%d: a code block is never closed", open.line)
	}
	return blocks
}

// shellLines returns the command lines of a shell block: continuation lines joined, comments and
// blank lines dropped. A last line that continues is kept as it is, not dropped.
func shellLines(block string) []string {
	var cmds []string
	pending := ""
	for _, line := range strings.Split(block, "\n") {
		line = strings.TrimSpace(stripShellComment(line))
		if cont, ok := strings.CutSuffix(line, `\`); ok {
			pending += strings.TrimSpace(cont) + " "
			continue
		}
		line = strings.TrimSpace(pending + line)
		pending = ""
		if line != "" {
			cmds = append(cmds, line)
		}
	}
	if pending = strings.TrimSpace(pending); pending != "" {
		cmds = append(cmds, pending)
	}
	return cmds
}

// stripShellComment cuts a line at the # that starts a shell comment: at the line's start or after
// a blank, outside quotes and not escaped, so that an argument such as '{"memo":"a #1"}' stays
// whole.
func stripShellComment(line string) string {
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\\' && quote != '\'':
			i++ // the next character is escaped
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t'):
			return line[:i]
		}
	}
	return line
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
