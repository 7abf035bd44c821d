package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/cosmos/gogoproto/proto"
	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	ethtypes "github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"

	"github.com/hemi-appchain/hemi/contracts"
	"github.com/hemi-appchain/hemi/x/hvm/precompiles/ibitcoin"
)

// provenTx is what IBitcoin.verifyTx returns.
type provenTx struct {
	TxID          [32]byte `abi:"txid"`
	Height        uint64
	Confirmations uint64
	Outputs       []ibitcoin.Output
}

// keystoneAnswer is what IBitcoin.keystone returns.
type keystoneAnswer struct {
	Status        uint8
	Confirmations uint64
	Superfinal    bool
}

// displayHash is a Bitcoin hash as IBitcoin returns it: in display order, the order explorers
// print (chainhash's String is that order).
func displayHash(h chainhash.Hash) [32]byte { return common.HexToHash(h.String()) }

// hemiHeaderBytes is Hemi's 116-byte header layout, built straight from the raw 80-byte header:
// u32 height, block hash, u32 version, prev hash, merkle root, u32 time, u32 bits, u32 nonce,
// integers big-endian, hashes byte-reversed from the wire (display order), as hemilabs' op-geth
// core/vm/contracts.go (btcLastHeader, btcHeaderN) writes it.
func hemiHeaderBytes(height uint64, raw []byte) []byte {
	reversed := func(b []byte) []byte {
		out := slices.Clone(b)
		slices.Reverse(out)
		return out
	}
	first := sha256.Sum256(raw)
	hash := sha256.Sum256(first[:])
	out := binary.BigEndian.AppendUint32(nil, uint32(height))
	out = append(out, reversed(hash[:])...)
	out = binary.BigEndian.AppendUint32(out, binary.LittleEndian.Uint32(raw[0:4]))
	out = append(out, reversed(raw[4:36])...)
	out = append(out, reversed(raw[36:68])...)
	out = binary.BigEndian.AppendUint32(out, binary.LittleEndian.Uint32(raw[68:72]))
	out = binary.BigEndian.AppendUint32(out, binary.LittleEndian.Uint32(raw[72:76]))
	out = binary.BigEndian.AppendUint32(out, binary.LittleEndian.Uint32(raw[76:80]))
	return out
}

// mustABI parses an ABI JSON of package contracts.
func mustABI(t *testing.T, abiJSON string) abi.ABI {
	t.Helper()
	a, err := abi.JSON(strings.NewReader(abiJSON))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// abiClient calls one contract (or precompile) through eth_call, packing and unpacking with its ABI.
type abiClient struct {
	eth  *ethclient.Client
	abi  abi.ABI
	addr common.Address
}

func (c abiClient) pack(t *testing.T, method string, args ...any) []byte {
	t.Helper()
	input, err := c.abi.Pack(method, args...)
	if err != nil {
		t.Fatalf("packing %s: %v", method, err)
	}
	return input
}

// call runs method with eth_call at block (nil: latest) and returns the raw answer or the error.
func (c abiClient) call(t *testing.T, block *big.Int, method string, args ...any) ([]byte, error) {
	t.Helper()
	return c.eth.CallContract(context.Background(), ethereum.CallMsg{To: &c.addr, Data: c.pack(t, method, args...)}, block)
}

// mustCall is call that must succeed; it decodes the outputs into out (a pointer to a struct whose
// fields are the outputs in order, or to the type of the only output).
func (c abiClient) mustCall(t *testing.T, block *big.Int, out any, method string, args ...any) {
	t.Helper()
	ret, err := c.call(t, block, method, args...)
	if err != nil {
		t.Fatalf("eth_call %s%v: %v", method, args, err)
	}
	c.unpack(t, out, method, ret)
}

// unpack decodes the outputs of method from ret into out.
func (c abiClient) unpack(t *testing.T, out any, method string, ret []byte) {
	t.Helper()
	values, err := c.abi.Unpack(method, ret)
	if err != nil {
		t.Fatalf("decoding the answer of %s (%x): %v", method, ret, err)
	}
	if len(values) == 1 {
		reflectSet(t, out, values[0])
		return
	}
	if err := c.abi.UnpackIntoInterface(out, method, ret); err != nil {
		t.Fatalf("decoding the answer of %s into %T: %v", method, out, err)
	}
}

// reflectSet stores an ABI-decoded value into out (a pointer) with go-ethereum's own conversion,
// which matches struct fields by name.
func reflectSet(t *testing.T, out, value any) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("converting %T to %T: %v", value, out, r)
		}
	}()
	abi.ConvertType(value, out)
}

// mustRevert runs method with eth_call and returns the revert reason; the call must revert with
// an Error(string) reason.
func (c abiClient) mustRevert(t *testing.T, method string, args ...any) string {
	t.Helper()
	return mustRevertData(t, c.eth, c.addr, c.pack(t, method, args...))
}

// mustRevertData runs eth_call with raw calldata, which must revert with an Error(string) reason,
// and returns the reason.
func mustRevertData(t *testing.T, eth *ethclient.Client, to common.Address, data []byte) string {
	t.Helper()
	_, err := eth.CallContract(context.Background(), ethereum.CallMsg{To: &to, Data: data}, nil)
	if err == nil {
		t.Fatalf("eth_call to %s with %x succeeded, want a revert", to, data)
	}
	reason, ok := revertReason(err)
	if !ok {
		t.Fatalf("eth_call to %s with %x failed without an Error(string) revert reason: %v", to, data, err)
	}
	return reason
}

// revertReason is the Error(string) reason carried by a JSON-RPC error, if it has one.
func revertReason(err error) (string, bool) {
	var dataErr rpc.DataError
	if !errors.As(err, &dataErr) {
		return "", false
	}
	s, ok := dataErr.ErrorData().(string)
	if !ok {
		return "", false
	}
	data, err := hexutil.Decode(s)
	if err != nil {
		return "", false
	}
	reason, err := abi.UnpackRevert(data)
	return reason, err == nil
}

// probeEvent decodes the only log of receipt as the probe's event name into out.
func probeEvent(t *testing.T, probeABI abi.ABI, receipt *ethtypes.Receipt, name string, out any) {
	t.Helper()
	if receipt.Status != ethtypes.ReceiptStatusSuccessful || len(receipt.Logs) != 1 {
		t.Fatalf("probe transaction %s: status %d, %d logs, want success with one %s log", receipt.TxHash, receipt.Status, len(receipt.Logs), name)
	}
	log := receipt.Logs[0]
	if log.Topics[0] != probeABI.Events[name].ID {
		t.Fatalf("probe log topic %s is not %s", log.Topics[0], name)
	}
	values, err := probeABI.Unpack(name, log.Data)
	if err != nil {
		t.Fatalf("decoding %s: %v", name, err)
	}
	if len(values) == 1 {
		reflectSet(t, out, values[0])
		return
	}
	if err := probeABI.UnpackIntoInterface(out, name, log.Data); err != nil {
		t.Fatalf("decoding %s into %T: %v", name, out, err)
	}
}

// deployProbe deploys contracts/BitcoinProbe.sol from key's account.
func deployProbe(t *testing.T, eth *ethclient.Client, net *network, dev int) common.Address {
	t.Helper()
	receipt := sendEthTx(t, eth, devKey(t, net.devs[dev]), nil, nil, contracts.BitcoinProbeBytecode(), 2_000_000)
	if receipt.Status != ethtypes.ReceiptStatusSuccessful || receipt.ContractAddress == (common.Address{}) {
		t.Fatalf("deploying BitcoinProbe: status %d, contract %s", receipt.Status, receipt.ContractAddress)
	}
	return receipt.ContractAddress
}

// setModuleGenesis replaces one module's section of a genesis.json with state.
func setModuleGenesis(t *testing.T, genesisFile, module string, state proto.Message) {
	t.Helper()
	section, err := codec.NewProtoCodec(codectypes.NewInterfaceRegistry()).MarshalJSON(state)
	if err != nil {
		t.Fatal(err)
	}
	editGenesis(t, genesisFile, genesisFile, func(g map[string]any) {
		appState, ok := dig(t, g, "app_state").(map[string]any)
		if _, has := appState[module]; !ok || !has {
			t.Fatalf("%s has no app_state.%s", genesisFile, module)
		}
		appState[module] = json.RawMessage(section)
	})
}
