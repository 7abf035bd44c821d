package tunnelwallet_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/hemi-appchain/hemi/tunnelwallet"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
)

// fakeTunnel answers Params and, one after the other, the Deposit answers it holds (the last
// one again once they run out); nil is NotFound.
type fakeTunnel struct {
	tunneltypes.QueryClient
	params   tunneltypes.Params
	deposits []*tunneltypes.QueryDepositResponse
	asked    int
}

func (f *fakeTunnel) Params(context.Context, *tunneltypes.QueryParamsRequest, ...grpc.CallOption) (*tunneltypes.QueryParamsResponse, error) {
	return &tunneltypes.QueryParamsResponse{Params: f.params}, nil
}

func (f *fakeTunnel) Deposit(context.Context, *tunneltypes.QueryDepositRequest, ...grpc.CallOption) (*tunneltypes.QueryDepositResponse, error) {
	d := f.deposits[min(f.asked, len(f.deposits)-1)]
	f.asked++
	if d == nil {
		return nil, status.Error(codes.NotFound, "no deposit")
	}
	return d, nil
}

func depositAnswer(st tunneltypes.DepositStatus, conf uint64) *tunneltypes.QueryDepositResponse {
	return &tunneltypes.QueryDepositResponse{Confirmations: conf, Deposit: tunneltypes.DepositView{
		Amount: 50_000, Recipient: "hemi1xyz", BtcHeight: 500, BtcBlockHash: "00ab", Status: st, MintedHeight: 77,
	}}
}

const testOutpoint = "0000000000000000000000000000000000000000000000000000000000000001:0"

func TestDepositStatusLines(t *testing.T) {
	ctx := context.Background()
	q := &fakeTunnel{params: chainParams([]byte{0x00, 0x14})}
	for _, tc := range []struct {
		answer *tunneltypes.QueryDepositResponse
		btc    func(context.Context, chainhash.Hash) (tunnelwallet.TxState, error)
		status tunneltypes.DepositStatus
		want   string
	}{
		{nil, nil, tunneltypes.DEPOSIT_STATUS_UNSPECIFIED, "unproven: not recorded on hemi yet"},
		{nil, func(context.Context, chainhash.Hash) (tunnelwallet.TxState, error) {
			return tunnelwallet.TxState{Found: true}, nil
		},
			tunneltypes.DEPOSIT_STATUS_UNSPECIFIED, "unproven: in the Bitcoin mempool"},
		{nil, func(context.Context, chainhash.Hash) (tunnelwallet.TxState, error) {
			return tunnelwallet.TxState{Found: true, Confirmations: 2}, nil
		}, tunneltypes.DEPOSIT_STATUS_UNSPECIFIED, "(2 confirmations), waiting for a relayer"},
		{nil, func(context.Context, chainhash.Hash) (tunnelwallet.TxState, error) {
			return tunnelwallet.TxState{}, nil
		},
			tunneltypes.DEPOSIT_STATUS_UNSPECIFIED, "knows no transaction"},
		{depositAnswer(tunneltypes.DEPOSIT_STATUS_PENDING, 3), nil, tunneltypes.DEPOSIT_STATUS_PENDING, "pending 3/6 confirmations: 50000 sat to hemi1xyz, Bitcoin block 500"},
		{depositAnswer(tunneltypes.DEPOSIT_STATUS_MINTED, 9), nil, tunneltypes.DEPOSIT_STATUS_MINTED, "minted at hemi height 77: 50000 sat to hemi1xyz"},
		{depositAnswer(tunneltypes.DEPOSIT_STATUS_REFUSED, 9), nil, tunneltypes.DEPOSIT_STATUS_REFUSED, "refused"},
	} {
		q.deposits, q.asked = []*tunneltypes.QueryDepositResponse{tc.answer}, 0
		st, err := tunnelwallet.DepositStatus(ctx, q, testOutpoint, tc.btc)
		if err != nil || st.Status != tc.status || !strings.Contains(st.Line, tc.want) {
			t.Errorf("status %v %q, %v; want %v %q", st.Status, st.Line, err, tc.status, tc.want)
		}
	}
	if _, err := tunnelwallet.DepositStatus(ctx, q, "nocolon", nil); !errors.Is(err, tunneltypes.ErrInvalidOutpoint) {
		t.Errorf("bad outpoint: %v", err)
	}
}

// TestWatchDepositPrintsEachChange: unproven → pending 1/6 … → minted, each line once, and it
// returns once minted; a refused deposit is an error; a timeout says where the deposit stood.
func TestWatchDepositPrintsEachChange(t *testing.T) {
	ctx := context.Background()
	q := &fakeTunnel{params: chainParams([]byte{0x00, 0x14}), deposits: []*tunneltypes.QueryDepositResponse{
		nil, nil, depositAnswer(tunneltypes.DEPOSIT_STATUS_PENDING, 1), depositAnswer(tunneltypes.DEPOSIT_STATUS_PENDING, 1),
		depositAnswer(tunneltypes.DEPOSIT_STATUS_PENDING, 6), depositAnswer(tunneltypes.DEPOSIT_STATUS_MINTED, 6),
	}}
	var lines []string
	if err := tunnelwallet.WatchDeposit(ctx, q, testOutpoint, nil, nil, time.Millisecond, func(s string) { lines = append(lines, s) }); err != nil {
		t.Fatal(err)
	}
	want := []string{"unproven", "pending 1/6", "pending 6/6", "minted at hemi height 77"}
	if len(lines) != len(want) {
		t.Fatalf("printed %q, want %d lines starting %q", lines, len(want), want)
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Fatalf("line %d is %q, want it to start %q", i, lines[i], want[i])
		}
	}

	q.deposits, q.asked = []*tunneltypes.QueryDepositResponse{depositAnswer(tunneltypes.DEPOSIT_STATUS_REFUSED, 6)}, 0
	if err := tunnelwallet.WatchDeposit(ctx, q, testOutpoint, nil, nil, time.Millisecond, func(string) {}); !errors.Is(err, tunnelwallet.ErrDepositRefused) {
		t.Fatalf("refused: %v", err)
	}

	q.deposits, q.asked = []*tunneltypes.QueryDepositResponse{depositAnswer(tunneltypes.DEPOSIT_STATUS_PENDING, 2)}, 0
	tctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	err := tunnelwallet.WatchDeposit(tctx, q, testOutpoint, nil, nil, time.Millisecond, func(string) {})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "pending 2/6") {
		t.Fatalf("timeout: %v", err)
	}
}

// provenanceTunnel answers Provenance with one answer.
type provenanceTunnel struct {
	tunneltypes.QueryClient
	answer *tunneltypes.QueryProvenanceResponse
}

func (f provenanceTunnel) Provenance(context.Context, *tunneltypes.QueryProvenanceRequest, ...grpc.CallOption) (*tunneltypes.QueryProvenanceResponse, error) {
	return f.answer, nil
}

// TestProvenanceLine: the line names all three parts of a deposit's provenance: the lock proof's
// block and depth, the hemi blocks that proved and minted it, and the covering keystone with the
// Bitcoin block of its earliest publication on the main chain and its superfinality.
func TestProvenanceLine(t *testing.T) {
	ctx := context.Background()
	res := &tunneltypes.QueryProvenanceResponse{
		Lock:    tunneltypes.LockProof{BtcHeight: 500, BtcBlockHash: "00ab", OnMainChain: true, Confirmations: 9},
		Minting: tunneltypes.Minting{ProvenHeight: 70, ProvenTxHash: "C0FFEE", MintedHeight: 77},
	}
	line, err := tunnelwallet.ProvenanceLine(ctx, provenanceTunnel{answer: res}, testOutpoint)
	if err != nil {
		t.Fatal(err)
	}
	if want := "lock proof: Bitcoin block 500 00ab, 9 confirmations; minting: proven at hemi height 70 by tx C0FFEE, minted at hemi height 77; " +
		"anchoring: no keystone covers the minting block yet"; line != want {
		t.Fatalf("uncovered:\n got %q\nwant %q", line, want)
	}

	res.Anchoring = tunneltypes.Anchoring{Found: true, Keystone: &poptypes.KeystoneView{Height: 80}, Status: poptypes.KeystoneStatus{
		FirstBtcHeight: 503, EffectiveBtcHeight: 503, Confirmations: 6, Superfinal: true,
		Publications: []poptypes.PublicationStatus{
			{Publication: poptypes.PublicationView{BtcHeight: 502, BtcBlockHash: "0099"}}, // reorged away
			{Publication: poptypes.PublicationView{BtcHeight: 503, BtcBlockHash: "00cd"}, OnMainChain: true},
		},
	}}
	if line, err = tunnelwallet.ProvenanceLine(ctx, provenanceTunnel{answer: res}, testOutpoint); err != nil {
		t.Fatal(err)
	}
	if want := "; anchoring: keystone 80 published in Bitcoin block 503 00cd, 2 publications, 6 Bitcoin confirmations, superfinal"; !strings.HasSuffix(line, want) {
		t.Fatalf("covered:\n got %q\nwant it to end %q", line, want)
	}
}
