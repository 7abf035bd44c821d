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

// Validate checks a keystone's shape: a height, 32-byte hashes (the
// Bitcoin tip's included), and heights that fit the abbreviated form.
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
		{"btc_hash", k.BtcHash},
	} {
		if len(h.b) != HashSize {
			return fmt.Errorf("keystone %d: %s must be %d bytes, got %d", k.Height, h.name, HashSize, len(h.b))
		}
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

// View is the keystone as queries show it: CometBFT hashes in lower-case
// hex, the Bitcoin tip hash in display order.
func (k Keystone) View() KeystoneView {
	return KeystoneView{
		Height:           k.Height,
		BlockHash:        hex.EncodeToString(k.BlockHash),
		ParentHash:       hex.EncodeToString(k.ParentHash),
		AppHash:          hex.EncodeToString(k.AppHash),
		PrevKeystoneHash: hex.EncodeToString(k.PrevKeystoneHash),
		BtcHeight:        k.BtcHeight,
		BtcHash:          displayHash(k.BtcHash),
	}
}

// Keystone parses a queried keystone back into its stored form (what a PoP
// miner abbreviates and publishes).
func (v KeystoneView) Keystone() (Keystone, error) {
	k := Keystone{Height: v.Height, BtcHeight: v.BtcHeight}
	for _, h := range []struct {
		name string
		s    string
		dst  *[]byte
	}{
		{"block_hash", v.BlockHash, &k.BlockHash},
		{"parent_hash", v.ParentHash, &k.ParentHash},
		{"app_hash", v.AppHash, &k.AppHash},
		{"prev_keystone_hash", v.PrevKeystoneHash, &k.PrevKeystoneHash},
	} {
		b, err := hex.DecodeString(h.s)
		if err != nil {
			return Keystone{}, fmt.Errorf("keystone %d: %s: %w", v.Height, h.name, err)
		}
		*h.dst = b
	}
	btc, err := bitcoin.ParseDisplayHash(v.BtcHash)
	if err != nil {
		return Keystone{}, fmt.Errorf("keystone %d: btc_hash: %w", v.Height, err)
	}
	k.BtcHash = btc[:]
	return k, k.Validate()
}

// Abbreviate is the abbreviated form of a queried keystone.
func (v KeystoneView) Abbreviate() (bitcoin.AbbreviatedKeystone, error) {
	k, err := v.Keystone()
	if err != nil {
		return bitcoin.AbbreviatedKeystone{}, err
	}
	return k.Abbreviate()
}

// TxHash is the publication's txid.
func (p Publication) TxHash() (chainhash.Hash, error) {
	return hashFromBytes("txid", p.Txid)
}

// BlockHash is the publication's Bitcoin block hash.
func (p Publication) BlockHash() (chainhash.Hash, error) {
	return hashFromBytes("btc_block_hash", p.BtcBlockHash)
}

// View is the publication as queries show it: hashes in display order.
func (p Publication) View() PublicationView {
	return PublicationView{
		KeystoneHeight: p.KeystoneHeight,
		Txid:           displayHash(p.Txid),
		BtcHeight:      p.BtcHeight,
		BtcBlockHash:   displayHash(p.BtcBlockHash),
		Payee:          p.Payee,
		Submitter:      p.Submitter,
	}
}

// hashFromBytes reads a stored 32-byte Bitcoin hash (internal byte order).
func hashFromBytes(name string, b []byte) (chainhash.Hash, error) {
	var h chainhash.Hash
	if len(b) != chainhash.HashSize {
		return h, fmt.Errorf("%s must be %d bytes, got %d", name, chainhash.HashSize, len(b))
	}
	copy(h[:], b)
	return h, nil
}

// displayHash renders a stored Bitcoin hash in display order; a malformed
// one (never stored: Validate and the keeper check every hash) as its hex.
func displayHash(b []byte) string {
	h, err := hashFromBytes("", b)
	if err != nil {
		return hex.EncodeToString(b)
	}
	return h.String()
}
