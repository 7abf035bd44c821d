package hemiclient

import (
	"errors"
	"fmt"
	"testing"

	"github.com/cosmos/cosmos-sdk/client/grpc/cmtservice"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"

	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
)

// TestTxErrorMatchesCodespaceAndCode: a refusal matches the registered error whose codespace and
// code it carries, whatever its log says, and no other, even one whose message its log quotes.
func TestTxErrorMatchesCodespaceAndCode(t *testing.T) {
	dup := poptypes.ErrDuplicatePublication
	// The chain's log wraps the message with context; here it does not even contain it.
	refused := resultError("AB12", dup.Codespace(), dup.ABCICode(), "failed to execute message; message index: 0: txid 00ff: recorded at height 7")
	if !errors.Is(refused, dup) || !errors.Is(fmt.Errorf("submitting: %w", refused), dup) {
		t.Fatalf("%v does not match %v (pop code 14)", refused, dup)
	}
	for _, other := range []error{poptypes.ErrKeystoneMismatch, btclctypes.ErrBadDifficulty, btclctypes.ErrKnownHeader} {
		if errors.Is(refused, other) {
			t.Fatalf("%v matches %v", refused, other)
		}
	}
	// A log that quotes the message does not make another code match.
	quoting := resultError("AB12", "pop", poptypes.ErrKeystoneMismatch.ABCICode(), "wrapped: "+dup.Error())
	if errors.Is(quoting, dup) {
		t.Fatalf("%v matched %v by its text", quoting, dup)
	}
	// Same code number, other codespace: x/btclc's code 14 is not x/pop's.
	if errors.Is(resultError("AB12", btclctypes.ModuleName, 14, ""), dup) {
		t.Fatal("btclc code 14 matched pop code 14")
	}
	if resultError("AB12", "", 0, "") != nil {
		t.Fatal("code 0 is success")
	}
}

func TestExpectedSequenceOnlyForWrongSequence(t *testing.T) {
	log := "account sequence mismatch, expected 12, got 11: incorrect account sequence"
	got, ok := expectedSequence(&TxError{Codespace: sdkerrors.RootCodespace, Code: sdkerrors.ErrWrongSequence.ABCICode(), Log: log})
	if !ok || got != 12 {
		t.Fatalf("expectedSequence = %d, %v; want 12", got, ok)
	}
	if _, ok := expectedSequence(&TxError{Codespace: "pop", Code: 4, Log: log}); ok {
		t.Fatal("a refusal of another class was read as a sequence mismatch")
	}
}

// TestSimulationErrorCarriesCode: a refusal in simulation is matched like one in a block.
func TestSimulationErrorCarriesCode(t *testing.T) {
	dup := poptypes.ErrDuplicatePublication
	_, err := simulationGas(&cmtservice.ABCIQueryResponse{Codespace: dup.Codespace(), Code: dup.ABCICode(), Log: "failed to simulate tx: ..."})
	if !errors.Is(err, dup) {
		t.Fatalf("simulation refusal %v does not match %v", err, dup)
	}
	gas, err := simulationGas(&cmtservice.ABCIQueryResponse{Codespace: "sdk",
		Value: []byte(`{"gas_info":{"gas_wanted":"0","gas_used":"81234"},"result":{"data":null,"log":"","events":[],"msg_responses":[]}}`)})
	if err != nil || gas != 81234 {
		t.Fatalf("simulationGas = %d, %v; want 81234", gas, err)
	}
	if _, err := simulationGas(&cmtservice.ABCIQueryResponse{Value: []byte(`{"gas_info":{"gas_used":"-1"}}`)}); err == nil {
		t.Fatal("a negative gas_used was accepted")
	}
}

// The gas asked for is capped at the block's max_gas, so a message that fits a block (a deep
// Bitcoin reorg needs about 20M of a 30M block) is not refused for its headroom.
func TestGasLimitCappedAtMaxGas(t *testing.T) {
	for _, c := range []struct {
		simulated uint64
		maxGas    int64
		want      uint64
		fails     bool
	}{
		{simulated: 100_000, maxGas: 30_000_000, want: 150_000},
		{simulated: 20_169_750, maxGas: 30_000_000, want: 30_000_000},
		{simulated: 30_000_000, maxGas: 30_000_000, want: 30_000_000},
		{simulated: 30_000_001, maxGas: 30_000_000, fails: true},
		{simulated: 40_000_000, maxGas: 0, want: 60_000_000},
		{simulated: 40_000_000, maxGas: -1, want: 60_000_000},
	} {
		got, err := gasLimit(c.simulated, 1.5, c.maxGas)
		if c.fails {
			if err == nil {
				t.Errorf("simulated %d, max_gas %d: got %d, want an error", c.simulated, c.maxGas, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("simulated %d, max_gas %d: got %d, %v; want %d", c.simulated, c.maxGas, got, err, c.want)
		}
	}
}
