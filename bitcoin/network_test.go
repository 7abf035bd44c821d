package bitcoin_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/datagen"
)

func TestNetworkByName(t *testing.T) {
	for _, tc := range []struct {
		name, chainName string
		bip94           bool
	}{
		{bitcoin.MainNet, "mainnet", false},
		{bitcoin.TestNet3, "testnet3", false},
		{bitcoin.TestNet4, "testnet4", true},
		{bitcoin.SigNet, "signet", false},
		{bitcoin.RegTest, "regtest", false},
	} {
		p, err := bitcoin.NetworkByName(tc.name)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if p.Name != tc.name || p.Chain.Name != tc.chainName || p.EnforceBIP94 != tc.bip94 {
			t.Errorf("%s: got name %q, chain %q, BIP94 %v", tc.name, p.Name, p.Chain.Name, p.EnforceBIP94)
		}
		// The validator uses RetargetInterval for every network: it must be
		// what the network's own timing gives.
		if got := p.Chain.TargetTimespan / p.Chain.TargetTimePerBlock; got != bitcoin.RetargetInterval {
			t.Errorf("%s: retarget interval %d, RetargetInterval is %d", tc.name, got, bitcoin.RetargetInterval)
		}
		if got := p.Chain.GenesisBlock.BlockHash(); got != *p.Chain.GenesisHash {
			t.Errorf("%s: genesis block hashes to %s, params say %s", tc.name, got, p.Chain.GenesisHash)
		}
	}
	for _, bad := range []string{"", "testnet", "Mainnet", "simnet", "mainnet "} {
		if _, err := bitcoin.NetworkByName(bad); !errors.Is(err, bitcoin.ErrUnknownNetwork) {
			t.Errorf("%q: got %v, want ErrUnknownNetwork", bad, err)
		}
	}
}

// The genesis header of each network's params must be byte-identical to the
// first header of the real data.
func TestGenesisMatchesRealData(t *testing.T) {
	for net, file := range map[string]string{
		bitcoin.MainNet:  "mainnet-headers-0-10236.hex",
		bitcoin.TestNet3: "testnet3-headers-0-9999.hex",
		bitcoin.TestNet4: "testnet4-headers-0-30.hex",
		bitcoin.SigNet:   "signet-headers-0-2015.hex",
	} {
		p := datagen.Network(t, net)
		var buf bytes.Buffer
		if err := p.Chain.GenesisBlock.Header.Serialize(&buf); err != nil {
			t.Fatal(err)
		}
		if got := datagen.LoadHeaders(t, file).Raw[0]; !bytes.Equal(buf.Bytes(), got) {
			t.Errorf("%s: genesis header %x, real data %x", net, buf.Bytes(), got)
		}
	}
}

// testnet4's genesis is built from its fields in network.go; its hash and
// merkle root must be the published ones.
func TestTestNet4Genesis(t *testing.T) {
	p := datagen.Network(t, bitcoin.TestNet4)
	g := p.Chain.GenesisBlock
	if want := datagen.DisplayHash(t, "00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043"); g.BlockHash() != want {
		t.Fatalf("testnet4 genesis hash %s, want %s", g.BlockHash(), want)
	}
	if want := datagen.DisplayHash(t, "7aa0a7ae1e223414cb807e40cd57e667b718e42aaf9306db9102fe28912b7b4e"); g.Header.MerkleRoot != want {
		t.Fatalf("testnet4 genesis merkle root %s, want %s", g.Header.MerkleRoot, want)
	}
	if p.Chain.Net != bitcoin.TestNet4Net || p.Chain.PowLimitBits != 0x1d00ffff {
		t.Fatalf("testnet4 magic %08x, pow limit bits %08x", uint32(p.Chain.Net), p.Chain.PowLimitBits)
	}
}
