package keeper_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"testing"

	errorsmod "cosmossdk.io/errors"
	"github.com/btcsuite/btcd/wire"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	"github.com/hemi-appchain/hemi/x/tunnel/types"
)

// FuzzProveDeposit: any transaction bytes and proof fields, against a chain
// holding a real deposit, either record deposits or are refused with a
// registered error that changes no key; the real proof, seeded, is accepted.
func FuzzProveDeposit(f *testing.F) {
	fx := newFixture(f)
	b := fx.mine(nil, fx.deposit(1, alice, 50_000), fx.deposit(2, []byte(hex.EncodeToString(alice)), 20_000, 30_000))
	fx.block(func() { fx.insert(*b.Header()) })
	for i := range 2 {
		p := proofOf(f, b, i, false)
		f.Add(p.Tx, p.TxIndex, bytes.Join(p.MerkleSiblings, nil))
	}
	f.Add([]byte{}, uint32(1), []byte{})
	blockHash := b.Block.BlockHash()
	fx.beginBlock()
	f.Fuzz(func(t *testing.T, tx []byte, index uint32, siblings []byte) {
		var branch [][]byte
		for len(siblings) >= 32 {
			branch, siblings = append(branch, siblings[:32]), siblings[32:]
		}
		ctx, _ := fx.ctx.CacheContext()
		before := dumpOf(t, fx, ctx)
		msg := &types.MsgProveDeposit{Submitter: fx.submitter, Proof: btclctypes.InclusionProof{Tx: tx, BtcBlockHash: blockHash.String(), TxIndex: index, MerkleSiblings: branch}}
		if _, err := fx.msgs.ProveDeposit(ctx, msg); err != nil {
			if !registered(err) {
				t.Fatalf("unregistered error: %v", err)
			}
			if !equalDumps(before, dumpOf(t, fx, ctx)) {
				t.Fatalf("a rejected proof (%v) changed the store", err)
			}
		}
	})
}

// FuzzDepositRecipient: the recipient parser never panics, and accepts only
// 20 raw bytes or 40 hex characters in the first OP_RETURN among the first 8
// outputs.
func FuzzDepositRecipient(f *testing.F) {
	f.Add(bitcoin.RecipientScript([20]byte(alice)), uint8(0))
	f.Add(append([]byte{0x6a, 40}, []byte(hex.EncodeToString(alice))...), uint8(3))
	f.Add([]byte{0x6a}, uint8(7))
	f.Add([]byte{0x6a, 0x4c, 0xff}, uint8(8))
	f.Fuzz(func(t *testing.T, script []byte, position uint8) {
		tx := wire.NewMsgTx(2)
		for range position % 10 {
			tx.AddTxOut(wire.NewTxOut(1, []byte{0x00, 0x14}))
		}
		tx.AddTxOut(wire.NewTxOut(0, script))
		account, err := bitcoin.DepositRecipient(tx)
		if err != nil {
			if !errors.Is(err, bitcoin.ErrNoRecipient) && !errors.Is(err, bitcoin.ErrBadRecipient) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if position%10 >= bitcoin.RecipientOutputs || len(script) == 0 || script[0] != 0x6a {
			t.Fatalf("recipient %x read from output %d, script %x", account, position%10, script)
		}
		if !bytes.Contains(script, account[:]) && !bytes.Contains(bytes.ToLower(script), []byte(hex.EncodeToString(account[:]))) {
			t.Fatalf("recipient %x is not in script %x", account, script)
		}
	})
}

// FuzzWithdrawalParsing: the HEMW parser never panics and returns only an id
// that one output's OP_RETURN carries; MsgWithdraw with any amount and
// script is either queued or refused with a registered error.
func FuzzWithdrawalParsing(f *testing.F) {
	f.Add(bitcoin.WithdrawalScript(7), []byte{0x00, 0x14}, uint64(50_000))
	f.Add([]byte{0x6a, 0x0c, 'H', 'E', 'M', 'W'}, p2wpkh(f, datagen.KeyFromSeed(3)), uint64(20_546))
	f.Add([]byte{}, []byte{0x51}, uint64(0))
	fx := newFixture(f)
	w := newWithdrawer(fx)
	fx.beginBlock()
	f.Fuzz(func(t *testing.T, script, btcScript []byte, amount uint64) {
		tx := wire.NewMsgTx(2)
		tx.AddTxOut(wire.NewTxOut(0, script))
		if id, err := bitcoin.FindWithdrawalID(tx); err == nil {
			if !bytes.Equal(bitcoin.WithdrawalScript(id)[2:], script[len(script)-12:]) {
				t.Fatalf("id %d from script %x", id, script)
			}
		} else if !errors.Is(err, bitcoin.ErrNoWithdrawalID) {
			t.Fatalf("unexpected error %v", err)
		}
		ctx, _ := fx.ctx.CacheContext()
		before := dumpOf(t, fx, ctx)
		_, err := fx.msgs.Withdraw(ctx, &types.MsgWithdraw{Sender: addr(t, w.addr), Amount: amount, BtcScript: btcScript})
		if err != nil && !equalDumps(before, dumpOf(t, fx, ctx)) {
			t.Fatalf("a refused withdrawal (%v) changed the store", err)
		}
		if err == nil && types.ValidatePayoutScript(btcScript) != nil {
			t.Fatalf("withdrawal to %x queued", btcScript)
		}
	})
}

func dumpOf(t *testing.T, f *fixture, ctx sdk.Context) [][2][]byte {
	t.Helper()
	return dumpStore(ctx, f.env.Key(types.StoreKey))
}

func equalDumps(a, b [][2][]byte) bool { return reflect.DeepEqual(a, b) }

// registered tells whether err is a registered error (of a module or the
// SDK), not an internal one.
func registered(err error) bool {
	codespace, _, _ := errorsmod.ABCIInfo(err, false)
	return codespace != errorsmod.UndefinedCodespace
}
