package cmd

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"

	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/rpc"
	"github.com/hemi-appchain/hemi/daemon"
	"github.com/hemi-appchain/hemi/hemiclient"
	"github.com/hemi-appchain/hemi/watcher"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	inboxtypes "github.com/hemi-appchain/hemi/x/inbox/types"
	"github.com/hemi-appchain/hemi/x/pop/canonical"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
)

// popCmd is `hemid pop`: commands that judge a hemi chain by what Bitcoin holds.
func popCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:               "pop",
		Short:             "Proof-of-Proof tools: audit a node against the keystones published on Bitcoin",
		PersistentPreRunE: func(*cobra.Command, []string) error { return nil },
	}
	cmd.AddCommand(popAuditCmd())
	return cmd
}

// auditFlags are `hemid pop audit`'s flags.
type auditFlags struct {
	btc     daemon.Connections // its Bitcoin part
	node    string
	from    int64
	maxLag  int64
	output  string
	trusted string
	// inboxDeadline overrides the node's inbox_deadline (0: the node's).
	inboxDeadline uint32
	// inboxFrom is the Bitcoin height the inbox check reads from (-1: the guard's window).
	inboxFrom int64
}

func popAuditCmd() *cobra.Command {
	var f auditFlags
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Check a node's keystones and light client against the canonical keystone sequence on Bitcoin",
		Long: `Scans Bitcoin from --from to its tip for HEMI payloads, builds the canonical keystone sequence
(x/pop's README, "Canonical keystone sequence") from the trusted start, and compares the node at
--node (gRPC, local or remote) with it. Findings:

  mismatch    the node's keystone at a canonical height is not the canonical one (the Bitcoin tx and
              block that anchor the canonical one are the evidence)
  contested   a publication that does not descend from the node's keystones was anchored on Bitcoin
              before the node's keystone at that height (the node's history is contradicted, or the
              publication is another hemi chain's: see the README)
  lag         the node's x/btclc tip is more than --max-lag blocks behind Bitcoin's now (only the
              current lag is checked), or is not on Bitcoin's best chain
  inbox       an x/inbox operation on Bitcoin's best chain, more than inbox_deadline blocks deep
              (from --inbox-from; by default the last max(144, 2 × deadline) blocks are read),
              whose coin the node has run no operation for: validators censoring it

Progress, with an ETA, goes to stderr. The exit status is 1 on any finding, 0 when clean.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			rep, err := runAudit(ctx, f, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if err := rep.write(cmd.OutOrStdout(), f.output); err != nil {
				return err
			}
			if n := rep.findings(); n > 0 {
				cmd.SilenceUsage = true
				return fmt.Errorf("audit: %d finding(s) against node %s", n, f.node)
			}
			return nil
		},
	}
	fs := cmd.Flags()
	f.btc.BindBitcoinFlags(fs)
	fs.StringVar(&f.node, "node", "127.0.0.1:9090", "gRPC address (host:port) of the hemid node to audit")
	fs.Int64Var(&f.from, "from", 0, "Bitcoin height to start scanning (at most the height of the first publication that matters)")
	fs.Int64Var(&f.maxLag, "max-lag", 6, "most Bitcoin blocks the node's light client may be behind Bitcoin")
	fs.StringVar(&f.output, "output", "text", "report format: text or json")
	fs.StringVar(&f.trusted, "trusted", "", "trusted start <height>:<block hash hex> (a keystone); empty: the chain's genesis")
	fs.Int64Var(&f.inboxFrom, "inbox-from", -1, "Bitcoin height to read inbox operations from (-1: the last max(144, 2 × deadline) blocks, as the node guard rereads)")
	fs.Uint32Var(&f.inboxDeadline, "inbox-deadline", 0, "Bitcoin blocks after which an inbox operation that has not run is a finding (0: the node's inbox_deadline)")
	return cmd
}

// auditReport is what `hemid pop audit` prints.
type auditReport struct {
	BitcoinTip       int64           `json:"bitcoin_tip"`
	ScannedFrom      int64           `json:"scanned_from"`
	Publications     int             `json:"publications"`
	Canonical        []auditKeystone `json:"canonical"`
	SequenceStopsAt  uint64          `json:"sequence_stops_at"`
	NodeKeystones    int             `json:"node_keystones"`
	NodeUnverified   int             `json:"node_keystones_unverified"`
	Mismatches       []auditMismatch `json:"mismatches"`
	Contested        []auditMismatch `json:"contested"`
	Lag              *auditLag       `json:"lag,omitempty"`
	Conflicts        []auditConflict `json:"conflicts_on_bitcoin"`
	IgnoredPayloads  int             `json:"ignored_payloads"`
	LagHistoryNotice string          `json:"lag_history"`
	InboxDeadline    uint32          `json:"inbox_deadline"`
	InboxOverdue     []auditInbox    `json:"inbox_overdue"`
}

// auditInbox is an inbox operation on Bitcoin past its deadline that the node has not run.
type auditInbox struct {
	Txid          string `json:"txid"`
	BlockHeight   int64  `json:"btc_height"`
	Confirmations int64  `json:"confirmations"`
	NodeStatus    string `json:"node_status"` // "not proven" or "pending"
}

type auditKeystone struct {
	Height        uint64        `json:"height"`
	BlockHash     string        `json:"block_hash_prefix"`
	Published     bool          `json:"published"`
	Evidence      auditEvidence `json:"anchor"`
	Confirmations int64         `json:"confirmations"`
}

type auditEvidence struct {
	Txid        string `json:"txid"`
	BlockHash   string `json:"btc_block_hash"`
	BlockHeight int64  `json:"btc_height"`
	Keystone    string `json:"keystone_hex"`
}

type auditMismatch struct {
	Height        uint64        `json:"height"`
	NodeBlockHash string        `json:"node_block_hash_prefix"`
	Canonical     string        `json:"canonical_block_hash_prefix,omitempty"`
	Evidence      auditEvidence `json:"evidence"`
	Confirmations int64         `json:"confirmations"`
}

type auditConflict struct {
	Height    uint64        `json:"height"`
	Canonical auditEvidence `json:"canonical"`
	Forged    auditEvidence `json:"forged"`
}

type auditLag struct {
	NodeTip    uint64 `json:"node_btc_tip"`
	NodeHash   string `json:"node_btc_tip_hash"`
	BitcoinTip int64  `json:"bitcoin_tip"`
	Behind     int64  `json:"behind"`
	OffChain   bool   `json:"not_on_bitcoin_best_chain"`
}

func (r auditReport) findings() int {
	n := len(r.Mismatches) + len(r.Contested) + len(r.InboxOverdue)
	if r.Lag != nil {
		n++
	}
	return n
}

func evidence(p canonical.Publication) auditEvidence {
	b := p.Keystone.Serialize()
	return auditEvidence{Txid: p.TxID.String(), BlockHash: p.BlockHash.String(), BlockHeight: p.BlockHeight, Keystone: hex.EncodeToString(b[:])}
}

// compareNode sets the findings of rep from the canonical sequence and the node's keystones.
func compareNode(rep *auditReport, res canonical.Result, node map[uint64]bitcoin.AbbreviatedKeystone, tip int64) {
	verified := 0
	for _, k := range res.Keystones {
		h := uint64(k.Keystone.KeystoneHeight)
		e := evidence(k.Anchor)
		if k.Published != nil {
			e = evidence(*k.Published)
		}
		rep.Canonical = append(rep.Canonical, auditKeystone{Height: h, BlockHash: hex.EncodeToString(k.Keystone.BlockHashPrefix[:]),
			Published: k.Published != nil, Evidence: e, Confirmations: k.Confirmations})
		mine, ok := node[h]
		if !ok {
			continue // the node does not have it (pruned, or not synced that far)
		}
		verified++
		if mine != k.Keystone {
			rep.Mismatches = append(rep.Mismatches, auditMismatch{Height: h, NodeBlockHash: hex.EncodeToString(mine.BlockHashPrefix[:]),
				Canonical: hex.EncodeToString(k.Keystone.BlockHashPrefix[:]), Evidence: e, Confirmations: k.Confirmations})
		}
	}
	for _, c := range res.Contested {
		mine := node[c.Height]
		rep.Contested = append(rep.Contested, auditMismatch{Height: c.Height, NodeBlockHash: hex.EncodeToString(mine.BlockHashPrefix[:]),
			Evidence: evidence(c.Evidence), Confirmations: max(0, tip-c.Evidence.BlockHeight+1)})
	}
	for _, c := range res.Conflicts {
		rep.Conflicts = append(rep.Conflicts, auditConflict{Height: c.Height, Canonical: evidence(c.Canonical.Anchor), Forged: evidence(c.Evidence)})
	}
	rep.SequenceStopsAt = res.Next
	rep.IgnoredPayloads = res.Ignored
	rep.NodeKeystones = len(node)
	rep.NodeUnverified = len(node) - verified
}

func runAudit(ctx context.Context, f auditFlags, progress io.Writer) (auditReport, error) {
	var rep auditReport
	if f.output != "text" && f.output != "json" {
		return rep, fmt.Errorf("--output %q: text or json", f.output)
	}
	if f.btc.BTCRPC == "" {
		return rep, errors.New("--btc-rpc is required")
	}
	if f.from < 0 || f.maxLag < 0 {
		return rep, errors.New("--from and --max-lag must not be negative")
	}
	start, err := canonical.ParseStart(f.trusted)
	if err != nil {
		return rep, err
	}
	btcCfg, err := f.btc.BitcoinRPC()
	if err != nil {
		return rep, err
	}
	btc, err := rpc.NewClient(btcCfg)
	if err != nil {
		return rep, err
	}
	conn, err := hemiclient.Dial(f.node, nil)
	if err != nil {
		return rep, err
	}
	defer conn.Close()
	pop, lc := poptypes.NewQueryClient(conn), btclctypes.NewQueryClient(conn)

	params, err := pop.Params(ctx, &poptypes.QueryParamsRequest{})
	if err != nil {
		return rep, fmt.Errorf("node %s: pop params: %w", f.node, err)
	}
	node, known, err := nodeKeystones(ctx, pop)
	if err != nil {
		return rep, fmt.Errorf("node %s: %w", f.node, err)
	}
	lcTip, err := lc.Tip(ctx, &btclctypes.QueryTipRequest{})
	if err != nil {
		return rep, fmt.Errorf("node %s: btclc tip: %w", f.node, err)
	}

	pubs, tip, err := scanBitcoin(ctx, btc, f.from, progress)
	if err != nil {
		return rep, err
	}
	res, err := canonical.Build(canonical.Input{Start: start, Interval: params.Params.KeystoneInterval, Publications: pubs, Known: known, BitcoinTip: tip})
	if err != nil {
		return rep, err
	}
	rep.BitcoinTip, rep.ScannedFrom, rep.Publications = tip, f.from, len(pubs)
	compareNode(&rep, res, node, tip)

	lag := auditLag{NodeTip: lcTip.Header.Height, NodeHash: lcTip.Header.Hash, BitcoinTip: tip, Behind: tip - int64(lcTip.Header.Height)}
	if lcTip.Header.Height <= uint64(tip) {
		if h, err := btc.GetBlockHash(ctx, int64(lcTip.Header.Height)); err == nil {
			lag.OffChain = h.String() != lcTip.Header.Hash
		}
	} else {
		lag.OffChain = true
	}
	if lag.Behind > f.maxLag || lag.OffChain {
		rep.Lag = &lag
	}
	rep.LagHistoryNotice = "only the current lag is checked: the node's past light-client tips are not compared with Bitcoin's past tips"

	rep.InboxDeadline = f.inboxDeadline
	if rep.InboxDeadline == 0 {
		p, err := inboxtypes.NewQueryClient(conn).Params(ctx, &inboxtypes.QueryParamsRequest{})
		if err != nil {
			return rep, fmt.Errorf("node %s: inbox params (give --inbox-deadline for a node without x/inbox): %w", f.node, err)
		}
		rep.InboxDeadline = p.Params.InboxDeadline
	}
	if rep.InboxOverdue, err = auditInboxOps(ctx, btc, inboxtypes.NewQueryClient(conn), tip, rep.InboxDeadline, f.inboxFrom, progress); err != nil {
		return rep, err
	}
	return rep, nil
}

// auditInboxOps reads the inbox operations of Bitcoin's blocks from --inbox-from (by default the
// last max(ScanDepth, 2 × deadline) blocks, as the node guard rereads) to tip, and returns those
// more than deadline blocks deep whose coin the node has not run an operation for.
func auditInboxOps(ctx context.Context, btc *rpc.Client, inbox inboxtypes.QueryClient, tip int64, deadline uint32, from int64, progress io.Writer) ([]auditInbox, error) {
	if deadline == 0 {
		return nil, nil
	}
	lo := from
	if lo < 0 {
		lo = max(0, tip-max(watcher.ScanDepth, 2*int64(deadline))+1)
	}
	hi := tip - int64(deadline) // deeper than the deadline: more than deadline confirmations
	fmt.Fprintf(progress, "reading bitcoin blocks %d..%d for inbox operations past their deadline of %d blocks\n", lo, hi, deadline)
	var out []auditInbox
	began, last := time.Now(), time.Time{}
	for h := lo; h <= hi; h++ {
		if now := time.Now(); now.Sub(last) >= time.Second {
			last = now
			done := h - lo
			eta := time.Duration(float64(now.Sub(began)) / float64(max(1, done)) * float64(hi-h+1)).Round(time.Second)
			fmt.Fprintf(progress, "inbox: read %d/%d bitcoin blocks, %d overdue, eta %s\n", done, hi-lo+1, len(out), eta)
		}
		hash, err := btc.GetBlockHash(ctx, h)
		if err != nil {
			return nil, fmt.Errorf("bitcoin block hash at %d: %w", h, err)
		}
		block, err := btc.GetBlock(ctx, hash)
		if err != nil {
			return nil, fmt.Errorf("bitcoin block %s at %d: %w", hash, h, err)
		}
		ops, unread := watcher.InboxOpsOf(ctx, btc, block, h)
		if len(unread) > 0 {
			return nil, fmt.Errorf("bitcoin block %s at %d: the funding transaction of inbox operation %s: %w "+
				"(run the Bitcoin node with a transaction index, btcd --txindex or bitcoind -txindex)", hash, h, unread[0].TxID, unread[0].FundingErr)
		}
		for _, op := range ops {
			status, err := nodeInboxStatus(ctx, inbox, op)
			if err != nil {
				return nil, err
			}
			if status != "" {
				out = append(out, auditInbox{Txid: op.TxID.String(), BlockHeight: h, Confirmations: tip - h + 1, NodeStatus: status})
			}
		}
	}
	return out, nil
}

// nodeInboxStatus is "" when the node has run an operation for op's coin (op itself, or another
// transaction spending the coin, such as a fee bump mined after a reorg), and otherwise what the
// node holds for the coin: "not proven" or "pending". The node guard judges by the coin too
// (x/inbox's CoinActed).
func nodeInboxStatus(ctx context.Context, inbox inboxtypes.QueryClient, op watcher.InboxOp) (string, error) {
	res, err := inbox.Coin(ctx, &inboxtypes.QueryCoinRequest{Outpoint: op.Coin.String()})
	switch {
	case grpcstatus.Code(err) == codes.NotFound:
		return "not proven", nil
	case err != nil:
		return "", fmt.Errorf("node: inbox coin %s (operation %s): %w", op.Coin, op.TxID, err)
	case res.Op.Status != inboxtypes.OP_STATUS_PENDING:
		return "", nil // it ran
	}
	return "pending", nil
}

// nodeKeystones lists every keystone the node holds, oldest first, by height and abbreviated.
func nodeKeystones(ctx context.Context, pop poptypes.QueryClient) (map[uint64]bitcoin.AbbreviatedKeystone, []bitcoin.AbbreviatedKeystone, error) {
	byHeight := make(map[uint64]bitcoin.AbbreviatedKeystone)
	var list []bitcoin.AbbreviatedKeystone
	var key []byte
	for {
		res, err := pop.Keystones(ctx, &poptypes.QueryKeystonesRequest{Pagination: &query.PageRequest{Key: key, Limit: 500, Reverse: true}})
		if err != nil {
			return nil, nil, fmt.Errorf("keystones: %w", err)
		}
		for _, v := range res.Keystones {
			a, err := v.Abbreviate()
			if err != nil {
				return nil, nil, fmt.Errorf("keystone %d: %w", v.Height, err)
			}
			if _, dup := byHeight[v.Height]; dup {
				return nil, nil, fmt.Errorf("keystone %d listed twice", v.Height)
			}
			byHeight[v.Height] = a
			list = append(list, a)
		}
		if res.Pagination == nil || len(res.Pagination.NextKey) == 0 || len(res.Keystones) == 0 {
			return byHeight, list, nil
		}
		key = res.Pagination.NextKey
	}
}

// scanBitcoin reads the publications of Bitcoin's best chain from height from up to its tip,
// following the chain through reorgs during the scan. It returns them and the tip they were read
// up to.
func scanBitcoin(ctx context.Context, btc canonical.Node, from int64, progress io.Writer) ([]canonical.Publication, int64, error) {
	const chunk = 200
	f := canonical.NewFollower(from)
	began, last := time.Now(), time.Time{}
	for changes := 0; ; {
		tip, _, err := f.Step(ctx, btc, chunk)
		if errors.Is(err, canonical.ErrChainChanged) && changes < 10 {
			changes++
			fmt.Fprintf(progress, "%v; following the new chain\n", err)
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		done, total := f.Height()-from+1, tip-from+1
		if now := time.Now(); now.Sub(last) >= time.Second || done >= total {
			last = now
			eta := time.Duration(float64(now.Sub(began)) / float64(max(1, done)) * float64(max(0, total-done))).Round(time.Second)
			fmt.Fprintf(progress, "scanned %d/%d bitcoin blocks (height %d), %d payloads, eta %s\n", done, total, f.Height(), f.Count(), eta)
		}
		if f.Height() >= tip {
			return f.Publications(), f.Height(), nil
		}
	}
}

func (r auditReport) write(w io.Writer, format string) error {
	if format == "json" {
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(w, string(b))
		return err
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "bitcoin: scanned heights %d..%d, %d HEMI payloads (%d ignored: another chain's or unrelated)\n", r.ScannedFrom, r.BitcoinTip, r.Publications, r.IgnoredPayloads)
	fmt.Fprintf(&sb, "canonical sequence: %d keystones, stops at height %d (no anchored keystone there yet)\n", len(r.Canonical), r.SequenceStopsAt)
	fmt.Fprintf(&sb, "node: %d keystones, %d beyond what Bitcoin anchors (unverified)\n", r.NodeKeystones, r.NodeUnverified)
	for _, m := range r.Mismatches {
		fmt.Fprintf(&sb, "MISMATCH keystone %d: node block hash %s…, canonical %s…, anchored by bitcoin tx %s in block %s (height %d, %d confirmations)\n",
			m.Height, m.NodeBlockHash, m.Canonical, m.Evidence.Txid, m.Evidence.BlockHash, m.Evidence.BlockHeight, m.Confirmations)
	}
	for _, m := range r.Contested {
		fmt.Fprintf(&sb, "CONTESTED keystone %d: node block hash %s…; bitcoin tx %s in block %s (height %d, %d confirmations) anchored a keystone that does not descend from it earlier\n",
			m.Height, m.NodeBlockHash, m.Evidence.Txid, m.Evidence.BlockHash, m.Evidence.BlockHeight, m.Confirmations)
	}
	if l := r.Lag; l != nil {
		fmt.Fprintf(&sb, "LAG: the node's light client tip is %d (%s), bitcoin's is %d: %d behind, on bitcoin's best chain: %t\n", l.NodeTip, l.NodeHash, l.BitcoinTip, l.Behind, !l.OffChain)
	}
	for _, c := range r.Conflicts {
		fmt.Fprintf(&sb, "note: bitcoin carries a forged keystone %d in tx %s (block %s), later than the canonical one in tx %s\n", c.Height, c.Forged.Txid, c.Forged.BlockHash, c.Canonical.Txid)
	}
	for _, o := range r.InboxOverdue {
		fmt.Fprintf(&sb, "INBOX operation %s (bitcoin height %d, %d confirmations, deadline %d) has not run on the node: %s\n",
			o.Txid, o.BlockHeight, o.Confirmations, r.InboxDeadline, o.NodeStatus)
	}
	fmt.Fprintf(&sb, "lag: %s\n", r.LagHistoryNotice)
	if r.findings() == 0 {
		sb.WriteString("clean\n")
	}
	_, err := io.WriteString(w, sb.String())
	return err
}
