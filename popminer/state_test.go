package popminer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStateFileRoundTripAndBound(t *testing.T) {
	f, err := NewStateFile(filepath.Join(t.TempDir(), "sub", "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.Load()
	if err != nil || len(s.Publications) != 0 {
		t.Fatalf("missing file: state %+v, err %v; want empty", s, err)
	}
	for i := range maxKept + 5 {
		s.Publications = append(s.Publications, Publication{KeystoneHeight: uint64(i), TxIDs: []string{"a"}, Status: StatusProven})
	}
	s.Publications[len(s.Publications)-1].Status = StatusBroadcast
	if err := f.Save(s); err != nil {
		t.Fatal(err)
	}
	got, err := f.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Publications) != maxKept || got.Publications[0].KeystoneHeight != 5 {
		t.Fatalf("kept %d publications from %d, want the newest %d", len(got.Publications), got.Publications[0].KeystoneHeight, maxKept)
	}
	if p := got.Pending(); p == nil || p.KeystoneHeight != uint64(maxKept+4) {
		t.Fatalf("pending = %+v, want the newest, still broadcast", p)
	}
}

func TestStateFileCorruptIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, _ := NewStateFile(path)
	if _, err := f.Load(); err == nil || !strings.Contains(err.Error(), "publish a keystone twice") {
		t.Fatalf("error %v, want one explaining why the file matters", err)
	}
}
