package types

import (
	"bytes"
	"strings"
)

// DefaultGenesis starts with the default params and no keystones.
func DefaultGenesis() *GenesisState {
	return &GenesisState{Params: DefaultParams()}
}

// Validate checks the genesis state on its own: params; keystones in
// increasing height, each well formed and linked to the one before it by
// prev_keystone_hash; publications with well-formed hashes, each txid once,
// each of a keystone in the genesis; a finality state that names
// keystones of the genesis; owed reward ranges in increasing height, none
// above highest_ever_superfinal; and a last block at or above the last
// keystone. Addresses, and the publications' blocks against x/btclc's
// chain, are checked by the keeper.
func (gs GenesisState) Validate() error {
	if err := gs.Params.Validate(); err != nil {
		return ErrInvalidGenesis.Wrapf("params: %v", err)
	}
	heights := make(map[uint64]bool, len(gs.Keystones))
	for i, k := range gs.Keystones {
		if err := k.Validate(); err != nil {
			return ErrInvalidGenesis.Wrapf("keystones[%d]: %v", i, err)
		}
		if i > 0 {
			prev := gs.Keystones[i-1]
			if k.Height <= prev.Height {
				return ErrInvalidGenesis.Wrapf("keystones[%d]: height %d is not above the previous keystone's %d: keystones must be in increasing height", i, k.Height, prev.Height)
			}
			if !bytes.Equal(k.PrevKeystoneHash, prev.BlockHash) {
				return ErrInvalidGenesis.Wrapf("keystones[%d] (height %d): prev_keystone_hash is not the block hash of keystone %d", i, k.Height, prev.Height)
			}
		}
		heights[k.Height] = true
	}

	txids := make(map[string]bool, len(gs.Publications))
	for i, p := range gs.Publications {
		txid, err := p.TxHash()
		if err != nil {
			return ErrInvalidGenesis.Wrapf("publications[%d]: txid: %v", i, err)
		}
		if txids[txid.String()] {
			return ErrInvalidGenesis.Wrapf("publications[%d]: txid %s appears twice", i, txid)
		}
		txids[txid.String()] = true
		if _, err := p.BlockHash(); err != nil {
			return ErrInvalidGenesis.Wrapf("publications[%d]: btc_block_hash: %v", i, err)
		}
		if !heights[p.KeystoneHeight] {
			return ErrInvalidGenesis.Wrapf("publications[%d]: keystone %d is not in the genesis", i, p.KeystoneHeight)
		}
		if strings.TrimSpace(p.Submitter) == "" {
			return ErrInvalidGenesis.Wrapf("publications[%d]: submitter is empty", i)
		}
	}

	f := gs.Finality
	if f.LatestSuperfinal != 0 && !heights[f.LatestSuperfinal] {
		return ErrInvalidGenesis.Wrapf("finality: latest_superfinal %d is not a keystone of the genesis", f.LatestSuperfinal)
	}
	if f.HighestEverSuperfinal != 0 && !heights[f.HighestEverSuperfinal] {
		return ErrInvalidGenesis.Wrapf("finality: highest_ever_superfinal %d is not a keystone of the genesis", f.HighestEverSuperfinal)
	}
	if f.HighestEverSuperfinal < f.LatestSuperfinal {
		return ErrInvalidGenesis.Wrapf("finality: highest_ever_superfinal %d is below latest_superfinal %d", f.HighestEverSuperfinal, f.LatestSuperfinal)
	}

	// Owed keystones have been superfinal, and each is owed once.
	var prevThrough uint64
	for i, r := range gs.OwedRewards {
		switch {
		case r.After >= r.Through:
			return ErrInvalidGenesis.Wrapf("owed_rewards[%d]: after %d must be below through %d", i, r.After, r.Through)
		case i > 0 && r.After < prevThrough:
			return ErrInvalidGenesis.Wrapf("owed_rewards[%d]: starts at %d, inside the range before it (through %d): ranges must increase and not overlap", i, r.After, prevThrough)
		case r.Through > f.HighestEverSuperfinal:
			return ErrInvalidGenesis.Wrapf("owed_rewards[%d]: through %d is above highest_ever_superfinal %d: only keystones that became superfinal are owed", i, r.Through, f.HighestEverSuperfinal)
		}
		prevThrough = r.Through
	}

	if gs.LastBlockHeight == 0 {
		if len(gs.LastBlockHash) != 0 {
			return ErrInvalidGenesis.Wrap("last_block_hash without last_block_height")
		}
		return nil
	}
	if len(gs.LastBlockHash) != HashSize {
		return ErrInvalidGenesis.Wrapf("last_block_hash must be %d bytes, got %d", HashSize, len(gs.LastBlockHash))
	}
	if n := len(gs.Keystones); n > 0 && gs.LastBlockHeight < gs.Keystones[n-1].Height {
		return ErrInvalidGenesis.Wrapf("last_block_height %d is below the last keystone %d", gs.LastBlockHeight, gs.Keystones[n-1].Height)
	}
	return nil
}
