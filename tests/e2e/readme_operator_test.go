package e2e

import (
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"

	"github.com/hemi-appchain/hemi/testutil/btcdtest"
)

// operator is a user's machine for the README's operator blocks: its own HOME, so that the
// README's ~/.hemid is a temporary directory, and the hemid under test first on PATH, so that
// the README's `hemid` (and `hemid relayer`, `hemid popminer`) is it.
type operator struct {
	t    *testing.T
	home string // $HOME
	env  []string
}

func newOperator(t *testing.T) *operator {
	home := t.TempDir()
	t.Cleanup(func() { killProcessesMentioning(t, home) })
	return &operator{t: t, home: home, env: []string{"HOME=" + home, "PATH=" + filepath.Dir(hemidBin) + ":" + os.Getenv("PATH")}}
}

func (o *operator) hemidHome() string { return filepath.Join(o.home, ".hemid") }

// run runs a command line in $HOME and fails the test unless it exits 0.
func (o *operator) run(line string) string {
	o.t.Helper()
	res := runShellIn(o.t, o.home, line, o.env, time.Minute)
	if res.Err != nil {
		o.t.Fatalf("%s: %v\n%s", line, res.Err, res.All())
	}
	return res.Out
}

// start runs a long-running command line (a node or a daemon) as a process stopped with the test.
func (o *operator) start(line, logName string) *process {
	o.t.Helper()
	cmd := exec.Command("bash", "-c", "exec "+line)
	cmd.Dir = o.home
	cmd.Env = append(cleanEnv(), o.env...)
	return startCmd(o.t, filepath.Join(o.home, logName), cmd)
}

// address is the hemi1 address of a key in ~/.hemid's keyring.
func (o *operator) address(name string) string {
	o.t.Helper()
	return strings.TrimSpace(o.run("hemid keys show " + name + " -a"))
}

// configure points the CLI of ~/.hemid at its test keyring and at the node at rpc, as the
// environment of this test needs (the README's defaults are the OS's keyring and localhost:26657).
func (o *operator) configure(rpc string) {
	o.t.Helper()
	script := fmt.Sprintf(`source %q/scripts/lib.sh && set_toml %q/config/client.toml "" keyring-backend '"test"'`, repoRoot, o.hemidHome())
	if rpc != "" {
		script += fmt.Sprintf(` && set_toml %q/config/client.toml "" node '"tcp://%s"'`, o.hemidHome(), strings.TrimPrefix(rpc, "http://"))
	}
	if res := runShell(o.t, script, nil, time.Minute); res.Err != nil {
		o.t.Fatalf("editing client.toml: %v\n%s", res.Err, res.All())
	}
}

// TestReadmeRunningAValidator runs the README's "Running a validator" block on a second machine
// joining a running network: init, the network's genesis, a key, peers, start and sync, then
// create-validator from validator.json with the README's flags. The new node ends up in the
// validator set with the README's voting power, signing blocks.
func TestReadmeRunningAValidator(t *testing.T) {
	cmds := readmeCommands(t, "Running a validator")
	net := newNetwork(t, 1, 1)
	net.start(0)
	net.waitHeight(0, 2, 2*time.Minute)
	nodeID := strings.TrimSpace(must(t, net, "comet", "show-node-id", "--home", net.home(0)))
	p2p := readConfigValue(t, filepath.Join(net.home(0), "config", "config.toml"), "p2p", "laddr")

	o := newOperator(t)
	base := freePortBase(t, 1)
	rpc := "http://127.0.0.1:" + strconv.Itoa(base+1)
	placeholders := strings.NewReplacer("<moniker>", "readme-validator", "<chain-id>", testChainID,
		"<network genesis.json>", filepath.Join(net.home(0), "config", "genesis.json"))
	var node *process
	var joiner *network // the README's node, once started
	var pubkey string
	for _, line := range cmds {
		script := placeholders.Replace(line)
		switch {
		case strings.HasPrefix(line, "hemid init "):
			o.run(script)
			cfg := filepath.Join(o.hemidHome(), "config", "config.toml")
			if v := readConfigValue(t, cfg, "mempool", "type"); v != `"app"` {
				t.Fatalf("hemid init wrote mempool.type = %s, the README says \"app\"", v)
			}
			o.configure(rpc)
			// The README's "edit config.toml" step: loopback ports of this test, and the peer.
			configure := fmt.Sprintf(`source %q/scripts/lib.sh && configure_node %q %d 0 1s && set_toml %q/config/config.toml p2p persistent_peers '"%s@%s"'`,
				repoRoot, o.hemidHome(), base, o.hemidHome(), nodeID, strings.TrimPrefix(strings.Trim(p2p, `"`), "tcp://"))
			if res := runShell(t, configure, []string{"HEMID=" + hemidBin}, time.Minute); res.Err != nil {
				t.Fatalf("configuring the node: %v\n%s", res.Err, res.All())
			}
		case strings.HasPrefix(line, "cp "), strings.HasPrefix(line, "hemid keys add operator"):
			o.run(script)
		case line == "hemid start":
			node = o.start(script, "hemid.log")
			joiner = &network{t: t, nodes: []endpoints{{RPC: rpc}}}
			joiner.waitHeight(0, mustHeight(t, net), 2*time.Minute)
			t.Logf("README: %s: the node synced to height %d", line, mustHeight(t, net))
		case strings.HasPrefix(line, "hemid tx staking create-validator validator.json "):
			// What the README says validator.json holds: the consensus key from `hemid comet
			// show-validator`, 1000 hemi of self-delegation, moniker, commission, min-self-delegation.
			pubkey = strings.TrimSpace(o.run("hemid comet show-validator"))
			writeFile(t, filepath.Join(o.home, "validator.json"), fmt.Sprintf(`{"pubkey": %s, "amount": "1000000000000000000000ahemi",
				"moniker": "readme-validator", "commission-rate": "0.1", "commission-max-rate": "0.2",
				"commission-max-change-rate": "0.01", "min-self-delegation": "1"}`, pubkey))
			net.sendTx("tx", "bank", "send", net.devs[0].Name, o.address("operator"), "1001"+hemi+"ahemi")
			// The README's node signs against its own state: it must hold the block with the
			// funding send (it may be a block behind the validator it syncs from).
			joiner.waitHeight(0, mustHeight(t, net), 2*time.Minute)
			out := o.run(script)
			m := regexp.MustCompile(`"?txhash"?:\s*"?([0-9A-F]{64})`).FindStringSubmatch(out)
			if m == nil || !regexp.MustCompile(`(?m)"?code"?:\s*0\b`).MatchString(out) {
				t.Fatalf("README: %s: no accepted transaction:\n%s", line, out)
			}
			if res := net.waitTx(m[1]); res.Code != 0 {
				t.Fatalf("create-validator failed in its block: code %d: %s", res.Code, res.RawLog)
			}
		default:
			t.Fatalf("README command %q has no step in TestReadmeRunningAValidator: add one", line)
		}
	}
	if node == nil || pubkey == "" {
		t.Fatal("the README's validator block has no `hemid start` or no create-validator")
	}
	waitForCometValidator(t, net, pubkey)
	// Voting power 1000 on the node itself: it is a validator of the chain, signing.
	var st struct {
		Result struct {
			ValidatorInfo struct {
				VotingPower string `json:"voting_power"`
			} `json:"validator_info"`
		} `json:"result"`
	}
	deadline := time.Now().Add(30 * time.Second)
	for getJSON(rpc+"/status", &st) != nil || st.Result.ValidatorInfo.VotingPower != "1000" {
		if time.Now().After(deadline) {
			t.Fatalf("the new node reports voting power %q, want 1000", st.Result.ValidatorInfo.VotingPower)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// TestReadmeDaemons runs the README's relayer and PoP miner blocks: `hemid keys add` for each
// (funded, as the README says), then each daemon's command line as printed, with the Bitcoin
// node, hemid and chain of this test in place of the placeholders and the flags a test adds (the
// test keyring, a free metrics port, P2PKH because btcd's regtest has no segwit below height 432).
// The relayer brings x/btclc to btcd's tip and the miner's publication is proven on hemi.
func TestReadmeDaemons(t *testing.T) {
	relayerCmds, minerCmds := readmeCommands(t, "The relayer"), readmeCommands(t, "The PoP miner")
	o := newOperator(t)
	o.run("hemid init readme-operator --chain-id " + testChainID)
	o.configure("")

	// The miner's key comes first: btcd mines to its Bitcoin address, which pays its fees.
	var relayerLine, minerLine string
	for _, c := range append(append([]string{}, relayerCmds...), minerCmds...) {
		switch {
		case c == "hemid keys add relayer", c == "hemid keys add popminer":
			o.run(c)
		case strings.HasPrefix(c, "hemid relayer "):
			relayerLine = c
		case strings.HasPrefix(c, "hemid popminer "):
			minerLine = c
		default:
			t.Fatalf("README command %q has no step in TestReadmeDaemons: add one", c)
		}
	}
	if relayerLine == "" || minerLine == "" {
		t.Fatal("the README shows no relayer or no popminer command line")
	}
	keyHex := strings.TrimSpace(o.run("hemid keys unsafe-export-eth-key popminer"))
	keyBytes, err := hex.DecodeString(keyHex)
	if err != nil {
		t.Fatalf("exported key %q: %v", keyHex, err)
	}
	minerKey, _ := btcec.PrivKeyFromBytes(keyBytes)
	btc := btcdtest.Start(t, &btcdtest.Options{MiningKey: minerKey})
	btc.Generate(110) // 10 mature coinbases
	net, lc := btcNetwork(t, btc, "KEYSTONE_INTERVAL=10")
	o.configure(net.nodes[0].RPC)
	for _, name := range []string{"relayer", "popminer"} {
		net.sendTx("tx", "bank", "send", net.devs[0].Name, o.address(name), "100"+hemi+"ahemi")
	}

	cfg := btc.ClientConfig()
	writeFile(t, filepath.Join(o.home, ".btc-rpc-password"), cfg.Password+"\n")
	daemon := func(line string, extra ...string) string {
		for _, placeholder := range []string{"http://127.0.0.1:8332", "--btc-user u ", "127.0.0.1:9090", "<chain-id>", "~/.btc-rpc-password", "~/.hemid"} {
			if !strings.Contains(line, placeholder) {
				t.Fatalf("README: %s: no %q to replace; update this test", line, placeholder)
			}
		}
		line = strings.NewReplacer("http://127.0.0.1:8332", cfg.URL, "--btc-user u ", "--btc-user "+cfg.User+" ",
			"127.0.0.1:9090", net.nodes[0].GRPC, "<chain-id>", testChainID).Replace(line)
		return line + " --keyring-backend test --poll-interval 300ms --metrics 127.0.0.1:" + strconv.Itoa(freePortBase(t, 1)) + " " + strings.Join(extra, " ")
	}
	relayer := o.start(daemon(relayerLine), "relayer.log")
	t.Cleanup(relayer.stop)
	miner := o.start(daemon(minerLine, "--address-kind p2pkh"), "popminer.log")
	t.Cleanup(miner.stop)

	height, hash := btc.BestBlock()
	waitLightClientTip(t, lc, height, hash, time.Minute)
	t.Logf("README: the relayer brought x/btclc to btcd's tip %d", height)
	logPath := filepath.Join(o.home, "popminer.log")
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(time.Second) {
		if b, _ := os.ReadFile(logPath); strings.Contains(string(b), "publication proven on hemi") {
			break
		}
		if relayer.exited() || miner.exited() {
			t.Fatal("a daemon exited")
		}
		if time.Now().After(deadline) {
			t.Fatal("the PoP miner's publication was not proven in 2 minutes")
		}
		btc.Generate(1)
	}
	t.Log("README: the PoP miner published a keystone and it was proven on hemi")
}

// must runs hemid with args and fails the test on an error.
func must(t *testing.T, net *network, args ...string) string {
	t.Helper()
	out, err := net.cli(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// readConfigValue is the raw value of key in [section] of a TOML file.
func readConfigValue(t *testing.T, path, section, key string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	current := ""
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			current = line[1 : len(line)-1]
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok && current == section && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("%s has no %s in [%s]", path, key, section)
	return ""
}

// TestReadmeBtclcBaseAtHeight runs the README's `hemid genesis btclc-base --btc-rpc … --height N`
// against btcd: x/btclc's base becomes btcd's block at that height, and the genesis validates.
func TestReadmeBtclcBaseAtHeight(t *testing.T) {
	btc := btcdtest.Start(t, nil)
	btc.Generate(2030)
	hash, err := btc.Client().GetBlockHash(t.Context(), 2016)
	if err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(t.TempDir(), "node")
	net := &network{t: t}
	must(t, net, "init", "base", "--chain-id", testChainID, "--home", home)
	cfg := btc.ClientConfig()
	out := must(t, net, "genesis", "btclc-base", "--btc-rpc", cfg.URL, "--btc-user", cfg.User, "--btc-password", cfg.Password,
		"--height", "2016", "--home", home)
	if want := fmt.Sprintf("regtest base %s at height 2016", hash); !strings.Contains(out, want) {
		t.Fatalf("hemid genesis btclc-base --height 2016 printed %q, want %q", out, want)
	}
	must(t, net, "genesis", "validate", "--home", home)
}
