package app

import (
	abci "github.com/cometbft/cometbft/abci/types"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// ProcessProposalHandler exposes the handler to the tests, without the BaseApp's panic recovery
// in front of it, so a fuzz target sees a panic.
func (app *App) ProcessProposalHandler(ctx sdk.Context, req *abci.RequestProcessProposal) (*abci.ResponseProcessProposal, error) {
	return app.processProposal(ctx, req)
}
