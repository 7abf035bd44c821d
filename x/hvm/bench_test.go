package hvm_test

import (
	"testing"

	"github.com/btcsuite/btcd/wire"
	"github.com/ethereum/go-ethereum/common"

	"github.com/hemi-appchain/hemi/testutil/apptest"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	"github.com/hemi-appchain/hemi/x/hvm/precompiles/ibitcoin"
)

// benchCall is one eth_call measured: what it calls and its calldata.
type benchCall struct {
	name string
	to   common.Address
	data []byte
}

// runCalls measures each call through the EVM keeper's eth_call path (what JSON-RPC runs): ns
// per call, and its gas as eth_estimateGas reports it (gas/call). The first two are the
// baselines bench/hvm.sh divides by: a call to a contract that only stops (the path's fixed
// cost) and one to a contract whose whole work is one SLOAD of a written slot.
func runCalls(b *testing.B, c *apptest.Chain, calls []benchCall) {
	contracts := deploy(b, c, creationCode(nil, []byte{0x00}), creationCode(setSlot0, sloadCode))
	calls = append([]benchCall{{"empty", contracts[0], nil}, {"sload", contracts[1], nil}}, calls...)
	for _, bc := range calls {
		b.Run(bc.name, func(b *testing.B) {
			callRaw(b, c, bc.to, bc.data) // it must succeed
			gas, err := c.EstimateGas(args(common.Address{}, bc.to, bc.data))
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				if _, err := c.EthCall(bc.to, bc.data); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(gas), "gas/call")
		})
	}
}

// BenchmarkIBitcoin: tip, headerByHeight and verifyTx of a real proof with 11 siblings (block
// 830000) on the real mainnet chain, against the baselines of runCalls.
func BenchmarkIBitcoin(b *testing.B) {
	c := mainnetChain(b)
	v := vectorsAt(b, 830000)[2] // index 10, 393 bytes
	tx, blockHash, index, siblings := proofArgs(b, v)
	runCalls(b, c, []benchCall{
		{"tip", ibitcoin.Address, pack(b, ibitcoin.MethodTip)},
		{"headerByHeight", ibitcoin.Address, pack(b, ibitcoin.MethodHeaderByHeight, uint64(830000))},
		{"headerByHash", ibitcoin.Address, pack(b, ibitcoin.MethodHeaderByHash, blockHash)},
		{"confirmations", ibitcoin.Address, pack(b, ibitcoin.MethodConfirmations, blockHash)},
		{"verifyTx11", ibitcoin.Address, pack(b, ibitcoin.MethodVerifyTx, tx, blockHash, index, siblings)},
		{"keystone", ibitcoin.Address, pack(b, ibitcoin.MethodKeystone, uint64(2))},
		{"latestSuperfinal", ibitcoin.Address, pack(b, ibitcoin.MethodLatestSuperfinal)},
	})
}

// BenchmarkVerifyTxPerByte: verifyTx of the transaction that costs the most per byte to answer,
// one made of the smallest outputs (each returned as a 160-byte ABI entry), on a regtest chain
// whose Bitcoin block holds it, against the baselines of runCalls on that chain.
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
	runCalls(b, c, []benchCall{{"verifyTx3000outputs", ibitcoin.Address, data}})
}
