package app

import (
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/eth/tracers"
	"github.com/ethereum/go-ethereum/params"
)

// debug_trace* with a native tracer works; with JavaScript, or a name that is no tracer, it is an
// error that says so (go-ethereum would call a nil evaluator).
func TestTracers(t *testing.T) {
	for _, name := range []string{"callTracer", "prestateTracer", "flatCallTracer", "4byteTracer", "muxTracer"} {
		if _, err := tracers.DefaultDirectory.New(name, &tracers.Context{}, nil, params.TestChainConfig); err != nil {
			t.Errorf("native tracer %s: %v", name, err)
		}
	}
	for _, name := range []string{"{step: function() {}, result: function() { return 1 }, fault: function() {}}", "callTracr"} {
		tr, err := tracers.DefaultDirectory.New(name, &tracers.Context{}, nil, params.TestChainConfig)
		if err == nil || tr != nil || !strings.Contains(err.Error(), "does not run JavaScript tracers") {
			t.Errorf("tracer %.20q: got %v, %v; want the JavaScript refusal", name, tr, err)
		}
	}
}
