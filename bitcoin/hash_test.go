package bitcoin_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/hemi-appchain/hemi/bitcoin"
)

const hash830000 = "000000000000000000011d55599ed27d7efca05f5849b755319c89eb2cffbc1f"

func TestParseDisplayHash(t *testing.T) {
	h, err := bitcoin.ParseDisplayHash(hash830000)
	if err != nil || h.String() != hash830000 || h[31] != 0 || h[0] != 0x1f {
		t.Fatalf("got %s (%v): display order must be byte-reversed", h, err)
	}
	for name, bad := range map[string]string{
		"empty":             "",
		"short":             "00",
		"63 characters":     hash830000[1:],
		"65 characters":     hash830000 + "0",
		"two hashes":        hash830000 + hash830000,
		"not hex":           "zz" + hash830000[2:],
		"uppercase":         strings.ToUpper(hash830000),
		"leading space":     " " + hash830000[1:],
		"trailing newline":  hash830000[:63] + "\n",
		"surrounded spaces": " " + hash830000 + " ",
		"0x prefix":         "0x" + hash830000[2:],
	} {
		if _, err := bitcoin.ParseDisplayHash(bad); !errors.Is(err, bitcoin.ErrBadHash) {
			t.Errorf("%s: got %v, want ErrBadHash", name, err)
		}
	}
	// A huge input does not make a huge error.
	if _, err := bitcoin.ParseDisplayHash(strings.Repeat("a", 1<<20)); err == nil || len(err.Error()) > 300 {
		t.Errorf("1 MB input: error of %d bytes", len(err.Error()))
	}
}

func TestHashKey(t *testing.T) {
	h, err := bitcoin.ParseDisplayHash(hash830000)
	if err != nil {
		t.Fatal(err)
	}
	k := bitcoin.HashKey
	buf := make([]byte, k.Size(h))
	if n, err := k.Encode(buf, h); err != nil || n != chainhash.HashSize || string(buf) != string(h[:]) {
		t.Fatalf("Encode: %d, %v: keys are the 32 bytes in internal order", n, err)
	}
	if n, got, err := k.Decode(buf); err != nil || n != chainhash.HashSize || got != h {
		t.Fatalf("Decode: %d, %s, %v", n, got, err)
	}
	if _, _, err := k.Decode(buf[:31]); err == nil {
		t.Fatal("Decode of 31 bytes")
	}
	// Multipart keys: fixed size, no length prefix.
	if n, err := k.EncodeNonTerminal(buf, h); err != nil || n != chainhash.HashSize || k.SizeNonTerminal(h) != chainhash.HashSize {
		t.Fatalf("EncodeNonTerminal: %d, %v", n, err)
	}
	if n, got, err := k.DecodeNonTerminal(append(buf, 7)); err != nil || n != chainhash.HashSize || got != h {
		t.Fatalf("DecodeNonTerminal: %d, %s, %v", n, got, err)
	}
	js, err := k.EncodeJSON(h)
	if err != nil || string(js) != `"`+hash830000+`"` {
		t.Fatalf("EncodeJSON: %s, %v", js, err)
	}
	if back, err := k.DecodeJSON(js); err != nil || back != h {
		t.Fatalf("DecodeJSON: %s, %v", back, err)
	}
	if _, err := k.DecodeJSON([]byte(`"` + hash830000[:10] + `"`)); !errors.Is(err, bitcoin.ErrBadHash) {
		t.Fatalf("DecodeJSON of a short hash: %v", err)
	}
	if k.Stringify(h) != hash830000 {
		t.Fatal("Stringify is not display order")
	}
}

// FuzzParseDisplayHash: a hash is accepted only in its one spelling, the
// one String prints.
func FuzzParseDisplayHash(f *testing.F) {
	f.Add(hash830000)
	f.Add(strings.ToUpper(hash830000))
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := bitcoin.ParseDisplayHash(s)
		if err != nil {
			if !errors.Is(err, bitcoin.ErrBadHash) {
				t.Fatal(err)
			}
			return
		}
		if h.String() != s {
			t.Fatalf("%q accepted as %s", s, h)
		}
	})
}
