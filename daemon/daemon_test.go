package daemon

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

type testConfig struct {
	Node  string        `toml:"node"`
	Batch int           `toml:"batch"`
	Poll  time.Duration `toml:"poll"`
}

func (c *testConfig) bind(fs *pflag.FlagSet) {
	fs.StringVar(&c.Node, "node", c.Node, "")
	fs.IntVar(&c.Batch, "batch", c.Batch, "")
	fs.DurationVar(&c.Poll, "poll", c.Poll, "")
}

func TestParseConfigFlagsOverrideFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.toml")
	if err := os.WriteFile(path, []byte("node = \"from-file\"\nbatch = 7\npoll = \"3s\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig{Batch: 1}
	if err := ParseConfig("t", []string{"--config", path, "--batch", "9"}, cfg.bind); err != nil {
		t.Fatal(err)
	}
	if cfg.Node != "from-file" || cfg.Batch != 9 || cfg.Poll != 3*time.Second {
		t.Fatalf("config %+v: want node from the file, batch from the flag, poll from the file", cfg)
	}
}

func TestParseConfigRejectsUnknownKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.toml")
	if err := os.WriteFile(path, []byte("nod = \"typo\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var cfg testConfig
	err := ParseConfig("t", []string{"--config=" + path}, cfg.bind)
	if err == nil || !strings.Contains(err.Error(), "nod") {
		t.Fatalf("error %v, want one naming the unknown key", err)
	}
}
