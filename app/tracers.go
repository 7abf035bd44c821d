package app

import (
	"encoding/json"
	"fmt"

	"github.com/ethereum/go-ethereum/eth/tracers"
	"github.com/ethereum/go-ethereum/params"
)

// debug_trace* takes go-ethereum's native tracers (callTracer, prestateTracer, flatCallTracer,
// 4byteTracer, muxTracer, …), which app.go imports. Its JavaScript tracers are not built in: they
// run a caller's script inside the node, and their interpreter (goja) was 11 CPU-seconds of a cold
// build. go-ethereum treats any tracer name it does not know as JavaScript source, and calls a nil
// evaluator when none is registered; this one says what happened instead.
func init() {
	tracers.DefaultDirectory.RegisterJSEval(func(name string, _ *tracers.Context, _ json.RawMessage, _ *params.ChainConfig) (*tracers.Tracer, error) {
		return nil, fmt.Errorf("tracer %q: no such native tracer (callTracer, prestateTracer, flatCallTracer, 4byteTracer, muxTracer, …), and hemid does not run JavaScript tracers", shorten(name, 64))
	})
}

// shorten cuts s to at most n bytes for an error message; a tracer "name" may be a whole script.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
