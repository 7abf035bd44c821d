package app

import (
	evmmempool "github.com/cosmos/evm/mempool"
	evmserver "github.com/cosmos/evm/server"

	"cosmossdk.io/log/v2"

	"github.com/cosmos/cosmos-sdk/baseapp"
	servertypes "github.com/cosmos/cosmos-sdk/server/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkmempool "github.com/cosmos/cosmos-sdk/types/mempool"
)

// configureEVMMempool installs cosmos/evm's mempool, which orders Ethereum transactions by nonce
// and fee like geth's txpool and keeps Cosmos transactions beside them. CometBFT must run with
// mempool.type = "app" for it (hemid's config defaults set that).
func (app *App) configureEVMMempool(appOpts servertypes.AppOptions, logger log.Logger) error {
	mpConfig := evmserver.ResolveMempoolConfig(app.AnteHandler(), appOpts, logger)
	cosmosPoolMaxTx := evmserver.GetCosmosPoolMaxTx(appOpts, logger)
	if cosmosPoolMaxTx < 0 {
		logger.Info("EVM mempool disabled by configuration (cosmos pool max-txs < 0)")
		// BaseApp's own proposal handler over its no-op mempool, with the injected entry first.
		proposals := baseapp.NewDefaultProposalHandler(sdkmempool.NoOpMempool{}, app.BaseApp)
		app.SetPrepareProposal(app.withInjectedEntry(proposals.PrepareProposalHandler()))
		return nil
	}
	if err := evmserver.ValidateReapBounds(appOpts, mpConfig.BlockGasLimit); err != nil {
		return err
	}

	txEncoder := evmmempool.NewTxEncoder(app.txConfig)
	mempool := evmmempool.NewMempool(
		app.CreateQueryContext, logger, app.EVMKeeper, app.FeeMarketKeeper, app.txConfig,
		evmmempool.NewTxRechecker(mpConfig.AnteHandler, txEncoder),
		evmmempool.NewTxRechecker(mpConfig.AnteHandler, txEncoder),
		mpConfig, cosmosPoolMaxTx,
	)
	app.EVMMempool = mempool

	// Transactions in the mempool were checked on insertion and are rechecked after every block,
	// so proposal building only needs to encode them. The selector keeps a proposal within the
	// limits that processProposal (proposal.go) enforces.
	proposals := baseapp.NewDefaultProposalHandler(mempool, encodeOnlyVerifier{app.BaseApp})
	proposals.SetTxSelector(&limitSelector{})
	app.SetPrepareProposal(app.withInjectedEntry(proposals.PrepareProposalHandler()))
	app.SetInsertTxHandler(mempool.NewInsertTxHandler(app.TxDecode))
	app.SetReapTxsHandler(mempool.NewReapTxsHandler())
	app.SetCheckTxHandler(mempool.NewCheckTxHandler(app.TxDecode, evmserver.GetMempoolCheckTxTimeout(appOpts, logger)))
	app.SetMempool(mempool)
	app.SetPrepareCheckStater(func(sdk.Context) {
		if !mempool.HasEventBus() {
			mempool.NotifyNewBlock()
		}
	})
	return nil
}

// encodeOnlyVerifier skips re-running the ante handler while building a proposal.
type encodeOnlyVerifier struct{ *baseapp.BaseApp }

func (v encodeOnlyVerifier) PrepareProposalVerifyTx(tx sdk.Tx) ([]byte, error) { return v.TxEncode(tx) }
