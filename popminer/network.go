package popminer

import (
	"context"
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/hemi-appchain/hemi/bitcoin"
)

// BitcoinChain is the Bitcoin chain x/btclc follows.
type BitcoinChain struct {
	// Network is x/btclc's network (its genesis parameter): mainnet, testnet3, ...
	Network string
	// BaseHeight and BaseHash are x/btclc's oldest header, the chain's trusted checkpoint.
	BaseHeight int64
	BaseHash   chainhash.Hash
}

// CheckNetwork returns the parameters of the Bitcoin network x/btclc follows, after checking that
// the miner's --network (flag, empty when not given) and its Bitcoin node are on it. A miner on
// another network would pay for publications x/pop can never accept (their blocks are not in
// x/btclc), with coins and addresses of the wrong network.
func CheckNetwork(ctx context.Context, hemi Hemi, btc BitcoinNode, flag string) (*bitcoin.Params, error) {
	chain, err := hemi.BitcoinChain(ctx)
	if err != nil {
		return nil, err
	}
	params, err := bitcoin.NetworkByName(chain.Network)
	if err != nil {
		return nil, fmt.Errorf("x/btclc follows Bitcoin network %q, which this miner does not know: %w", chain.Network, err)
	}
	if flag != "" && flag != chain.Network {
		return nil, fmt.Errorf("--network is %s, but hemid's x/btclc follows Bitcoin %s: start the miner with --network %s "+
			"(or leave it out), or point --hemid-grpc at a chain that follows %s", flag, chain.Network, chain.Network, flag)
	}
	genesis, err := btc.GetBlockHash(ctx, 0)
	if err != nil {
		return nil, fmt.Errorf("bitcoin node: genesis block: %w", err)
	}
	if want := *params.Chain.GenesisHash; genesis != want {
		return nil, fmt.Errorf("the Bitcoin node's genesis block is %s, %s's is %s: point --btc-rpc at a %s node",
			genesis, chain.Network, want, chain.Network)
	}
	// Two regtest (or signet) chains share a genesis: the node must also hold x/btclc's base
	// header, once it has synced that far.
	tip, err := btc.GetBlockCount(ctx)
	if err != nil {
		return nil, fmt.Errorf("bitcoin node: %w", err)
	}
	if tip >= chain.BaseHeight {
		hash, err := btc.GetBlockHash(ctx, chain.BaseHeight)
		if err != nil {
			return nil, fmt.Errorf("bitcoin node: block at x/btclc's base height %d: %w", chain.BaseHeight, err)
		}
		if hash != chain.BaseHash {
			return nil, fmt.Errorf("the Bitcoin node's block at height %d is %s, x/btclc's base header there is %s: "+
				"the node is on another %s chain than hemid; point --btc-rpc at a node of hemid's chain",
				chain.BaseHeight, hash, chain.BaseHash, chain.Network)
		}
	}
	return params, nil
}
