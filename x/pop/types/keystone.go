package types

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/hemi-appchain/hemi/bitcoin"
)

// HashSize is the size of every hash in a Keystone: CometBFT block hashes
// and app hashes are SHA-256.
const HashSize = 32

// Validate checks a keystone's shape: a height, 32-byte hashes, a Bitcoin
// tip hash in display order, and heights that fit the abbreviated form.
func (k Keystone) Validate() error {
	if k.Height == 0 {
		return fmt.Errorf("keystone height must be positive")
	}
	if k.Height > math.MaxUint32 {
		return fmt.Errorf("keystone height %d does not fit the abbreviated keystone's 4 bytes", k.Height)
	}
	if k.BtcHeight > math.MaxUint32 {
		return fmt.Errorf("keystone %d: bitcoin height %d does not fit the abbreviated keystone's 4 bytes", k.Height, k.BtcHeight)
	}
	for _, h := range []struct {
		name string
		b    []byte
	}{
		{"block_hash", k.BlockHash},
		{"parent_hash", k.ParentHash},
		{"app_hash", k.AppHash},
		{"prev_keystone_hash", k.PrevKeystoneHash},
	} {
		if len(h.b) != HashSize {
			return fmt.Errorf("keystone %d: %s must be %d bytes, got %d", k.Height, h.name, HashSize, len(h.b))
		}
	}
	if _, err := bitcoin.ParseDisplayHash(k.BtcHash); err != nil {
		return fmt.Errorf("keystone %d: btc_hash: %w", k.Height, err)
	}
	return nil
}

// Abbreviate returns the 76-byte form PoP miners publish: version 1, the
// Bitcoin tip height, the keystone height, and prefixes of the parent,
// previous keystone and block hashes with the whole app hash.
func (k Keystone) Abbreviate() (bitcoin.AbbreviatedKeystone, error) {
	if err := k.Validate(); err != nil {
		return bitcoin.AbbreviatedKeystone{}, err
	}
	a := bitcoin.AbbreviatedKeystone{
		Version:        bitcoin.AbbreviatedKeystoneVersion,
		BTCHeight:      uint32(k.BtcHeight),
		KeystoneHeight: uint32(k.Height),
	}
	copy(a.ParentHashPrefix[:], k.ParentHash)
	copy(a.PrevKeystoneHashPrefix[:], k.PrevKeystoneHash)
	copy(a.AppHash[:], k.AppHash)
	copy(a.BlockHashPrefix[:], k.BlockHash)
	return a, nil
}

// Matches reports whether a published payload is, byte for byte, this
// keystone's abbreviated form.
func (k Keystone) Matches(payload bitcoin.AbbreviatedKeystone) bool {
	a, err := k.Abbreviate()
	if err != nil {
		return false
	}
	want, got := a.Serialize(), payload.Serialize()
	return bytes.Equal(want[:], got[:])
}

// AbbreviatedHex is the abbreviated keystone in hex, as events and queries
// show it ("" for a keystone that cannot be abbreviated).
func (k Keystone) AbbreviatedHex() string {
	a, err := k.Abbreviate()
	if err != nil {
		return ""
	}
	b := a.Serialize()
	return hex.EncodeToString(b[:])
}

// TxHash is the publication's txid in internal byte order.
func (p Publication) TxHash() (chainhash.Hash, error) {
	return bitcoin.ParseDisplayHash(p.Txid)
}

// BlockHash is the publication's Bitcoin block hash in internal byte order.
func (p Publication) BlockHash() (chainhash.Hash, error) {
	return bitcoin.ParseDisplayHash(p.BtcBlockHash)
}
