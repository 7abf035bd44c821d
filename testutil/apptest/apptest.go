// Package apptest runs the real hemid application in-process for app-level tests: an in-memory
// database, a genesis with bonded validators and funded accounts, and blocks driven through the
// real ABCI calls (CheckTx, PrepareProposal, ProcessProposal, FinalizeBlock, Commit).
//
// Every block runs on two app instances built from the same genesis, and the test fails at the
// first block whose app hash (or any tx result) differs between them: non-determinism in a state
// transition shows up here, not on a live network. Unless Options.AppOptions say otherwise, the
// instance under test runs its blocks' transactions in parallel on the Block-STM runner (the
// app's default) and its shadow runs them one after another, so every harness test also checks
// that parallel execution gives the sequential result.
package apptest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/crypto/ed25519"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	cmttypes "github.com/cometbft/cometbft/types"

	dbm "github.com/cosmos/cosmos-db"
	"github.com/cosmos/evm/crypto/ethsecp256k1"
	evmserverconfig "github.com/cosmos/evm/server/config"
	srvflags "github.com/cosmos/evm/server/flags"

	"cosmossdk.io/log/v2"
	sdkmath "cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/baseapp"
	"github.com/cosmos/cosmos-sdk/client/flags"
	clienttx "github.com/cosmos/cosmos-sdk/client/tx"
	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	cryptocodec "github.com/cosmos/cosmos-sdk/crypto/codec"
	sdkserver "github.com/cosmos/cosmos-sdk/server"
	serverconfig "github.com/cosmos/cosmos-sdk/server/config"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/tx/signing"
	authsigning "github.com/cosmos/cosmos-sdk/x/auth/signing"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/hemi-appchain/hemi/app"
	"github.com/hemi-appchain/hemi/app/params"
)

// ChainID is the harness chain's id. It carries cosmos/evm's placeholder EVM chain id 262144:
// the EVM keeps its chain config in a process global that it lets only that id be set twice, and
// the harness runs two (or more) apps in one process.
const ChainID = "hemiapptest_262144-1"

// GenesisTime is the time of the genesis unless Options.GenesisTime says otherwise; block h is
// BlockInterval*h later.
var GenesisTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// BlockInterval is the time between harness blocks.
const BlockInterval = 2 * time.Second

// DefaultGas is the gas limit of a tx signed by SignTx when none is given.
const DefaultGas = 300_000

// GasPrice is what SignTx pays per gas: twice the fee floor, so a base fee drifting up a little
// between blocks never fails a harness tx.
var GasPrice = sdkmath.NewInt(2 * app.MinGasPriceFloor)

// prefixes installs hemi's bech32 prefixes once per test process.
var prefixes sync.Once

// Account is a funded eth_secp256k1 account of the genesis.
type Account struct {
	Key      *ethsecp256k1.PrivKey
	Address  sdk.AccAddress
	Number   uint64
	Sequence uint64
}

// String returns the account's hemi1… address.
func (a *Account) String() string { return a.Address.String() }

// Options shape the genesis.
type Options struct {
	Validators int // bonded validators (default 1)
	Accounts   int // funded accounts besides the validators' (default 2)
	// Genesis, if set, edits the app state (module name → JSON) before InitChain.
	Genesis func(cdc codec.JSONCodec, state map[string]json.RawMessage)
	// ConsensusParams, if set, edits the consensus params before InitChain.
	ConsensusParams func(*cmtproto.ConsensusParams)
	// GenesisTime, if set, replaces GenesisTime (a test that reads a live Bitcoin node needs block
	// times near the node's header times).
	GenesisTime time.Time
	// AppOptions, if set, are app.toml options (key → value) of the instance under test ([0]) and
	// of its shadow ([1]), over the harness's own. The shadow's default is
	// block-executor = "sequential".
	AppOptions [2]map[string]any
}

// Chain is the application under test and its shadow, at the same height.
type Chain struct {
	t        testing.TB
	apps     [2]*app.App
	Accounts []*Account
	// Validators are the operators of the bonded validators (also funded accounts).
	Validators []*Account
	consKeys   []ed25519.PrivKey
	Consensus  cmtproto.ConsensusParams
	height     int64
	genesis    time.Time
}

// New builds two app instances on in-memory databases and initialises both from one genesis.
func New(t testing.TB, opts Options) *Chain {
	t.Helper()
	if opts.Validators == 0 {
		opts.Validators = 1
	}
	if opts.Accounts == 0 {
		opts.Accounts = 2
	}
	evmChainID, err := params.EVMChainID(ChainID)
	if err != nil {
		t.Fatal(err)
	}
	prefixes.Do(func() { params.SetAddressPrefixes(sdk.GetConfig()) })
	c := &Chain{t: t, genesis: GenesisTime}
	if !opts.GenesisTime.IsZero() {
		c.genesis = opts.GenesisTime.UTC()
	}
	for i := range opts.Validators {
		c.consKeys = append(c.consKeys, ed25519.GenPrivKeyFromSecret([]byte(fmt.Sprintf("apptest validator %d", i))))
		c.Validators = append(c.Validators, newAccount(fmt.Sprintf("apptest operator %d", i)))
	}
	for i := range opts.Accounts {
		c.Accounts = append(c.Accounts, newAccount(fmt.Sprintf("apptest account %d", i)))
	}

	// The genesis is built with a first instance's codec, and written where a node keeps it: the
	// EVM mempool reads the block gas limit from there when the app is built.
	home := t.TempDir()
	c.apps[0] = c.newApp(filepath.Join(home, "0"), evmChainID, opts.AppOptions[0])
	state := c.genesisState()
	if opts.Genesis != nil {
		opts.Genesis(c.apps[0].AppCodec(), state)
	}
	stateBytes, err := json.Marshal(state)
	if err != nil {
		t.Fatal(err)
	}
	cp := cmttypes.DefaultConsensusParams()
	cp.Block.MaxGas = app.BlockMaxGas
	c.Consensus = cp.ToProto()
	if opts.ConsensusParams != nil {
		opts.ConsensusParams(&c.Consensus)
	}
	for i := range c.apps {
		dir := filepath.Join(home, fmt.Sprint(i))
		writeGenesis(t, filepath.Join(dir, "config", "genesis.json"), stateBytes, c.Consensus, c.genesis)
		extra := opts.AppOptions[i]
		if i == 1 && extra == nil {
			extra = map[string]any{sdkserver.FlagBlockExecutor: serverconfig.BlockExecutorSequential}
		}
		c.apps[i] = c.newApp(dir, evmChainID, extra) // the first, codec-only instance is closed at cleanup
	}

	req := &abci.RequestInitChain{
		Time:            c.genesis,
		ChainId:         ChainID,
		ConsensusParams: &c.Consensus,
		AppStateBytes:   stateBytes,
		InitialHeight:   1,
	}
	var hashes [2][]byte
	for i, a := range c.apps {
		res, err := a.InitChain(req)
		if err != nil {
			t.Fatalf("InitChain on instance %d: %v", i, err)
		}
		hashes[i] = res.AppHash
	}
	if !bytes.Equal(hashes[0], hashes[1]) {
		t.Fatalf("genesis app hashes differ: %X and %X", hashes[0], hashes[1])
	}

	// InitChain's state is committed with the first block.
	c.finalize(nil)
	ctx := c.Context()
	for _, acc := range append(append([]*Account{}, c.Validators...), c.Accounts...) {
		stored := c.App().AccountKeeper.GetAccount(ctx, acc.Address)
		if stored == nil {
			t.Fatalf("genesis account %s not in state", acc)
		}
		acc.Number = stored.GetAccountNumber()
	}
	return c
}

// newApp builds an instance with the node's mempool settings and the extra app options, closed
// when the test ends.
func (c *Chain) newApp(home string, evmChainID uint64, extra map[string]any) *app.App {
	appOpts := simtestutil.AppOptionsMap{
		flags.FlagHome: home,
		// An unset option reads as 0, which for the EVM mempool's insert queue means "always full".
		srvflags.EVMMempoolInsertQueueSize: evmserverconfig.DefaultEVMConfig().Mempool.InsertQueueSize,
	}
	maps.Copy(appOpts, extra)
	a := app.New(log.NewNopLogger(), dbm.NewMemDB(), true, evmChainID, appOpts, baseapp.SetChainID(ChainID))
	c.t.Cleanup(func() { _ = a.Close() })
	return a
}

func writeGenesis(t testing.TB, path string, state []byte, cp cmtproto.ConsensusParams, genesisTime time.Time) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	g := genutiltypes.NewAppGenesisWithVersion(ChainID, state)
	g.GenesisTime = genesisTime
	params := cmttypes.ConsensusParamsFromProto(cp)
	g.Consensus = &genutiltypes.ConsensusGenesis{Params: &params}
	if err := g.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

func newAccount(seed string) *Account {
	key := &ethsecp256k1.PrivKey{Key: cmtSum(seed)}
	return &Account{Key: key, Address: sdk.AccAddress(key.PubKey().Address())}
}

// cmtSum derives a 32-byte private key from a seed (ed25519's secret hashing is SHA-256).
func cmtSum(seed string) []byte {
	return ed25519.GenPrivKeyFromSecret([]byte(seed))[:32]
}

// Balance is what each genesis account holds: 1,000,000 hemi.
var Balance = sdkmath.NewIntWithDecimal(1_000_000, params.BaseDenomDecimals)

// SelfBond is each validator's bonded stake: 1,000 hemi (voting power 1000).
var SelfBond = sdkmath.NewIntWithDecimal(1_000, params.BaseDenomDecimals)

// genesisState is hemid's default genesis with the accounts funded and the validators bonded.
func (c *Chain) genesisState() map[string]json.RawMessage {
	a := c.App()
	cdc := a.AppCodec()
	state := a.DefaultGenesis()

	everyone := append(append([]*Account{}, c.Validators...), c.Accounts...)
	var accounts []authtypes.GenesisAccount
	var balances []banktypes.Balance
	supply := sdk.NewCoins()
	for _, acc := range everyone {
		accounts = append(accounts, authtypes.NewBaseAccount(acc.Address, nil, 0, 0))
		coins := sdk.NewCoins(sdk.NewCoin(params.BaseDenom, Balance))
		balances = append(balances, banktypes.Balance{Address: acc.String(), Coins: coins})
		supply = supply.Add(coins...)
	}
	var auth authtypes.GenesisState
	cdc.MustUnmarshalJSON(state[authtypes.ModuleName], &auth)
	packed, err := authtypes.PackAccounts(accounts)
	if err != nil {
		c.t.Fatal(err)
	}
	auth.Accounts = packed
	state[authtypes.ModuleName] = cdc.MustMarshalJSON(&auth)

	var staking stakingtypes.GenesisState
	cdc.MustUnmarshalJSON(state[stakingtypes.ModuleName], &staking)
	for i, key := range c.consKeys {
		pk, err := cryptocodec.FromCmtPubKeyInterface(key.PubKey())
		if err != nil {
			c.t.Fatal(err)
		}
		pkAny, err := codectypes.NewAnyWithValue(pk)
		if err != nil {
			c.t.Fatal(err)
		}
		operator := sdk.ValAddress(c.Validators[i].Address).String()
		staking.Validators = append(staking.Validators, stakingtypes.Validator{
			OperatorAddress:   operator,
			ConsensusPubkey:   pkAny,
			Status:            stakingtypes.Bonded,
			Tokens:            SelfBond,
			DelegatorShares:   sdkmath.LegacyNewDecFromInt(SelfBond),
			Description:       stakingtypes.Description{Moniker: fmt.Sprintf("val%d", i)},
			UnbondingTime:     time.Unix(0, 0).UTC(),
			Commission:        stakingtypes.NewCommission(sdkmath.LegacyZeroDec(), sdkmath.LegacyOneDec(), sdkmath.LegacyZeroDec()),
			MinSelfDelegation: sdkmath.OneInt(),
		})
		staking.Delegations = append(staking.Delegations, stakingtypes.NewDelegation(
			c.Validators[i].String(), operator, sdkmath.LegacyNewDecFromInt(SelfBond)))
		bond := sdk.NewCoin(params.BaseDenom, SelfBond)
		supply = supply.Add(bond)
		balances = append(balances, banktypes.Balance{
			Address: authtypes.NewModuleAddress(stakingtypes.BondedPoolName).String(),
			Coins:   sdk.NewCoins(bond),
		})
	}
	state[stakingtypes.ModuleName] = cdc.MustMarshalJSON(&staking)

	var bank banktypes.GenesisState
	cdc.MustUnmarshalJSON(state[banktypes.ModuleName], &bank)
	bank.Balances = banktypes.SanitizeGenesisBalances(balances)
	bank.Supply = supply
	state[banktypes.ModuleName] = cdc.MustMarshalJSON(&bank)
	return state
}

// App is the instance under test (its shadow executes the same blocks).
func (c *Chain) App() *app.App { return c.apps[0] }

// Shadow is the second instance.
func (c *Chain) Shadow() *app.App { return c.apps[1] }

// Height is the last committed height.
func (c *Chain) Height() int64 { return c.height }

// Context is a read-only context on the instance's committed state.
func (c *Chain) Context() sdk.Context {
	return c.contextOf(c.App())
}

func (c *Chain) contextOf(a *app.App) sdk.Context {
	return a.NewUncachedContext(false, cmtproto.Header{ChainID: ChainID, Height: c.height, Time: c.blockTime(c.height)}).
		WithConsensusParams(c.Consensus)
}

func (c *Chain) blockTime(h int64) time.Time {
	return c.genesis.Add(time.Duration(h) * BlockInterval)
}

// SignTx returns the encoded tx of msgs signed by acc (SIGN_MODE_DIRECT) with gas limit gas (0
// means DefaultGas) and a fee of GasPrice per gas; acc's sequence advances.
func (c *Chain) SignTx(acc *Account, gas uint64, msgs ...sdk.Msg) []byte {
	c.t.Helper()
	if gas == 0 {
		gas = DefaultGas
	}
	txConfig := c.App().TxConfig()
	b := txConfig.NewTxBuilder()
	if err := b.SetMsgs(msgs...); err != nil {
		c.t.Fatal(err)
	}
	b.SetGasLimit(gas)
	b.SetFeeAmount(sdk.NewCoins(sdk.NewCoin(params.BaseDenom, GasPrice.MulRaw(int64(gas)))))
	pub := acc.Key.PubKey()
	// First the signer info with an empty signature (it is part of the signed bytes), then the signature.
	if err := b.SetSignatures(signing.SignatureV2{
		PubKey: pub, Data: &signing.SingleSignatureData{SignMode: signing.SignMode_SIGN_MODE_DIRECT}, Sequence: acc.Sequence,
	}); err != nil {
		c.t.Fatal(err)
	}
	signerData := authsigning.SignerData{
		Address: acc.String(), ChainID: ChainID, AccountNumber: acc.Number, Sequence: acc.Sequence, PubKey: pub,
	}
	sig, err := clienttx.SignWithPrivKey(context.Background(), signing.SignMode_SIGN_MODE_DIRECT, signerData, b, acc.Key, txConfig, acc.Sequence)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := b.SetSignatures(sig); err != nil {
		c.t.Fatal(err)
	}
	bz, err := txConfig.TxEncoder()(b.GetTx())
	if err != nil {
		c.t.Fatal(err)
	}
	acc.Sequence++
	return bz
}

// NextBlock submits txs through CheckTx, lets the instance under test build the proposal from its
// mempool (PrepareProposal), requires both instances to accept it (ProcessProposal), and
// finalizes and commits it on both. Every tx must pass CheckTx and be in the proposal. It
// returns the block's result (identical on both instances).
func (c *Chain) NextBlock(txs ...[]byte) *abci.ResponseFinalizeBlock {
	c.t.Helper()
	for i, tx := range txs {
		res, err := c.App().CheckTx(&abci.RequestCheckTx{Tx: tx, Type: abci.CheckTxType_New})
		if err != nil {
			c.t.Fatalf("CheckTx of tx %d: %v", i, err)
		}
		if res.Code != 0 {
			c.t.Fatalf("CheckTx of tx %d: code %d (%s): %s", i, res.Code, res.Codespace, res.Log)
		}
	}
	h := c.height + 1
	prepared, err := c.App().PrepareProposal(&abci.RequestPrepareProposal{
		MaxTxBytes:      c.MaxTxBytes(),
		Txs:             txs,
		Height:          h,
		Time:            c.blockTime(h),
		ProposerAddress: c.proposer(),
	})
	if err != nil {
		c.t.Fatalf("PrepareProposal at height %d: %v", h, err)
	}
	if !sameTxSet(prepared.Txs, txs) {
		c.t.Fatalf("PrepareProposal at height %d chose %d txs, want the %d submitted", h, len(prepared.Txs), len(txs))
	}
	for i, a := range c.apps {
		if status := c.processProposal(a, prepared.Txs); status != abci.ResponseProcessProposal_ACCEPT {
			c.t.Fatalf("instance %d rejected the proposal it was given at height %d", i, h)
		}
	}
	return c.finalize(prepared.Txs)
}

// FinalizeTxs finalizes and commits a block of exactly txs on both instances, without the mempool
// and proposal steps (for txs meant to fail in the block).
func (c *Chain) FinalizeTxs(txs ...[]byte) *abci.ResponseFinalizeBlock {
	c.t.Helper()
	return c.finalize(txs)
}

// ProcessProposal asks the instance under test whether it accepts a proposal of txs at the next
// height.
func (c *Chain) ProcessProposal(txs ...[]byte) abci.ResponseProcessProposal_ProposalStatus {
	return c.processProposal(c.App(), txs)
}

// PrepareProposal asks the instance under test to build the next block's proposal from its
// mempool (txs already passed CheckTx); it does not finalize it.
func (c *Chain) PrepareProposal(maxTxBytes int64) [][]byte {
	c.t.Helper()
	h := c.height + 1
	res, err := c.App().PrepareProposal(&abci.RequestPrepareProposal{
		MaxTxBytes: maxTxBytes, Height: h, Time: c.blockTime(h), ProposerAddress: c.proposer(),
	})
	if err != nil {
		c.t.Fatalf("PrepareProposal at height %d: %v", h, err)
	}
	return res.Txs
}

// CheckTx submits a tx to the instance under test's mempool.
func (c *Chain) CheckTx(tx []byte) *abci.ResponseCheckTx {
	c.t.Helper()
	res, err := c.App().CheckTx(&abci.RequestCheckTx{Tx: tx, Type: abci.CheckTxType_New})
	if err != nil {
		c.t.Fatalf("CheckTx: %v", err)
	}
	return res
}

// MaxTxBytes is what CometBFT would offer PrepareProposal under the chain's max_bytes.
func (c *Chain) MaxTxBytes() int64 {
	return cmttypes.MaxDataBytesNoEvidence(c.Consensus.Block.MaxBytes, len(c.consKeys))
}

func (c *Chain) processProposal(a *app.App, txs [][]byte) abci.ResponseProcessProposal_ProposalStatus {
	c.t.Helper()
	h := c.height + 1
	res, err := a.ProcessProposal(&abci.RequestProcessProposal{
		Txs: txs, Height: h, Time: c.blockTime(h), ProposerAddress: c.proposer(), Hash: blockHash(h, txs),
	})
	if err != nil {
		c.t.Fatalf("ProcessProposal at height %d: %v", h, err)
	}
	return res.Status
}

func (c *Chain) finalize(txs [][]byte) *abci.ResponseFinalizeBlock {
	c.t.Helper()
	h := c.height + 1
	req := &abci.RequestFinalizeBlock{
		Txs: txs, Height: h, Time: c.blockTime(h), ProposerAddress: c.proposer(), Hash: blockHash(h, txs),
	}
	var results [2]*abci.ResponseFinalizeBlock
	for i, a := range c.apps {
		res, err := a.FinalizeBlock(req)
		if err != nil {
			c.t.Fatalf("FinalizeBlock at height %d on instance %d: %v", h, i, err)
		}
		results[i] = res
	}
	if !bytes.Equal(results[0].AppHash, results[1].AppHash) {
		c.t.Fatalf("app hash diverged at height %d: %X on the instance under test, %X on its shadow",
			h, results[0].AppHash, results[1].AppHash)
	}
	for i := range results[0].TxResults {
		r0, r1 := results[0].TxResults[i], results[1].TxResults[i]
		if r0.Code != r1.Code || r0.GasUsed != r1.GasUsed || !bytes.Equal(r0.Data, r1.Data) {
			c.t.Fatalf("tx %d at height %d diverged: code %d gas %d on one instance, code %d gas %d on the other",
				i, h, r0.Code, r0.GasUsed, r1.Code, r1.GasUsed)
		}
	}
	for i, a := range c.apps {
		if _, err := a.Commit(); err != nil {
			c.t.Fatalf("Commit at height %d on instance %d: %v", h, i, err)
		}
	}
	c.height = h
	return results[0]
}

// blockHash stands in for CometBFT's block hash: the app's optimistic execution, started by
// ProcessProposal, is used by FinalizeBlock only for the block of the same hash.
func blockHash(h int64, txs [][]byte) []byte {
	d := sha256.New()
	_ = binary.Write(d, binary.BigEndian, h)
	for _, tx := range txs {
		_ = binary.Write(d, binary.BigEndian, uint64(len(tx)))
		d.Write(tx)
	}
	return d.Sum(nil)
}

func (c *Chain) proposer() []byte {
	return c.consKeys[int(c.height)%len(c.consKeys)].PubKey().Address()
}

// RequireTxOK fails unless tx i of a block succeeded.
func RequireTxOK(t testing.TB, res *abci.ResponseFinalizeBlock, i int) {
	t.Helper()
	if i >= len(res.TxResults) {
		t.Fatalf("block has %d tx results, want tx %d", len(res.TxResults), i)
	}
	if r := res.TxResults[i]; r.Code != 0 {
		t.Fatalf("tx %d failed: code %d (%s): %s", i, r.Code, r.Codespace, r.Log)
	}
}

func sameTxSet(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	seen := make(map[string]int, len(a))
	for _, tx := range a {
		seen[string(tx)]++
	}
	for _, tx := range b {
		seen[string(tx)]--
		if seen[string(tx)] < 0 {
			return false
		}
	}
	return true
}
