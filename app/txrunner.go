package app

import (
	"context"
	"slices"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	vmrunner "github.com/cosmos/evm/x/vm/runner"

	"cosmossdk.io/log/v2"

	"github.com/cosmos/cosmos-sdk/baseapp/blockexec"
	"github.com/cosmos/cosmos-sdk/baseapp/txnrunner"
	serverconfig "github.com/cosmos/cosmos-sdk/server/config"
	servertypes "github.com/cosmos/cosmos-sdk/server/types"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
)

// setTxRunner installs the runner of a block's transactions from app.toml's block-executor:
// Block-STM unless it says "sequential". Block-STM executes the transactions optimistically on
// block-stm-workers goroutines (0: one per CPU) over a multi-version view of every store in
// storeKeys, re-executes a transaction whose reads a lower-indexed one overwrote, and commits the
// writes in block order; the results and the app hash are those of sequential execution, so the
// executor, the worker count and block-stm-pre-estimate (which only marks each tx's fee payer
// account and balance as about to be written, for scheduling) are node-local choices. Either
// runner is wrapped so that a block item that is not a transaction gets the same result from both
// (decodeFirst), and so that the EVM fixes up log indexes across the block's txs.
func (app *App) setTxRunner(appOpts servertypes.AppOptions, txDecoder sdk.TxDecoder) {
	blockexec.Apply(app.BaseApp, appOpts, app.storeKeys, txDecoder, app.feeDenom,
		blockexec.WithDefaultExecutor(serverconfig.BlockExecutorBlockSTM),
		blockexec.WithDefaultPreEstimate(true),
		blockexec.WithRunnerWrap(func(r sdk.TxRunner) sdk.TxRunner {
			_, app.parallel = r.(*txnrunner.STMRunner)
			return vmrunner.Wrap(decodeFirst{inner: r, decode: txDecoder})
		}))
}

// decodeFirst gives a block item that does not decode as a transaction (the injected Bitcoin
// entry, which PreBlocker applied, or a malformed tx) the sequential runner's result under any
// runner: ErrTxDecode with no gas. The SDK's sequential runner answers so without executing the
// item; Block-STM executes it, and the failed tx is charged the gas of reading the consensus
// params, which the block's gas used, and so x/feemarket's state, would differ by.
type decodeFirst struct {
	inner  sdk.TxRunner
	decode sdk.TxDecoder
}

func (r decodeFirst) Run(ctx context.Context, ms storetypes.MultiStore, txs [][]byte, deliverTx sdk.DeliverTxFunc) ([]*abci.ExecTxResult, error) {
	return r.inner.Run(ctx, ms, txs, func(tx []byte, memTx sdk.Tx, txMS storetypes.MultiStore, i int, cache map[string]any) *abci.ExecTxResult {
		if memTx == nil {
			decoded, err := r.decode(tx)
			if err != nil {
				return sdkerrors.ResponseExecTxResultWithEvents(sdkerrors.ErrTxDecode, 0, 0, nil, false)
			}
			memTx = decoded
		}
		return deliverTx(tx, memTx, txMS, i, cache)
	})
}

// feeDenom is the EVM's coin on the block's state, the denomination in which transactions pay
// fees (for Block-STM's pre-estimation).
func (app *App) feeDenom(ms storetypes.MultiStore) string {
	return app.EVMKeeper.GetParams(sdk.NewContext(ms, cmtproto.Header{}, false, log.NewNopLogger())).EvmDenom
}

// ParallelExecution reports whether the block's transactions run on the Block-STM runner.
func (app *App) ParallelExecution() bool { return app.parallel }

// ExecutionStoreKeys are every store a transaction may touch, which the EVM's state snapshots
// cover and Block-STM keeps multi-version views of: all the app's KV and object stores.
func (app *App) ExecutionStoreKeys() []storetypes.StoreKey { return slices.Clone(app.storeKeys) }
