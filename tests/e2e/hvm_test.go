package e2e

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/wire"
	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	ethtypes "github.com/ethereum/go-ethereum/core/types"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/contracts"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	"github.com/hemi-appchain/hemi/x/hvm/precompiles"
	hemiraw "github.com/hemi-appchain/hemi/x/hvm/precompiles/hemi"
	"github.com/hemi-appchain/hemi/x/hvm/precompiles/ibitcoin"
)

// The real mainnet headers the chain of TestHVMMainnet holds: genesis holds datagen.MainnetBase
// (824544: 822528's ancestors 822518–822526, which a genesis base needs, are not in the test data)
// up to hvmGenesisTip; a transaction inserts the rest.
const (
	hvmGenesisTip = 829999
	hvmTip        = 830592
	hvmProofBlock = 830000
)

// chainWork is the cumulative work of the real header at height, from the retarget boundaries'
// chain work at the period start below it plus the work of every header after it.
func chainWork(t *testing.T, run *datagen.HeaderRun, bounds map[uint64]datagen.Boundary, height uint64) *big.Int {
	t.Helper()
	start := height / bitcoin.RetargetInterval * bitcoin.RetargetInterval
	work := new(big.Int).Set(bounds[start].ChainWork)
	for h := start + 1; h <= height; h++ {
		work.Add(work, bitcoin.CalcWork(run.At(t, h).Bits))
	}
	return work
}

// wantHeader is IBitcoin.Header for the real header at height, decoded here from the hex file.
func wantHeader(t *testing.T, run *datagen.HeaderRun, bounds map[uint64]datagen.Boundary, height uint64) precompiles.Header {
	t.Helper()
	h := run.At(t, height)
	return precompiles.Header{
		Height:         height,
		Hash:           displayHash(h.BlockHash()),
		Version:        uint32(h.Version),
		PrevHash:       displayHash(h.PrevBlock),
		MerkleRoot:     displayHash(h.MerkleRoot),
		Time:           uint32(h.Timestamp.Unix()),
		Bits:           h.Bits,
		Nonce:          h.Nonce,
		CumulativeWork: chainWork(t, run, bounds, height),
	}
}

func assertHeader(t *testing.T, what string, got, want precompiles.Header) {
	t.Helper()
	if got.CumulativeWork == nil || got.CumulativeWork.Cmp(want.CumulativeWork) != 0 {
		t.Errorf("%s: cumulativeWork %v, want %v", what, got.CumulativeWork, want.CumulativeWork)
	}
	got.CumulativeWork, want.CumulativeWork = nil, nil
	if got != want {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// proofVectors are the real inclusion proofs of spv-proofs.json in mainnet block height.
func proofVectors(t *testing.T, height uint64) []datagen.SPVVector {
	t.Helper()
	var out []datagen.SPVVector
	for _, v := range datagen.LoadSPVVectors(t) {
		if v.Network == bitcoin.MainNet && v.Height != nil && *v.Height == height {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		t.Fatalf("spv-proofs.json has no proof in mainnet block %d", height)
	}
	return out
}

// verifyTxArgs are verifyTx's arguments for a proof: the raw transaction and its siblings in
// internal order, the block hash in display order.
type verifyTxArgs struct {
	Tx        []byte
	BlockHash [32]byte
	Index     uint32
	Siblings  [][32]byte
}

func proofArgs(t *testing.T, v datagen.SPVVector) verifyTxArgs {
	t.Helper()
	args := verifyTxArgs{Tx: datagen.MustHex(t, v.TxHex), BlockHash: common.HexToHash(v.BlockHash), Index: v.Index}
	for _, s := range v.Branch(t) {
		args.Siblings = append(args.Siblings, s)
	}
	return args
}

func (a verifyTxArgs) list() []any { return []any{a.Tx, a.BlockHash, a.Index, a.Siblings} }

// wantProven is what verifyTx must answer for a proof: the txid from the data file, and the
// outputs as btcd's wire package parses the transaction.
func wantProven(t *testing.T, v datagen.SPVVector, confirmations uint64) provenTx {
	t.Helper()
	var tx wire.MsgTx
	if err := tx.Deserialize(bytes.NewReader(datagen.MustHex(t, v.TxHex))); err != nil {
		t.Fatalf("%s: %v", v.Name(), err)
	}
	if tx.TxHash().String() != v.TxID {
		t.Fatalf("%s: the data file's txid %s is not the transaction's %s", v.Name(), v.TxID, tx.TxHash())
	}
	want := provenTx{TxID: common.HexToHash(v.TxID), Height: *v.Height, Confirmations: confirmations}
	for _, out := range tx.TxOut {
		want.Outputs = append(want.Outputs, ibitcoin.Output{Value: uint64(out.Value), ScriptPubKey: out.PkScript})
	}
	return want
}

func assertProven(t *testing.T, what string, got, want provenTx) {
	t.Helper()
	if got.TxID != want.TxID || got.Height != want.Height || got.Confirmations != want.Confirmations {
		t.Errorf("%s: txid %x height %d confirmations %d, want %x %d %d", what, got.TxID, got.Height, got.Confirmations,
			want.TxID, want.Height, want.Confirmations)
	}
	if len(got.Outputs) != len(want.Outputs) {
		t.Fatalf("%s: %d outputs, want %d", what, len(got.Outputs), len(want.Outputs))
	}
	for i := range want.Outputs {
		if got.Outputs[i].Value != want.Outputs[i].Value || !bytes.Equal(got.Outputs[i].ScriptPubKey, want.Outputs[i].ScriptPubKey) {
			t.Errorf("%s: output %d is %d sats to %x, want %d sats to %x", what, i, got.Outputs[i].Value,
				got.Outputs[i].ScriptPubKey, want.Outputs[i].Value, want.Outputs[i].ScriptPubKey)
		}
	}
}

// TestHVMMainnet runs one hemid node whose x/btclc holds the real mainnet headers 824544–830592
// (5,456 from genesis, the last 593 inserted by a transaction) and checks the Bitcoin precompiles
// through Ethereum JSON-RPC, as a wallet or a contract sees them: eth_call straight to the
// precompiles, and transactions to BitcoinProbe.sol, whose calls to IBitcoin's view methods are
// STATICCALLs inside a block. The expected answers come from the data files, decoded here.
func TestHVMMainnet(t *testing.T) {
	run := datagen.LoadHeaders(t, "mainnet-headers-822528-830592.hex")
	bounds := datagen.LoadBoundaries(t)
	net := newNetwork(t, 1, 2)
	setModuleGenesis(t, filepath.Join(net.home(0), "config", "genesis.json"), btclctypes.ModuleName,
		datagen.MainnetGenesis(t, hvmGenesisTip))
	if _, err := net.cli("genesis", "validate", "--home", net.home(0)); err != nil {
		t.Fatal(err)
	}
	net.start(0)
	net.waitHeight(0, 2, 3*time.Minute)

	eth := ethClient(t, net)
	btc := abiClient{eth: eth, abi: mustABI(t, contracts.IBitcoinABI), addr: ibitcoin.Address}
	probeABI := mustABI(t, contracts.BitcoinProbeABI)
	probeAddr := deployProbe(t, eth, net, 1)
	probe := abiClient{eth: eth, abi: probeABI, addr: probeAddr}
	probeKey := devKey(t, net.devs[1])
	// sendProbe sends a transaction to the probe and returns its receipt.
	sendProbe := func(t *testing.T, gas uint64, method string, args ...any) *ethtypes.Receipt {
		t.Helper()
		return sendEthTx(t, eth, probeKey, &probeAddr, nil, probe.pack(t, method, args...), gas)
	}
	proofs := proofVectors(t, hvmProofBlock)
	proofHash := run.At(t, hvmProofBlock).BlockHash()
	if proofHash.String() != proofs[0].BlockHash {
		t.Fatalf("header %d of the hex file is %s, spv-proofs.json says %s", hvmProofBlock, proofHash, proofs[0].BlockHash)
	}
	const proofConfirmations = hvmTip - hvmProofBlock + 1

	// The answers come from the state of the block they run in: a transaction that inserts
	// headers moves the tip, and an eth_call at an earlier block still sees the earlier tip.
	if !t.Run("TipFollowsInsertedHeaders", func(t *testing.T) {
		var tip precompiles.Header
		btc.mustCall(t, nil, &tip, "tip")
		assertHeader(t, "tip() from genesis", tip, wantHeader(t, run, bounds, hvmGenesisTip))
		reason := btc.mustRevert(t, "headerByHeight", uint64(hvmProofBlock))
		if !strings.Contains(reason, fmt.Sprint(hvmProofBlock)) {
			t.Errorf("headerByHeight(%d) above the tip reverted with %q, which does not name the height", hvmProofBlock, reason)
		}
		t.Logf("headerByHeight(%d) above the tip: %q", hvmProofBlock, reason)
		before := big.NewInt(mustHeight(t, net))

		var hexHeaders []string
		for _, raw := range run.RawRange(t, hvmGenesisTip+1, hvmTip) {
			hexHeaders = append(hexHeaders, fmt.Sprintf("%x", raw))
		}
		res := net.sendTx(append(append([]string{"tx", "btclc", "insert-headers"}, hexHeaders...),
			"--from", net.devs[0].Name, "--gas", "8000000", "--gas-prices", gasPrices)...)
		if res.Code != 0 {
			t.Fatalf("insert-headers %d..%d failed (code %d): %s", hvmGenesisTip+1, hvmTip, res.Code, res.RawLog)
		}
		btc.mustCall(t, nil, &tip, "tip")
		assertHeader(t, "tip() after the insertion", tip, wantHeader(t, run, bounds, hvmTip))
		if tip.CumulativeWork.Cmp(bounds[hvmTip].ChainWork) != 0 {
			t.Errorf("tip's cumulative work %s, mainnet's chainwork at %d is %s", tip.CumulativeWork, hvmTip, bounds[hvmTip].ChainWork)
		}
		btc.mustCall(t, before, &tip, "tip")
		assertHeader(t, fmt.Sprintf("tip() at block %d, before the insertion", before), tip, wantHeader(t, run, bounds, hvmGenesisTip))
	}) {
		t.FailNow()
	}

	t.Run("TipAndHeaders", func(t *testing.T) {
		var got precompiles.Header
		btc.mustCall(t, nil, &got, "tip")
		assertHeader(t, "eth_call tip()", got, wantHeader(t, run, bounds, hvmTip))
		for _, h := range []uint64{datagen.MainnetBase, hvmProofBlock, hvmTip} {
			want := wantHeader(t, run, bounds, h)
			btc.mustCall(t, nil, &got, "headerByHeight", h)
			assertHeader(t, fmt.Sprintf("eth_call headerByHeight(%d)", h), got, want)
			btc.mustCall(t, nil, &got, "headerByHash", want.Hash)
			assertHeader(t, fmt.Sprintf("eth_call headerByHash(%x)", want.Hash), got, want)
			var confirmations uint64
			btc.mustCall(t, nil, &confirmations, "confirmations", want.Hash)
			if confirmations != hvmTip-h+1 {
				t.Errorf("confirmations(block %d) = %d, want %d", h, confirmations, hvmTip-h+1)
			}
		}
		if want := common.HexToHash(proofs[0].BlockHash); wantHeader(t, run, bounds, hvmProofBlock).Hash != want {
			t.Fatalf("header %d's hash is not spv-proofs.json's %s", hvmProofBlock, proofs[0].BlockHash)
		}

		// The same through a contract, in a transaction.
		sendReceipt := sendProbe(t, 300_000, "probeTip")
		probeEvent(t, probeABI, sendReceipt, "TipRead", &got)
		assertHeader(t, "BitcoinProbe.probeTip() in a transaction", got, wantHeader(t, run, bounds, hvmTip))
		var stored uint64
		probe.mustCall(t, nil, &stored, "lastTipHeight")
		if stored != hvmTip {
			t.Errorf("BitcoinProbe.lastTipHeight() = %d after probeTip, want %d", stored, hvmTip)
		}
		var read struct {
			Height uint64
			Header precompiles.Header
		}
		probeEvent(t, probeABI, sendProbe(t, 300_000, "probeHeader", uint64(hvmProofBlock)), "HeaderRead", &read)
		assertHeader(t, "BitcoinProbe.probeHeader(830000) in a transaction", read.Header, wantHeader(t, run, bounds, hvmProofBlock))

		// Unknown heights and hashes revert with a reason.
		for _, h := range []uint64{datagen.MainnetBase - 1, hvmTip + 1, 1 << 63} {
			t.Logf("headerByHeight(%d): %q", h, btc.mustRevert(t, "headerByHeight", h))
		}
		unknown := displayHash(run.At(t, datagen.MainnetBase-1).BlockHash()) // below the base: not held
		t.Logf("headerByHash(%x): %q", unknown, btc.mustRevert(t, "headerByHash", unknown))
		// confirmations of a block not on the main chain is 0, whether or not the light client holds it.
		var unknownConfirmations uint64
		btc.mustCall(t, nil, &unknownConfirmations, "confirmations", unknown)
		if unknownConfirmations != 0 {
			t.Errorf("confirmations(%x) = %d, want 0 for a block the light client does not hold", unknown, unknownConfirmations)
		}
	})

	t.Run("VerifyTxRealProofs", func(t *testing.T) {
		for _, v := range proofs {
			var got provenTx
			btc.mustCall(t, nil, &got, "verifyTx", proofArgs(t, v).list()...)
			assertProven(t, "eth_call verifyTx "+v.Name(), got, wantProven(t, v, proofConfirmations))
		}
		t.Logf("verifyTx accepted the %d real proofs of block %d", len(proofs), hvmProofBlock)
		// The coinbase and the last transaction (index 1850 of an odd 1851) through a contract.
		for _, v := range proofs {
			if v.Index != 0 && v.Index != 1850 {
				continue
			}
			var got provenTx
			probeEvent(t, probeABI, sendProbe(t, 1_000_000, "probeVerifyTx", proofArgs(t, v).list()...), "TxVerified", &got)
			assertProven(t, "BitcoinProbe.probeVerifyTx "+v.Name()+" in a transaction", got, wantProven(t, v, proofConfirmations))
		}
	})

	t.Run("TamperedProofsRevert", func(t *testing.T) {
		var last datagen.SPVVector // index 1850: a right child at the lowest level
		for _, p := range proofs {
			if p.Index == 1850 {
				last = p
			}
		}
		if last.TxHex == "" {
			t.Fatal("no proof of index 1850 in block 830000")
		}
		for name, tc := range map[string]struct {
			edit func(a *verifyTxArgs)
			want string
		}{
			"sibling flipped": {func(a *verifyTxArgs) { a.Siblings[3][7] ^= 1 }, bitcoin.ErrMerkleRootMismatch.Error()},
			"output value raised": {func(a *verifyTxArgs) {
				// The first output's value follows the inputs; raise its lowest byte.
				var tx wire.MsgTx
				if err := tx.Deserialize(bytes.NewReader(a.Tx)); err != nil {
					t.Fatal(err)
				}
				tx.TxOut[0].Value++
				var buf bytes.Buffer
				if err := tx.Serialize(&buf); err != nil {
					t.Fatal(err)
				}
				a.Tx = buf.Bytes()
			}, bitcoin.ErrMerkleRootMismatch.Error()},
			"wrong index":               {func(a *verifyTxArgs) { a.Index ^= 2 }, bitcoin.ErrMerkleRootMismatch.Error()},
			"index beyond the siblings": {func(a *verifyTxArgs) { a.Siblings = a.Siblings[:10] }, bitcoin.ErrIndexOutOfRange.Error()},
			"truncated transaction":     {func(a *verifyTxArgs) { a.Tx = a.Tx[:len(a.Tx)-5] }, btclctypes.ErrInvalidTx.Error()},
			"unknown block": {func(a *verifyTxArgs) {
				a.BlockHash = displayHash(run.At(t, datagen.MainnetBase-1).BlockHash())
			}, btclctypes.ErrNotOnMainChain.Error()},
		} {
			args := proofArgs(t, last)
			tc.edit(&args)
			reason := btc.mustRevert(t, "verifyTx", args.list()...)
			if !strings.Contains(reason, tc.want) {
				t.Errorf("%s: verifyTx reverted with %q, want the reason %q", name, reason, tc.want)
			}
			// A contract's call reverts with the precompile's reason, unchanged.
			if through := probe.mustRevert(t, "probeVerifyTx", args.list()...); through != reason {
				t.Errorf("%s: through BitcoinProbe the reason is %q, want %q", name, through, reason)
			}
			t.Logf("%s: %q", name, reason)
		}
		// A transaction with a tampered proof fails in its block and logs nothing.
		args := proofArgs(t, last)
		args.Siblings[0][0] ^= 0x80
		receipt := sendProbe(t, 1_000_000, "probeVerifyTx", args.list()...)
		if receipt.Status != ethtypes.ReceiptStatusFailed || len(receipt.Logs) != 0 {
			t.Fatalf("probeVerifyTx with a tampered proof: status %d, %d logs, want a failed transaction", receipt.Status, len(receipt.Logs))
		}
	})

	t.Run("HemiRawHeaders", func(t *testing.T) {
		rawCall := func(t *testing.T, to common.Address, input []byte) []byte {
			t.Helper()
			out, err := eth.CallContract(context.Background(), ethereum.CallMsg{To: &to, Data: input}, nil)
			if err != nil {
				t.Fatalf("eth_call %s with %x: %v", to, input, err)
			}
			return out
		}
		height := func(h uint64) []byte { return binary.BigEndian.AppendUint32(nil, uint32(h)) }
		want := hemiHeaderBytes(hvmTip, run.RawAt(t, hvmTip))
		if got := rawCall(t, hemiraw.LastHeaderAddress, nil); !bytes.Equal(got, want) {
			t.Errorf("0x…44 (last header) answered\n%x\nwant\n%x", got, want)
		}
		for _, h := range []uint64{datagen.MainnetBase, hvmProofBlock, hvmTip} {
			want := hemiHeaderBytes(h, run.RawAt(t, h))
			if len(want) != 116 {
				t.Fatalf("Hemi's layout is 116 bytes, built %d", len(want))
			}
			if got := rawCall(t, hemiraw.HeaderNAddress, height(h)); !bytes.Equal(got, want) {
				t.Errorf("0x…45 (header %d) answered\n%x\nwant\n%x", h, got, want)
			}
		}
		// Through a contract, in transactions.
		var read struct {
			Precompile common.Address
			Output     []byte
		}
		probeEvent(t, probeABI, sendProbe(t, 300_000, "probeRaw", hemiraw.LastHeaderAddress, []byte{}), "RawRead", &read)
		if !bytes.Equal(read.Output, want) {
			t.Errorf("BitcoinProbe.probeRaw(0x…44) read %x, want %x", read.Output, want)
		}
		probeEvent(t, probeABI, sendProbe(t, 300_000, "probeRaw", hemiraw.HeaderNAddress, height(hvmProofBlock)), "RawRead", &read)
		if want := hemiHeaderBytes(hvmProofBlock, run.RawAt(t, hvmProofBlock)); !bytes.Equal(read.Output, want) {
			t.Errorf("BitcoinProbe.probeRaw(0x…45, %d) read %x, want %x", hvmProofBlock, read.Output, want)
		}
	})

	t.Run("GasEstimates", func(t *testing.T) {
		testHVMGas(t, net, eth, btc, proofs)
	})

	t.Run("MalformedCalldataReverts", func(t *testing.T) {
		testHVMMalformedCalldata(t, net, eth, btc, proofArgs(t, proofs[0]))
	})
}

// assertNoPanic fails the test if node 0's log mentions a panic.
func assertNoPanic(t *testing.T, net *network) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(net.home(0), "hemid.log"))
	if err != nil {
		t.Fatal(err)
	}
	if i := bytes.Index(bytes.ToLower(b), []byte("panic")); i >= 0 {
		t.Fatalf("hemid.log mentions a panic: %s", b[max(i-500, 0):min(i+1500, len(b))])
	}
}
