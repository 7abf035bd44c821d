package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	ethtypes "github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	ethrpc "github.com/ethereum/go-ethereum/rpc"

	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"

	"github.com/hemi-appchain/hemi/contracts"
	"github.com/hemi-appchain/hemi/testutil/btcdtest"
	"github.com/hemi-appchain/hemi/x/hvm/precompiles/ibitcoin"
)

// The load of TestEVMThroughput.
const (
	evmBenchBlockGas = 100_000_000 // consensus max_gas: CPU, not gas, bounds a block of transfers
	// evmBenchWindow is how many transactions of one sender are in the mempool at once: the app
	// mempool's account-slots, beyond which a sender's transactions wait in its queue.
	evmBenchWindow = 16
	// evmBenchSends is how many eth_sendRawTransaction batches are in flight at once.
	evmBenchSends = 8
	// evmBenchPrecompileEvery: on the Bitcoin-busy node, every tenth transaction of a sender calls
	// IBitcoin's tip() instead of sending value.
	evmBenchPrecompileEvery = 10
)

var (
	evmBenchTip    = big.NewInt(1_000_000_000)  // 1 gwei
	evmBenchFeeCap = big.NewInt(10_000_000_000) // 10 gwei: ten times the base fee floor
	evmBenchShare  = new(big.Int).Mul(big.NewInt(10), oneHemi)
)

// TestEVMThroughput measures EVM throughput on a fresh single hemid node (1 s timeout_commit,
// app-side mempool, 100M block gas) under a JSON-RPC load of HEMI_BENCH_EVM_TXS transactions
// (default 8000) from HEMI_BENCH_EVM_SENDERS senders (default 200), each keeping up to 16 of its
// transactions in the mempool, with nonces managed here. The senders are funded in an unmeasured
// first phase. Each round (HEMI_BENCH_EVM_ROUNDS, default 2) starts a fresh node for each of:
//
//	native/sequential     value transfers, block-executor = "sequential"
//	native/block-stm      the same, block-executor = "block-stm"; also the Bitcoin-idle baseline
//	native/bitcoin-busy   the same on block-stm, with btcd mining a block a second, the relayer
//	                      relaying its headers, the popminer publishing and proving keystones (a
//	                      keystone every 10 blocks) and one transaction in ten calling IBitcoin's tip()
//	erc20/sequential      TestToken transfers, sequential
//	erc20/block-stm       the same, block-stm
//
// so that runs compared with each other alternate. For each run it logs included tx/s, the median
// and p95 block interval, the node's CPU seconds over the load (/proc/PID/stat) and its resident
// memory before the load and at its peak (VmRSS, VmHWM); then the ratios block-stm/sequential and
// busy/idle of each round, and their medians over the rounds. Run it with bench/evm.sh.
func TestEVMThroughput(t *testing.T) {
	if os.Getenv("HEMI_BENCH") == "" {
		t.Skip("a benchmark: run bench/evm.sh (sets HEMI_BENCH=1)")
	}
	txs, senders, rounds := envInt(t, "HEMI_BENCH_EVM_TXS", 8000), envInt(t, "HEMI_BENCH_EVM_SENDERS", 200), envInt(t, "HEMI_BENCH_EVM_ROUNDS", 2)
	if txs < senders || senders < 1 || rounds < 1 {
		t.Fatalf("want HEMI_BENCH_EVM_TXS >= HEMI_BENCH_EVM_SENDERS >= 1 and HEMI_BENCH_EVM_ROUNDS >= 1, got %d, %d, %d", txs, senders, rounds)
	}
	t.Logf("load: %d transactions from %d senders, %d rounds; machine load average at start: %s", txs, senders, rounds, loadAverage())
	runs := []evmBenchRun{
		{name: "native/sequential", executor: "sequential", erc20: false},
		{name: "native/block-stm", executor: "block-stm", erc20: false},
		{name: "native/bitcoin-busy", executor: "block-stm", erc20: false, busy: true},
		{name: "erc20/sequential", executor: "sequential", erc20: true},
		{name: "erc20/block-stm", executor: "block-stm", erc20: true},
	}
	figures := make([]map[string]evmFigures, rounds)
	for r := range rounds {
		figures[r] = map[string]evmFigures{}
		for _, run := range runs {
			name := fmt.Sprintf("round%d/%s", r+1, run.name)
			t.Run(name, func(t *testing.T) {
				f := run.measure(t, txs, senders, profilePath(t, name))
				figures[r][run.name] = f
				t.Logf("RESULT %s %s", name, f)
			})
			if _, ok := figures[r][run.name]; !ok {
				t.Fatalf("%s failed", name)
			}
		}
	}
	comparisons := []struct{ name, num, den string }{
		{"native block-stm/sequential", "native/block-stm", "native/sequential"},
		{"erc20 block-stm/sequential", "erc20/block-stm", "erc20/sequential"},
		{"native bitcoin-busy/idle", "native/bitcoin-busy", "native/block-stm"},
	}
	for _, c := range comparisons {
		var ratios []evmRatios
		for r := range rounds {
			q := figures[r][c.num].ratio(figures[r][c.den])
			ratios = append(ratios, q)
			t.Logf("RATIO round%d %s: %s", r+1, c.name, q)
		}
		t.Logf("RATIO median of %d rounds %s: %s", rounds, c.name, medianRatios(ratios))
	}
	t.Logf("machine load average at end: %s", loadAverage())
}

// evmBenchRun is one configuration of TestEVMThroughput's node and load.
type evmBenchRun struct {
	name     string
	executor string // app.toml's block-executor
	erc20    bool   // TestToken transfers instead of value transfers
	busy     bool   // the Bitcoin side busy
}

// evmFigures are what one run measured.
type evmFigures struct {
	txs              int
	txPerSec         float64
	median, p95      time.Duration // block interval over the blocks holding the load
	blocks           int
	cpuSeconds       float64 // the node's user+system CPU over the load
	rssIdle, rssPeak int64   // kB: before the load, and the peak (VmHWM) at its end
	headers          int64   // Bitcoin headers x/btclc gained during the load
	load             string  // the machine's load average at the end of the run
}

func (f evmFigures) String() string {
	return fmt.Sprintf("txs=%d tx/s=%.1f block_interval_median=%.3fs p95=%.3fs blocks=%d node_cpu=%.1fs rss_idle=%.0fMiB rss_peak=%.0fMiB btc_headers_relayed=%d loadavg=%q",
		f.txs, f.txPerSec, f.median.Seconds(), f.p95.Seconds(), f.blocks, f.cpuSeconds, float64(f.rssIdle)/1024, float64(f.rssPeak)/1024, f.headers, f.load)
}

// evmRatios are the ratios of one run's figures to a baseline run's.
type evmRatios struct{ txPerSec, median, p95, cpuPerTx, rssPeak float64 }

func (f evmFigures) ratio(base evmFigures) evmRatios {
	return evmRatios{
		txPerSec: f.txPerSec / base.txPerSec,
		median:   f.median.Seconds() / base.median.Seconds(),
		p95:      f.p95.Seconds() / base.p95.Seconds(),
		cpuPerTx: (f.cpuSeconds / float64(f.txs)) / (base.cpuSeconds / float64(base.txs)),
		rssPeak:  float64(f.rssPeak) / float64(base.rssPeak),
	}
}

func (q evmRatios) String() string {
	return fmt.Sprintf("tx/s %.2fx  median block interval %.2fx  p95 %.2fx  node CPU per tx %.2fx  peak RSS %.2fx",
		q.txPerSec, q.median, q.p95, q.cpuPerTx, q.rssPeak)
}

func medianRatios(rs []evmRatios) evmRatios {
	pick := func(f func(evmRatios) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		return median(v)
	}
	return evmRatios{
		txPerSec: pick(func(r evmRatios) float64 { return r.txPerSec }),
		median:   pick(func(r evmRatios) float64 { return r.median }),
		p95:      pick(func(r evmRatios) float64 { return r.p95 }),
		cpuPerTx: pick(func(r evmRatios) float64 { return r.cpuPerTx }),
		rssPeak:  pick(func(r evmRatios) float64 { return r.rssPeak }),
	}
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// measure starts the run's node, funds the senders, runs the load and returns its figures.
func (run evmBenchRun) measure(t *testing.T, txs, senders int, profile string) evmFigures {
	minerKey, _ := btcec.PrivKeyFromBytes([]byte("hemi e2e popminer key, 32 bytes!"))
	btc := btcdtest.Start(t, &btcdtest.Options{MiningKey: minerKey})
	btc.Generate(110) // 10 mature coinbases for the popminer
	net := newNetwork(t, 1, 2, append(btcEnv(btc), popMinerEnv(minerKey)...)...)
	genesis := filepath.Join(net.home(0), "config", "genesis.json")
	editGenesis(t, genesis, genesis, func(g map[string]any) {
		dig(t, g, "consensus", "params", "block").(map[string]any)["max_gas"] = strconv.Itoa(evmBenchBlockGas)
	})
	setAppToml(t, net.home(0), "block-executor", strconv.Quote(run.executor))
	net.start(0)
	net.waitHeight(0, 2, 3*time.Minute)
	pid := net.procs[0].cmd.Process.Pid
	load := newEVMLoad(t, net)

	keys := make([]*benchKey, senders)
	for i := range keys {
		keys[i] = derivedKey(t, "sender", i)
	}
	funder := &benchKey{key: devKey(t, net.devs[1]), addr: common.HexToAddress(net.devs[1].EthAddress)}
	nonce, err := load.eth.PendingNonceAt(context.Background(), funder.addr)
	if err != nil {
		t.Fatal(err)
	}
	funder.nonce = nonce
	load.fundTree(t, funder, keys, func(from *benchKey, to common.Address, shares int) *ethtypes.Transaction {
		value := new(big.Int).Mul(evmBenchShare, big.NewInt(int64(shares)))
		return load.sign(t, from, to, value, nil, 21_000)
	})

	// The load: sender i sends to its own recipient, never to another sender, so that the
	// transactions of different senders touch different accounts.
	var token common.Address
	var tokenABI abi.ABI
	perTx := func(i, k int) (to common.Address, data []byte) { return derivedAddress("recipient", i), nil }
	gas := uint64(21_000)
	if run.erc20 {
		tokenABI = mustABI(t, contracts.TestTokenABI)
		token = load.deployToken(t, funder, tokenABI, new(big.Int).Mul(big.NewInt(1e9), oneHemi))
		load.fundTree(t, funder, keys, func(from *benchKey, to common.Address, shares int) *ethtypes.Transaction {
			data, err := tokenABI.Pack("transfer", to, new(big.Int).Mul(oneHemi, big.NewInt(int64(shares*(txs/senders+1)))))
			if err != nil {
				t.Fatal(err)
			}
			return load.sign(t, from, token, new(big.Int), data, 100_000)
		})
		data, err := tokenABI.Pack("transfer", derivedAddress("recipient", 0), big.NewInt(1))
		if err != nil {
			t.Fatal(err)
		}
		gas = load.estimate(t, keys[0].addr, token, data)
		perTx = func(i, k int) (common.Address, []byte) {
			data, err := tokenABI.Pack("transfer", derivedAddress("recipient", i), big.NewInt(1))
			if err != nil {
				t.Fatal(err)
			}
			return token, data
		}
	}
	tipData, err := mustABI(t, contracts.IBitcoinABI).Pack("tip")
	if err != nil {
		t.Fatal(err)
	}
	tipGas := load.estimate(t, keys[0].addr, ibitcoin.Address, tipData)

	var lc btclctypes.QueryClient
	if run.busy {
		lc = btclctypes.NewQueryClient(grpcConn(t, net))
		relayer := startRelayer(t, net, btc, fmt.Sprintf("127.0.0.1:%d", freePortBase(t, 1)), 200)
		t.Cleanup(relayer.stop)
		miner := startPoPMiner(t, net, btc)
		t.Cleanup(miner.stop)
		ctx, cancel := context.WithCancel(context.Background())
		mined := make(chan struct{})
		t.Cleanup(func() { cancel(); <-mined })
		go func() { // Bitcoin keeps going: a block a second
			defer close(mined)
			for ctx.Err() == nil {
				btc.Generate(1)
				time.Sleep(time.Second)
			}
		}()
		height, _ := btc.BestBlock()
		waitLightClientHeight(t, lc, height, 2*time.Minute)
	}

	queues := make([][]*ethtypes.Transaction, senders)
	var precompileCalls []common.Hash
	for i, key := range keys {
		n := txs / senders
		if i < txs%senders {
			n++
		}
		for k := range n {
			var tx *ethtypes.Transaction
			if run.busy && k%evmBenchPrecompileEvery == evmBenchPrecompileEvery-1 {
				tx = load.sign(t, key, ibitcoin.Address, new(big.Int), tipData, tipGas)
				precompileCalls = append(precompileCalls, tx.Hash())
			} else {
				to, data := perTx(i, k)
				value := big.NewInt(1)
				if run.erc20 {
					value = new(big.Int)
				}
				tx = load.sign(t, key, to, value, data, gas)
			}
			queues[i] = append(queues[i], tx)
		}
	}

	tipBefore := lightClientHeight(t, lc)
	rssIdle := procStatusKB(t, pid, "VmRSS")
	cpuBefore := procCPUSeconds(t, pid)
	profiled := func() {}
	if profile != "" {
		profiled = profileNode(t, net.home(0), envInt(t, "HEMI_BENCH_EVM_PROFILE_SECONDS", 10), profile)
	}
	blocks, prev := load.run(t, queues)
	cpu := procCPUSeconds(t, pid) - cpuBefore
	rssPeak := procStatusKB(t, pid, "VmHWM")
	profiled()
	headers := lightClientHeight(t, lc) - tipBefore

	// Every sender's last transaction, and every precompile call, succeeded.
	for _, q := range queues {
		load.mustSucceed(t, q[len(q)-1].Hash())
	}
	for _, h := range precompileCalls {
		load.mustSucceed(t, h)
	}
	f := blockFigures(blocks, prev)
	f.cpuSeconds, f.rssIdle, f.rssPeak, f.headers, f.load = cpu, rssIdle, rssPeak, headers, loadAverage()
	return f
}

// lightClientHeight is x/btclc's tip height, or 0 without a client.
func lightClientHeight(t *testing.T, lc btclctypes.QueryClient) int64 {
	t.Helper()
	if lc == nil {
		return 0
	}
	res, err := lc.Tip(context.Background(), &btclctypes.QueryTipRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return int64(res.Header.Height)
}

// blockFigures are tx/s and block intervals over the blocks from the first that holds a load
// transaction to the last; prev is the time of the block before the first.
func blockFigures(blocks []evmBlock, prev time.Time) evmFigures {
	var f evmFigures
	var intervals []float64
	elapsed := blocks[len(blocks)-1].time.Sub(prev)
	for _, b := range blocks {
		f.txs += b.loadTxs
		intervals = append(intervals, b.time.Sub(prev).Seconds())
		prev = b.time
	}
	f.blocks = len(blocks)
	f.txPerSec = float64(f.txs) / elapsed.Seconds()
	f.median = time.Duration(median(intervals) * float64(time.Second))
	slices.Sort(intervals)
	f.p95 = time.Duration(intervals[(len(intervals)*95+99)/100-1] * float64(time.Second))
	return f
}

// evmLoad drives one node's JSON-RPC.
type evmLoad struct {
	net     *network
	eth     *ethclient.Client
	rpc     *ethrpc.Client
	chainID *big.Int
	signer  ethtypes.Signer
}

func newEVMLoad(t *testing.T, net *network) *evmLoad {
	t.Helper()
	// Keep-alive connections for the concurrent senders; the default keeps 2 idle ones per host.
	httpClient := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: evmBenchSends + 4, MaxConnsPerHost: evmBenchSends + 4}}
	rc, err := ethrpc.DialOptions(context.Background(), net.nodes[0].JSONRPC, ethrpc.WithHTTPClient(httpClient))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rc.Close)
	chainID := big.NewInt(testEVMChainID)
	return &evmLoad{net: net, eth: ethclient.NewClient(rc), rpc: rc, chainID: chainID, signer: ethtypes.LatestSignerForChainID(chainID)}
}

// benchKey is a sender whose nonce the load manages: the next transaction it signs takes nonce.
type benchKey struct {
	key   *ecdsa.PrivateKey
	addr  common.Address
	nonce uint64
}

// derivedKey is the i-th key of a kind, the same in every run.
func derivedKey(t *testing.T, kind string, i int) *benchKey {
	t.Helper()
	seed := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("hemi evm bench "+kind), uint64(i)))
	key, err := crypto.ToECDSA(seed[:])
	if err != nil {
		t.Fatal(err)
	}
	return &benchKey{key: key, addr: crypto.PubkeyToAddress(key.PublicKey)}
}

// derivedAddress is the i-th address of a kind that no key of the load controls.
func derivedAddress(kind string, i int) common.Address {
	h := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("hemi evm bench "+kind), uint64(i)))
	return common.BytesToAddress(h[:20])
}

// sign signs an EIP-1559 transaction from key with its next nonce (to nil: a contract creation).
func (l *evmLoad) sign(t *testing.T, from *benchKey, to common.Address, value *big.Int, data []byte, gas uint64) *ethtypes.Transaction {
	t.Helper()
	inner := &ethtypes.DynamicFeeTx{
		ChainID: l.chainID, Nonce: from.nonce, GasTipCap: evmBenchTip, GasFeeCap: evmBenchFeeCap,
		Gas: gas, To: &to, Value: value, Data: data,
	}
	if to == (common.Address{}) {
		inner.To = nil
	}
	tx, err := ethtypes.SignTx(ethtypes.NewTx(inner), l.signer, from.key)
	if err != nil {
		t.Fatal(err)
	}
	from.nonce++
	return tx
}

// estimate is eth_estimateGas of a call, with a quarter more for the state it finds different
// when it runs.
func (l *evmLoad) estimate(t *testing.T, from, to common.Address, data []byte) uint64 {
	t.Helper()
	gas, err := l.eth.EstimateGas(context.Background(), ethereum.CallMsg{From: from, To: &to, Data: data})
	if err != nil {
		t.Fatalf("eth_estimateGas to %s: %v", to, err)
	}
	return gas + gas/4
}

// fundTree gives each key its share through a two-level tree, so that no account has more than
// evmBenchWindow transactions to send: the funder pays up to 15 holders one share per key of
// their group, each holder pays the rest of its group. transfer signs a payment of shares.
func (l *evmLoad) fundTree(t *testing.T, funder *benchKey, keys []*benchKey, transfer func(from *benchKey, to common.Address, shares int) *ethtypes.Transaction) {
	t.Helper()
	k := min(evmBenchWindow-1, len(keys))
	groups := make([][]*benchKey, k)
	for i, key := range keys {
		groups[i%k] = append(groups[i%k], key)
	}
	first := make([]*ethtypes.Transaction, k)
	for g := range groups {
		// A holder's group, plus one share for the fees of paying it.
		first[g] = transfer(funder, groups[g][0].addr, len(groups[g])+1)
	}
	l.run(t, [][]*ethtypes.Transaction{first})
	for _, tx := range first {
		l.mustSucceed(t, tx.Hash())
	}
	var second [][]*ethtypes.Transaction
	for _, group := range groups {
		var q []*ethtypes.Transaction
		for _, member := range group[1:] {
			q = append(q, transfer(group[0], member.addr, 1))
		}
		if len(q) > 0 {
			second = append(second, q)
		}
	}
	if len(second) > 0 {
		l.run(t, second)
	}
	for _, q := range second {
		for _, tx := range q {
			l.mustSucceed(t, tx.Hash())
		}
	}
}

// deployToken deploys TestToken from funder with the given supply and returns its address.
func (l *evmLoad) deployToken(t *testing.T, funder *benchKey, tokenABI abi.ABI, supply *big.Int) common.Address {
	t.Helper()
	args, err := tokenABI.Pack("", "Bench", "BNCH", supply)
	if err != nil {
		t.Fatal(err)
	}
	addr := crypto.CreateAddress(funder.addr, funder.nonce)
	tx := l.sign(t, funder, common.Address{}, new(big.Int), append(contracts.TestTokenBytecode(), args...), 2_000_000)
	l.run(t, [][]*ethtypes.Transaction{{tx}})
	l.mustSucceed(t, tx.Hash())
	return addr
}

// mustSucceed checks that the transaction's receipt has status 1.
func (l *evmLoad) mustSucceed(t *testing.T, hash common.Hash) {
	t.Helper()
	receipt, err := l.eth.TransactionReceipt(context.Background(), hash)
	if err != nil {
		t.Fatalf("receipt of %s: %v", hash, err)
	}
	if receipt.Status != ethtypes.ReceiptStatusSuccessful {
		t.Fatalf("transaction %s failed in block %d (gas used %d)", hash, receipt.BlockNumber, receipt.GasUsed)
	}
}

// evmBlock is a committed block during a load: its CometBFT header time and how many of the
// load's transactions it holds.
type evmBlock struct {
	height  int64
	time    time.Time
	loadTxs int
}

// run sends each queue's transactions (queue i: one sender's, in nonce order), keeping at most
// evmBenchWindow of a sender's in the mempool, until every one is in a block. It returns the
// blocks from the first that holds one of them to the last, and the time of the block before.
func (l *evmLoad) run(t *testing.T, queues [][]*ethtypes.Transaction) ([]evmBlock, time.Time) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sender := map[common.Hash]int{}
	total := 0
	for i, q := range queues {
		for _, tx := range q {
			sender[tx.Hash()] = i
		}
		total += len(q)
	}
	start, err := l.eth.BlockNumber(ctx)
	if err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	included := make([]int, len(queues))
	tick := make(chan struct{}) // closed and replaced at each block
	done := make(chan struct{})
	fail := make(chan error, len(queues)+1)
	var blocks []evmBlock
	go func() { // follows the blocks
		remaining := total
		for next := int64(start) + 1; ctx.Err() == nil; {
			height, err := l.eth.BlockNumber(ctx)
			if err != nil {
				time.Sleep(100 * time.Millisecond)
				continue
			}
			for ; next <= int64(height) && ctx.Err() == nil; next++ {
				// The JSON-RPC server may answer for a block before its transactions are indexed.
				b, hashes, err := l.block(ctx, next)
				for retry := 0; err != nil && retry < 50 && ctx.Err() == nil; retry++ {
					time.Sleep(100 * time.Millisecond)
					b, hashes, err = l.block(ctx, next)
				}
				if err != nil {
					fail <- err
					return
				}
				mu.Lock()
				for _, h := range hashes {
					if i, ok := sender[h]; ok {
						included[i]++
						b.loadTxs++
					}
				}
				remaining -= b.loadTxs
				blocks = append(blocks, b)
				close(tick)
				tick = make(chan struct{})
				mu.Unlock()
				if remaining == 0 {
					close(done)
					return
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()

	sends := make(chan struct{}, evmBenchSends)
	for i, q := range queues {
		go func() {
			sent, retries := 0, 0
			for sent < len(q) && ctx.Err() == nil {
				mu.Lock()
				n := min(included[i]+evmBenchWindow, len(q)) - sent
				wait := tick
				mu.Unlock()
				if n <= 0 {
					select {
					case <-wait:
					case <-ctx.Done():
					}
					continue
				}
				batch := make([]ethrpc.BatchElem, n)
				for k := range batch {
					raw, err := q[sent+k].MarshalBinary()
					if err != nil {
						fail <- err
						return
					}
					batch[k] = ethrpc.BatchElem{Method: "eth_sendRawTransaction", Args: []any{hexutil.Encode(raw)}, Result: new(common.Hash)}
				}
				sends <- struct{}{}
				err := l.rpc.BatchCallContext(ctx, batch)
				<-sends
				ok := 0
				for ; err == nil && ok < n; ok++ {
					if e := batch[ok].Error; e != nil && !alreadySent(e) {
						err = e
						break
					}
				}
				sent += ok
				if err != nil {
					if retries++; retries > 100 {
						fail <- fmt.Errorf("sender %d, transaction %d of %d: %w", i, sent, len(q), err)
						return
					}
					time.Sleep(200 * time.Millisecond)
				}
			}
		}()
	}

	timeout := time.Minute + time.Duration(total)*50*time.Millisecond
	select {
	case <-done:
	case err := <-fail:
		t.Fatalf("load: %v", err)
	case <-time.After(timeout):
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, c := range included {
			n += c
		}
		t.Fatalf("load: %d of %d transactions in blocks after %s", n, total, timeout)
	}
	mu.Lock()
	defer mu.Unlock()
	first := slices.IndexFunc(blocks, func(b evmBlock) bool { return b.loadTxs > 0 })
	prev, err := l.blockTime(ctx, blocks[first].height-1)
	if err != nil {
		t.Fatal(err)
	}
	return blocks[first:], prev
}

// alreadySent reports whether a send's error means the node has the transaction already (in
// its mempool or in a block), as after a retried batch.
func alreadySent(err error) bool {
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "already known") || strings.Contains(msg, "nonce too low") || strings.Contains(msg, "already in")
}

// block is block h's header time (CometBFT's, in nanoseconds) and its EVM transactions' hashes.
func (l *evmLoad) block(ctx context.Context, h int64) (evmBlock, []common.Hash, error) {
	var eb struct {
		Transactions []common.Hash `json:"transactions"`
	}
	if err := l.rpc.CallContext(ctx, &eb, "eth_getBlockByNumber", hexutil.EncodeUint64(uint64(h)), false); err != nil {
		return evmBlock{}, nil, fmt.Errorf("eth_getBlockByNumber %d: %w", h, err)
	}
	tm, err := l.blockTime(ctx, h)
	return evmBlock{height: h, time: tm}, eb.Transactions, err
}

// blockTime is the CometBFT header time of block h.
func (l *evmLoad) blockTime(ctx context.Context, h int64) (time.Time, error) {
	var res struct {
		Result struct {
			Header struct {
				Time time.Time `json:"time"`
			} `json:"header"`
		} `json:"result"`
	}
	if err := getJSON(fmt.Sprintf("%s/header?height=%d", l.net.nodes[0].RPC, h), &res); err != nil {
		return time.Time{}, fmt.Errorf("header %d: %w", h, err)
	}
	if res.Result.Header.Time.IsZero() {
		return time.Time{}, errors.New("header " + strconv.FormatInt(h, 10) + " has no time")
	}
	return res.Result.Header.Time, ctx.Err()
}

// profilePath is where HEMI_BENCH_EVM_PROFILE (a directory) takes the CPU profile of the run
// name, or "" when it is not set.
func profilePath(t *testing.T, name string) string {
	dir := os.Getenv("HEMI_BENCH_EVM_PROFILE")
	if dir == "" {
		return ""
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, strings.ReplaceAll(name, "/", "-")+".pprof")
}

// profileNode starts a CPU profile of seconds of the node at home, through CometBFT's pprof
// server (config.toml's pprof_laddr), and returns a function that waits for it and writes it to
// path. The profile covers the whole process: block execution (FinalizeBlock), CheckTx and the
// JSON-RPC server alike; `go tool pprof -focus FinalizeBlock` keeps the blocks' part.
func profileNode(t *testing.T, home string, seconds int, path string) (wait func()) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(home, "config", "config.toml"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^pprof_laddr = "([^"]+)"`).FindSubmatch(b)
	if m == nil {
		t.Fatal("config.toml sets no pprof_laddr: the node serves no profiles")
	}
	url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", m[1], seconds)
	client := &http.Client{Timeout: time.Duration(seconds)*time.Second + 30*time.Second}
	done := make(chan error, 1)
	go func() {
		resp, err := client.Get(url)
		if err != nil {
			done <- err
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			done <- fmt.Errorf("%s: %s", url, resp.Status)
			return
		}
		f, err := os.Create(path)
		if err != nil {
			done <- err
			return
		}
		_, err = io.Copy(f, resp.Body)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		done <- err
	}()
	return func() {
		// The client's timeout bounds the wait; a failed profile does not discard the figures.
		if err := <-done; err != nil {
			t.Errorf("CPU profile of the node: %v", err)
			return
		}
		t.Logf("CPU profile of %d s of the node under the load: %s", seconds, path)
	}
}

// setAppToml sets a top-level key of a node's app.toml (value as TOML: quote strings).
func setAppToml(t *testing.T, home, key, value string) {
	t.Helper()
	path := filepath.Join(home, "config", "app.toml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(key) + ` = .*$`)
	loc := re.FindIndex(b)
	if loc == nil {
		t.Fatalf("app.toml has no %s", key)
	}
	b = slices.Concat(b[:loc[0]], []byte(key+" = "+value), b[loc[1]:])
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// procCPUSeconds is the user plus system CPU time of process pid (/proc/PID/stat fields 14 and
// 15, in clock ticks of 1/100 s, Linux's USER_HZ).
func procCPUSeconds(t *testing.T, pid int) float64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]) // fields[0] is field 3, the state
	if len(fields) < 13 {
		t.Fatalf("/proc/%d/stat has %d fields after the name", pid, len(fields))
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	return float64(utime+stime) / 100
}

// procStatusKB is a kB field of /proc/PID/status (VmRSS, VmHWM).
func procStatusKB(t *testing.T, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb
		}
	}
	t.Fatalf("/proc/%d/status has no %s", pid, field)
	return 0
}

// loadAverage is the machine's 1, 5 and 15 minute load averages.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

// envInt is an integer environment variable, or def when it is unset.
func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return n
}
