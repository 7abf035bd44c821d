package bitcoin

import (
	"fmt"
	"math/big"
	"time"

	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// Network names accepted by NetworkByName; they are also the values of the
// chain's x/btclc genesis parameter.
const (
	MainNet  = "mainnet"
	TestNet3 = "testnet3"
	TestNet4 = "testnet4"
	SigNet   = "signet"
	RegTest  = "regtest"
)

// TestNet4Net is testnet4's message start (magic) bytes 1c 16 3f 28, read as
// a little-endian uint32 like btcd's wire.BitcoinNet constants. btcd v0.24.2
// does not know testnet4.
const TestNet4Net wire.BitcoinNet = 0x283f161c

// Params are the consensus parameters the header validator needs. Chain holds
// btcd's parameters (for testnet4, a set defined in this package), so the
// same value can also serve address encoding and RPC code.
type Params struct {
	// Name is one of MainNet, TestNet3, TestNet4, SigNet, RegTest.
	Name string
	// Chain must not be modified: for the networks btcd knows it is btcd's
	// own shared value.
	Chain *chaincfg.Params
	// EnforceBIP94 turns on testnet4's rules: a retarget scales the nBits of
	// the first block of the period, and the first block of a period may not
	// be more than 600 s older than its parent.
	EnforceBIP94 bool
}

// NetworkByName returns the parameters of a network by its name.
func NetworkByName(name string) (*Params, error) {
	switch name {
	case MainNet:
		return &Params{Name: name, Chain: &chaincfg.MainNetParams}, nil
	case TestNet3:
		return &Params{Name: name, Chain: &chaincfg.TestNet3Params}, nil
	case TestNet4:
		return &Params{Name: name, Chain: &testNet4Params, EnforceBIP94: true}, nil
	case SigNet:
		return &Params{Name: name, Chain: &chaincfg.SigNetParams}, nil
	case RegTest:
		return &Params{Name: name, Chain: &chaincfg.RegressionNetParams}, nil
	default:
		return nil, fmt.Errorf("%w: got %q", ErrUnknownNetwork, name)
	}
}

// Consensus values derived from Chain. Every network uses whole seconds.

func (p *Params) targetTimespanSeconds() int64 {
	return int64(p.Chain.TargetTimespan / time.Second)
}

func (p *Params) minDiffGapSeconds() int64 {
	return int64(p.Chain.MinDiffReductionTime / time.Second)
}

// testnet4 (BIP94) as Bitcoin Core v28 defines it.
var (
	testNet4GenesisBlock = buildTestNet4Genesis()
	testNet4GenesisHash  = testNet4GenesisBlock.BlockHash()
	testNet4Params       = newTestNet4Params()
)

// buildTestNet4Genesis builds testnet4's genesis block the way Core's
// CreateGenesisBlock does: one coinbase paying 50 BTC to a 33-zero-byte key
// with OP_CHECKSIG, whose scriptSig pushes 486604799, 4 and the message.
// Building it rather than pasting bytes lets the tests check that the
// published hash really follows from these fields.
func buildTestNet4Genesis() *wire.MsgBlock {
	msg := []byte("03/May/2024 000000000000000000001ebd58c244970b3aa9d783bb001011fbe8ea8e98e00e")
	sigScript := []byte{0x04, 0xff, 0xff, 0x00, 0x1d, 0x01, 0x04}
	// The message is 76 bytes, more than a direct push can hold (75),
	// so it is pushed with OP_PUSHDATA1.
	sigScript = append(sigScript, 0x4c, byte(len(msg)))
	sigScript = append(sigScript, msg...)

	pkScript := make([]byte, 0, 35)
	pkScript = append(pkScript, 0x21) // push 33 bytes
	pkScript = append(pkScript, make([]byte, 33)...)
	pkScript = append(pkScript, 0xac) // OP_CHECKSIG

	coinbase := &wire.MsgTx{
		Version: 1,
		TxIn: []*wire.TxIn{{
			PreviousOutPoint: wire.OutPoint{Index: 0xffffffff},
			SignatureScript:  sigScript,
			Sequence:         0xffffffff,
		}},
		TxOut: []*wire.TxOut{{Value: 50 * 100_000_000, PkScript: pkScript}},
	}
	return &wire.MsgBlock{
		Header: wire.BlockHeader{
			Version:    1,
			PrevBlock:  chainhash.Hash{},
			MerkleRoot: coinbase.TxHash(), // a single transaction is its own root
			Timestamp:  time.Unix(1714777860, 0),
			Bits:       0x1d00ffff,
			Nonce:      393743547,
		},
		Transactions: []*wire.MsgTx{coinbase},
	}
}

// newTestNet4Params starts from btcd's testnet3 parameters, which testnet4
// shares for addresses, keys, pow limit (0x1d00ffff), 2016-block periods of
// two weeks and the 20-minute minimum-difficulty rule, and replaces what
// differs. Deployments are left as testnet3's so code that walks them finds
// no nil starters; on testnet4 every soft fork up to taproot is active from
// block 1 and header validation does not read them.
func newTestNet4Params() chaincfg.Params {
	p := chaincfg.TestNet3Params
	p.Name = TestNet4
	p.Net = TestNet4Net
	p.DefaultPort = "48333"
	p.DNSSeeds = nil
	p.GenesisBlock = testNet4GenesisBlock
	p.GenesisHash = &testNet4GenesisHash
	p.PowLimit = new(big.Int).Set(chaincfg.TestNet3Params.PowLimit)
	p.BIP0034Height = 1
	p.BIP0065Height = 1
	p.BIP0066Height = 1
	p.Checkpoints = nil
	return p
}
