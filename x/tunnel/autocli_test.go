package tunnel_test

import (
	"testing"

	"github.com/hemi-appchain/hemi/testutil/autoclitest"
	"github.com/hemi-appchain/hemi/x/tunnel"
)

// Every command names a real RPC method and real fields, as autocli resolves
// them from the gogoproto registry, and every method has a command or is
// skipped.
func TestAutoCLIOptionsMatchServices(t *testing.T) {
	autoclitest.RequireMatchesServices(t, tunnel.AppModule{}.AutoCLIOptions())
}
