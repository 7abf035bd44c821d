package popminer

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"

	"github.com/cosmos/cosmos-sdk/crypto"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
)

// KeyFromKeyring returns the secp256k1 private key of an eth_secp256k1 key in a hemid keyring, so
// the miner signs Bitcoin transactions with the key whose hemi address receives the rewards.
func KeyFromKeyring(kr keyring.Keyring, name string) (*btcec.PrivateKey, error) {
	// The keyring exports only armored keys; a one-off passphrase keeps the key off any disk.
	var pass [16]byte
	if _, err := rand.Read(pass[:]); err != nil {
		return nil, err
	}
	passphrase := hex.EncodeToString(pass[:])
	armor, err := kr.ExportPrivKeyArmor(name, passphrase)
	if err != nil {
		return nil, fmt.Errorf("exporting key %q: %w", name, err)
	}
	priv, algo, err := crypto.UnarmorDecryptPrivKey(armor, passphrase)
	if err != nil {
		return nil, fmt.Errorf("key %q: %w", name, err)
	}
	if algo != "eth_secp256k1" {
		return nil, fmt.Errorf("key %q is %s; the miner needs an eth_secp256k1 key (hemid keys add's default)", name, algo)
	}
	key, _ := btcec.PrivKeyFromBytes(priv.Bytes())
	return key, nil
}
