package hvm_test

import (
	"strings"
	"testing"

	"github.com/hemi-appchain/hemi/x/hvm/precompiles/hemi"
	"github.com/hemi-appchain/hemi/x/hvm/precompiles/ibitcoin"
)

// FuzzIBitcoinCalldata: whatever the calldata, IBitcoin answers with return values that decode
// as its method's outputs or with a readable error that names IBitcoin, never a panic, against
// the real mainnet chain; and its gas is at least the least a method costs. The seeds are a
// valid call of every method, so mutations reach deep into each.
func FuzzIBitcoinCalldata(f *testing.F) {
	c := mainnetChain(f)
	p := ibitcoin.New(c.App().BTCLCKeeper, c.App().PoPKeeper, c.App().TunnelKeeper)
	ctx := c.Context()
	v := vectorsAt(f, 830000)[2]
	tx, blockHash, index, siblings := proofArgs(f, v)
	for _, seed := range [][]byte{
		nil, {0x01}, {0xde, 0xad, 0xbe, 0xef},
		pack(f, ibitcoin.MethodTip),
		pack(f, ibitcoin.MethodHeaderByHeight, uint64(830000)),
		pack(f, ibitcoin.MethodHeaderByHash, blockHash),
		pack(f, ibitcoin.MethodConfirmations, blockHash),
		pack(f, ibitcoin.MethodVerifyTx, tx, blockHash, index, siblings),
		pack(f, ibitcoin.MethodVerifyTx, []byte{}, [32]byte{}, uint32(0), [][32]byte{}),
		pack(f, ibitcoin.MethodKeystone, uint64(2)),
		pack(f, ibitcoin.MethodLatestSuperfinal),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		if gas := p.RequiredGas(input); gas < ibitcoin.GasHeaderByHeight {
			t.Fatalf("RequiredGas %d is below every method's", gas)
		}
		cache, _ := ctx.CacheContext()
		out, err := p.Execute(cache, input)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "IBitcoin") {
				t.Fatalf("error does not say it is IBitcoin's: %v", err)
			}
			return
		}
		method, merr := ibitcoin.ABI.MethodById(input[:4])
		if merr != nil {
			t.Fatalf("answered an unknown selector %x", input[:4])
		}
		if _, err := method.Outputs.Unpack(out); err != nil {
			t.Fatalf("%s answered %x, which does not decode: %v", method.Name, out, err)
		}
	})
}

// FuzzHemiCalldata: 0x44 answers any input with the tip's 116 bytes; 0x45 answers a 4-byte
// height with 116 bytes or a readable error, and anything else with an error; never a panic.
func FuzzHemiCalldata(f *testing.F) {
	c := mainnetChain(f)
	last, headerN := hemi.NewLastHeader(c.App().BTCLCKeeper), hemi.NewHeaderN(c.App().BTCLCKeeper)
	ctx := c.Context()
	for _, seed := range [][]byte{nil, {0x00, 0x0c, 0xaa, 0x30}, {0x00, 0x0c, 0xac, 0x80}, {0xff, 0xff, 0xff, 0xff}, make([]byte, 32)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		out, err := last.Execute(ctx, input)
		if err != nil || len(out) != hemi.HeaderSize {
			t.Fatalf("0x44 answered %x, %v", out, err)
		}
		out, err = headerN.Execute(ctx, input)
		switch {
		case err != nil && !strings.HasPrefix(err.Error(), "BtcHeaderN (0x45): "):
			t.Fatalf("0x45's error does not say it is 0x45's: %v", err)
		case err == nil && (len(input) != 4 || len(out) != hemi.HeaderSize):
			t.Fatalf("0x45 answered %d bytes to %x", len(out), input)
		}
	})
}
