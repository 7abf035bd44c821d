package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/app"
	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/rpc"
	"github.com/hemi-appchain/hemi/bitcoin/wallet"
	"github.com/hemi-appchain/hemi/daemon"
	"github.com/hemi-appchain/hemi/hemiclient"
	"github.com/hemi-appchain/hemi/popminer"
	"github.com/hemi-appchain/hemi/tunnelwallet"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	inboxtypes "github.com/hemi-appchain/hemi/x/inbox/types"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
)

// btcCmd is `hemid btc`: the Bitcoin wallet of a hemi key for x/tunnel, for users (deposit,
// bump, status) and for the custodian (pay-withdrawals). Its subcommands take the Bitcoin node and
// the key the way the relayer and the popminer do (the same flags, or a TOML --config).
func btcCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "btc",
		Short: "Bitcoin wallet for the BTC tunnel and the Bitcoin inbox: deposit, bump, pay-withdrawals, status, address, inbox",
		Long: `The Bitcoin wallet of a key in a hemid keyring (the key that signs Bitcoin transactions is the
hemi key's secp256k1 key, as for the popminer), for x/tunnel:

  hemid btc address                                 the key's Bitcoin address, to fund it
  hemid btc deposit --to <0x…|hemi1…> --amount <sat> lock BTC in the vault; prints the outpoint and its status until minted
  hemid btc bump <txid> --fee-rate <sat/vB>         replace an unconfirmed transaction of the wallet with a higher fee (RBF)
  hemid btc status <txid:vout | withdrawal-id | txid> where a deposit, withdrawal or inbox operation stands on the chain
  hemid btc pay-withdrawals [--once]                the custodian: pay queued withdrawals with their HEMW id, and prove them
  hemid btc inbox transfer|withdraw|undelegate      post an operation on Bitcoin that the chain must run as this key's account

Each subcommand's --help lists its flags.`,
		PersistentPreRunE: func(*cobra.Command, []string) error { return nil },
	}
	cmd.AddCommand(
		btcSubCmd("address", "", "Print the key's Bitcoin address (fund it there)", runBTCAddress),
		btcSubCmd("deposit", "", "Deposit BTC to x/tunnel's vault for a hemi account, and follow it until minted", runBTCDeposit),
		btcSubCmd("bump", "<txid>", "Replace an unconfirmed transaction of the wallet with a higher-fee one (RBF)", runBTCBump),
		btcSubCmd("status", "<txid:vout | withdrawal-id | txid>", "Status of a deposit, withdrawal or inbox operation on the chain", runBTCStatus),
		btcSubCmd("pay-withdrawals", "", "Custodian: pay x/tunnel's queued withdrawals from the vault and prove the payments", runBTCPayWithdrawals),
		btcInboxCmd(),
	)
	return cmd
}

// btcSubCmd is a `hemid btc` subcommand: its flags are parsed like a daemon's.
func btcSubCmd(name, args, short string, run func(args []string) error) *cobra.Command {
	cmd := daemonCmd(name, short, run)
	if args != "" {
		cmd.Use = name + " " + args + " [flags]"
	}
	return cmd
}

// btcConfig is the configuration of the wallet subcommands: the daemons' connections (Bitcoin
// node, hemid, keyring and key) and the popminer's wallet settings (network, address kind, fee
// limits).
type btcConfig struct {
	daemon.Connections
	popminer.WalletConfig
}

func defaultBTCConfig() btcConfig {
	return btcConfig{Connections: daemon.DefaultConnections("", ""), WalletConfig: popminer.DefaultWalletConfig()}
}

func (c *btcConfig) BindFlags(fs *pflag.FlagSet) {
	c.Connections.BindFlags(fs)
	c.WalletConfig.BindFlags(fs)
	_ = fs.MarkHidden("metrics") // a daemon's; the wallet serves none
}

func (c btcConfig) Validate() error {
	errs := []error{c.Connections.Validate(), c.WalletConfig.Validate()}
	if c.Key == "" {
		errs = append(errs, errors.New("--key (the name of the wallet's key in the keyring) is required"))
	}
	return errors.Join(errs...)
}

// btcSession is an open wallet: its Bitcoin node, hemid and the key's wallet.
type btcSession struct {
	cfg    btcConfig
	btc    *rpc.Client
	hemi   *hemiclient.Client
	wallet *wallet.Wallet
	// network is the Bitcoin network x/btclc follows, which the wallet's node runs.
	network *bitcoin.Params
	ctx     context.Context
	stop    context.CancelFunc
}

func (s *btcSession) close() {
	s.stop()
	_ = s.hemi.Close()
}

// openBTC parses args (the common flags plus what bind declares), connects and opens the key's
// wallet on x/btclc's network. It returns the positional arguments, which must number nargs.
func openBTC(name string, args []string, nargs int, bind func(*pflag.FlagSet), check func() error) (*btcSession, []string, error) {
	cfg := defaultBTCConfig()
	rest, err := daemon.ParseConfigArgs("hemid btc "+name, args, func(fs *pflag.FlagSet) {
		cfg.BindFlags(fs)
		if bind != nil {
			bind(fs)
		}
	})
	if err != nil {
		return nil, nil, err
	}
	if len(rest) != nargs {
		return nil, nil, fmt.Errorf("takes %d positional arguments, got %d (%s): see --help", nargs, len(rest), strings.Join(rest, " "))
	}
	errs := []error{cfg.Validate()}
	if check != nil {
		errs = append(errs, check())
	}
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	btc, hemi, err := cfg.Clients()
	if err != nil {
		return nil, nil, err
	}
	ctx, stop := daemon.SignalContext()
	s := &btcSession{cfg: cfg, btc: btc, hemi: hemi, ctx: ctx, stop: stop}
	if s.wallet, s.network, err = cfg.OpenWallet(ctx, btc, hemi, cfg.Key); err != nil {
		s.close()
		return nil, nil, err
	}
	return s, rest, nil
}

// feeRate is the rate given with --fee-rate, or the node's estimate for --conf-target.
func (s *btcSession) feeRate(given int64) (int64, error) {
	if given != 0 {
		return given, nil
	}
	return s.wallet.FeeRate(s.ctx, s.cfg.ConfTarget)
}

func runBTCAddress(args []string) error {
	s, _, err := openBTC("address", args, 0, nil, nil)
	if err != nil {
		return err
	}
	defer s.close()
	fmt.Println(s.wallet.Address().EncodeAddress())
	return nil
}

// blockedRecipient says whether the chain refuses to credit an account: the bank's blocked
// addresses of this binary's app.
func blockedRecipient() func(sdk.AccAddress) bool {
	blocked := app.BlockedAddresses()
	return func(a sdk.AccAddress) bool { return blocked[a.String()] }
}

// followFlags say whether and how a command that sends a deposit follows it until minted.
type followFlags struct {
	wait, prove bool
	timeout     time.Duration
}

func (f *followFlags) bind(fs *pflag.FlagSet, what string) {
	fs.BoolVar(&f.wait, "wait", f.wait, "follow the deposit's status until it is minted (--wait=false returns once "+what+" is broadcast)")
	fs.DurationVar(&f.timeout, "timeout", f.timeout, "how long --wait follows the deposit before giving up")
	fs.BoolVar(&f.prove, "prove", f.prove, "with --wait: prove the deposit to the chain once it is mined, with --key's hemi account paying the gas, "+
		"instead of waiting for a relayer to (a relayer that proves it first is fine)")
}

func (f followFlags) check() error {
	if f.timeout <= 0 {
		return errors.New("--timeout must be positive")
	}
	return nil
}

func runBTCDeposit(args []string) error {
	var to string
	var amount, rate int64
	follow := followFlags{wait: true, timeout: time.Hour}
	bind := func(fs *pflag.FlagSet) {
		fs.StringVar(&to, "to", "", "hemi account to credit: 0x… (EVM address) or hemi1…")
		fs.Int64Var(&amount, "amount", 0, "satoshis to lock in the vault (at least the chain's min_deposit_sats)")
		fs.Int64Var(&rate, "fee-rate", 0, "fee rate, sat/vB (default: the node's estimate for --conf-target, within --fee-floor and --fee-cap)")
		follow.bind(fs, "it")
	}
	check := func() error {
		errs := []error{follow.check()}
		if to == "" {
			errs = append(errs, errors.New("--to (the hemi account to credit) is required"))
		}
		if amount <= 0 {
			errs = append(errs, errors.New("--amount (satoshis, > 0) is required"))
		}
		return errors.Join(errs...)
	}
	s, _, err := openBTC("deposit", args, 0, bind, check)
	if err != nil {
		return err
	}
	defer s.close()
	recipient, err := tunnelwallet.ParseRecipient(to)
	if err != nil {
		return err
	}
	params, err := s.hemi.Tunnel.Params(s.ctx, &tunneltypes.QueryParamsRequest{})
	if err != nil {
		return fmt.Errorf("reading x/tunnel's params (the vault) from hemid at %s: %w", s.cfg.HemidGRPC, err)
	}
	// Confirmed coins only: a replacement (bump) of the transaction that made an unconfirmed
	// coin would invalidate this deposit.
	utxos, err := s.wallet.UTXOs(s.ctx, 1)
	if err != nil {
		return fmt.Errorf("finding the wallet's coins (btcd needs --txindex --addrindex): %w", err)
	}
	if rate, err = s.feeRate(rate); err != nil {
		return err
	}
	tx, fee, err := tunnelwallet.BuildDeposit(s.wallet, utxos, params.Params, amount, recipient, blockedRecipient(), rate)
	if err != nil {
		return err
	}
	txid, err := s.wallet.Broadcast(s.ctx, tx)
	if err != nil {
		return fmt.Errorf("broadcasting deposit %s: %w", tx.TxHash(), err)
	}
	outpoint := tunneltypes.FormatOutpoint(tunneltypes.NewOutpoint(txid, tunnelwallet.DepositVout))
	fmt.Printf("outpoint %s\n", outpoint)
	fmt.Printf("deposit of %d sat to %s (0x%x), Bitcoin transaction %s, fee %d sat at %d sat/vB; minted after %d Bitcoin confirmations\n",
		amount, sdk.AccAddress(recipient[:]), recipient, txid, fee, rate, params.Params.MinConfirmations)
	return s.follow(txid, follow)
}

// follow follows the deposit of txid until minted, as the flags say.
func (s *btcSession) follow(txid chainhash.Hash, f followFlags) error {
	outpoint := tunneltypes.FormatOutpoint(tunneltypes.NewOutpoint(txid, tunnelwallet.DepositVout))
	if !f.wait {
		fmt.Printf("follow it with: hemid btc status %s --hemid-grpc %s\n", outpoint, s.cfg.HemidGRPC)
		return nil
	}
	timeout, prove := f.timeout, f.prove
	ctx, cancel := context.WithTimeout(s.ctx, timeout)
	defer cancel()
	node := func(ctx context.Context, txid chainhash.Hash) (tunnelwallet.TxState, error) {
		return tunnelwallet.NodeTxState(ctx, s.btc, txid)
	}
	print := func(line string) { fmt.Printf("%s %s\n", time.Now().UTC().Format(time.TimeOnly), line) }
	var prover func(context.Context) (tunnelwallet.ProveOutcome, error)
	if prove {
		prover = func(ctx context.Context) (tunnelwallet.ProveOutcome, error) {
			return tunnelwallet.ProveDeposit(ctx, s.btc, s.hemi.SendTx, s.hemi.Address().String(), txid)
		}
	}
	err := tunnelwallet.WatchDeposit(ctx, s.hemi.Tunnel, outpoint, node, prover, s.cfg.Poll, print)
	switch {
	case err == nil:
		return nil
	case s.ctx.Err() != nil: // interrupted: the deposit goes on without us
		fmt.Printf("stopped following %s; the chain mints it by itself: hemid btc status %s\n", outpoint, outpoint)
		return nil
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w after --timeout %s. The deposit is not lost: it is minted once a relayer proves it and it is min_confirmations deep. "+
			"Check that Bitcoin blocks are mined and a relayer (`hemid relayer`) follows this Bitcoin node, and keep following it with `hemid btc status %s`", err, timeout, outpoint)
	}
	return err
}

func runBTCBump(args []string) error {
	var rate int64
	follow := followFlags{timeout: time.Hour}
	bind := func(fs *pflag.FlagSet) {
		fs.Int64Var(&rate, "fee-rate", 0, "the replacement's fee rate, sat/vB (required; at most --fee-cap)")
		follow.bind(fs, "the replacement")
	}
	check := func() error {
		if rate <= 0 {
			return errors.Join(errors.New("--fee-rate (sat/vB) is required"), follow.check())
		}
		return follow.check()
	}
	s, rest, err := openBTC("bump", args, 1, bind, check)
	if err != nil {
		return err
	}
	defer s.close()
	old, err := bitcoin.ParseDisplayHash(rest[0])
	if err != nil {
		return fmt.Errorf("txid %q: %w", rest[0], err)
	}
	tx, fee, err := s.wallet.BumpTx(s.ctx, old, rate)
	if err != nil {
		return err
	}
	txid, err := s.wallet.Broadcast(s.ctx, tx)
	if err != nil {
		return fmt.Errorf("broadcasting the replacement %s of %s: %w", tx.TxHash(), old, err)
	}
	fmt.Printf("replaced %s with %s, fee %d sat at %d sat/vB or more\n", old, txid, fee, rate)
	if params, err := s.hemi.Tunnel.Params(s.ctx, &tunneltypes.QueryParamsRequest{}); err == nil && len(params.Params.VaultScript) > 0 &&
		len(tx.TxOut) > tunnelwallet.DepositVout && bytes.Equal(tx.TxOut[tunnelwallet.DepositVout].PkScript, params.Params.VaultScript) {
		fmt.Printf("outpoint %s\n", tunneltypes.FormatOutpoint(tunneltypes.NewOutpoint(txid, tunnelwallet.DepositVout)))
		fmt.Println("the deposit's outpoint is now the one above: the old one can no longer be mined")
		return s.follow(txid, follow)
	}
	return nil
}

func runBTCStatus(args []string) error {
	grpcAddr := daemon.DefaultConnections("", "").HemidGRPC
	rest, err := daemon.ParseConfigArgs("hemid btc status", args, func(fs *pflag.FlagSet) {
		fs.StringVar(&grpcAddr, "hemid-grpc", grpcAddr, "hemid gRPC address (host:port)")
	})
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return errors.New("give one deposit outpoint (txid:vout), withdrawal id or inbox operation txid")
	}
	conn, err := hemiclient.Dial(grpcAddr, nil)
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, stop := daemon.SignalContext()
	defer stop()
	q := tunneltypes.NewQueryClient(conn)
	if strings.Contains(rest[0], ":") {
		st, err := tunnelwallet.DepositStatus(ctx, q, rest[0], nil)
		if err != nil {
			return err
		}
		fmt.Println(st.Line)
		if st.Status == tunneltypes.DEPOSIT_STATUS_MINTED {
			line, err := tunnelwallet.ProvenanceLine(ctx, q, rest[0])
			if err != nil {
				return err
			}
			fmt.Println(line)
		}
		return nil
	}
	if len(rest[0]) == 2*chainhash.HashSize {
		txid, err := bitcoin.ParseDisplayHash(rest[0])
		if err != nil {
			return fmt.Errorf("inbox operation txid %q: %w", rest[0], err)
		}
		line, _, err := inboxStatus(ctx, inboxtypes.NewQueryClient(conn), txid)
		if err != nil {
			return err
		}
		fmt.Println(line)
		return nil
	}
	id, err := tunnelwallet.ParseWithdrawalID(rest[0])
	if err != nil {
		return err
	}
	_, line, err := tunnelwallet.WithdrawalStatus(ctx, q, btclctypes.NewQueryClient(conn), id)
	if err != nil {
		return err
	}
	fmt.Println(line)
	return nil
}

func runBTCPayWithdrawals(args []string) error {
	var once, prove bool
	var ids []uint
	prove = true
	bind := func(fs *pflag.FlagSet) {
		fs.BoolVar(&once, "once", false, "pay and prove what is due now, then exit (default: keep doing it every --poll-interval until interrupted)")
		fs.UintSliceVar(&ids, "id", nil, "pay only these withdrawal ids (repeat or comma-separate; default: every queued one)")
		fs.BoolVar(&prove, "prove", prove, "prove each payment to the chain (MsgProveWithdrawal) once it is min_confirmations deep")
	}
	s, _, err := openBTC("pay-withdrawals", args, 0, bind, nil)
	if err != nil {
		return err
	}
	defer s.close()
	c := &tunnelwallet.Custodian{
		Wallet: s.wallet, Node: s.btc, Tunnel: s.hemi.Tunnel, BTCLC: s.hemi.BTCLC, ConfTarget: s.cfg.ConfTarget,
		Submitter: s.hemi.Address().String(),
		Print:     func(line string) { fmt.Printf("%s %s\n", time.Now().UTC().Format(time.TimeOnly), line) },
	}
	for _, id := range ids {
		c.IDs = append(c.IDs, uint64(id))
	}
	if prove {
		c.Send = s.hemi.SendTx
	}
	if once {
		n, err := c.Round(s.ctx)
		fmt.Printf("paid %d withdrawals\n", n)
		return err
	}
	fmt.Fprintf(os.Stderr, "paying x/tunnel's queued withdrawals from the vault %s every %s; Ctrl-C stops\n", s.wallet.Address(), s.cfg.Poll)
	return c.Run(s.ctx, s.cfg.Poll)
}
