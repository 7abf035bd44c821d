package wallet_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/hemi-appchain/hemi/bitcoin/rpc"
	"github.com/hemi-appchain/hemi/bitcoin/wallet"
)

// TestWalletFeeRate: the node's estimate is rounded up and clamped to the
// floor and the cap; no estimate gives the floor; node failures are errors.
func TestWalletFeeRate(t *testing.T) {
	smart := func(answer any, rpcErr *rpc.Error) map[string]func([]json.RawMessage) (any, *rpc.Error) {
		return map[string]func([]json.RawMessage) (any, *rpc.Error){
			"estimatesmartfee": func([]json.RawMessage) (any, *rpc.Error) { return answer, rpcErr },
		}
	}
	rate := func(btcPerKvB string) any { return map[string]any{"feerate": json.Number(btcPerKvB), "blocks": 2} }
	tests := []struct {
		name        string
		handlers    map[string]func([]json.RawMessage) (any, *rpc.Error)
		floor, cap  int64
		want        int64
		wantErr     bool
		wantErrType error
	}{
		{name: "exact 1 sat/vB", handlers: smart(rate("0.00001"), nil), want: 1},
		{name: "rounded up", handlers: smart(rate("0.0000123"), nil), want: 2},
		{name: "mid range", handlers: smart(rate("0.00042"), nil), want: 42},
		{name: "above the default cap", handlers: smart(rate("0.00250"), nil), want: 100},
		{name: "absurd estimate", handlers: smart(rate("1e300"), nil), want: 100},
		{name: "below a raised floor", handlers: smart(rate("0.00002"), nil), floor: 5, cap: 50, want: 5},
		{name: "above a lowered cap", handlers: smart(rate("0.00060"), nil), floor: 5, cap: 50, want: 50},
		{name: "tiny estimate", handlers: smart(rate("0.00000001"), nil), want: 1},
		{name: "no estimate (Core)", handlers: smart(map[string]any{"errors": []string{"Insufficient data or no feerate found"}, "blocks": 0}, nil), want: 1},
		{name: "no estimate, raised floor", handlers: smart(map[string]any{"errors": []string{"Insufficient data"}}, nil), floor: 3, cap: 9, want: 3},
		{name: "btcd without estimate", handlers: map[string]func([]json.RawMessage) (any, *rpc.Error){
			"estimatefee": func([]json.RawMessage) (any, *rpc.Error) { return -1, nil },
		}, want: 1},
		{name: "btcd estimate", handlers: map[string]func([]json.RawMessage) (any, *rpc.Error){
			"estimatefee": func([]json.RawMessage) (any, *rpc.Error) { return json.Number("0.0001"), nil },
		}, want: 10},
		{name: "node error", handlers: smart(nil, &rpc.Error{Code: -1, Message: "boom"}), wantErr: true},
		{name: "malformed answer", handlers: smart(rate("lots"), nil), wantErr: true, wantErrType: rpc.ErrBadData},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, c := walletNewRPC(t, tc.handlers)
			w := walletNew(t, walletKey(1), wallet.P2WPKH, c)
			if tc.floor != 0 {
				if err := w.SetFeeLimits(tc.floor, tc.cap); err != nil {
					t.Fatal(err)
				}
			}
			got, err := w.FeeRate(walletCtx(t), 6)
			if tc.wantErr {
				if err == nil || (tc.wantErrType != nil && !errors.Is(err, tc.wantErrType)) {
					t.Fatalf("FeeRate = %d, %v; want an error (%v)", got, err, tc.wantErrType)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("FeeRate = %d, %v; want %d", got, err, tc.want)
			}
		})
	}

	w := walletNew(t, walletKey(1), wallet.P2WPKH, nil)
	if floor, cp := w.FeeLimits(); floor != 1 || cp != 100 {
		t.Errorf("default limits = %d, %d; want 1, 100", floor, cp)
	}
	for _, l := range [][2]int64{{0, 10}, {5, 4}, {1, wallet.MaxFeeCapSatPerVB + 1}, {-1, -1}} {
		if err := w.SetFeeLimits(l[0], l[1]); !errors.Is(err, wallet.ErrFeeRate) {
			t.Errorf("SetFeeLimits(%d, %d) = %v, want ErrFeeRate", l[0], l[1], err)
		}
	}
	if _, err := w.FeeRate(context.Background(), 0); !errors.Is(err, wallet.ErrBadInput) {
		t.Errorf("FeeRate(target 0) = %v, want ErrBadWalletInput", err)
	}
}
