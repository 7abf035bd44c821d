// Package hemiclient is what hemi's daemons (relayer, popminer) use to talk to a hemid node: gRPC
// queries, and transactions signed with a key from a hemid keyring and broadcast over gRPC.
package hemiclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/cosmos/evm/crypto/hd"
	evmencoding "github.com/cosmos/evm/encoding"
	feemarkettypes "github.com/cosmos/evm/x/feemarket/types"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/grpc/cmtservice"
	clienttx "github.com/cosmos/cosmos-sdk/client/tx"
	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	sdk "github.com/cosmos/cosmos-sdk/types"
	txtypes "github.com/cosmos/cosmos-sdk/types/tx"
	"github.com/cosmos/cosmos-sdk/types/tx/signing"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	consensustypes "github.com/cosmos/cosmos-sdk/x/consensus/types"

	"github.com/hemi-appchain/hemi/app/params"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	inboxtypes "github.com/hemi-appchain/hemi/x/inbox/types"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
)

// Config says which node to use and which key signs.
type Config struct {
	GRPCAddress    string // host:port of the node's gRPC server
	ChainID        string // the chain id; the EVM chain id is derived from it
	KeyringDir     string // the directory holding the keyring (usually the hemid home)
	KeyringBackend string // os, file or test
	KeyName        string // the signing key's name in the keyring
	// GasAdjustment multiplies the simulated gas (default 1.5: execution in a block may touch
	// state that the simulation against the last block did not).
	GasAdjustment float64
	// TxTimeout bounds the wait for a broadcast transaction to land in a block (default 60 s).
	TxTimeout time.Duration
}

// Client is a connection to a hemid node with a signing key. It is not safe for concurrent
// transactions: each daemon sends its transactions one after the other.
type Client struct {
	cfg      Config
	conn     *grpc.ClientConn
	txConfig client.TxConfig
	registry codectypes.InterfaceRegistry
	keyring  keyring.Keyring
	address  sdk.AccAddress
	// nextSequence is the sequence of the next transaction, tracked here once known: a node's
	// query answer can lag the block that included our last transaction.
	nextSequence *uint64

	BTCLC     btclctypes.QueryClient
	Pop       poptypes.QueryClient
	Tunnel    tunneltypes.QueryClient
	Inbox     inboxtypes.QueryClient
	Comet     cmtservice.ServiceClient
	Auth      authtypes.QueryClient
	FeeMarket feemarkettypes.QueryClient
	Consensus consensustypes.QueryClient
	Tx        txtypes.ServiceClient
}

// New connects to the node and opens the keyring. The address prefixes must be set (see
// params.SetAddressPrefixes) before it is called.
func New(cfg Config) (*Client, error) {
	if cfg.GasAdjustment == 0 {
		cfg.GasAdjustment = 1.5
	}
	if cfg.TxTimeout == 0 {
		cfg.TxTimeout = 60 * time.Second
	}
	evmChainID, err := params.EVMChainID(cfg.ChainID)
	if err != nil {
		return nil, err
	}
	enc := evmencoding.MakeConfig(evmChainID)
	authtypes.RegisterInterfaces(enc.InterfaceRegistry)
	btclctypes.RegisterInterfaces(enc.InterfaceRegistry)
	poptypes.RegisterInterfaces(enc.InterfaceRegistry)
	tunneltypes.RegisterInterfaces(enc.InterfaceRegistry)
	inboxtypes.RegisterInterfaces(enc.InterfaceRegistry)

	// The file backend (and os, where it falls back to files) asks for its passphrase on stdin.
	kr, err := keyring.New(sdk.KeyringServiceName(), cfg.KeyringBackend, cfg.KeyringDir, os.Stdin, enc.Codec, hd.EthSecp256k1Option())
	if err != nil {
		return nil, fmt.Errorf("opening the %s keyring in %s: %w", cfg.KeyringBackend, cfg.KeyringDir, err)
	}
	record, err := kr.Key(cfg.KeyName)
	if err != nil {
		return nil, fmt.Errorf("key %q not in the %s keyring in %s (create it with `hemid keys add %s`): %w",
			cfg.KeyName, cfg.KeyringBackend, cfg.KeyringDir, cfg.KeyName, err)
	}
	addr, err := record.GetAddress()
	if err != nil {
		return nil, err
	}

	conn, err := Dial(cfg.GRPCAddress, enc.InterfaceRegistry)
	if err != nil {
		return nil, err
	}
	return &Client{
		cfg:       cfg,
		conn:      conn,
		txConfig:  enc.TxConfig,
		registry:  enc.InterfaceRegistry,
		keyring:   kr,
		address:   addr,
		BTCLC:     btclctypes.NewQueryClient(conn),
		Pop:       poptypes.NewQueryClient(conn),
		Tunnel:    tunneltypes.NewQueryClient(conn),
		Inbox:     inboxtypes.NewQueryClient(conn),
		Comet:     cmtservice.NewServiceClient(conn),
		Auth:      authtypes.NewQueryClient(conn),
		FeeMarket: feemarkettypes.NewQueryClient(conn),
		Consensus: consensustypes.NewQueryClient(conn),
		Tx:        txtypes.NewServiceClient(conn),
	}, nil
}

// Dial opens a gRPC connection to a hemid node for queries, whose Any values registry decodes
// (nil: an empty registry, enough for queries without Any).
func Dial(address string, registry codectypes.InterfaceRegistry) (*grpc.ClientConn, error) {
	if registry == nil {
		registry = codectypes.NewInterfaceRegistry()
	}
	conn, err := grpc.NewClient(address,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(codec.NewProtoCodec(registry).GRPCCodec())))
	if err != nil {
		return nil, fmt.Errorf("hemid gRPC %s: %w", address, err)
	}
	return conn, nil
}

// Conn is the gRPC connection, for query clients of other modules.
func (c *Client) Conn() *grpc.ClientConn { return c.conn }

// Keyring is the keyring holding the signing key.
func (c *Client) Keyring() keyring.Keyring { return c.keyring }

// Address is the signing key's account address.
func (c *Client) Address() sdk.AccAddress { return c.address }

// Close closes the gRPC connection.
func (c *Client) Close() error { return c.conn.Close() }

// SendTx simulates, signs and broadcasts msgs in one transaction and waits until it is in a block.
// It pays the current EIP-1559 base fee with 50% headroom.
func (c *Client) SendTx(ctx context.Context, msgs ...sdk.Msg) (*sdk.TxResponse, error) {
	res, err := c.sendTx(ctx, msgs)
	var txErr *TxError
	if errors.As(err, &txErr) {
		if expected, ok := expectedSequence(txErr); ok {
			// Our sequence was stale (another sender used the key, or a restart): resend once.
			c.nextSequence = &expected
			return c.sendTx(ctx, msgs)
		}
	}
	return res, err
}

func (c *Client) sendTx(ctx context.Context, msgs []sdk.Msg) (*sdk.TxResponse, error) {
	accRes, err := c.Auth.Account(ctx, &authtypes.QueryAccountRequest{Address: c.address.String()})
	if err != nil {
		return nil, fmt.Errorf("account %s: %w (is it funded?)", c.address, err)
	}
	var acc sdk.AccountI
	if err := c.registry.UnpackAny(accRes.Account, &acc); err != nil {
		return nil, fmt.Errorf("decoding account %s: %w", c.address, err)
	}
	sequence := acc.GetSequence()
	if c.nextSequence != nil && *c.nextSequence > sequence {
		sequence = *c.nextSequence
	}
	feeRes, err := c.FeeMarket.BaseFee(ctx, &feemarkettypes.QueryBaseFeeRequest{})
	if err != nil {
		return nil, fmt.Errorf("base fee: %w", err)
	}
	gasPrice := feeRes.BaseFee.MulInt64(3).QuoInt64(2).Ceil()

	factory := clienttx.Factory{}.
		WithTxConfig(c.txConfig).
		WithKeybase(c.keyring).
		WithChainID(c.cfg.ChainID).
		WithAccountNumber(acc.GetAccountNumber()).
		WithSequence(sequence).
		WithSignMode(signing.SignMode_SIGN_MODE_DIRECT).
		WithGasAdjustment(c.cfg.GasAdjustment).
		WithGasPrices(gasPrice.String() + params.BaseDenom)

	gas, err := c.simulate(ctx, factory, msgs)
	if err != nil {
		return nil, err
	}
	factory = factory.WithGas(gas)
	builder, err := factory.BuildUnsignedTx(msgs...)
	if err != nil {
		return nil, err
	}
	if err := clienttx.Sign(ctx, factory, c.cfg.KeyName, builder, true); err != nil {
		return nil, fmt.Errorf("signing with %q: %w", c.cfg.KeyName, err)
	}
	txBytes, err := c.txConfig.TxEncoder()(builder.GetTx())
	if err != nil {
		return nil, err
	}
	res, err := c.Tx.BroadcastTx(ctx, &txtypes.BroadcastTxRequest{TxBytes: txBytes, Mode: txtypes.BroadcastMode_BROADCAST_MODE_SYNC})
	if err != nil {
		return nil, fmt.Errorf("broadcast: %w", err)
	}
	if err := resultError(res.TxResponse.TxHash, res.TxResponse.Codespace, res.TxResponse.Code, res.TxResponse.RawLog); err != nil {
		return res.TxResponse, err
	}
	// Past CheckTx, the sequence is used whether or not the messages succeed in the block.
	next := sequence + 1
	c.nextSequence = &next
	return c.waitTx(ctx, res.TxResponse.TxHash)
}

// simulate estimates the gas of msgs. A message the chain would refuse fails here, before any fee
// is spent, with the chain's error. It simulates through the ABCI query /app/simulate rather than
// the gRPC Simulate service, whose errors carry only text: the query's answer carries the
// refusing error's codespace and code, which is what callers match on.
func (c *Client) simulate(ctx context.Context, factory clienttx.Factory, msgs []sdk.Msg) (uint64, error) {
	simBytes, err := factory.BuildSimTx(msgs...)
	if err != nil {
		return 0, err
	}
	res, err := c.Comet.ABCIQuery(ctx, &cmtservice.ABCIQueryRequest{Path: simulatePath, Data: simBytes})
	if err != nil {
		return 0, fmt.Errorf("simulate: %w", err)
	}
	gasUsed, err := simulationGas(res)
	if err != nil {
		return 0, err
	}
	params, err := c.Consensus.Params(ctx, &consensustypes.QueryParamsRequest{})
	if err != nil {
		return 0, fmt.Errorf("consensus params: %w", err)
	}
	var maxGas int64
	if params.Params != nil && params.Params.Block != nil {
		maxGas = params.Params.Block.MaxGas
	}
	return gasLimit(gasUsed, factory.GasAdjustment(), maxGas)
}

// gasLimit is the gas limit to ask for: the simulated gas times the adjustment, but never more than
// the block's max_gas (0 or less: no limit), since a validator refuses a block whose transactions
// ask for more. A message whose simulated gas alone exceeds max_gas can never be included, and is
// reported as such instead of being sent.
func gasLimit(simulated uint64, adjustment float64, maxGas int64) (uint64, error) {
	adjusted := uint64(adjustment * float64(simulated))
	if maxGas <= 0 {
		return adjusted, nil
	}
	if simulated > uint64(maxGas) {
		return 0, fmt.Errorf("the transaction needs %d gas, more than a block holds (max_gas %d): split its messages", simulated, maxGas)
	}
	return min(adjusted, uint64(maxGas)), nil
}

// simulatePath is BaseApp's query that simulates a transaction.
const simulatePath = "/app/simulate"

// simulationGas reads the gas used from the answer of /app/simulate: a refusal with its
// (codespace, code), or the JSON of sdk.SimulationResponse.
func simulationGas(res *cmtservice.ABCIQueryResponse) (uint64, error) {
	if err := resultError("(simulation)", res.Codespace, res.Code, res.Log); err != nil {
		return 0, err
	}
	var sim struct {
		GasInfo struct {
			GasUsed json.Number `json:"gas_used"`
		} `json:"gas_info"`
	}
	if err := json.Unmarshal(res.Value, &sim); err != nil {
		return 0, fmt.Errorf("simulate: the node's answer does not decode: %w", err)
	}
	gas, err := strconv.ParseUint(sim.GasInfo.GasUsed.String(), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("simulate: the node's answer has gas_used %q: %w", sim.GasInfo.GasUsed, err)
	}
	return gas, nil
}

// waitTx polls until the transaction is in a block, then reports its result.
func (c *Client) waitTx(ctx context.Context, hash string) (*sdk.TxResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.TxTimeout)
	defer cancel()
	for {
		res, err := c.Tx.GetTx(ctx, &txtypes.GetTxRequest{Hash: hash})
		if err == nil {
			return res.TxResponse, resultError(hash, res.TxResponse.Codespace, res.TxResponse.Code, res.TxResponse.RawLog)
		}
		if status.Code(err) != codes.NotFound {
			return nil, fmt.Errorf("waiting for tx %s: %w", hash, err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("tx %s not in a block after %s: %w", hash, c.cfg.TxTimeout, errors.Join(ctx.Err()))
		case <-time.After(300 * time.Millisecond):
		}
	}
}
