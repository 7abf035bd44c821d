package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
)

// readmeRunBlocks names, for each README section whose ```sh block a test runs, the test that runs
// it. TestReadmeBlocks holds the README to this list, so a command block cannot be added or moved
// where no test would run it.
var readmeRunBlocks = map[string]string{
	"The two commands":        "TestReadmeDemo (make demo) and .ci/run (make test)",
	"Using the chain":         "TestReadmeDemo",
	"Running a validator":     "TestReadmeRunningAValidator",
	"The relayer":             "TestReadmeDaemons",
	"The PoP miner":           "TestReadmeDaemons",
	"Networks on one machine": "TestReadmeLocalnet",
}

// readmeShownTags are the code blocks that show text and are not run: output, trees, config.
var readmeShownTags = []string{"text", "toml", "json", "go", "solidity"}

// TestReadmeBlocks checks that every command block of README.md runs in a test: each ```sh block
// is the only one of a section in readmeRunBlocks, every other block is tagged as shown text
// (an untagged or ```bash block would run nowhere), and the two commands are exactly `make demo`,
// which TestReadmeDemo runs, and `make test`, which .ci/run runs.
func TestReadmeBlocks(t *testing.T) {
	seen := map[string]int{}
	for _, b := range readmeBlocks(t) {
		switch {
		case b.tag == "sh":
			if _, ok := readmeRunBlocks[b.section]; !ok {
				t.Errorf("README.md:%d: a ```sh block under %q, which no test runs: run it in a test and add the section to readmeRunBlocks", b.line, b.section)
			}
			if seen[b.section]++; seen[b.section] > 1 {
				t.Errorf("README.md:%d: a second ```sh block under %q: its test runs only the first; merge them or give it its own section and test", b.line, b.section)
			}
		case !slices.Contains(readmeShownTags, b.tag):
			t.Errorf("README.md:%d: a code block tagged %q under %q: commands go in ```sh blocks, which the tests run; shown text takes one of %v", b.line, b.tag, b.section, readmeShownTags)
		}
	}
	var tests []byte
	files, err := filepath.Glob(filepath.Join(repoRoot, "tests", "e2e", "*_test.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if filepath.Base(f) == "readme_blocks_test.go" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		tests = append(tests, b...)
	}
	for section, test := range readmeRunBlocks {
		if seen[section] == 0 {
			t.Errorf("README.md has no ```sh block under %q, which %s runs", section, test)
		}
		if !bytes.Contains(tests, []byte(fmt.Sprintf("readmeCommands(t, %q)", section))) {
			t.Errorf("no test reads the README's %q block (readmeCommands(t, %q)), which readmeRunBlocks says %s runs", section, section, test)
		}
	}

	if got, want := readmeCommands(t, "The two commands"), []string{"make demo", "make test"}; !slices.Equal(got, want) {
		t.Errorf("the README's two commands are %q; TestReadmeDemo runs %q and .ci/run %q", got, want[0], want[1])
	}
	ci, err := os.ReadFile(filepath.Join(repoRoot, ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^make test$`).Match(ci) {
		t.Error(".ci/run does not run `make test` on a line of its own, the README's test command")
	}
}

// TestShellLines checks how the README's shell blocks become command lines.
func TestShellLines(t *testing.T) {
	block := "# a comment line\n" +
		"make demo   # with a comment\n" +
		"\n" +
		"hemid tx gov submit-proposal '{\"title\":\"fix #12\"}' \\\n" +
		"      --from dev0 # the proposer\n" +
		"echo \"a#b\" x#y\n" +
		"echo \"a\\\" #b\" don\\'t # c\n" +
		"echo last \\\n"
	got := shellLines(block)
	want := []string{
		"make demo",
		`hemid tx gov submit-proposal '{"title":"fix #12"}' --from dev0`,
		`echo "a#b" x#y`,
		`echo "a\" #b" don\'t`,
		"echo last",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("shellLines:\n got %q\nwant %q", got, want)
	}
}
