// Package datagen gives tests Bitcoin data: loaders for the real headers,
// retarget boundaries, fork headers and SPV proofs kept beside the repository
// (../shared/testdata/bitcoin, see its README), a generator of valid regtest
// header chains, whose proof of work is cheap enough to mine in a test, and a
// block miner with real signed P2PKH, P2WPKH and P2SH-P2WPKH spends
// (MineSpendBlock).
package datagen

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
)

// DirEnv overrides where the real Bitcoin test data is read from.
const DirEnv = "HEMI_BTC_TESTDATA"

var (
	dirOnce sync.Once
	dir     string
	dirErr  error
)

// Dir is the directory of the real Bitcoin test data: $HEMI_BTC_TESTDATA when
// set, otherwise shared/testdata/bitcoin beside the repository root (the
// directory holding go.mod), found by walking up from the working directory,
// so it resolves from any package's tests.
func Dir(tb testing.TB) string {
	tb.Helper()
	dirOnce.Do(func() { dir, dirErr = findDir() })
	if dirErr != nil {
		tb.Fatalf("real Bitcoin test data: %v", dirErr)
	}
	return dir
}

func findDir() (string, error) {
	if d := os.Getenv(DirEnv); d != "" {
		return d, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return "", fmt.Errorf("%w (set %s)", err, DirEnv)
	}
	data := filepath.Join(root, "..", "shared", "testdata", "bitcoin")
	if _, err := os.Stat(data); err != nil {
		return "", fmt.Errorf("repository root %s has no ../shared/testdata/bitcoin (set %s): %w", root, DirEnv, err)
	}
	return data, nil
}

// RepoRoot is the repository root: the nearest directory holding go.mod at or above the working
// directory (go test runs in the package's directory).
func RepoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod above %s", wd)
		}
	}
}

// Read returns the bytes of one test data file.
func Read(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(Dir(tb), name))
	if err != nil {
		tb.Fatalf("real Bitcoin test data: %v", err)
	}
	return b
}

// HeaderRun is one *.hex file: consecutive headers from height Start.
type HeaderRun struct {
	Start   uint64
	Raw     [][]byte
	Headers []wire.BlockHeader
}

// End is the height of the last header.
func (r *HeaderRun) End() uint64 { return r.Start + uint64(len(r.Raw)) - 1 }

func (r *HeaderRun) index(tb testing.TB, height uint64) int {
	tb.Helper()
	if height < r.Start || height > r.End() {
		tb.Fatalf("height %d not in run %d-%d", height, r.Start, r.End())
	}
	return int(height - r.Start)
}

// At returns the header at height, which must be in the run.
func (r *HeaderRun) At(tb testing.TB, height uint64) *wire.BlockHeader {
	tb.Helper()
	return &r.Headers[r.index(tb, height)]
}

// RawAt returns the serialized header at height, which must be in the run.
func (r *HeaderRun) RawAt(tb testing.TB, height uint64) []byte {
	tb.Helper()
	return r.Raw[r.index(tb, height)]
}

// RawRange returns the serialized headers from height from to height to,
// both included.
func (r *HeaderRun) RawRange(tb testing.TB, from, to uint64) [][]byte {
	tb.Helper()
	return r.Raw[r.index(tb, from) : r.index(tb, to)+1]
}

var runName = regexp.MustCompile(`-(\d+)-(\d+)\.hex$`)

// LoadHeaders reads a header run such as "mainnet-headers-822528-830592.hex".
// The heights come from the file name and the line count must agree with
// them; every line must be one 80-byte header.
func LoadHeaders(tb testing.TB, name string) *HeaderRun {
	tb.Helper()
	m := runName.FindStringSubmatch(name)
	if m == nil {
		tb.Fatalf("%s: name does not say its heights", name)
	}
	first, _ := strconv.ParseUint(m[1], 10, 64)
	last, _ := strconv.ParseUint(m[2], 10, 64)
	r := &HeaderRun{Start: first}
	sc := bufio.NewScanner(bytes.NewReader(Read(tb, name)))
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		raw := MustHex(tb, line)
		h, err := bitcoin.ParseHeader(raw)
		if err != nil {
			tb.Fatalf("%s line %d: %v", name, len(r.Raw)+1, err)
		}
		r.Raw = append(r.Raw, raw)
		r.Headers = append(r.Headers, *h)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	if len(r.Raw) == 0 || r.End() != last {
		tb.Fatalf("%s: %d lines, name says %d-%d", name, len(r.Raw), first, last)
	}
	return r
}

// Boundary is a row of mainnet-retarget-boundaries-0-832608.csv.
type Boundary struct {
	Height uint64
	Raw    []byte
	Header wire.BlockHeader
	// ChainWork is the cumulative work up to and including this block, as
	// bitcoind's getblockheader "chainwork".
	ChainWork *big.Int
}

// LoadBoundaries reads the mainnet retarget boundaries (heights 0, 2016k-1
// and 2016k up to 832608) with their chain work, by height.
func LoadBoundaries(tb testing.TB) map[uint64]Boundary {
	tb.Helper()
	rows := readCSV(tb, "mainnet-retarget-boundaries-0-832608.csv")
	out := make(map[uint64]Boundary, len(rows))
	for _, r := range rows {
		height := mustUint(tb, r[0])
		raw := MustHex(tb, r[1])
		h, err := bitcoin.ParseHeader(raw)
		if err != nil {
			tb.Fatalf("boundary %d: %v", height, err)
		}
		work, ok := new(big.Int).SetString(r[2], 16)
		if !ok {
			tb.Fatalf("boundary %d: bad chainwork %q", height, r[2])
		}
		out[height] = Boundary{Height: height, Raw: raw, Header: *h, ChainWork: work}
	}
	return out
}

// ForkHeader is a row of mainnet-fork-headers.csv: a real header that is not
// on the best chain.
type ForkHeader struct {
	Height uint64
	Raw    []byte
	Header wire.BlockHeader
	// Kind is "stale" or "invalid-fork-20150704".
	Kind string
	Note string
}

// LoadForkHeaders reads the real off-best-chain headers in file order.
func LoadForkHeaders(tb testing.TB) []ForkHeader {
	tb.Helper()
	var out []ForkHeader
	for _, r := range readCSV(tb, "mainnet-fork-headers.csv") {
		raw := MustHex(tb, r[1])
		h, err := bitcoin.ParseHeader(raw)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, ForkHeader{Height: mustUint(tb, r[0]), Raw: raw, Header: *h, Kind: r[2], Note: r[3]})
	}
	return out
}

// SPVVector is one entry of spv-proofs.json; its hashes are in display order.
type SPVVector struct {
	Network      string   `json:"network"`
	Height       *uint64  `json:"height"`
	BlockHash    string   `json:"block_hash"`
	HeaderHex    string   `json:"block_header_hex"`
	MerkleRoot   string   `json:"merkle_root"`
	TxCount      *int     `json:"tx_count"`
	Index        uint32   `json:"index"`
	TxID         string   `json:"txid"`
	WTxID        string   `json:"wtxid"`
	IsSegwit     bool     `json:"is_segwit"`
	IsCoinbase   bool     `json:"is_coinbase"`
	TxHex        string   `json:"tx_hex"`
	MerkleBranch []string `json:"merkle_branch"`
	// OpReturnOutputs are the transaction's OP_RETURN outputs, as the data
	// file lists them (real witness commitments, Runes, RSK, CoreDAO, Omni,
	// Stacks and others).
	OpReturnOutputs []OpReturnOutput `json:"op_return_outputs"`
	Note            string           `json:"note"`
}

// OpReturnOutput is one OP_RETURN output of an SPVVector's transaction.
type OpReturnOutput struct {
	Vout      uint32 `json:"vout"`
	ValueSats int64  `json:"value_sats"`
	ScriptHex string `json:"script_hex"`
	// Pushes are the data pushes after OP_RETURN in hex; a non-push opcode
	// is written as "OP_xx", for example "OP_5d" (OP_13) in a runestone.
	Pushes []string `json:"pushes"`
}

// Name identifies a vector in test output.
func (v SPVVector) Name() string {
	h := "?"
	if v.Height != nil {
		h = strconv.FormatUint(*v.Height, 10)
	}
	return fmt.Sprintf("%s/%s/%d", v.Network, h, v.Index)
}

// Branch returns the merkle branch in internal byte order.
func (v SPVVector) Branch(tb testing.TB) []chainhash.Hash {
	tb.Helper()
	out := make([]chainhash.Hash, len(v.MerkleBranch))
	for i, s := range v.MerkleBranch {
		out[i] = DisplayHash(tb, s)
	}
	return out
}

// LoadSPVVectors reads the inclusion proofs of spv-proofs.json.
func LoadSPVVectors(tb testing.TB) []SPVVector {
	tb.Helper()
	var doc struct {
		Vectors []SPVVector `json:"vectors"`
	}
	if err := json.Unmarshal(Read(tb, "spv-proofs.json"), &doc); err != nil {
		tb.Fatal(err)
	}
	if len(doc.Vectors) == 0 {
		tb.Fatal("spv-proofs.json has no vectors")
	}
	return doc.Vectors
}

// LoadBlock reads a full raw block such as "mainnet-block-830000.bin"; the
// file must hold exactly one serialized block.
func LoadBlock(tb testing.TB, name string) *wire.MsgBlock {
	tb.Helper()
	block, err := bitcoin.DecodeBlock(Read(tb, name))
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return block
}

// Network returns a network's parameters by name (bitcoin.MainNet, ...).
// Each call returns a new Params, so a test may change its own fields (such
// as EnforceBIP94), but Chain points to parameters shared by every caller.
func Network(tb testing.TB, name string) *bitcoin.Params {
	tb.Helper()
	p, err := bitcoin.NetworkByName(name)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// MustHex decodes hex or fails the test.
func MustHex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// DisplayHash parses a hash in display (RPC) byte order into internal order.
func DisplayHash(tb testing.TB, s string) chainhash.Hash {
	tb.Helper()
	h, err := bitcoin.ParseDisplayHash(s)
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// readCSV returns a CSV file's rows without its header row.
func readCSV(tb testing.TB, name string) [][]string {
	tb.Helper()
	rows, err := csv.NewReader(bytes.NewReader(Read(tb, name))).ReadAll()
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	if len(rows) < 2 {
		tb.Fatalf("%s: no data rows", name)
	}
	return rows[1:]
}

func mustUint(tb testing.TB, s string) uint64 {
	tb.Helper()
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		tb.Fatalf("bad height %q: %v", s, err)
	}
	return n
}
