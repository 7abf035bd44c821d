package hvm_test

import (
	"encoding/binary"
	"math/big"
	"testing"

	"github.com/btcsuite/btcd/wire"
	"github.com/ethereum/go-ethereum/common"

	"github.com/hemi-appchain/hemi/testutil/apptest"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	"github.com/hemi-appchain/hemi/x/hvm/precompiles/hemi"
	"github.com/hemi-appchain/hemi/x/hvm/precompiles/ibitcoin"
)

// batchSize is how many calls one measured eth_call makes. One call of a precompile is a few
// microseconds against an eth_call path of about a hundred, so a benchmark of single calls
// measures the path and the machine's noise; a batch of calls inside one eth_call measures the
// calls.
const batchSize = 64

// benchBatch is one measured eth_call: the batch caller STATICCALLs target once with each
// input, in order.
type benchBatch struct {
	name   string
	target common.Address
	inputs [][]byte
}

// runBatches measures each batch through the EVM keeper's eth_call path (what JSON-RPC runs):
// ns per eth_call, its gas as eth_estimateGas reports it less the calldata's intrinsic gas
// (gas/call: what the calls cost, not the bytes that carry them), and its number of calls. The
// first two are the baselines bench/hvm.sh subtracts and divides by: a batch of no calls (the
// path's fixed cost), and batchSize SLOADs of written slots not yet read, in a loop like the
// batch caller's (a contract's plain storage read, 2,100 gas).
func runBatches(b *testing.B, c *apptest.Chain, batches []benchBatch) {
	addrs := deploy(b, c, creationCode(setSlots(batchSize), sloadLoopCode), creationCode(nil, batchCallerCode))
	sloader, caller := addrs[0], addrs[1]
	slots := make([][]byte, batchSize)
	for i := range slots {
		slots[i] = common.BigToHash(big.NewInt(int64(i + 1))).Bytes() // slots 1..batchSize, each read once
	}
	batches = append([]benchBatch{{"none", common.Address{}, nil}, {"sload", common.Address{}, slots}}, batches...)
	for _, bb := range batches {
		to := caller
		if bb.name == "sload" {
			to = sloader
		}
		data := batchCalldata(bb.target, bb.inputs)
		b.Run(bb.name, func(b *testing.B) {
			callRaw(b, c, to, data) // every call of the batch must succeed
			gas, err := c.EstimateGas(args(common.Address{}, to, data))
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				if _, err := c.EthCall(to, data); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(gas-calldataGas(data)), "gas/call")
			b.ReportMetric(float64(len(bb.inputs)), "calls")
		})
	}
}

// calldataGas is the intrinsic gas of a transaction's data: 16 a non-zero byte, 4 a zero byte.
func calldataGas(data []byte) uint64 {
	var gas uint64
	for _, c := range data {
		if c == 0 {
			gas += 4
		} else {
			gas += 16
		}
	}
	return gas
}

// repeat is n copies of one input.
func repeat(input []byte, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = input
	}
	return out
}

// BenchmarkIBitcoin: each IBitcoin method on the real mainnet chain, batchSize calls a batch.
// Where a method takes a height or a hash, each call of a batch asks for a different one, so
// every call reads the store afresh (a repeated key would be answered from the call's cache);
// verifyTx cycles through the 10 real proofs of block 830000 (11 siblings each).
func BenchmarkIBitcoin(b *testing.B) {
	c := mainnetChain(b)
	run := datagen.LoadHeaders(b, "mainnet-headers-822528-830592.hex")
	var byHeight, byHash, confirmations, hemiByHeight [][]byte
	for i := range uint64(batchSize) {
		h := uint64(830000) - i
		byHeight = append(byHeight, pack(b, ibitcoin.MethodHeaderByHeight, h))
		hash := display(b, run.At(b, h).BlockHash().String())
		byHash = append(byHash, pack(b, ibitcoin.MethodHeaderByHash, hash))
		confirmations = append(confirmations, pack(b, ibitcoin.MethodConfirmations, hash))
		hemiByHeight = append(hemiByHeight, binary.BigEndian.AppendUint32(nil, uint32(h)))
	}
	var verifyTx, keystone [][]byte
	vectors := vectorsAt(b, 830000)
	for i := range batchSize {
		tx, blockHash, index, siblings := proofArgs(b, vectors[i%len(vectors)])
		verifyTx = append(verifyTx, pack(b, ibitcoin.MethodVerifyTx, tx, blockHash, index, siblings))
		keystone = append(keystone, pack(b, ibitcoin.MethodKeystone, uint64(2)))
	}
	runBatches(b, c, []benchBatch{
		{"tip", ibitcoin.Address, repeat(pack(b, ibitcoin.MethodTip), batchSize)},
		{"headerByHeight", ibitcoin.Address, byHeight},
		{"headerByHash", ibitcoin.Address, byHash},
		{"confirmations", ibitcoin.Address, confirmations},
		{"verifyTx11", ibitcoin.Address, verifyTx},
		{"keystone", ibitcoin.Address, keystone},
		{"latestSuperfinal", ibitcoin.Address, repeat(pack(b, ibitcoin.MethodLatestSuperfinal), batchSize)},
		{"hemiLastHeader", hemi.LastHeaderAddress, repeat(nil, batchSize)},
		{"hemiHeaderN", hemi.HeaderNAddress, hemiByHeight},
	})
}

// BenchmarkVerifyTxPerByte: verifyTx of the transaction that costs the most per byte to answer,
// one made of the smallest outputs (each returned as a 160-byte ABI entry), on a regtest chain
// whose Bitcoin block holds it, 8 calls a batch, against the baselines of runBatches on that
// chain.
func BenchmarkVerifyTxPerByte(b *testing.B) {
	c := apptest.New(b, apptest.Options{})
	outs := make([]*wire.TxOut, 3000)
	for i := range outs {
		outs[i] = wire.NewTxOut(0, []byte{0x51}) // OP_TRUE, 10 bytes an output
	}
	genesis := datagen.RegtestGenesis()
	block := datagen.MineSpendBlock(b, &genesis, 1, datagen.Spend{Kind: datagen.P2WPKH, Outputs: outs})
	apptest.RequireTxOK(b, c.NextBlock(c.SignTx(c.Accounts[0], 1_000_000,
		btclctypes.NewMsgInsertHeaders(c.Accounts[0].String(), [][]byte{block.RawHeader}))), 0)
	p := block.Spends[0].SpendingProof
	var siblings [][32]byte
	for _, s := range p.Siblings {
		siblings = append(siblings, [32]byte(s))
	}
	data := pack(b, ibitcoin.MethodVerifyTx, p.RawTx, display(b, block.Block.BlockHash().String()), p.Index, siblings)
	b.ReportMetric(float64(len(p.RawTx)), "txbytes")
	runBatches(b, c, []benchBatch{{"verifyTx3000outputs", ibitcoin.Address, repeat(data, 8)}})
}
