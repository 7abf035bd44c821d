package keeper_test

import (
	"bytes"
	"math/big"
	"sort"
	"testing"

	sdkmath "cosmossdk.io/math"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
	"github.com/stretchr/testify/require"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/x/pop/types"
)

// payeeLessTx publishes k from a script-path input, whose key cannot be
// read: it anchors but has no payee.
func payeeLessTx(t *testing.T, k bitcoin.AbbreviatedKeystone, tag string) []byte {
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: chainhash.HashH([]byte(tag))}, nil, wire.TxWitness{{1}, {txscript.OP_TRUE}}))
	tx.AddTxOut(wire.NewTxOut(0, bitcoin.PoPScript(k)))
	return serializeTx(t, tx)
}

// The reward of a keystone is split among its publications by 100000 /
// max(h,1)² (h: Bitcoin blocks after the first publication, 0 beyond
// max_reward_delay), rounded down, in integer math; the shares of
// publications without a payee, the rounding and the whole reward of a
// keystone with no publication of its own go to the community pool.
func TestRewardSplit(t *testing.T) {
	f := newFixture(t)
	p := f.params()
	p.KeystoneReward.Amount = sdkmath.NewInt(1_000_000_007) // a prime: rounding shows
	f.setParams(p)
	f.advanceTo(20)
	ks := f.abbrev(20)
	a, b, c, d, e := newPoPMiner(f, 1, false), newPoPMiner(f, 2, true), newPoPMiner(f, 3, false), newPoPMiner(f, 4, true), newPoPMiner(f, 5, false)

	f.beginBlock()
	b1 := f.extend(a.popTx(t, ks), b.popTx(t, ks)) // btc 1, delay 0: both score 100000
	f.submit(b1)
	_, err := f.msgs.SubmitPoPProof(f.ctx, f.proof(b1, 2))
	require.NoError(t, err)
	f.submit(f.extend(c.popTx(t, ks)))             // btc 2, delay 1: 100000
	f.submit(f.extend(payeeLessTx(t, ks, "none"))) // btc 3, delay 2: 25000, no payee
	f.submit(f.extend(d.popTx(t, ks)))             // btc 4, delay 3: 11111
	f.extendN(4)
	late := f.extend(e.popTx(t, ks)) // btc 9, delay 8: 1562
	f.submit(late)
	f.submit(f.extend(e.popTx(t, ks))) // btc 10, delay 9: 0
	f.endBlock()
	require.Equal(t, uint64(20), f.finality().LatestSuperfinal)

	// The expected split, computed here with math/big.
	R := big.NewInt(1_000_000_007)
	type share struct {
		who   string
		score int64
	}
	shares := []share{{a.payee(t), 100000}, {b.payee(t), 100000}, {c.payee(t), 100000}, {"", 25000}, {d.payee(t), 11111}, {e.payee(t), 1562}, {e.payee(t), 0}}
	var total int64
	for _, s := range shares {
		total += s.score
	}
	require.Equal(t, int64(337673), total)
	want := map[string]*big.Int{}
	paid := new(big.Int)
	for _, s := range shares {
		amt := new(big.Int).Div(new(big.Int).Mul(R, big.NewInt(s.score)), big.NewInt(total))
		if s.who == "" || amt.Sign() == 0 {
			continue
		}
		if want[s.who] == nil {
			want[s.who] = new(big.Int)
		}
		want[s.who].Add(want[s.who], amt)
		paid.Add(paid, amt)
	}
	for who, amt := range want {
		require.Equal(t, amt.String(), f.bank.balance(t, who).String(), who)
	}
	// Keystone 10 has no publication of its own: its whole reward, and what
	// keystone 20's publications did not earn, go to the pool.
	pool := new(big.Int).Sub(new(big.Int).Mul(R, big.NewInt(2)), paid)
	require.Equal(t, pool.String(), f.bank.Pool().AmountOf(types.RewardDenom).String())
	require.Equal(t, new(big.Int).Mul(R, big.NewInt(2)).String(), f.bank.Minted().AmountOf(types.RewardDenom).String())
	require.True(t, f.bank.balance(t, mustAddr(t, popModuleAddress)).IsZero(), "nothing stays in the module account")

	// One event per payout, in publication order: (bitcoin height, txid).
	first := []chainhash.Hash{b1.txids[1], b1.txids[2]}
	sort.Slice(first, func(i, j int) bool { return bytes.Compare(first[i][:], first[j][:]) < 0 })
	payeeOf := map[chainhash.Hash]string{b1.txids[1]: a.payee(t), b1.txids[2]: b.payee(t)}
	events := eventsOf[*types.EventPoPReward](t, f.ctx)
	require.Len(t, events, 5)
	require.Equal(t, first[0].String(), events[0].Txid)
	require.Equal(t, payeeOf[first[0]], events[0].Payee)
	require.Equal(t, first[1].String(), events[1].Txid)
	require.Equal(t, c.payee(t), events[2].Payee)
	require.Equal(t, d.payee(t), events[3].Payee)
	require.Equal(t, types.EventPoPReward{
		KeystoneHeight: 20, Payee: e.payee(t), Amount: want[e.payee(t)].String() + "ahemi", Txid: late.txids[1].String(),
	}, *events[4])
}

// Only the earliest max_publications_per_keystone canonical publications
// share the reward; reorged-away ones do not count.
func TestRewardCapAndCanonicalOnly(t *testing.T) {
	f := newFixture(t)
	p := f.params()
	p.MaxPublicationsPerKeystone = 2
	p.KeystoneReward.Amount = sdkmath.NewInt(1000)
	f.setParams(p)
	f.advanceTo(10)
	a, b, c, gone := newPoPMiner(f, 1, false), newPoPMiner(f, 2, false), newPoPMiner(f, 3, false), newPoPMiner(f, 4, false)

	f.beginBlock()
	f.extendN(1)
	f.publish(gone, 10) // btc 2, about to be reorged away
	f.endBlock()
	f.beginBlock()
	f.fork(1, 2)     // btc 2..3 replaced
	f.publish(a, 10) // btc 4
	f.publish(b, 10) // btc 5
	f.publish(c, 10) // btc 6: beyond the cap
	f.extendN(3)
	f.endBlock()
	require.Equal(t, uint64(10), f.finality().LatestSuperfinal)
	require.Equal(t, "500", f.bank.balance(t, a.payee(t)).String())
	require.Equal(t, "500", f.bank.balance(t, b.payee(t)).String())
	require.True(t, f.bank.balance(t, c.payee(t)).IsZero())
	require.True(t, f.bank.balance(t, gone.payee(t)).IsZero())
	require.True(t, f.bank.Pool().IsZero())
}

// A payee the bank refuses forfeits its share to the community pool; the
// block goes on.
func TestRewardToBlockedPayee(t *testing.T) {
	f := newFixture(t)
	p := f.params()
	p.KeystoneReward.Amount = sdkmath.NewInt(1000)
	f.setParams(p)
	a, b := newPoPMiner(f, 1, false), newPoPMiner(f, 2, false)
	blocked, err := addrCodec.StringToBytes(a.payee(t))
	require.NoError(t, err)
	f.bank.Block(blocked)
	f.advanceTo(10)
	f.beginBlock()
	b1 := f.extend(a.popTx(t, f.abbrev(10)), b.popTx(t, f.abbrev(10)))
	f.submit(b1)
	_, err = f.msgs.SubmitPoPProof(f.ctx, f.proof(b1, 2))
	require.NoError(t, err)
	f.extendN(5)
	f.endBlock()
	require.True(t, f.bank.balance(t, a.payee(t)).IsZero())
	require.Equal(t, "500", f.bank.balance(t, b.payee(t)).String())
	require.Equal(t, "500", f.bank.Pool().AmountOf(types.RewardDenom).String())
	events := eventsOf[*types.EventPoPReward](t, f.ctx)
	require.Len(t, events, 1)
	require.Equal(t, b.payee(t), events[0].Payee)
}

// A zero reward mints nothing.
func TestZeroReward(t *testing.T) {
	f := newFixture(t)
	p := f.params()
	p.KeystoneReward.Amount = sdkmath.ZeroInt()
	f.setParams(p)
	m := newPoPMiner(f, 1, false)
	f.advanceTo(10)
	f.beginBlock()
	f.publish(m, 10)
	f.extendN(5)
	f.endBlock()
	require.Equal(t, uint64(10), f.finality().LatestSuperfinal)
	require.True(t, f.bank.Minted().IsZero())
}

// One payee holds at most max_rewards_per_payee of a keystone's reward
// slots, however many txids it grinds: its later publications take no slot
// and the slots go to the next publications of other payees, in order
// (payee-less publications count as one payee). The split is the usual one
// over the publications that hold a slot.
func TestRewardPerPayeeCap(t *testing.T) {
	R := big.NewInt(1_000_000_007)
	for _, tc := range []struct {
		perPayee uint32
	}{
		{perPayee: 1},
		{perPayee: 2},
	} {
		f := newFixture(t)
		p := f.params()
		p.KeystoneReward.Amount = sdkmath.NewIntFromBigInt(R)
		p.MaxPublicationsPerKeystone = 4
		p.MaxRewardsPerPayee = tc.perPayee
		f.setParams(p)
		f.advanceTo(10)
		ks := f.abbrev(10)
		grinder, b, c, d := newPoPMiner(f, 1, false), newPoPMiner(f, 2, true), newPoPMiner(f, 3, false), newPoPMiner(f, 4, false)

		f.beginBlock()
		b1 := f.extend(grinder.popTx(t, ks), grinder.popTx(t, ks), grinder.popTx(t, ks)) // btc 1, delay 0
		for i := 1; i <= 3; i++ {
			_, err := f.msgs.SubmitPoPProof(f.ctx, f.proof(b1, i))
			require.NoError(t, err)
		}
		f.submit(f.extend(b.popTx(t, ks)))           // btc 2, delay 1
		f.submit(f.extend(payeeLessTx(t, ks, "n1"))) // btc 3, delay 2, no payee
		f.submit(f.extend(payeeLessTx(t, ks, "n2"))) // btc 4, delay 3, no payee
		f.submit(f.extend(c.popTx(t, ks)))           // btc 5, delay 4
		f.submit(f.extend(d.popTx(t, ks)))           // btc 6, delay 5
		f.endBlock()
		require.Equal(t, uint64(10), f.finality().LatestSuperfinal)

		// The slot holders, earliest first, and their scores.
		type slot struct {
			who   string
			score int64
		}
		var slots []slot
		if tc.perPayee == 1 {
			// grinder once, b, one payee-less, c; d is past the 4 slots.
			slots = []slot{{grinder.payee(t), 100000}, {b.payee(t), 100000}, {"", 25000}, {c.payee(t), 6250}}
		} else {
			// grinder twice, b, one payee-less.
			slots = []slot{{grinder.payee(t), 100000}, {grinder.payee(t), 100000}, {b.payee(t), 100000}, {"", 25000}}
		}
		var total int64
		for _, s := range slots {
			total += s.score
		}
		want := map[string]*big.Int{grinder.payee(t): new(big.Int), b.payee(t): new(big.Int), c.payee(t): new(big.Int), d.payee(t): new(big.Int)}
		paid := new(big.Int)
		for _, s := range slots {
			amt := new(big.Int).Div(new(big.Int).Mul(R, big.NewInt(s.score)), big.NewInt(total))
			if s.who == "" {
				continue
			}
			want[s.who].Add(want[s.who], amt)
			paid.Add(paid, amt)
		}
		for who, amt := range want {
			require.Equal(t, amt.String(), f.bank.balance(t, who).String(), "per payee %d: %s", tc.perPayee, who)
		}
		if tc.perPayee == 1 {
			// 1000000007 × 100000 / 231250 = 432432435 each for the grinder and b; × 6250 / 231250 = 27027027 for c.
			require.Equal(t, "432432435", want[grinder.payee(t)].String())
			require.Equal(t, "27027027", want[c.payee(t)].String())
		}
		require.Len(t, eventsOf[*types.EventPoPReward](t, f.ctx), len(slots)-1, "one event per paid slot")
		require.Equal(t, new(big.Int).Sub(R, paid).String(), f.bank.Pool().AmountOf(types.RewardDenom).String())
	}
}
