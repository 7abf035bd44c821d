package bitcoin_test

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
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
)

// testdataPath is the one place that knows where the real Bitcoin data lives:
// /work/shared/testdata/bitcoin beside the repository, seen from this
// package's directory (go test runs in it).
func testdataPath(name string) string {
	return filepath.Join("..", "..", "shared", "testdata", "bitcoin", name)
}

func readTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(testdataPath(name))
	if err != nil {
		tb.Fatalf("real Bitcoin test data missing (see testdataPath): %v", err)
	}
	return b
}

// headerFile is one *.hex run of consecutive headers.
type headerFile struct {
	start   uint64
	raw     [][]byte
	headers []wire.BlockHeader
}

func (f *headerFile) end() uint64 { return f.start + uint64(len(f.raw)) - 1 }

// at returns the header at height, which must be in the file.
func (f *headerFile) at(tb testing.TB, height uint64) *wire.BlockHeader {
	tb.Helper()
	if height < f.start || height > f.end() {
		tb.Fatalf("height %d not in run %d-%d", height, f.start, f.end())
	}
	return &f.headers[height-f.start]
}

var runName = regexp.MustCompile(`-(\d+)-(\d+)\.hex$`)

// loadRun reads a header run; the heights come from the file name and the
// line count must agree with them.
func loadRun(tb testing.TB, name string) *headerFile {
	tb.Helper()
	m := runName.FindStringSubmatch(name)
	if m == nil {
		tb.Fatalf("%s: name does not say its heights", name)
	}
	first, _ := strconv.ParseUint(m[1], 10, 64)
	last, _ := strconv.ParseUint(m[2], 10, 64)
	f := &headerFile{start: first}
	sc := bufio.NewScanner(bytes.NewReader(readTestdata(tb, name)))
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		raw := mustHex(tb, line)
		h, err := bitcoin.ParseHeader(raw)
		if err != nil {
			tb.Fatalf("%s line %d: %v", name, len(f.raw)+1, err)
		}
		f.raw = append(f.raw, raw)
		f.headers = append(f.headers, *h)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	if f.end() != last {
		tb.Fatalf("%s: %d lines, name says %d-%d", name, len(f.raw), first, last)
	}
	return f
}

// boundary is a row of the mainnet retarget-boundaries CSV.
type boundary struct {
	raw       []byte
	header    wire.BlockHeader
	chainWork *big.Int
}

func loadBoundaries(tb testing.TB) map[uint64]boundary {
	tb.Helper()
	rows, err := csv.NewReader(bytes.NewReader(readTestdata(tb, "mainnet-retarget-boundaries-0-832608.csv"))).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	out := make(map[uint64]boundary, len(rows))
	for _, r := range rows[1:] {
		height, err := strconv.ParseUint(r[0], 10, 64)
		if err != nil {
			tb.Fatal(err)
		}
		raw := mustHex(tb, r[1])
		h, err := bitcoin.ParseHeader(raw)
		if err != nil {
			tb.Fatalf("boundary %d: %v", height, err)
		}
		work, ok := new(big.Int).SetString(r[2], 16)
		if !ok {
			tb.Fatalf("boundary %d: bad chainwork %q", height, r[2])
		}
		out[height] = boundary{raw: raw, header: *h, chainWork: work}
	}
	return out
}

type forkHeader struct {
	height uint64
	raw    []byte
	header wire.BlockHeader
	kind   string
}

func loadForkHeaders(tb testing.TB) []forkHeader {
	tb.Helper()
	rows, err := csv.NewReader(bytes.NewReader(readTestdata(tb, "mainnet-fork-headers.csv"))).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	var out []forkHeader
	for _, r := range rows[1:] {
		height, _ := strconv.ParseUint(r[0], 10, 64)
		raw := mustHex(tb, r[1])
		h, err := bitcoin.ParseHeader(raw)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, forkHeader{height: height, raw: raw, header: *h, kind: r[2]})
	}
	return out
}

// spvVector is one entry of spv-proofs.json; hashes there are in display order.
type spvVector struct {
	Network      string   `json:"network"`
	Height       *uint64  `json:"height"`
	BlockHash    string   `json:"block_hash"`
	HeaderHex    string   `json:"block_header_hex"`
	MerkleRoot   string   `json:"merkle_root"`
	TxCount      *int     `json:"tx_count"`
	Index        uint32   `json:"index"`
	TxID         string   `json:"txid"`
	IsSegwit     bool     `json:"is_segwit"`
	TxHex        string   `json:"tx_hex"`
	MerkleBranch []string `json:"merkle_branch"`
}

func (v spvVector) name() string {
	h := "?"
	if v.Height != nil {
		h = strconv.FormatUint(*v.Height, 10)
	}
	return fmt.Sprintf("%s/%s/%d", v.Network, h, v.Index)
}

func loadSPVVectors(tb testing.TB) []spvVector {
	tb.Helper()
	var doc struct {
		Vectors []spvVector `json:"vectors"`
	}
	if err := json.Unmarshal(readTestdata(tb, "spv-proofs.json"), &doc); err != nil {
		tb.Fatal(err)
	}
	if len(doc.Vectors) == 0 {
		tb.Fatal("spv-proofs.json has no vectors")
	}
	return doc.Vectors
}

func mustHex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// displayHash parses a hash in display (RPC) byte order.
func displayHash(tb testing.TB, s string) chainhash.Hash {
	tb.Helper()
	h, err := chainhash.NewHashFromStr(s)
	if err != nil {
		tb.Fatalf("bad hash %q: %v", s, err)
	}
	return *h
}

// mapView is a sparse ChainView for tests: it holds only the headers put in
// it, for example a run plus the retarget boundaries it needs from the CSV.
type mapView struct {
	headers map[uint64]*wire.BlockHeader
	hashes  map[uint64]chainhash.Hash
}

func newMapView() *mapView {
	return &mapView{headers: map[uint64]*wire.BlockHeader{}, hashes: map[uint64]chainhash.Hash{}}
}

func (v *mapView) put(height uint64, h wire.BlockHeader) {
	v.headers[height] = &h
	v.hashes[height] = h.BlockHash()
}

func (v *mapView) HeaderByHeight(height uint64) (*wire.BlockHeader, bool) {
	h, ok := v.headers[height]
	return h, ok
}

func (v *mapView) HashByHeight(height uint64) (chainhash.Hash, bool) {
	h, ok := v.hashes[height]
	return h, ok
}

func mustNetwork(tb testing.TB, name string) *bitcoin.Params {
	tb.Helper()
	p, err := bitcoin.NetworkByName(name)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}
