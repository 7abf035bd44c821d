package types

import (
	"fmt"
	"strconv"
	"strings"

	"cosmossdk.io/collections"
	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/hemi-appchain/hemi/bitcoin"
)

// Outpoint keys a deposit: the txid (internal byte order) and the output
// index.
type Outpoint = collections.Pair[chainhash.Hash, uint32]

// OutpointKey is Outpoint's key codec.
var OutpointKey = collections.PairKeyCodec(bitcoin.HashKey, collections.Uint32Key)

// NewOutpoint returns the outpoint of output vout of txid.
func NewOutpoint(txid chainhash.Hash, vout uint32) Outpoint { return collections.Join(txid, vout) }

// FormatOutpoint is "txid:vout", the txid in display order.
func FormatOutpoint(op Outpoint) string { return fmt.Sprintf("%s:%d", op.K1(), op.K2()) }

// ParseOutpoint reads "txid:vout", the txid in display order.
func ParseOutpoint(s string) (Outpoint, error) {
	txidHex, voutStr, ok := strings.Cut(s, ":")
	if !ok {
		return Outpoint{}, ErrInvalidOutpoint.Wrapf("%q has no ':'", s)
	}
	txid, err := bitcoin.ParseDisplayHash(txidHex)
	if err != nil {
		return Outpoint{}, ErrInvalidOutpoint.Wrap(err.Error())
	}
	vout, err := strconv.ParseUint(voutStr, 10, 32)
	if err != nil {
		return Outpoint{}, ErrInvalidOutpoint.Wrapf("vout %q: %v", voutStr, err)
	}
	return NewOutpoint(txid, uint32(vout)), nil
}

// Outpoint returns d's outpoint. txid must be 32 bytes (checked when
// written).
func (d Deposit) Outpoint() Outpoint {
	var txid chainhash.Hash
	copy(txid[:], d.Txid)
	return NewOutpoint(txid, d.Vout)
}

// BlockHash is d's Bitcoin block hash.
func (d Deposit) BlockHash() chainhash.Hash {
	var h chainhash.Hash
	copy(h[:], d.BtcBlockHash)
	return h
}
