package cmd

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	sdk "github.com/cosmos/cosmos-sdk/types"

	appparams "github.com/hemi-appchain/hemi/app/params"
	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/tunnelwallet"
	inboxtypes "github.com/hemi-appchain/hemi/x/inbox/types"
	tunnelkeeper "github.com/hemi-appchain/hemi/x/tunnel/keeper"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
)

// btcInboxCmd is `hemid btc inbox`: post an x/inbox operation in a Bitcoin transaction signed by
// the key, so that the chain runs it as the key's hemi account whatever its validators include.
func btcInboxCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "inbox",
		Short: "Post an operation on Bitcoin that the chain must run as this key's account: transfer, withdraw, undelegate",
		Long: `Post an x/inbox operation in a Bitcoin transaction whose first input the key signs (an OP_RETURN
"HEMF" payload). Once the transaction is min_confirmations deep, the chain runs the operation as
the key's hemi account, before the block's transactions, whether or not any validator includes a
transaction of yours: the exit of last resort when validators censor.

  hemid btc inbox transfer --to <0x…|hemi1…> --amount <n> [--denom ahemi|sat]
  hemid btc inbox withdraw --amount <sat> [--btc-address <addr> | --btc-script <hex>] [--max-fee <sat>]
  hemid btc inbox undelegate --validator <hemivaloper1…> --amount <ahemi>

Each prints the Bitcoin txid and follows the operation until the chain has run it (--wait).`,
		PersistentPreRunE: func(*cobra.Command, []string) error { return nil },
	}
	cmd.AddCommand(
		btcSubCmd("transfer", "", "Transfer ahemi or sat from this key's account, from Bitcoin", runInboxTransfer),
		btcSubCmd("withdraw", "", "Withdraw sat from this key's account to Bitcoin through the tunnel, from Bitcoin", runInboxWithdraw),
		btcSubCmd("undelegate", "", "Undelegate this key's stake from a validator, from Bitcoin", runInboxUndelegate),
	)
	return cmd
}

// inboxFlags are the flags every inbox subcommand takes.
type inboxFlags struct {
	rate    int64
	wait    bool
	timeout time.Duration
}

func (f *inboxFlags) bind(fs *pflag.FlagSet) {
	fs.Int64Var(&f.rate, "fee-rate", 0, "fee rate, sat/vB (default: the node's estimate for --conf-target, within --fee-floor and --fee-cap)")
	fs.BoolVar(&f.wait, "wait", true, "follow the operation until the chain has run it (--wait=false returns once it is broadcast)")
	fs.DurationVar(&f.timeout, "timeout", 3*time.Hour, "how long --wait follows the operation before giving up")
}

func (f inboxFlags) check() error {
	if f.timeout <= 0 {
		return errors.New("--timeout must be positive")
	}
	return nil
}

// parseAmount reads a positive integer amount in base units.
func parseAmount(s, what string) (*big.Int, error) {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok || n.Sign() <= 0 {
		return nil, fmt.Errorf("--amount %q: give a positive integer number of %s", s, what)
	}
	return n, nil
}

func runInboxTransfer(args []string) error {
	var to, amount, denom string
	var f inboxFlags
	bind := func(fs *pflag.FlagSet) {
		fs.StringVar(&to, "to", "", "hemi account to credit: 0x… (EVM address) or hemi1…")
		fs.StringVar(&amount, "amount", "", "amount in base units of --denom")
		fs.StringVar(&denom, "denom", appparams.BaseDenom, "denom: "+appparams.BaseDenom+" or "+appparams.BTCDenom)
		f.bind(fs)
	}
	check := func() error {
		errs := []error{f.check()}
		if to == "" {
			errs = append(errs, errors.New("--to (the hemi account to credit) is required"))
		}
		if denom != appparams.BaseDenom && denom != appparams.BTCDenom {
			errs = append(errs, fmt.Errorf("--denom %q: %s or %s", denom, appparams.BaseDenom, appparams.BTCDenom))
		}
		return errors.Join(errs...)
	}
	s, _, err := openBTC("inbox transfer", args, 0, bind, check)
	if err != nil {
		return err
	}
	defer s.close()
	recipient, err := tunnelwallet.ParseRecipient(to)
	if err != nil {
		return err
	}
	if blockedRecipient()(sdk.AccAddress(recipient[:])) {
		return fmt.Errorf("recipient %s may not receive coins (a module account or precompile): the operation would fail; transfer to an account", sdk.AccAddress(recipient[:]))
	}
	n, err := parseAmount(amount, denom)
	if err != nil {
		return err
	}
	p := bitcoin.InboxPayload{Op: bitcoin.InboxTransfer, To: recipient}
	if denom == appparams.BTCDenom {
		p.Denom = bitcoin.InboxSat
	}
	if p.Amount, err = bitcoin.InboxAmount(n); err != nil {
		return err
	}
	return s.postInbox(p, f, fmt.Sprintf("transfer of %s%s to %s", n, denom, sdk.AccAddress(recipient[:])))
}

func runInboxWithdraw(args []string) error {
	var btcAddress, btcScript string
	var amount, maxFee uint64
	var f inboxFlags
	bind := func(fs *pflag.FlagSet) {
		fs.Uint64Var(&amount, "amount", 0, "sat to burn on hemi; the custodian pays this less the tunnel's fee allowance")
		fs.StringVar(&btcAddress, "btc-address", "", "Bitcoin address to pay (default: this key's own address)")
		fs.StringVar(&btcScript, "btc-script", "", "Bitcoin output script to pay, hex (instead of --btc-address)")
		fs.Uint64Var(&maxFee, "max-fee", 0, "the largest fee allowance (sat) you accept; the operation fails if the tunnel's is higher when it runs (default: the tunnel's now)")
		f.bind(fs)
	}
	check := func() error {
		errs := []error{f.check()}
		if amount == 0 {
			errs = append(errs, errors.New("--amount (sat, > 0) is required"))
		}
		if btcAddress != "" && btcScript != "" {
			errs = append(errs, errors.New("give --btc-address or --btc-script, not both"))
		}
		return errors.Join(errs...)
	}
	s, _, err := openBTC("inbox withdraw", args, 0, bind, check)
	if err != nil {
		return err
	}
	defer s.close()
	script := s.wallet.PkScript()
	switch {
	case btcScript != "":
		if script, err = hex.DecodeString(btcScript); err != nil {
			return fmt.Errorf("--btc-script: %w", err)
		}
	case btcAddress != "":
		addr, err := btcutil.DecodeAddress(btcAddress, s.network.Chain)
		if err != nil || !addr.IsForNet(s.network.Chain) {
			return fmt.Errorf("--btc-address %q is not a %s address: %v", btcAddress, s.network.Name, err)
		}
		if script, err = txscript.PayToAddrScript(addr); err != nil {
			return fmt.Errorf("--btc-address %q: %w", btcAddress, err)
		}
	}
	params, err := s.hemi.Tunnel.Params(s.ctx, &tunneltypes.QueryParamsRequest{})
	if err != nil {
		return fmt.Errorf("reading x/tunnel's params from hemid at %s: %w", s.cfg.HemidGRPC, err)
	}
	if maxFee == 0 {
		maxFee = params.Params.WithdrawalMaxFeeSats
	}
	// What x/tunnel would refuse is refused here, before Bitcoin fees are spent on it.
	switch {
	case len(params.Params.VaultScript) == 0:
		return errors.New("the chain has no vault configured, so x/tunnel takes no withdrawal")
	case maxFee < params.Params.WithdrawalMaxFeeSats:
		return fmt.Errorf("--max-fee %d is below the tunnel's fee allowance %d: the operation would fail", maxFee, params.Params.WithdrawalMaxFeeSats)
	case amount < params.Params.WithdrawalMaxFeeSats+tunnelkeeper.DustSats || amount > tunneltypes.MaxSats:
		return fmt.Errorf("--amount %d: want at least the fee allowance %d + %d (dust) and at most %d", amount,
			params.Params.WithdrawalMaxFeeSats, tunnelkeeper.DustSats, tunneltypes.MaxSats)
	}
	if err := tunneltypes.ValidatePayoutScript(script); err != nil {
		return err
	}
	if bytes.Equal(script, params.Params.VaultScript) {
		return errors.New("the payout script is the vault's own: give a script of your own wallet")
	}
	p := bitcoin.InboxPayload{Op: bitcoin.InboxWithdrawal, AmountSats: amount, MaxFeeSats: maxFee, Script: script}
	return s.postInbox(p, f, fmt.Sprintf("withdrawal of %d sat to script %x (fee allowance at most %d sat)", amount, script, maxFee))
}

func runInboxUndelegate(args []string) error {
	var validator, amount string
	var f inboxFlags
	bind := func(fs *pflag.FlagSet) {
		fs.StringVar(&validator, "validator", "", "validator operator address (hemivaloper1…)")
		fs.StringVar(&amount, "amount", "", "ahemi to undelegate")
		f.bind(fs)
	}
	check := func() error {
		if validator == "" {
			return errors.Join(errors.New("--validator is required"), f.check())
		}
		return f.check()
	}
	s, _, err := openBTC("inbox undelegate", args, 0, bind, check)
	if err != nil {
		return err
	}
	defer s.close()
	val, err := sdk.ValAddressFromBech32(validator)
	if err != nil || len(val) != 20 {
		return fmt.Errorf("--validator %q is not a 20-byte %s address: %v", validator, sdk.GetConfig().GetBech32ValidatorAddrPrefix(), err)
	}
	n, err := parseAmount(amount, appparams.BaseDenom)
	if err != nil {
		return err
	}
	p := bitcoin.InboxPayload{Op: bitcoin.InboxUndelegate}
	copy(p.Validator[:], val)
	if p.Amount, err = bitcoin.InboxAmount(n); err != nil {
		return err
	}
	return s.postInbox(p, f, fmt.Sprintf("undelegation of %s%s from %s", n, appparams.BaseDenom, validator))
}

// postInbox builds, signs and broadcasts the transaction carrying p from the wallet's confirmed
// coins (every input is the key's, so input 0 binds the key's account), then follows it.
func (s *btcSession) postInbox(p bitcoin.InboxPayload, f inboxFlags, what string) error {
	raw, err := p.Encode()
	if err != nil {
		return err
	}
	utxos, err := s.wallet.UTXOs(s.ctx, 1)
	if err != nil {
		return fmt.Errorf("finding the wallet's coins (btcd needs --txindex --addrindex): %w", err)
	}
	rate, err := s.feeRate(f.rate)
	if err != nil {
		return err
	}
	tx, fee, err := s.wallet.BuildTx(utxos, []*wire.TxOut{wire.NewTxOut(0, bitcoin.InboxScript(raw))}, rate)
	if err != nil {
		return err
	}
	// The chain reads input 0's funding transaction: one it would refuse makes the operation
	// unprovable, so it is refused here, before anything is sent.
	funding, err := s.btc.GetRawTransaction(s.ctx, tx.TxIn[0].PreviousOutPoint.Hash)
	if err != nil {
		return fmt.Errorf("reading the funding transaction of input 0 (btcd needs --txindex): %w", err)
	}
	if err := inboxtypes.CheckTxSizes(tx, funding); err != nil {
		return err
	}
	txid, err := s.wallet.Broadcast(s.ctx, tx)
	if err != nil {
		return fmt.Errorf("broadcasting inbox transaction %s: %w", tx.TxHash(), err)
	}
	payee := s.wallet.Payee()
	account := sdk.AccAddress(payee[:])
	params, err := s.hemi.Inbox.Params(s.ctx, &inboxtypes.QueryParamsRequest{})
	if err != nil {
		return fmt.Errorf("reading x/inbox's params from hemid at %s: %w", s.cfg.HemidGRPC, err)
	}
	fmt.Printf("txid %s\n", txid)
	fmt.Printf("%s as %s (0x%x), Bitcoin fee %d sat at %d sat/vB; the chain runs it at %d Bitcoin confirmations\n",
		what, account, account.Bytes(), fee, rate, params.Params.MinConfirmations)
	if !f.wait {
		fmt.Printf("follow it with: hemid btc status %s --hemid-grpc %s\n", txid, s.cfg.HemidGRPC)
		return nil
	}
	ctx, cancel := context.WithTimeout(s.ctx, f.timeout)
	defer cancel()
	err = followInbox(ctx, s.hemi.Inbox, txid, s.cfg.Poll)
	switch {
	case err == nil:
		return nil
	case s.ctx.Err() != nil:
		fmt.Printf("stopped following %s; the chain runs it by itself: hemid btc status %s\n", txid, txid)
		return nil
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w after --timeout %s. The operation is not lost: any proposer with a Bitcoin watcher proves it, and anyone can with "+
			"`hemid tx inbox submit`; keep following it with `hemid btc status %s`", err, f.timeout, txid)
	}
	return err
}

// followInbox prints the operation's status each time it changes, until it has run (nil, also
// when it failed: the failure is the chain's answer) or ctx ends.
func followInbox(ctx context.Context, q inboxtypes.QueryClient, txid chainhash.Hash, poll time.Duration) error {
	last := ""
	for {
		line, done, err := inboxStatus(ctx, q, txid)
		if err != nil && ctx.Err() == nil {
			line = "hemid: " + err.Error()
		}
		if line != last {
			fmt.Printf("%s %s\n", time.Now().UTC().Format(time.TimeOnly), line)
			last = line
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
	}
}

// inboxStatus is one line on where operation txid stands, and whether it has run.
func inboxStatus(ctx context.Context, q inboxtypes.QueryClient, txid chainhash.Hash) (string, bool, error) {
	res, err := q.Op(ctx, &inboxtypes.QueryOpRequest{Txid: txid.String()})
	if status.Code(err) == codes.NotFound {
		return "not proven to the chain yet (waiting for its Bitcoin block to reach the chain)", false, nil
	}
	if err != nil {
		return "", false, err
	}
	o := res.Op
	switch o.Status {
	case inboxtypes.OP_STATUS_EXECUTED:
		line := fmt.Sprintf("executed at hemi height %d", o.ExecutedHeight)
		if o.WithdrawalId != 0 {
			line += fmt.Sprintf(", withdrawal %d queued (hemid btc status %d)", o.WithdrawalId, o.WithdrawalId)
		}
		return line, true, nil
	case inboxtypes.OP_STATUS_FAILED:
		return fmt.Sprintf("failed at hemi height %d: %s", o.ExecutedHeight, o.Reason), true, nil
	}
	return fmt.Sprintf("pending, %d Bitcoin confirmations (Bitcoin block %d)", res.Confirmations, o.BtcHeight), false, nil
}
