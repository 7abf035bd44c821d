package e2e

import (
	"context"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	ethtypes "github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	"github.com/hemi-appchain/hemi/x/hvm/precompiles"
	hemiraw "github.com/hemi-appchain/hemi/x/hvm/precompiles/hemi"
	"github.com/hemi-appchain/hemi/x/hvm/precompiles/ibitcoin"
)

// word is a 32-byte ABI word holding n.
func word(n *big.Int) []byte { return common.LeftPadBytes(n.Bytes(), 32) }

// testHVMMalformedCalldata sends calldata no ABI encoder would produce to the precompiles: each
// eth_call reverts (no panic, no hang), a transaction with it fails in its block, and the node
// keeps producing blocks.
func testHVMMalformedCalldata(t *testing.T, net *network, eth *ethclient.Client, btc abiClient, proof verifyTxArgs) {
	selector := func(method string) []byte { return slices.Clone(btc.abi.Methods[method].ID) }
	verifyTx := btc.pack(t, "verifyTx", proof.list()...)
	// patched is verifyTx's valid calldata with the ABI word at byte offset at replaced by n.
	patched := func(at int, n *big.Int) []byte {
		out := slices.Clone(verifyTx)
		copy(out[at:at+32], word(n))
		return out
	}
	// The head of verifyTx's arguments: offset of tx, blockHash, index, offset of siblings.
	headWord := func(i int) int { return 4 + 32*i }
	offsetOf := func(i int) int { return 4 + int(new(big.Int).SetBytes(verifyTx[headWord(i):headWord(i)+32]).Int64()) }
	huge := new(big.Int).Lsh(big.NewInt(1), 255)
	maxUint64 := new(big.Int).SetUint64(^uint64(0))
	cases := []struct {
		name string
		to   common.Address
		data []byte
	}{
		{"empty calldata", ibitcoin.Address, nil},
		{"3 bytes, shorter than a selector", ibitcoin.Address, []byte{0x01, 0x02, 0x03}},
		{"unknown selector", ibitcoin.Address, []byte{0xde, 0xad, 0xbe, 0xef}},
		{"unknown selector with arguments", ibitcoin.Address, append([]byte{0xde, 0xad, 0xbe, 0xef}, word(big.NewInt(830000))...)},
		{"headerByHeight without its argument", ibitcoin.Address, selector("headerByHeight")},
		{"headerByHeight with 31 argument bytes", ibitcoin.Address, append(selector("headerByHeight"), make([]byte, 31)...)},
		{"headerByHeight with a height above uint64", ibitcoin.Address, append(selector("headerByHeight"), word(huge)...)},
		{"headerByHash with 16 argument bytes", ibitcoin.Address, append(selector("headerByHash"), make([]byte, 16)...)},
		{"confirmations without its argument", ibitcoin.Address, selector("confirmations")},
		{"keystone with an index above uint64", ibitcoin.Address, append(selector("keystone"), word(huge)...)},
		{"verifyTx cut in the middle", ibitcoin.Address, verifyTx[:len(verifyTx)/2]},
		{"verifyTx with only its head", ibitcoin.Address, verifyTx[:4+4*32]},
		{"verifyTx with index above uint32", ibitcoin.Address, patched(headWord(2), maxUint64)},
		{"verifyTx tx offset past the end", ibitcoin.Address, patched(headWord(0), big.NewInt(1<<20))},
		{"verifyTx tx offset 2^255", ibitcoin.Address, patched(headWord(0), huge)},
		{"verifyTx tx length 2^64-1", ibitcoin.Address, patched(offsetOf(0), maxUint64)},
		{"verifyTx tx length 2^255", ibitcoin.Address, patched(offsetOf(0), huge)},
		{"verifyTx siblings length 2^32", ibitcoin.Address, patched(offsetOf(3), new(big.Int).Lsh(big.NewInt(1), 32))},
		{"verifyTx siblings length 2^64-1", ibitcoin.Address, patched(offsetOf(3), maxUint64)},
		{"verifyTx siblings length 2^255", ibitcoin.Address, patched(offsetOf(3), huge)},
		{"verifyTx siblings offset past the end", ibitcoin.Address, patched(headWord(3), big.NewInt(1<<30))},
		{"0x…45 with 3 bytes", hemiraw.HeaderNAddress, []byte{0x00, 0x0c, 0xaa}},
		{"0x…45 with 5 bytes", hemiraw.HeaderNAddress, []byte{0x00, 0x0c, 0xaa, 0xf0, 0x00}},
		{"0x…45 with a 32-byte word", hemiraw.HeaderNAddress, word(big.NewInt(830000))},
	}
	for _, tc := range cases {
		_, err := eth.CallContract(context.Background(), ethereum.CallMsg{To: &tc.to, Data: tc.data}, nil)
		if err == nil {
			t.Errorf("%s: eth_call succeeded, want a revert", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), "execution reverted") {
			t.Errorf("%s: eth_call failed with %q, want a revert", tc.name, err)
			continue
		}
		reason, _ := revertReason(err)
		t.Logf("%s: reverted: %q", tc.name, reason)
	}

	// A transaction with a huge array claim fails in its block like any revert.
	key := devKey(t, net.devs[1])
	for _, data := range [][]byte{patched(offsetOf(3), maxUint64), {0xde, 0xad, 0xbe, 0xef}} {
		receipt := sendEthTx(t, eth, key, &ibitcoin.Address, nil, data, 1_000_000)
		if receipt.Status != ethtypes.ReceiptStatusFailed {
			t.Errorf("transaction to IBitcoin with calldata %x…: status %d, want failed", data[:4], receipt.Status)
		}
	}

	// The node is alive and well: blocks keep coming and nothing panicked.
	net.waitHeight(0, mustHeight(t, net)+3, time.Minute)
	var tip precompiles.Header
	btc.mustCall(t, nil, &tip, "tip")
	if tip.Height != hvmTip {
		t.Errorf("after the malformed calls, tip() is at %d, want %d", tip.Height, hvmTip)
	}
	assertNoPanic(t, net)
}

// intrinsicGas is what any transaction with calldata data pays before it runs, as go-ethereum
// computes it: 21,000 plus the calldata, or EIP-7623's calldata floor when that is higher.
func intrinsicGas(t *testing.T, data []byte) (intrinsic, floor uint64) {
	t.Helper()
	intrinsic, err := core.IntrinsicGas(data, nil, nil, false, true, true, true)
	if err != nil {
		t.Fatal(err)
	}
	if floor, err = core.FloorDataGas(data); err != nil {
		t.Fatal(err)
	}
	return intrinsic, floor
}

// testHVMGas: eth_estimateGas of a call straight to a precompile is its documented gas (x/hvm's
// constants) plus the intrinsic gas of the calldata, for every IBitcoin method and both raw
// precompiles, and verifyTx's figure grows with the proof as documented. A transaction given
// exactly the estimate succeeds and uses it all; one gas less runs out.
func testHVMGas(t *testing.T, net *network, eth *ethclient.Client, btc abiClient, proofs []datagen.SPVVector) {
	ctx := context.Background()
	from := common.HexToAddress(net.devs[1].EthAddress)
	type call struct {
		name string
		to   common.Address
		data []byte
		gas  uint64 // the documented gas of the precompile call
	}
	var tip precompiles.Header
	btc.mustCall(t, nil, &tip, "tip")
	calls := []call{
		{"tip()", ibitcoin.Address, btc.pack(t, "tip"), ibitcoin.GasTip},
		{"headerByHeight(830000)", ibitcoin.Address, btc.pack(t, "headerByHeight", uint64(hvmProofBlock)), ibitcoin.GasHeaderByHeight},
		{"headerByHash(tip)", ibitcoin.Address, btc.pack(t, "headerByHash", tip.Hash), ibitcoin.GasHeaderByHash},
		{"confirmations(tip)", ibitcoin.Address, btc.pack(t, "confirmations", tip.Hash), ibitcoin.GasConfirmations},
		{"keystone(1)", ibitcoin.Address, btc.pack(t, "keystone", uint64(1)), ibitcoin.GasKeystone},
		{"latestSuperfinal()", ibitcoin.Address, btc.pack(t, "latestSuperfinal"), ibitcoin.GasLatestSuperfinal},
		{"0x…44", hemiraw.LastHeaderAddress, nil, hemiraw.GasLastHeader},
		{"0x…45(830000)", hemiraw.HeaderNAddress, []byte{0x00, 0x0c, 0xaa, 0xb0}, hemiraw.GasHeaderN},
	}
	for _, v := range proofs {
		args := proofArgs(t, v)
		tx, err := bitcoin.DecodeTx(args.Tx)
		if err != nil {
			t.Fatal(err)
		}
		calls = append(calls, call{fmt.Sprintf("verifyTx(%d-byte tx, %d siblings, %d outputs)", len(args.Tx), len(args.Siblings), len(tx.TxOut)),
			ibitcoin.Address, btc.pack(t, "verifyTx", args.list()...),
			ibitcoin.VerifyTxGas(len(args.Tx), len(args.Siblings)) + ibitcoin.VerifyTxOutputsGas(len(tx.TxOut))})
	}
	for _, c := range calls {
		got, err := eth.EstimateGas(ctx, ethereum.CallMsg{From: from, To: &c.to, Data: c.data})
		if err != nil {
			t.Errorf("eth_estimateGas %s: %v", c.name, err)
			continue
		}
		intrinsic, floor := intrinsicGas(t, c.data)
		want := max(intrinsic+c.gas, floor)
		if got != want {
			t.Errorf("eth_estimateGas %s = %d, want %d (intrinsic %d + documented %d, floor %d)", c.name, got, want, intrinsic, c.gas, floor)
			continue
		}
		t.Logf("eth_estimateGas %s = %d = intrinsic %d + documented %d", c.name, got, intrinsic, c.gas)
	}

	key := devKey(t, net.devs[1])
	data := btc.pack(t, "tip")
	estimate, err := eth.EstimateGas(ctx, ethereum.CallMsg{From: from, To: &ibitcoin.Address, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	if r := sendEthTx(t, eth, key, &ibitcoin.Address, nil, data, estimate); r.Status != ethtypes.ReceiptStatusSuccessful || r.GasUsed != estimate {
		t.Errorf("tip() with gas %d (the estimate): status %d, gas used %d", estimate, r.Status, r.GasUsed)
	}
	if r := sendEthTx(t, eth, key, &ibitcoin.Address, nil, data, estimate-1); r.Status != ethtypes.ReceiptStatusFailed {
		t.Errorf("tip() with gas %d (one below the estimate): status %d, want failed", estimate-1, r.Status)
	}
}
