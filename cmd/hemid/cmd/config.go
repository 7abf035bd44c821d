package cmd

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	cmtcfg "github.com/cometbft/cometbft/config"

	evmserverconfig "github.com/cosmos/evm/server/config"
	srvflags "github.com/cosmos/evm/server/flags"

	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/server"
	serverconfig "github.com/cosmos/cosmos-sdk/server/config"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"

	"github.com/hemi-appchain/hemi/app/params"
	"github.com/hemi-appchain/hemi/watcher"
)

// appConfig is app.toml: the SDK's sections plus cosmos/evm's [evm], [json-rpc] and [tls].
type appConfig struct {
	serverconfig.Config `mapstructure:",squash"`

	EVM     evmserverconfig.EVMConfig     `mapstructure:"evm"`
	JSONRPC evmserverconfig.JSONRPCConfig `mapstructure:"json-rpc"`
	TLS     evmserverconfig.TLSConfig     `mapstructure:"tls"`
	Bitcoin watcher.Config                `mapstructure:"bitcoin"`
}

const appConfigTemplate = serverconfig.DefaultConfigTemplate + evmserverconfig.DefaultEVMConfigTemplate + watcher.ConfigTemplate

// defaultAppConfig is what `hemid init` writes to app.toml. evmChainID is the id derived from the
// chain id given to init, or cosmos/evm's placeholder when init got none.
func defaultAppConfig(evmChainID uint64) appConfig {
	srv := serverconfig.DefaultConfig()
	// A node that accepts zero-fee transactions is a spam target; 0 is the floor and the EVM
	// fee market sets the real price.
	srv.MinGasPrices = "0" + params.BaseDenom
	srv.BlockExecutor, srv.BlockSTMPreEstimate = serverconfig.BlockExecutorBlockSTM, true // app/txrunner.go
	evm := evmserverconfig.DefaultEVMConfig()
	evm.EVMChainID = evmChainID
	return appConfig{
		Config:  *srv,
		EVM:     *evm,
		JSONRPC: *evmserverconfig.DefaultJSONRPCConfig(),
		TLS:     *evmserverconfig.DefaultTLSConfig(),
		Bitcoin: watcher.DefaultConfig(),
	}
}

// defaultCometConfig is what `hemid init` writes to config.toml.
func defaultCometConfig() *cmtcfg.Config {
	cfg := cmtcfg.DefaultConfig()
	// The EVM mempool lives in the app; CometBFT only gossips.
	cfg.Mempool.Type = cmtcfg.MempoolTypeApp
	// 2 s blocks, like the design's keystone arithmetic assumes.
	cfg.Consensus.TimeoutCommit = 2 * time.Second
	return cfg
}

// evmChainIDForInit returns the EVM chain id to write into app.toml: derived from --chain-id when
// the command has one (init), else cosmos/evm's placeholder, which `start` replaces.
func evmChainIDForInit(cmd *cobra.Command) uint64 {
	if f := cmd.Flags().Lookup(flags.FlagChainID); f != nil && f.Value.String() != "" {
		if id, err := params.EVMChainID(f.Value.String()); err == nil {
			return id
		}
	}
	return evmserverconfig.DefaultEVMChainID
}

// pinEVMChainID runs before `start`. It reads the chain id from the genesis file, derives the EVM
// chain id from it, and makes the node's config agree, so the JSON-RPC server and the state
// machine use the same id. A configured id that differs is an error, not something to override
// silently: the operator may have pointed the node at the wrong genesis.
func pinEVMChainID(cmd *cobra.Command) error {
	serverCtx := server.GetServerContextFromCmd(cmd)
	genesisFile := filepath.Join(serverCtx.Config.RootDir, serverCtx.Config.Genesis)
	genesis, err := genutiltypes.AppGenesisFromFile(genesisFile)
	if err != nil {
		return fmt.Errorf("reading the chain id from %s: %w", genesisFile, err)
	}
	evmChainID, err := params.EVMChainID(genesis.ChainID)
	if err != nil {
		return err
	}
	configured := serverCtx.Viper.GetUint64(srvflags.EVMChainID)
	if configured != evmChainID && configured != evmserverconfig.DefaultEVMChainID {
		return fmt.Errorf("evm.evm-chain-id is %d in app.toml (or --%s), but chain %s has EVM chain id %d: "+
			"set it to %d or remove it", configured, srvflags.EVMChainID, genesis.ChainID, evmChainID, evmChainID)
	}
	serverCtx.Viper.Set(srvflags.EVMChainID, evmChainID)
	serverCtx.Viper.Set(flags.FlagChainID, genesis.ChainID)
	return nil
}
