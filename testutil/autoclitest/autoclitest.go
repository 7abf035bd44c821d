// Package autoclitest checks a module's autocli declarations against its services.
package autoclitest

import (
	"testing"

	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"
	gogoproto "github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// RequireMatchesServices checks that every command names a real RPC method and real fields, as
// autocli resolves them from the gogoproto registry, and that every method has a command or is
// skipped.
func RequireMatchesServices(t *testing.T, opts *autocliv1.ModuleOptions) {
	t.Helper()
	for _, svc := range []*autocliv1.ServiceCommandDescriptor{opts.Query, opts.Tx} {
		d, err := gogoproto.HybridResolver.FindDescriptorByName(protoreflect.FullName(svc.Service))
		require.NoError(t, err, svc.Service)
		methods := d.(protoreflect.ServiceDescriptor).Methods()
		require.Len(t, svc.RpcCommandOptions, methods.Len(), "every method of %s has a command or is skipped", svc.Service)
		for _, rpc := range svc.RpcCommandOptions {
			m := methods.ByName(protoreflect.Name(rpc.RpcMethod))
			require.NotNil(t, m, "%s has no method %s", svc.Service, rpc.RpcMethod)
			for _, arg := range rpc.PositionalArgs {
				require.NotNil(t, m.Input().Fields().ByName(protoreflect.Name(arg.ProtoField)), "%s.%s", rpc.RpcMethod, arg.ProtoField)
			}
		}
	}
}
