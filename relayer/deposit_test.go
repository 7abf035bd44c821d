package relayer

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
)

// blocksNode is a Bitcoin node serving mined blocks by hash.
type blocksNode struct {
	fakeBitcoin
	blocks map[chainhash.Hash]*wire.MsgBlock
}

func (n *blocksNode) GetBlock(_ context.Context, hash chainhash.Hash) (*wire.MsgBlock, error) {
	if b, ok := n.blocks[hash]; ok {
		return b, nil
	}
	return nil, errors.New("no such block")
}

// tunnelProver is x/tunnel as the relayer sees it: proofs are checked against the blocks the
// test mined (the merkle path and the block), and every vault output of a proven transaction is
// recorded pending from its block, as ProveDeposit records them.
type tunnelProver struct {
	vault    []byte
	headers  map[string]wire.BlockHeader // by display hash
	recorded map[string]chainhash.Hash   // by "txid:vout"
	proven   []chainhash.Hash
}

func (p *tunnelProver) VaultScript(context.Context) ([]byte, error) { return p.vault, nil }

func (p *tunnelProver) Recorded(_ context.Context, txid chainhash.Hash, vout uint32, block chainhash.Hash) (bool, error) {
	in, ok := p.recorded[tunneltypes.FormatOutpoint(tunneltypes.NewOutpoint(txid, vout))]
	return ok && in == block, nil
}

func (p *tunnelProver) Prove(_ context.Context, proof btclctypes.InclusionProof) error {
	h, ok := p.headers[proof.BtcBlockHash]
	if !ok {
		return errors.New("unknown block")
	}
	siblings := make([]chainhash.Hash, len(proof.MerkleSiblings))
	for i, s := range proof.MerkleSiblings {
		copy(siblings[i][:], s)
	}
	if err := bitcoin.VerifyInclusion(proof.Tx, h.MerkleRoot, proof.TxIndex, siblings); err != nil {
		return err
	}
	tx, err := bitcoin.DecodeTx(proof.Tx)
	if err != nil {
		return err
	}
	for vout, out := range tx.TxOut {
		if string(out.PkScript) == string(p.vault) {
			p.recorded[tunneltypes.FormatOutpoint(tunneltypes.NewOutpoint(tx.TxHash(), uint32(vout)))] = h.BlockHash()
		}
	}
	p.proven = append(p.proven, tx.TxHash())
	return nil
}

// TestRelayerProvesDepositsByScript: in the blocks it relays, the relayer proves each transaction
// paying the chain's vault script once: a transaction with two vault outputs is one proof that
// records both; a deposit whose first version was replaced by a fee bump (a new txid) is proven
// under the mined txid only; a transaction paying another script is ignored; relaying the same
// blocks again proves nothing more, since the outpoints are recorded.
func TestRelayerProvesDepositsByScript(t *testing.T) {
	vault := datagen.P2WPKHScript(t, datagen.KeyFromSeed(7000).PubKey())
	other := datagen.P2WPKHScript(t, datagen.KeyFromSeed(7001).PubKey())
	recipient := datagen.OpReturn(t, make([]byte, bitcoin.RecipientSize))
	genesis := datagen.RegtestGenesis()

	first := datagen.MineSpendBlock(t, &genesis, 1,
		datagen.Spend{Kind: datagen.P2WPKH, Outputs: []*wire.TxOut{recipient, wire.NewTxOut(50_000, vault), wire.NewTxOut(70_000, vault)}},
		datagen.Spend{Kind: datagen.P2PKH, Outputs: []*wire.TxOut{recipient, wire.NewTxOut(50_000, other)}},
	)
	// The user's deposit, then its fee bump spending the same coin with a smaller output: only
	// the bump is mined.
	key := datagen.KeyFromSeed(42)
	prev := chainhash.Hash{9}
	original := datagen.SignedSpend(t, datagen.Spend{Kind: datagen.P2WPKH, Key: key, Outputs: []*wire.TxOut{recipient, wire.NewTxOut(100_000, vault)}}, prev)
	bumped := datagen.SignedSpend(t, datagen.Spend{Kind: datagen.P2WPKH, Key: key, Outputs: []*wire.TxOut{recipient, wire.NewTxOut(99_000, vault)}}, prev)
	if original.Spending.TxHash() == bumped.Spending.TxHash() || original.Spending.TxIn[0].PreviousOutPoint != bumped.Spending.TxIn[0].PreviousOutPoint {
		t.Fatal("the bump must spend the same coin under a new txid")
	}
	second := datagen.MineTxBlock(t, first.Header(), 2, bumped.Funding, bumped.Spending)

	node := &blocksNode{blocks: map[chainhash.Hash]*wire.MsgBlock{
		first.Block.BlockHash(): first.Block, second.Block.BlockHash(): second.Block,
	}}
	prover := &tunnelProver{vault: vault, recorded: map[string]chainhash.Hash{}, headers: map[string]wire.BlockHeader{
		first.Block.BlockHash().String(): first.Block.Header, second.Block.BlockHash().String(): second.Block.Header,
	}}
	r := New(Config{}, node, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), nil).WithDepositProver(prover)
	headers := [][]byte{first.RawHeader, second.RawHeader}
	r.scanBlocks(context.Background(), headers, 1, 2)

	two, bump := first.Spends[0].Spending.TxHash(), bumped.Spending.TxHash()
	if len(prover.proven) != 2 || prover.proven[0] != two || prover.proven[1] != bump {
		t.Fatalf("proved %v, want the two-output deposit %s and the mined bump %s", prover.proven, two, bump)
	}
	for _, op := range []tunneltypes.Outpoint{tunneltypes.NewOutpoint(two, 1), tunneltypes.NewOutpoint(two, 2), tunneltypes.NewOutpoint(bump, 1)} {
		if _, ok := prover.recorded[tunneltypes.FormatOutpoint(op)]; !ok {
			t.Fatalf("outpoint %s is not recorded", tunneltypes.FormatOutpoint(op))
		}
	}
	if len(prover.recorded) != 3 {
		t.Fatalf("%d outpoints recorded, want 3", len(prover.recorded))
	}

	// The same blocks relayed again (another step, a restart): nothing is proven twice.
	r.scanBlocks(context.Background(), headers, 1, 2)
	if len(prover.proven) != 2 {
		t.Fatalf("relaying the blocks again proved %v", prover.proven[2:])
	}

	// A deposit recorded pending from a block a reorg took away is proven again from the block
	// that holds it now.
	prover.recorded[tunneltypes.FormatOutpoint(tunneltypes.NewOutpoint(bump, 1))] = chainhash.Hash{1}
	r.scanBlocks(context.Background(), headers, 1, 2)
	if len(prover.proven) != 3 || prover.proven[2] != bump {
		t.Fatalf("after the reorg proved %v, want the bump again", prover.proven[2:])
	}
}

// A minted deposit needs no proof from any block; a pending one only from another block.
func TestDepositHeld(t *testing.T) {
	block := chainhash.Hash{3}
	for _, c := range []struct {
		d    tunneltypes.DepositView
		want bool
	}{
		{tunneltypes.DepositView{Status: tunneltypes.DEPOSIT_STATUS_MINTED, BtcBlockHash: chainhash.Hash{4}.String()}, true},
		{tunneltypes.DepositView{Status: tunneltypes.DEPOSIT_STATUS_PENDING, BtcBlockHash: block.String()}, true},
		{tunneltypes.DepositView{Status: tunneltypes.DEPOSIT_STATUS_PENDING, BtcBlockHash: chainhash.Hash{4}.String()}, false},
	} {
		if got, err := depositHeld(c.d, block); err != nil || got != c.want {
			t.Fatalf("depositHeld(%v) = %v, %v; want %v", c.d.Status, got, err, c.want)
		}
	}
	if _, err := depositHeld(tunneltypes.DepositView{Status: tunneltypes.DEPOSIT_STATUS_PENDING, BtcBlockHash: "zz"}, block); err == nil {
		t.Fatal("a malformed block hash from the chain was accepted")
	}
}
