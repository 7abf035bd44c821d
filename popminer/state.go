package popminer

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/wallet"
)

// Publication is one keystone the miner publishes, from signing to the proof on hemi.
type Publication struct {
	KeystoneHeight uint64 `json:"keystone_height"`
	// TxHex is the signed transaction the miner broadcasts: the original, or after a fee bump its
	// replacement, which spends the same inputs (so at most one of them can ever confirm).
	TxHex string `json:"tx_hex"`
	// TxIDs are all versions broadcast so far, oldest first: any of them may be the one mined.
	TxIDs   []string `json:"txids"`
	FeeRate int64    `json:"fee_rate_sat_per_vb"`
	Fee     int64    `json:"fee_sats"`
	// Inputs are the coins every version spends.
	Inputs SpentOutputs `json:"inputs"`
	// FirstBroadcastHeight is the Bitcoin tip when the first version was broadcast, and
	// BroadcastHeight when the current one was.
	FirstBroadcastHeight int64 `json:"first_broadcast_height"`
	BroadcastHeight      int64 `json:"broadcast_height"`
	// ScannedHeight is the highest Bitcoin block searched for the transaction.
	ScannedHeight int64  `json:"scanned_height"`
	Status        Status `json:"status"`
	// MinedTxID and BlockHash are set once a version is in a block.
	MinedTxID string `json:"mined_txid,omitempty"`
	BlockHash string `json:"block_hash,omitempty"`
	// SupersededHeight is the Bitcoin tip when the publication was given up for a newer keystone;
	// the miner watches it for supersededWatchBlocks blocks from there.
	SupersededHeight int64 `json:"superseded_height,omitempty"`
}

// setTx makes tx the current version.
func (p *Publication) setTx(tx *wire.MsgTx) error {
	var buf bytes.Buffer
	if err := tx.Serialize(&buf); err != nil {
		return err
	}
	p.TxHex = hex.EncodeToString(buf.Bytes())
	p.TxIDs = append(p.TxIDs, tx.TxHash().String())
	return nil
}

// tx decodes the current version.
func (p *Publication) tx() (*wire.MsgTx, error) {
	raw, err := hex.DecodeString(p.TxHex)
	if err != nil {
		return nil, fmt.Errorf("state file: transaction of keystone %d: %w", p.KeystoneHeight, err)
	}
	tx, err := bitcoin.DecodeTx(raw)
	if err != nil {
		return nil, fmt.Errorf("state file: transaction of keystone %d: %w", p.KeystoneHeight, err)
	}
	return tx, nil
}

// spentBy tells whether tx spends one of the coins every version of the publication spends.
func (s SpentOutputs) spentBy(tx *wire.MsgTx) bool {
	for _, in := range tx.TxIn {
		for _, o := range s {
			if o.Vout == in.PreviousOutPoint.Index && o.TxID == in.PreviousOutPoint.Hash.String() {
				return true
			}
		}
	}
	return false
}

// hasTxID tells whether txid is one of the versions broadcast.
func (p *Publication) hasTxID(txid chainhash.Hash) bool {
	return slices.Contains(p.TxIDs, txid.String())
}

// SpentOutput is a coin a publication spends, as the fee bump and the proof need it.
type SpentOutput struct {
	TxID     string `json:"txid"`
	Vout     uint32 `json:"vout"`
	Value    int64  `json:"value_sats"`
	PkScript string `json:"pk_script"`
	// SourceTxHex is the raw transaction that created the coin. For the first input it is the
	// funding transaction the proof carries, through which x/pop binds the payee to the miner's
	// key; it is written at signing time, so a restart still has it.
	SourceTxHex string `json:"source_tx_hex,omitempty"`
}

// SpentOutputs are the coins of a publication, in input order.
type SpentOutputs []SpentOutput

// spentInputs records the coins tx spends, from the UTXOs it was built from.
func spentInputs(tx *wire.MsgTx, utxos []wallet.UTXO) SpentOutputs {
	byOutPoint := make(map[wire.OutPoint]wallet.UTXO, len(utxos))
	for _, u := range utxos {
		byOutPoint[u.OutPoint] = u
	}
	out := make(SpentOutputs, 0, len(tx.TxIn))
	for _, in := range tx.TxIn {
		u := byOutPoint[in.PreviousOutPoint]
		o := SpentOutput{TxID: in.PreviousOutPoint.Hash.String(), Vout: in.PreviousOutPoint.Index,
			Value: u.Value, PkScript: hex.EncodeToString(u.PkScript)}
		if u.SourceTx != nil {
			var buf bytes.Buffer
			if err := u.SourceTx.Serialize(&buf); err == nil {
				o.SourceTxHex = hex.EncodeToString(buf.Bytes())
			}
		}
		out = append(out, o)
	}
	return out
}

// utxos converts back for the wallet; the state file was written by this program, and the wallet
// checks the coins against the transaction it bumps.
func (s SpentOutputs) utxos() []wallet.UTXO {
	out := make([]wallet.UTXO, 0, len(s))
	for _, o := range s {
		hash, err := bitcoin.ParseDisplayHash(o.TxID)
		script, err2 := hex.DecodeString(o.PkScript)
		if err != nil || err2 != nil {
			continue
		}
		out = append(out, wallet.UTXO{OutPoint: wire.OutPoint{Hash: hash, Index: o.Vout}, Value: o.Value, PkScript: script, Confirmations: 1,
			SourceTx: o.sourceTx()})
	}
	return out
}

// sourceTx decodes the coin's source transaction; nil if the state file has none (or a broken
// one: the wallet then refuses to sign, and the proof goes without it).
func (o SpentOutput) sourceTx() *wire.MsgTx {
	raw, err := hex.DecodeString(o.SourceTxHex)
	if err != nil || len(raw) == 0 {
		return nil
	}
	tx, err := bitcoin.DecodeTx(raw)
	if err != nil {
		return nil
	}
	return tx
}

// fundingTx returns the source transaction of the coin that tx's first input spends, the
// funding transaction of its proof, or nil when the state file does not have it.
func (s SpentOutputs) fundingTx(tx *wire.MsgTx) *wire.MsgTx {
	if len(tx.TxIn) == 0 {
		return nil
	}
	op := tx.TxIn[0].PreviousOutPoint
	for _, o := range s {
		if o.TxID == op.Hash.String() && o.Vout == op.Index {
			if src := o.sourceTx(); src != nil && src.TxHash() == op.Hash {
				return src
			}
		}
	}
	return nil
}

// Status is where a publication stands.
type Status string

const (
	// StatusSigned: persisted, maybe not yet broadcast (a crash may have come in between).
	StatusSigned Status = "signed"
	// StatusBroadcast: sent to the Bitcoin node, not yet seen in a block.
	StatusBroadcast Status = "broadcast"
	// StatusMined: in a block; the proof is not yet accepted by hemi.
	StatusMined Status = "mined"
	// StatusProven: hemi recorded the publication.
	StatusProven Status = "proven"
	// StatusSuperseded: not mined while its fee could not be raised, and given up for a newer
	// keystone. Its transaction may still be mined, so the miner keeps looking for it and proves
	// it once mined, with the funding transaction, which binds the payee: the relayer's proof
	// carries none when its node cannot serve the funding transaction (no txindex), and x/pop
	// pays a publication without a payee to the community pool. BlockHash is set while it is mined
	// and not yet proven; once proven it is StatusProven.
	StatusSuperseded Status = "superseded"
	// StatusAbandoned: superseded and no longer watched, because another transaction spent one
	// of its inputs (so it can never be mined), or it was not mined within supersededWatchBlocks
	// blocks of being given up.
	StatusAbandoned Status = "abandoned"
)

// State is everything the miner must remember across restarts, so that it never signs a second
// transaction for a keystone it already published and never spends an input twice.
type State struct {
	Publications []Publication `json:"publications"`
}

// Latest returns the most recent publication, or nil.
func (s *State) Latest() *Publication {
	if len(s.Publications) == 0 {
		return nil
	}
	return &s.Publications[len(s.Publications)-1]
}

// Pending returns the publication not yet proven nor given up, or nil. The miner keeps at most
// one.
func (s *State) Pending() *Publication {
	if p := s.Latest(); p != nil && p.Status != StatusProven && p.Status != StatusSuperseded && p.Status != StatusAbandoned {
		return p
	}
	return nil
}

// maxKept bounds the state file: only the newest publications matter for what comes next.
const maxKept = 100

// StateFile persists State as JSON, atomically: a crash leaves either the old or the new file.
type StateFile struct {
	path string
}

// NewStateFile uses path, creating its directory.
func NewStateFile(path string) (*StateFile, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	return &StateFile{path: path}, nil
}

// Load reads the state; a missing file is an empty state.
func (f *StateFile) Load() (*State, error) {
	b, err := os.ReadFile(f.path)
	if errors.Is(err, os.ErrNotExist) {
		return &State{}, nil
	}
	if err != nil {
		return nil, err
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("state file %s is corrupt (%w): it records the transactions already signed, "+
			"so fix or restore it rather than deleting it, or the miner may publish a keystone twice", f.path, err)
	}
	return &s, nil
}

// Save writes the state durably: to a temporary file, synced, then renamed over the old one.
func (f *StateFile) Save(s *State) error {
	if len(s.Publications) > maxKept {
		s.Publications = s.Publications[len(s.Publications)-maxKept:]
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(f.path), ".state-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), f.path); err != nil {
		return err
	}
	dir, err := os.Open(filepath.Dir(f.path))
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.Sync() // the rename itself must survive a power loss
}
