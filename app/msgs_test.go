package app_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/testutil/apptest"
	"github.com/hemi-appchain/hemi/testutil/datagen"
)

// TestEveryRegisteredMsgHasAHandler: every Msg type the app's interface registry accepts in a tx
// is routed to a handler. A Msg registered without its service would decode, pass the ante
// handler and pay fees, then fail in every block.
func TestEveryRegisteredMsgHasAHandler(t *testing.T) {
	c := apptest.New(t, apptest.Options{})
	router := c.App().MsgServiceRouter()
	urls := c.App().InterfaceRegistry().ListImplementations(sdk.MsgInterfaceProtoName)
	if len(urls) < 50 {
		t.Fatalf("the interface registry lists only %d Msg types; the lookup is wrong", len(urls))
	}
	for _, url := range urls {
		if router.HandlerByTypeURL(url) == nil {
			t.Errorf("Msg %s is registered but has no handler", url)
		}
	}
}

// msgClass says what kind of sender a hemi Msg has, and which tests deliver it.
type msgClass struct {
	kind  string    // "user": anyone may send it; "authority": only the governance authority
	tests []testRef // each must exist and deliver the Msg (by type or by Msg service method)
}

// testRef names a test function in a package directory of the repository.
type testRef struct{ dir, name string }

// hemiMsgs classifies every Msg of hemi's own modules. Adding a Msg to x/btclc, x/pop or a new
// module fails TestEveryHemiMsgIsClassifiedAndTested until it is listed here with the tests that
// cover it.
var hemiMsgs = map[string]msgClass{
	"/hemi.btclc.v1.MsgInsertHeaders": {kind: "user", tests: []testRef{
		{"app", "TestBankSendAndInsertHeadersBlock"}, {"app", "TestEndBlockOrderSeesReorgInSameBlock"},
		{"x/btclc/keeper", "TestGasChargesStoreReads"}, {"x/btclc/keeper", "TestInsertAllowlist"},
	}},
	"/hemi.btclc.v1.MsgUpdateParams": {kind: "authority", tests: []testRef{{"x/btclc/keeper", "TestUpdateParams"}}},
	"/hemi.pop.v1.MsgSubmitPoPProof": {kind: "user", tests: []testRef{
		{"app", "TestEndBlockOrderSeesReorgInSameBlock"}, {"x/pop/keeper", "TestSubmitPoPProofRecords"},
	}},
	"/hemi.pop.v1.MsgUpdateParams":  {kind: "authority", tests: []testRef{{"x/pop/keeper", "TestUpdateParams"}}},
	"/hemi.pop.v1.MsgResumeRewards": {kind: "authority", tests: []testRef{{"x/pop/keeper", "TestResumeRewards"}}},
	"/hemi.tunnel.v1.MsgProveDeposit": {kind: "user", tests: []testRef{
		{"x/tunnel/keeper", "TestProveDepositMintsOnce"}, {"x/tunnel/keeper", "TestProveDepositRejections"},
	}},
	"/hemi.tunnel.v1.MsgWithdraw":         {kind: "user", tests: []testRef{{"x/tunnel/keeper", "TestWithdrawBurnsAndQueues"}}},
	"/hemi.tunnel.v1.MsgProveWithdrawal":  {kind: "user", tests: []testRef{{"x/tunnel/keeper", "TestProveWithdrawal"}}},
	"/hemi.tunnel.v1.MsgRefundWithdrawal": {kind: "user", tests: []testRef{{"x/tunnel/keeper", "TestRefundWithdrawal"}}},
	"/hemi.tunnel.v1.MsgUpdateParams":     {kind: "authority", tests: []testRef{{"x/tunnel/keeper", "TestUpdateParams"}}},
	"/hemi.inbox.v1.MsgSubmitInboxTx": {kind: "user", tests: []testRef{
		{"app", "TestSubmitInboxTxMessage"}, {"app", "TestInboxThroughTheEntryAlone"}, {"app", "TestCensoringSwitch"},
	}},
	"/hemi.inbox.v1.MsgUpdateParams": {kind: "authority", tests: []testRef{{"app", "TestSubmitInboxTxMessage"}}},
}

// TestEveryHemiMsgIsClassifiedAndTested: every registered /hemi.* Msg is in hemiMsgs (and every
// entry there is registered), and each named test exists in its package and refers to the Msg:
// its type, its constructor, or its Msg service method.
func TestEveryHemiMsgIsClassifiedAndTested(t *testing.T) {
	c := apptest.New(t, apptest.Options{})
	var registered []string
	for _, url := range c.App().InterfaceRegistry().ListImplementations(sdk.MsgInterfaceProtoName) {
		if strings.HasPrefix(url, "/hemi.") {
			registered = append(registered, url)
		}
	}
	if len(registered) == 0 {
		t.Fatal("no /hemi.* Msg is registered; the lookup is wrong")
	}
	for _, url := range registered {
		if _, ok := hemiMsgs[url]; !ok {
			t.Errorf("Msg %s is not classified: add it to hemiMsgs in app/msgs_test.go with the tests that deliver it", url)
		}
	}
	root, err := datagen.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	for url, class := range hemiMsgs {
		if !slices.Contains(registered, url) {
			t.Errorf("hemiMsgs lists %s, which the app does not register", url)
			continue
		}
		if class.kind != "user" && class.kind != "authority" {
			t.Errorf("%s: kind %q is neither user nor authority", url, class.kind)
		}
		if len(class.tests) == 0 {
			t.Errorf("%s names no test", url)
		}
		typeName := url[strings.LastIndex(url, ".")+1:]
		for _, ref := range class.tests {
			body := findTestFunc(t, filepath.Join(root, ref.dir), ref.name)
			if body == nil {
				t.Errorf("%s: test %s not found in %s", url, ref.name, ref.dir)
				continue
			}
			if !refersToMsg(body, typeName) {
				t.Errorf("%s: test %s in %s neither builds a %s nor calls %s", url, ref.name, ref.dir, typeName, strings.TrimPrefix(typeName, "Msg"))
			}
		}
	}
}

// findTestFunc returns the body of function name in the _test.go files of dir.
func findTestFunc(t *testing.T, dir, name string) *ast.BlockStmt {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			if fn, ok := decl.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Name.Name == name {
				return fn.Body
			}
		}
	}
	return nil
}

// refersToMsg reports whether body names MsgX or NewMsgX, or calls a method X (the Msg service's).
func refersToMsg(body *ast.BlockStmt, typeName string) bool {
	method := strings.TrimPrefix(typeName, "Msg")
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Ident:
			found = found || n.Name == typeName || n.Name == "New"+typeName
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == method {
				found = true
			}
		}
		return !found
	})
	return found
}
