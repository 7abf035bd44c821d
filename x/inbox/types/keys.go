package types

import (
	"cosmossdk.io/collections"
)

const (
	// ModuleName is x/inbox's name.
	ModuleName = "inbox"
	// StoreKey is the key of x/inbox's KV store.
	StoreKey = ModuleName
)

// Collection prefixes. They are part of the state layout: never renumber them.
var (
	// ParamsKey holds Params.
	ParamsKey = collections.NewPrefix(0)
	// OpsKey maps txid -> Op.
	OpsKey = collections.NewPrefix(1)
	// SpentKey maps the outpoint an operation's first input spends -> the txid of that operation.
	SpentKey = collections.NewPrefix(2)
	// OpsByAccountKey indexes operations by (account, txid).
	OpsByAccountKey = collections.NewPrefix(3)
	// OpsByStatusKey indexes operations by (status, txid).
	OpsByStatusKey = collections.NewPrefix(4)
	// PendingKey is the execution queue: (btc height, tx index, txid) of every pending operation.
	PendingKey = collections.NewPrefix(5)
)
