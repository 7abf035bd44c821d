package ibitcoin

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// gasFigure writes n as IBitcoin.sol and the README do: 19,000.
func gasFigure(n uint64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// The gas each function's NatSpec in contracts/IBitcoin.sol states is the figure the precompile
// charges: a changed constant without its documentation fails here.
func TestNatSpecGasIsTheCharge(t *testing.T) {
	src, err := os.ReadFile("../../../../contracts/IBitcoin.sol")
	require.NoError(t, err)
	// Each function with the comment block right above it.
	fn := regexp.MustCompile(`((?:[ \t]*///[^\n]*\n)+)[ \t]*function (\w+)\(`)
	seen := map[string]bool{}
	for _, m := range fn.FindAllStringSubmatch(string(src), -1) {
		doc, name := strings.Join(strings.Fields(strings.ReplaceAll(m[1], "///", " ")), " "), m[2]
		_, ok := ABI.Methods[name]
		require.True(t, ok, "IBitcoin.sol declares %s, which the precompile's ABI lacks", name)
		gas, _ := methodGas(name)
		want := "Gas: " + gasFigure(gas) + "."
		if name == MethodVerifyTx {
			want = fmt.Sprintf("Gas: %s + %d per byte of `tx` + %d per sibling, and %d per output once the proof checks.",
				gasFigure(GasVerifyTx), GasVerifyTxPerByte, GasVerifyTxPerSibling, GasVerifyTxPerOutput)
		}
		require.Contains(t, doc, want, "NatSpec of %s", name)
		seen[name] = true
	}
	require.Len(t, seen, len(ABI.Methods), "every method's NatSpec states its gas")
}
