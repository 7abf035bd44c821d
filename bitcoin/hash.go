package bitcoin

import (
	"encoding/hex"
	"encoding/json"
	"fmt"

	collcodec "cosmossdk.io/collections/codec"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// RetargetInterval is the number of blocks in a difficulty period on every
// Bitcoin network: two weeks of 10-minute blocks. A period starts at each
// height that is a multiple of it.
const RetargetInterval = 2016

// ParseDisplayHash parses a block hash or txid as Bitcoin RPCs, bitcoin-cli
// and explorers print it: exactly 64 lowercase hex characters, the bytes
// reversed from the internal order. Nothing is trimmed or padded, so each
// hash has exactly one accepted spelling (chainhash.NewHashFromStr, by
// contrast, takes shorter strings and pads them with zeros).
func ParseDisplayHash(s string) (chainhash.Hash, error) {
	var h chainhash.Hash
	if len(s) != 2*chainhash.HashSize {
		return h, fmt.Errorf("%w: got %d characters in %s", ErrBadHash, len(s), quoteShort(s))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return h, fmt.Errorf("%w: character %d of %q is %q", ErrBadHash, i, s, c)
		}
	}
	b, _ := hex.DecodeString(s) // checked above
	for i := range b {
		h[chainhash.HashSize-1-i] = b[i]
	}
	return h, nil
}

// quoteShort quotes s for an error, cut so that a huge input does not make a
// huge error.
func quoteShort(s string) string {
	const max = 80
	if len(s) > max {
		return fmt.Sprintf("%q...", s[:max])
	}
	return fmt.Sprintf("%q", s)
}

// HashKey is the collections key codec of a block hash or txid: its 32 bytes
// in internal order, a fixed size so it needs no length prefix in multipart
// keys. JSON and String show the display (RPC) order.
var HashKey collcodec.KeyCodec[chainhash.Hash] = hashKey{}

type hashKey struct{}

func (hashKey) Encode(buffer []byte, key chainhash.Hash) (int, error) {
	return copy(buffer, key[:]), nil
}

func (hashKey) Decode(buffer []byte) (int, chainhash.Hash, error) {
	var h chainhash.Hash
	if len(buffer) < chainhash.HashSize {
		return 0, h, fmt.Errorf("%w: hash key needs %d bytes, got %d", collcodec.ErrEncoding, chainhash.HashSize, len(buffer))
	}
	copy(h[:], buffer)
	return chainhash.HashSize, h, nil
}

func (hashKey) Size(chainhash.Hash) int { return chainhash.HashSize }

func (hashKey) EncodeJSON(key chainhash.Hash) ([]byte, error) { return json.Marshal(key.String()) }

func (hashKey) DecodeJSON(b []byte) (chainhash.Hash, error) {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return chainhash.Hash{}, err
	}
	return ParseDisplayHash(s)
}

func (hashKey) Stringify(key chainhash.Hash) string { return key.String() }

func (hashKey) KeyType() string { return "bitcoin/hash" }

func (k hashKey) EncodeNonTerminal(buffer []byte, key chainhash.Hash) (int, error) {
	return k.Encode(buffer, key)
}

func (k hashKey) DecodeNonTerminal(buffer []byte) (int, chainhash.Hash, error) {
	return k.Decode(buffer)
}

func (hashKey) SizeNonTerminal(chainhash.Hash) int { return chainhash.HashSize }
