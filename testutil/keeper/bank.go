package keeper

import (
	"context"
	"fmt"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
)

// DistributionModule is the module account the community pool is held by.
const DistributionModule = "distribution"

// Bank is a fake bank keeper and community pool: balances by address, module accounts at
// authtypes.NewModuleAddress, minting only by the modules given to NewBank, and a set of blocked
// addresses that may not receive funds, as the real bank refuses sends to module accounts.
// Its methods are those of the x/bank and x/distribution keepers that modules use.
type Bank struct {
	balances map[string]sdk.Coins
	minters  map[string]bool
	blocked  map[string]bool
	minted   sdk.Coins
	burned   sdk.Coins
	pool     sdk.Coins
}

// NewBank returns an empty bank in which only minters may mint.
func NewBank(minters ...string) *Bank {
	b := &Bank{balances: map[string]sdk.Coins{}, minters: map[string]bool{}, blocked: map[string]bool{}}
	for _, m := range minters {
		b.minters[m] = true
	}
	return b
}

// Block makes addr refuse funds.
func (b *Bank) Block(addr sdk.AccAddress) { b.blocked[string(addr)] = true }

// MintCoins creates amt in module's account.
func (b *Bank) MintCoins(_ context.Context, module string, amt sdk.Coins) error {
	if !b.minters[module] {
		return fmt.Errorf("module %s may not mint", module)
	}
	b.minted = b.minted.Add(amt...)
	b.add(authtypes.NewModuleAddress(module), amt)
	return nil
}

// SendCoinsFromModuleToAccount moves amt from module's account to to, unless to is blocked.
func (b *Bank) SendCoinsFromModuleToAccount(_ context.Context, module string, to sdk.AccAddress, amt sdk.Coins) error {
	if b.blocked[string(to)] {
		return fmt.Errorf("%s is not allowed to receive funds", to)
	}
	return b.move(authtypes.NewModuleAddress(module), to, amt)
}

// SendCoinsFromAccountToModule moves amt from an account to module's account.
func (b *Bank) SendCoinsFromAccountToModule(_ context.Context, from sdk.AccAddress, module string, amt sdk.Coins) error {
	return b.move(from, authtypes.NewModuleAddress(module), amt)
}

// BurnCoins destroys amt from module's account.
func (b *Bank) BurnCoins(_ context.Context, module string, amt sdk.Coins) error {
	addr := authtypes.NewModuleAddress(module)
	have := b.balances[string(addr)]
	left, neg := have.SafeSub(amt...)
	if neg {
		return fmt.Errorf("insufficient funds to burn: %s < %s", have, amt)
	}
	b.balances[string(addr)] = left
	b.burned = b.burned.Add(amt...)
	return nil
}

// BlockedAddr tells whether addr refuses funds.
func (b *Bank) BlockedAddr(addr sdk.AccAddress) bool { return b.blocked[string(addr)] }

// Mint credits amt to addr out of nothing, as a genesis balance would.
func (b *Bank) Mint(addr sdk.AccAddress, amt sdk.Coins) { b.add(addr, amt) }

// SendCoins moves amt between accounts, unless to is blocked.
func (b *Bank) SendCoins(_ context.Context, from, to sdk.AccAddress, amt sdk.Coins) error {
	if b.blocked[string(to)] {
		return fmt.Errorf("%s is not allowed to receive funds", to)
	}
	return b.move(from, to, amt)
}

// FundCommunityPool moves amt from from to the distribution module and counts it in the pool.
func (b *Bank) FundCommunityPool(_ context.Context, amt sdk.Coins, from sdk.AccAddress) error {
	if err := b.move(from, authtypes.NewModuleAddress(DistributionModule), amt); err != nil {
		return err
	}
	b.pool = b.pool.Add(amt...)
	return nil
}

// Balance is addr's balance.
func (b *Bank) Balance(addr sdk.AccAddress) sdk.Coins { return b.balances[string(addr)] }

// Minted is everything minted so far; Pool everything given to the community pool.
func (b *Bank) Minted() sdk.Coins { return b.minted }
func (b *Bank) Pool() sdk.Coins   { return b.pool }

// Burned is everything burned so far.
func (b *Bank) Burned() sdk.Coins { return b.burned }

func (b *Bank) add(addr sdk.AccAddress, amt sdk.Coins) {
	b.balances[string(addr)] = b.balances[string(addr)].Add(amt...)
}

func (b *Bank) move(from, to sdk.AccAddress, amt sdk.Coins) error {
	have := b.balances[string(from)]
	left, neg := have.SafeSub(amt...)
	if neg {
		return fmt.Errorf("insufficient funds: %s < %s", have, amt)
	}
	b.balances[string(from)] = left
	b.add(to, amt)
	return nil
}
