package app_test

import (
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	ethcrypto "github.com/ethereum/go-ethereum/crypto"

	abci "github.com/cometbft/cometbft/abci/types"

	sdkmath "cosmossdk.io/math"

	sdkserver "github.com/cosmos/cosmos-sdk/server"
	serverconfig "github.com/cosmos/cosmos-sdk/server/config"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/hemi-appchain/hemi/app/params"
	"github.com/hemi-appchain/hemi/contracts"
	"github.com/hemi-appchain/hemi/testutil/apptest"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	"github.com/hemi-appchain/hemi/x/hvm/precompiles/ibitcoin"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
)

// TestBlockSTMMatchesSequential: blocks whose transactions conflict, run on the Block-STM runner
// and on the sequential one (and on Block-STM with different worker counts and pre-estimation
// settings), give the same app hash and the same tx results (code, gas, data) every block. The
// blocks mix Cosmos and EVM transactions of the same senders, bank sends and EVM native transfers
// to the same recipient, contract calls that write the same storage slot, a MsgInsertHeaders
// followed in the same block by contract calls that read the new tip through the IBitcoin
// precompile, a direct IBitcoin call, a MsgSubmitPoPProof of a publication in a header of that
// same block, a second proof of it that must fail, and a contract call that reads the keystone
// the proof anchored, and bytes that are not a transaction. The final state is checked too: block
// order, not execution order, decided it. (The harness's other tests run the instance under test
// on Block-STM and its shadow sequentially as well: the injected-entry tests in inject_test.go are
// what showed an item that does not decode costing gas under Block-STM only, see decodeFirst.)
func TestBlockSTMMatchesSequential(t *testing.T) {
	stm := func(workers int, preEstimate bool) map[string]any {
		return map[string]any{
			sdkserver.FlagBlockExecutor:       serverconfig.BlockExecutorBlockSTM,
			sdkserver.FlagBlockSTMWorkers:     workers,
			sdkserver.FlagBlockSTMPreEstimate: preEstimate,
		}
	}
	sequential := map[string]any{sdkserver.FlagBlockExecutor: serverconfig.BlockExecutorSequential}
	for _, tc := range []struct {
		name     string
		opts     [2]map[string]any
		parallel [2]bool
	}{
		{"block-stm against sequential", [2]map[string]any{stm(8, true), sequential}, [2]bool{true, false}},
		{"block-stm with 2 and with 16 workers", [2]map[string]any{stm(2, false), stm(16, true)}, [2]bool{true, true}},
		{"harness default", [2]map[string]any{}, [2]bool{true, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := apptest.New(t, apptest.Options{Accounts: 6, Genesis: shortKeystoneInterval, AppOptions: tc.opts})
			for i, a := range []interface{ ParallelExecution() bool }{c.App(), c.Shadow()} {
				if got := a.ParallelExecution(); got != tc.parallel[i] {
					t.Fatalf("instance %d runs Block-STM: %v, want %v", i, got, tc.parallel[i])
				}
			}
			runConflictingBlocks(t, c)
		})
	}
}

func runConflictingBlocks(t *testing.T, c *apptest.Chain) {
	t.Helper()
	a := c.Accounts
	counterABI, probeABI := parseABI(t, contracts.CounterABI), parseABI(t, contracts.BitcoinProbeABI)
	pack := func(x abi.ABI, method string, args ...any) []byte {
		t.Helper()
		data, err := x.Pack(method, args...)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	call := func(from *apptest.Account, to common.Address, data []byte) []byte {
		return c.SignEthTx(from, &to, data, 1_000_000)
	}
	transfer := func(from, to *apptest.Account, wei int64) []byte {
		recipient := to.EthAddress()
		return c.SignEthTxValue(from, &recipient, big.NewInt(wei), nil, 21_000)
	}
	send := func(from, to *apptest.Account, amount int64) []byte {
		coins := sdk.NewCoins(sdk.NewCoin(params.BaseDenom, sdkmath.NewInt(amount)))
		return c.SignTx(from, 0, banktypes.NewMsgSend(from.Address, to.Address, coins))
	}
	readUint := func(x abi.ABI, to common.Address, method string) uint64 {
		t.Helper()
		res, err := c.EthCall(to, pack(x, method))
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		if res.VmError != "" {
			t.Fatalf("%s: %s", method, res.VmError)
		}
		return new(big.Int).SetBytes(res.Ret).Uint64()
	}

	// Block 2: the contracts, straight into a block (the EVM mempool promotes asynchronously);
	// x/pop records keystone 2 at its end.
	counter := ethcrypto.CreateAddress(a[0].EthAddress(), a[0].Sequence)
	deployCounter := c.SignEthTx(a[0], nil, append(contracts.CounterBytecode(), common.LeftPadBytes(nil, 32)...), 2_000_000)
	probe := ethcrypto.CreateAddress(a[0].EthAddress(), a[0].Sequence)
	deployProbe := c.SignEthTx(a[0], nil, contracts.BitcoinProbeBytecode(), 2_000_000)
	requireAllOK(t, c.FinalizeTxs(deployCounter, deployProbe))

	// A regtest block holding a signed spend that publishes keystone 2, and four blocks on it.
	mined := minePublication(t, c)
	above := datagen.RegtestChain(t, *mined.Header(), 4, 1)
	spend := mined.Spends[0]
	proof := func(submitter *apptest.Account) []byte {
		p := spend.SpendingProof
		return c.SignTx(submitter, 0, poptypes.NewMsgSubmitPoPProof(submitter.String(),
			p.RawTx, mined.Block.BlockHash(), p.Index, p.Siblings, spend.FundingProof.RawTx))
	}
	headers := func(relayer *apptest.Account, hs ...[]byte) []byte {
		return c.SignTx(relayer, 0, btclctypes.NewMsgInsertHeaders(relayer.String(), hs))
	}

	// Block 3.
	res := c.FinalizeTxs(
		send(a[1], a[5], 1000),  // 0: bank sends to one recipient,
		send(a[2], a[5], 2000),  // 1:
		send(a[1], a[4], 3000),  // 2: and two from one sender
		transfer(a[3], a[5], 7), // 3: EVM transfers to the same recipient,
		transfer(a[3], a[4], 8), // 4: from one sender
		headers(a[0], append([][]byte{mined.RawHeader}, datagen.SerializeHeaders(above[:2])...)...), // 5: Bitcoin tip 3
		call(a[1], counter, pack(counterABI, "increment", big.NewInt(1))),                           // 6: one slot, after a[1]'s bank sends
		call(a[2], counter, pack(counterABI, "increment", big.NewInt(2))),                           // 7:
		call(a[4], probe, pack(probeABI, "probeTip")),                                               // 8: reads tx 5's tip, writes one slot
		call(a[5], probe, pack(probeABI, "probeTip")),                                               // 9:
		proof(a[4]), // 10: proves a spend in tx 5's header
		proof(a[5]), // 11: the same publication again: fails
		call(a[3], ibitcoin.Address, pack(ibitcoin.ABI, ibitcoin.MethodTip)),                       // 12
		call(a[0], probe, pack(probeABI, "probeKeystone", uint64(keystoneInterval))),               // 13: reads tx 10's anchoring
		call(a[1], counter, pack(counterABI, "increment", big.NewInt(4))),                          // 14
		call(a[2], ibitcoin.Address, pack(ibitcoin.ABI, ibitcoin.MethodHeaderByHeight, uint64(3))), // 15: tx 5's last header
	)
	requireAllOKBut(t, res, map[int]uint32{11: poptypes.ErrDuplicatePublication.ABCICode()})
	if got := readUint(counterABI, counter, "count"); got != 7 {
		t.Fatalf("counter is %d after block 3, want 7", got)
	}
	if got := readUint(probeABI, probe, "lastTipHeight"); got != 3 {
		t.Fatalf("the probe read tip height %d in block 3, want 3 (the tip tx 5 made)", got)
	}
	pub, err := c.App().PoPKeeper.Publications.Get(c.Context(), spend.Spending.TxHash())
	if err != nil {
		t.Fatalf("the publication is not recorded: %v", err)
	}
	if pub.Submitter != a[4].String() {
		t.Fatalf("the publication is recorded as submitted by %s, want %s (tx 10, before tx 11)", pub.Submitter, a[4])
	}

	// Block 4: every account writes the counter; sends and transfers cross between the same
	// accounts; the tip moves again and is read after.
	res = c.FinalizeTxs(
		call(a[5], counter, pack(counterABI, "increment", big.NewInt(10))),
		send(a[5], a[0], 1),
		transfer(a[0], a[5], 2),
		call(a[4], counter, pack(counterABI, "increment", big.NewInt(20))),
		headers(a[3], datagen.SerializeHeaders(above[2:])...), // Bitcoin tip 5
		transfer(a[5], a[0], 3),
		call(a[3], counter, pack(counterABI, "increment", big.NewInt(30))),
		send(a[4], a[5], 4),
		call(a[2], probe, pack(probeABI, "probeTip")),
		call(a[1], counter, pack(counterABI, "increment", big.NewInt(40))),
		call(a[0], counter, pack(counterABI, "increment", big.NewInt(50))),
		send(a[0], a[1], 5),
		call(a[5], probe, pack(probeABI, "probeKeystone", uint64(keystoneInterval))),
		[]byte("not a transaction"), // the sequential runner's answer under every runner: no gas
	)
	requireAllOKBut(t, res, map[int]uint32{13: sdkerrors.ErrTxDecode.ABCICode()})
	if gas := res.TxResults[13].GasUsed; gas != 0 {
		t.Fatalf("the item that is not a transaction used %d gas, want 0", gas)
	}
	if got := readUint(counterABI, counter, "count"); got != 157 {
		t.Fatalf("counter is %d after block 4, want 157", got)
	}
	if got := readUint(probeABI, probe, "lastTipHeight"); got != 5 {
		t.Fatalf("the probe read tip height %d in block 4, want 5", got)
	}
	// End-of-block work over the new state (rewards, finality, base fee) still agrees.
	for range 3 {
		c.NextBlock()
	}
}

func parseABI(t *testing.T, js string) abi.ABI {
	t.Helper()
	x, err := abi.JSON(strings.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func requireAllOK(t *testing.T, res *abci.ResponseFinalizeBlock) {
	t.Helper()
	requireAllOKBut(t, res, nil)
}

// requireAllOKBut fails unless every tx of the block succeeded, except those in failing, which
// must fail with the given code.
func requireAllOKBut(t *testing.T, res *abci.ResponseFinalizeBlock, failing map[int]uint32) {
	t.Helper()
	for i, r := range res.TxResults {
		want, fails := failing[i]
		switch {
		case !fails:
			apptest.RequireTxOK(t, res, i)
		case r.Code != want:
			t.Fatalf("tx %d: code %d (%s): %s, want code %d", i, r.Code, r.Codespace, r.Log, want)
		}
	}
}
