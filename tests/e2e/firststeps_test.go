package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestFirstStepsWithoutFeeFlags follows a new operator through the commands every Cosmos guide
// shows, with no fee flags: init, keys add, add-genesis-account, gentx, collect-gentxs, validate,
// start, then a bank send. The gentx pays the fee floor by default, the node makes blocks, and the
// tx uses client.toml's gas price. On the way, what would only fail at the first block is refused
// up front: a public chain's EVM id, a gentx below the fee floor, a genesis holding one.
func TestFirstStepsWithoutFeeFlags(t *testing.T) {
	root := t.TempDir()
	home := filepath.Join(root, "node0")
	hemid := func(args ...string) (string, error) {
		out, err := exec.Command(hemidBin, args...).CombinedOutput()
		return string(out), err
	}
	must := func(args ...string) string {
		t.Helper()
		out, err := hemid(args...)
		if err != nil {
			t.Fatalf("hemid %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	refused := func(want string, args ...string) {
		t.Helper()
		out, err := hemid(args...)
		if err == nil || !strings.Contains(out, want) {
			t.Fatalf("hemid %s: error %v, output does not say %q:\n%s", strings.Join(args, " "), err, want, out)
		}
	}
	keyring := []string{"--home", home, "--keyring-backend", "test"}

	refused("is Ethereum mainnet's", "init", "val", "--chain-id", "hemi_1-1", "--home", filepath.Join(root, "mainnet"))
	refused("is Hemi mainnet's", "init", "val", "--chain-id", "hemi_43111-1", "--home", filepath.Join(root, "hemi"))
	must("init", "val", "--chain-id", testChainID, "--home", home)
	var info struct {
		EVMChainID         uint64 `json:"evm_chain_id"`
		SuperfinalityDepth uint32 `json:"superfinality_depth"`
		GasPrice           string `json:"gas_price"`
	}
	if err := json.Unmarshal([]byte(must("debug", "chain-info", "--home", home)), &info); err != nil {
		t.Fatal(err)
	}
	if info.EVMChainID != testEVMChainID || info.SuperfinalityDepth != 6 || info.GasPrice != "1000000000ahemi" {
		t.Fatalf("hemid debug chain-info = %+v, want EVM chain id %d, depth 6, gas price 1000000000ahemi", info, testEVMChainID)
	}
	must(append([]string{"keys", "add", "val"}, keyring...)...)
	must(append([]string{"genesis", "add-genesis-account", "val", "1000000" + hemi + "ahemi"}, keyring...)...)

	gentx := append([]string{"genesis", "gentx", "val", "1000" + hemi + "ahemi", "--chain-id", testChainID}, keyring...)
	refused("use --gas-prices 1000000000ahemi", append(gentx, "--gas-prices", "1ahemi")...)
	refused("use --gas-prices 1000000000ahemi", append(gentx, "--fees", "1ahemi")...)
	must(gentx...)
	must("genesis", "collect-gentxs", "--home", home)
	must("genesis", "validate", "--home", home)

	// The genesis checks refuse a gentx under the floor and a public chain's EVM id.
	genesis := filepath.Join(home, "config", "genesis.json")
	cheap := editGenesis(t, genesis, filepath.Join(root, "cheap.json"), func(g map[string]any) {
		fee := dig(t, g, "app_state", "genutil", "gen_txs", 0, "auth_info", "fee", "amount", 0).(map[string]any)
		if fee["amount"] != "200000000000000" {
			t.Fatalf("the gentx pays %v, want 200000 gas × 1 gwei = 200000000000000ahemi", fee["amount"])
		}
		fee["amount"] = "1"
	})
	refused("--gas-prices 1000000000ahemi", "genesis", "validate", cheap, "--home", home)
	public := editGenesis(t, genesis, filepath.Join(root, "public.json"), func(g map[string]any) { g["chain_id"] = "hemi_11155111-1" })
	refused("Sepolia", "genesis", "validate", public, "--home", home)

	base := freePortBase(t, 1)
	configure := exec.Command("bash", "-c", `source "$0/scripts/lib.sh" && configure_node "$1" "$2" 0 1s`, repoRoot, home, strconv.Itoa(base))
	configure.Env = append(os.Environ(), "HEMID="+hemidBin)
	if out, err := configure.CombinedOutput(); err != nil {
		t.Fatalf("configure_node: %v\n%s", err, out)
	}
	net := &network{t: t, root: root, procs: make([]*process, 1),
		nodes: []endpoints{{RPC: "http://127.0.0.1:" + strconv.Itoa(base+1)}}}
	t.Cleanup(net.stopAll)
	net.start(0)
	net.waitHeight(0, 3, 2*time.Minute)

	to := strings.TrimSpace(must("keys", "show", "val", "-a", "--home", home, "--keyring-backend", "test"))
	res := net.sendTx("tx", "bank", "send", "val", to, "1ahemi")
	if res.Code != 0 {
		t.Fatalf("bank send with no fee flags failed in its block: code %d: %s", res.Code, res.RawLog)
	}
}

// TestTxWithoutFeeFlags: on a network made by scripts/init-network.sh (the devnet's and the
// localnet's), `hemid tx … --yes` with no fee flag is accepted and included.
func TestTxWithoutFeeFlags(t *testing.T) {
	net := newNetwork(t, 1, 2)
	net.start(0)
	net.waitHeight(0, 2, 2*time.Minute)
	res := net.sendTx("tx", "bank", "send", net.devs[0].Name, net.devs[1].Address, "1000ahemi")
	if res.Code != 0 {
		t.Fatalf("bank send with no fee flags failed in its block: code %d: %s", res.Code, res.RawLog)
	}
}

// hemi is 1 hemi in ahemi, as a suffix of zeros.
const hemi = "000000000000000000"

// editGenesis writes to out the genesis at in, changed by edit.
func editGenesis(t *testing.T, in, out string, edit func(map[string]any)) string {
	t.Helper()
	b, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	var g map[string]any
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	edit(g)
	if b, err = json.Marshal(g); err != nil {
		t.Fatal(err)
	}
	writeFile(t, out, string(b))
	return out
}

// dig walks JSON objects (string keys) and arrays (int indexes).
func dig(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch key := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("genesis: %v is not an object", key)
			}
			v = m[key]
		case int:
			a, ok := v.([]any)
			if !ok || key >= len(a) {
				t.Fatalf("genesis: no element %d", key)
			}
			v = a[key]
		}
	}
	return v
}
