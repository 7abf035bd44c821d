package bitcoin_test

import (
	"bytes"
	"errors"
	"math/big"
	"testing"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/datagen"
)

func TestParseHeader(t *testing.T) {
	run := datagen.LoadHeaders(t, "mainnet-headers-822528-830592.hex")
	for i, raw := range run.Raw[:50] {
		h, err := bitcoin.ParseHeader(raw)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := h.Serialize(&buf); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), raw) {
			t.Fatalf("header %d does not round-trip", i)
		}
		hash, err := bitcoin.HeaderHash(raw)
		if err != nil || hash != h.BlockHash() {
			t.Fatalf("header %d: HeaderHash %s (%v), BlockHash %s", i, hash, err, h.BlockHash())
		}
	}
	good := run.Raw[0]
	for _, bad := range [][]byte{nil, {}, good[:79], append(append([]byte{}, good...), 0), append(good, good...)} {
		if _, err := bitcoin.ParseHeader(bad); !errors.Is(err, bitcoin.ErrHeaderLength) {
			t.Errorf("ParseHeader(%d bytes): got %v, want ErrHeaderLength", len(bad), err)
		}
		if _, err := bitcoin.HeaderHash(bad); !errors.Is(err, bitcoin.ErrHeaderLength) {
			t.Errorf("HeaderHash(%d bytes): got %v, want ErrHeaderLength", len(bad), err)
		}
	}
}

// Compact vectors as Core's arith_uint256 SetCompact/GetCompact treat them.
func TestCompact(t *testing.T) {
	for _, tc := range []struct {
		bits               uint32
		value              string // hex
		negative, overflow bool
		recompact          uint32
	}{
		{0, "0", false, false, 0},
		{0x00123456, "0", false, false, 0},
		{0x01003456, "0", false, false, 0},
		{0x01123456, "12", false, false, 0x01120000},
		{0x02008000, "80", false, false, 0x02008000},
		{0x05009234, "92340000", false, false, 0x05009234},
		{0x04923456, "12345600", true, false, 0x04123456},
		{0x04123456, "12345600", false, false, 0x04123456},
		{0x1d00ffff, "ffff0000000000000000000000000000000000000000000000000000", false, false, 0x1d00ffff},
		{0xff123456, "", false, true, 0},
		{0x23000001, "", false, true, 0}, // 35 bytes never fit in 256 bits
		{0x22000001, "1" + zeros(2*31), false, false, 0x20010000},
	} {
		n, neg, ovf := bitcoin.CompactToBig(tc.bits)
		if neg != tc.negative || ovf != tc.overflow {
			t.Errorf("0x%08x: negative %v overflow %v, want %v %v", tc.bits, neg, ovf, tc.negative, tc.overflow)
		}
		if tc.overflow {
			continue
		}
		want, _ := new(big.Int).SetString(tc.value, 16)
		if n.Cmp(want) != 0 {
			t.Errorf("0x%08x: value %x, want %s", tc.bits, n, tc.value)
		}
		if got := bitcoin.BigToCompact(n); got != tc.recompact {
			t.Errorf("0x%08x: recompact 0x%08x, want 0x%08x", tc.bits, got, tc.recompact)
		}
	}
}

func zeros(n int) string { return string(bytes.Repeat([]byte{'0'}, n)) }

// Every nBits value in the real data survives decode and encode unchanged.
func TestCompactRoundTripRealBits(t *testing.T) {
	seen := map[uint32]bool{}
	for _, b := range datagen.LoadBoundaries(t) {
		seen[b.Header.Bits] = true
	}
	for _, f := range []string{"testnet3-headers-0-9999.hex", "signet-headers-0-2015.hex"} {
		for _, h := range datagen.LoadHeaders(t, f).Headers {
			seen[h.Bits] = true
		}
	}
	for bits := range seen {
		n, neg, ovf := bitcoin.CompactToBig(bits)
		if neg || ovf || bitcoin.BigToCompact(n) != bits {
			t.Errorf("0x%08x does not round-trip (negative %v, overflow %v)", bits, neg, ovf)
		}
	}
}

func TestCalcWork(t *testing.T) {
	// A difficulty-1 block is 2^256 / (0xffff * 2^208 + 1) = 0x100010001 hashes.
	if got := bitcoin.CalcWork(0x1d00ffff); got.Cmp(big.NewInt(0x100010001)) != 0 {
		t.Fatalf("CalcWork(0x1d00ffff) = %x", got)
	}
	// Invalid targets carry no work.
	for _, bits := range []uint32{0, 0x04923456, 0xff123456, 0x01003456} {
		if got := bitcoin.CalcWork(bits); got.Sign() != 0 {
			t.Errorf("CalcWork(0x%08x) = %v, want 0", bits, got)
		}
	}
}
