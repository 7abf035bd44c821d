package cmd

import (
	"bytes"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/x/pop/canonical"
)

// A node whose keystone at 20 is not the one Bitcoin anchors: one mismatch naming the
// anchoring tx; the keystone at 30 it alone has is unverified, not a finding.
func TestCompareNode(t *testing.T) {
	ks := func(h uint32, prev, self byte) bitcoin.AbbreviatedKeystone {
		k := bitcoin.AbbreviatedKeystone{Version: 1, KeystoneHeight: h}
		k.PrevKeystoneHashPrefix[0], k.BlockHashPrefix[0] = prev, self
		return k
	}
	k10, k20, f20, f30 := ks(10, 0, 1), ks(20, 1, 2), ks(20, 1, 9), ks(30, 9, 10)
	pub := func(k bitcoin.AbbreviatedKeystone, h int64) canonical.Publication {
		return canonical.Publication{Keystone: k, BlockHeight: h, TxIndex: 1, TxID: chainhash.Hash{byte(h)}}
	}
	res, err := canonical.Build(canonical.Input{Interval: 10, Publications: []canonical.Publication{pub(k10, 5), pub(k20, 6)},
		Known: []bitcoin.AbbreviatedKeystone{k10, f20, f30}, BitcoinTip: 10})
	if err != nil {
		t.Fatal(err)
	}
	var rep auditReport
	compareNode(&rep, res, map[uint64]bitcoin.AbbreviatedKeystone{10: k10, 20: f20, 30: f30}, 10)
	if len(rep.Mismatches) != 1 || rep.Mismatches[0].Height != 20 || rep.Mismatches[0].Evidence.Txid != (chainhash.Hash{6}).String() ||
		rep.Mismatches[0].Confirmations != 5 || rep.NodeUnverified != 1 || rep.findings() != 1 {
		t.Fatalf("report %+v", rep)
	}
	var out bytes.Buffer
	if err := rep.write(&out, "text"); err != nil || !strings.Contains(out.String(), "MISMATCH keystone 20") {
		t.Fatalf("text report %q: %v", out.String(), err)
	}
}
