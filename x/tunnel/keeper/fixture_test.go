package keeper_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"testing"

	"cosmossdk.io/core/header"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/wire"
	"github.com/stretchr/testify/require"

	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/testutil/datagen"
	testkeeper "github.com/hemi-appchain/hemi/testutil/keeper"
	btclckeeper "github.com/hemi-appchain/hemi/x/btclc/keeper"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	popkeeper "github.com/hemi-appchain/hemi/x/pop/keeper"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
	"github.com/hemi-appchain/hemi/x/tunnel/keeper"
	"github.com/hemi-appchain/hemi/x/tunnel/types"
)

// fixture is x/tunnel over real x/btclc and x/pop keepers (regtest from its
// genesis block) on in-memory IAVL stores with a fake bank, testutil/keeper's.
// It drives hemi blocks (BeginBlock of x/pop; EndBlock of x/btclc, x/pop,
// x/tunnel, in the app's order) and mines real regtest blocks with signed
// transactions (testutil/datagen).
type fixture struct {
	tb        testing.TB
	env       *testkeeper.Env
	ctx       sdk.Context
	k         keeper.Keeper
	btclc     btclckeeper.Keeper
	pop       popkeeper.Keeper
	bank      *testkeeper.Bank
	msgs      types.MsgServer
	query     keeper.Querier
	btclcMsgs btclctypes.MsgServer
	authority string
	submitter string
	height    int64

	vaultKey    *btcec.PrivateKey
	vaultScript []byte
	tip         wire.BlockHeader // x/btclc's canonical tip
	tipHeight   uint64
	tag         uint32
}

const testKeystoneInterval = 5

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	env, btclcK, popK, k, bank := testkeeper.BTCLCPopAndTunnel(tb)
	f := &fixture{
		tb: tb, env: env, ctx: env.Ctx, k: k, btclc: btclcK, pop: popK, bank: bank,
		msgs: keeper.NewMsgServerImpl(k), query: keeper.NewQuerier(k), btclcMsgs: btclckeeper.NewMsgServerImpl(btclcK),
		authority: env.Authority,
		submitter: addr(tb, bytes.Repeat([]byte{0x42}, 20)),
		vaultKey:  datagen.KeyFromSeed(7000),
		tip:       datagen.RegtestGenesis(),
	}
	f.vaultScript = p2wpkh(tb, f.vaultKey)
	require.NoError(tb, btclcK.InitGenesis(f.ctx, btclctypes.DefaultGenesis()))
	pg := poptypes.DefaultGenesis()
	pg.Params.KeystoneInterval = testKeystoneInterval
	require.NoError(tb, popK.InitGenesis(f.ctx, pg))
	gs := types.DefaultGenesis()
	gs.Params.VaultScript = f.vaultScript
	require.NoError(tb, k.InitGenesis(f.ctx, gs))
	env.Commit()
	return f
}

func addr(tb testing.TB, b []byte) string {
	tb.Helper()
	s, err := testkeeper.AddressCodec.BytesToString(b)
	require.NoError(tb, err)
	return s
}

func p2wpkh(tb testing.TB, key *btcec.PrivateKey) []byte {
	return datagen.P2WPKHScript(tb, key.PubKey())
}

func blockHash(h int64) []byte { s := sha256.Sum256(fmt.Appendf(nil, "block %d", h)); return s[:] }

// beginBlock starts the next hemi block.
func (f *fixture) beginBlock() {
	f.tb.Helper()
	f.height++
	h := f.height
	f.ctx = f.ctx.WithBlockHeight(h).WithHeaderHash(blockHash(h)).
		WithHeaderInfo(header.Info{Height: h, Hash: blockHash(h), AppHash: blockHash(-h), Time: testkeeper.BlockTime}).
		WithEventManager(sdk.NewEventManager())
	require.NoError(f.tb, f.pop.BeginBlocker(f.ctx))
}

// endBlock ends it in the app's order and commits.
func (f *fixture) endBlock() {
	f.tb.Helper()
	require.NoError(f.tb, f.btclc.EndBlocker(f.ctx))
	require.NoError(f.tb, f.pop.EndBlocker(f.ctx))
	require.NoError(f.tb, f.k.EndBlocker(f.ctx))
	f.env.Commit()
}

// block runs one hemi block with fn inside it.
func (f *fixture) block(fn func()) {
	f.tb.Helper()
	f.beginBlock()
	if fn != nil {
		fn()
	}
	f.endBlock()
}

// insert relays headers to x/btclc in the current block.
func (f *fixture) insert(headers ...wire.BlockHeader) {
	f.tb.Helper()
	raw := make([][]byte, len(headers))
	for i := range headers {
		raw[i] = datagen.SerializeHeader(&headers[i])
	}
	_, err := f.btclcMsgs.InsertHeaders(f.ctx, btclctypes.NewMsgInsertHeaders(f.submitter, raw))
	require.NoError(f.tb, err)
	tip, err := f.btclc.Tip(f.ctx)
	require.NoError(f.tb, err)
	h, err := tip.BlockHeader()
	require.NoError(f.tb, err)
	f.tip, f.tipHeight = *h, tip.Height
}

// mine mines a block with spends on parent (the tip when nil); it is not relayed.
func (f *fixture) mine(parent *wire.BlockHeader, spends ...datagen.Spend) *datagen.MinedBlock {
	f.tb.Helper()
	if parent == nil {
		parent = &f.tip
	}
	f.tag++
	return datagen.MineSpendBlock(f.tb, parent, f.tag, spends...)
}

// relayAndProve relays b's header and proves its transaction 0 as a deposit, in one hemi block.
func (f *fixture) relayAndProve(b *datagen.MinedBlock) {
	f.tb.Helper()
	f.block(func() {
		f.insert(*b.Header())
		_, err := f.proveDeposit(proofOf(f.tb, b, 0, false))
		require.NoError(f.tb, err)
	})
}

// relayAndProveAll relays b's header and proves each of its spends as a deposit, in one hemi
// block, and returns the responses in spend order.
func (f *fixture) relayAndProveAll(b *datagen.MinedBlock) []*types.MsgProveDepositResponse {
	f.tb.Helper()
	var resps []*types.MsgProveDepositResponse
	f.block(func() {
		f.insert(*b.Header())
		for i := range b.Spends {
			resp, err := f.proveDeposit(proofOf(f.tb, b, i, false))
			require.NoError(f.tb, err)
			resps = append(resps, resp)
		}
	})
	return resps
}

// extend relays n empty blocks on the tip, in one hemi block.
func (f *fixture) extend(n int) {
	f.tb.Helper()
	f.tag++
	f.block(func() { f.insert(datagen.RegtestChain(f.tb, f.tip, n, f.tag)...) })
}

// deposit is a spend whose outputs pay the recipient's OP_RETURN first, then
// the vault each amount.
func (f *fixture) deposit(seed uint32, recipient []byte, amounts ...int64) datagen.Spend {
	outs := []*wire.TxOut{datagen.OpReturn(f.tb, recipient)}
	for _, a := range amounts {
		outs = append(outs, wire.NewTxOut(a, f.vaultScript))
	}
	return datagen.Spend{Kind: datagen.P2WPKH, Key: datagen.KeyFromSeed(seed), Outputs: outs}
}

// proofOf is the proof of spend i's spending transaction in b, with its
// funding transaction when withFunding.
func proofOf(tb testing.TB, b *datagen.MinedBlock, i int, withFunding bool) btclctypes.InclusionProof {
	tb.Helper()
	s := b.Spends[i]
	var funding []byte
	if withFunding {
		var buf bytes.Buffer
		require.NoError(tb, s.Funding.SerializeNoWitness(&buf))
		funding = buf.Bytes()
	}
	return btclctypes.NewInclusionProofOf(s.SpendingProof.RawTx, b.Block.BlockHash(), s.SpendingProof.Index, s.SpendingProof.Siblings, funding)
}

func (f *fixture) proveDeposit(p btclctypes.InclusionProof) (*types.MsgProveDepositResponse, error) {
	return f.msgs.ProveDeposit(f.ctx, &types.MsgProveDeposit{Submitter: f.submitter, Proof: p})
}

func (f *fixture) deposit1(op string) types.Deposit {
	f.tb.Helper()
	o, err := types.ParseOutpoint(op)
	require.NoError(f.tb, err)
	d, err := f.k.Deposits.Get(f.ctx, o)
	require.NoError(f.tb, err)
	return d
}

func (f *fixture) params() types.Params {
	f.tb.Helper()
	p, err := f.k.Params.Get(f.ctx)
	require.NoError(f.tb, err)
	return p
}

func (f *fixture) setParams(p types.Params) {
	f.tb.Helper()
	_, err := f.msgs.UpdateParams(f.ctx, types.NewMsgUpdateParams(f.authority, p))
	require.NoError(f.tb, err)
}

func sat(n uint64) sdk.Coins { return sdk.NewCoins(sdk.NewInt64Coin(types.Denom, int64(n))) }

func outpoint(b *datagen.MinedBlock, spend int, vout uint32) string {
	return types.FormatOutpoint(types.NewOutpoint(b.Spends[spend].Spending.TxHash(), vout))
}

// storeDump is every key and value of x/tunnel's store, to show that a
// rejected message changed nothing.
func (f *fixture) storeDump() [][2][]byte { return dumpStore(f.ctx, f.env.Key(types.StoreKey)) }

func dumpStore(ctx sdk.Context, key storetypes.StoreKey) [][2][]byte {
	it := ctx.KVStore(key).Iterator(nil, nil)
	defer it.Close()
	var kv [][2][]byte
	for ; it.Valid(); it.Next() {
		kv = append(kv, [2][]byte{bytes.Clone(it.Key()), bytes.Clone(it.Value())})
	}
	return kv
}
