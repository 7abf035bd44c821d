// Package pagination bounds the list queries of hemi's modules, which any client may send to a
// node for free.
package pagination

import (
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cosmos/cosmos-sdk/types/query"
)

const (
	// MaxLimit is the most records one page of a list query answers; a larger limit is served as
	// this one, and next_key continues.
	MaxLimit = 1000
	// MaxOffset bounds an offset, which the node skips record by record: further pages are
	// reached with next_key.
	MaxOffset = 10_000
)

// Bound bounds the work of a list query: a limit above MaxLimit is lowered to it and an offset
// above MaxOffset is refused. (count_total still walks the whole index; a node serving the public
// bounds it with app.toml's query-gas-limit.)
func Bound(p *query.PageRequest) (*query.PageRequest, error) {
	if p == nil {
		return nil, nil
	}
	if p.Offset > MaxOffset {
		return nil, status.Errorf(codes.InvalidArgument, "offset %d: at most %d; page further with next_key", p.Offset, MaxOffset)
	}
	bounded := *p
	bounded.Limit = min(bounded.Limit, MaxLimit)
	return &bounded, nil
}
