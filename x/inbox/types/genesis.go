package types

import (
	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/hemi-appchain/hemi/bitcoin"
)

// DefaultGenesis is the default params and no operation.
func DefaultGenesis() *GenesisState { return &GenesisState{Params: DefaultParams()} }

// Validate checks params and each operation: 32-byte hashes, a status and type, a payload that
// parses as its type, each txid and each spent outpoint once. Addresses are decoded by
// InitGenesis, which has the chain's codec.
func (gs GenesisState) Validate() error {
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	txids := make(map[chainhash.Hash]bool, len(gs.Ops))
	spent := make(map[string]bool, len(gs.Ops))
	for i, o := range gs.Ops {
		if len(o.Txid) != chainhash.HashSize || len(o.SpentTxid) != chainhash.HashSize || len(o.BtcBlockHash) != chainhash.HashSize {
			return ErrInvalidGenesis.Wrapf("op %d: txid, spent_txid and btc_block_hash must be 32 bytes", i)
		}
		if o.Status == OP_STATUS_UNSPECIFIED || OpStatus_name[int32(o.Status)] == "" {
			return ErrInvalidGenesis.Wrapf("op %d: status %d", i, o.Status)
		}
		p, err := bitcoin.ParseInboxPayload(o.Payload)
		if err != nil || OpType(p.Op) != o.Type {
			return ErrInvalidGenesis.Wrapf("op %d: payload of type %s: %v", i, o.Type, err)
		}
		if o.Account == "" {
			return ErrInvalidGenesis.Wrapf("op %d: no account", i)
		}
		if txids[o.TxID()] || spent[o.SpentOutpoint()] {
			return ErrInvalidGenesis.Wrapf("op %d: txid %s or outpoint %s twice", i, o.TxID(), o.SpentOutpoint())
		}
		txids[o.TxID()], spent[o.SpentOutpoint()] = true, true
	}
	return nil
}
