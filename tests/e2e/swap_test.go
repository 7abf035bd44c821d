package e2e

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/binary"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	ethtypes "github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/wallet"
	"github.com/hemi-appchain/hemi/contracts"
	"github.com/hemi-appchain/hemi/testutil/btcdtest"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	"github.com/hemi-appchain/hemi/x/hvm/precompiles/ibitcoin"
)

// swapGas is the gas limit of the swap test's transactions: above what any of them uses, so a
// refused fill is mined and reverts instead of failing gas estimation.
const swapGas = 1_000_000

// The statuses of BtcSwap.Status.
const (
	offerOpen uint8 = iota + 1
	offerFilled
	offerCancelled
)

// swapOffer is BtcSwap.Offer.
type swapOffer struct {
	Seller             common.Address
	PriceSats          uint64
	Token              common.Address
	Confirmations      uint64
	Deadline           uint64
	ReservationSeconds uint64
	Status             uint8
	Amount             *big.Int
	Bond               *big.Int
	Buyer              common.Address
	ReservedUntil      uint64
	ScriptPubKey       []byte
}

// swapCommitment is the OP_RETURN output script a payment for offer of the BtcSwap at swap on
// chain chainID to buyer carries, built from the format documented in BtcSwap.sol and
// contracts/README.md: OP_RETURN, a 60-byte push of "HSWP" ‖ chain id ‖ contract ‖ offer id ‖
// buyer, integers big-endian.
func swapCommitment(chainID uint64, swap common.Address, offer uint64, buyer common.Address) []byte {
	script := []byte{txscript.OP_RETURN, txscript.OP_DATA_60}
	script = append(script, "HSWP"...)
	script = binary.BigEndian.AppendUint64(script, chainID)
	script = append(script, swap.Bytes()...)
	script = binary.BigEndian.AppendUint64(script, offer)
	return append(script, buyer.Bytes()...)
}

// The seeds of the swap test's fixed keys (datagen.KeyFromSeed): public knowledge, regtest only.
const (
	buyerBitcoinSeed uint32 = 8001 + iota
	buyerHemiSeed
	sellerBitcoinSeed
	strangerBitcoinSeed
)

// regtestScript is the output script of a P2PKH wallet for the key of seed, as the project's
// wallet builds it.
func regtestScript(t *testing.T, seed uint32) []byte {
	t.Helper()
	w, err := wallet.New(datagen.KeyFromSeed(seed), &chaincfg.RegressionNetParams, wallet.P2PKH, nil)
	if err != nil {
		t.Fatal(err)
	}
	return w.PkScript()
}

// swapBitcoin is the Bitcoin side of the swap test: btcd regtest, the buyer's wallet (which the
// node's coinbases fund) and x/btclc, which the relayer keeps at btcd's tip.
type swapBitcoin struct {
	t      *testing.T
	node   *btcdtest.Node
	wallet *wallet.Wallet
	lc     btclctypes.QueryClient
}

// pay builds, signs and broadcasts a transaction paying outputs with the buyer's wallet.
func (b swapBitcoin) pay(outputs ...*wire.TxOut) *wire.MsgTx {
	b.t.Helper()
	ctx := context.Background()
	utxos, err := b.wallet.UTXOs(ctx, 1)
	if err != nil {
		b.t.Fatal(err)
	}
	tx, _, err := b.wallet.BuildTx(utxos, outputs, 2)
	if err != nil {
		b.t.Fatal(err)
	}
	if _, err := b.wallet.Broadcast(ctx, tx); err != nil {
		b.t.Fatalf("broadcasting %s: %v", tx.TxHash(), err)
	}
	return tx
}

// mine mines n blocks and waits until x/btclc's tip is the last; it returns the first.
func (b swapBitcoin) mine(n int) chainhash.Hash {
	b.t.Helper()
	hashes := b.node.Generate(n)
	height, tip := b.node.BestBlock()
	if tip != hashes[n-1] {
		b.t.Fatalf("btcd's tip is %s, not the block it just mined %s", tip, hashes[n-1])
	}
	waitLightClientTip(b.t, b.lc, height, tip, 2*time.Minute)
	return hashes[0]
}

// proof is verifyTx's arguments proving tx in the block with hash blockHash, fetched from btcd.
func (b swapBitcoin) proof(blockHash chainhash.Hash, tx *wire.MsgTx) verifyTxArgs {
	b.t.Helper()
	block, err := b.node.Client().GetBlock(context.Background(), blockHash)
	if err != nil {
		b.t.Fatal(err)
	}
	index, siblings, raw, err := bitcoin.InclusionProof(block, tx.TxHash())
	if err != nil {
		b.t.Fatal(err)
	}
	args := verifyTxArgs{Tx: raw, BlockHash: displayHash(blockHash), Index: index}
	for _, s := range siblings {
		args.Siblings = append(args.Siblings, s)
	}
	return args
}

// swapContract sends transactions to and calls one contract of the swap test.
type swapContract struct {
	abiClient
}

// send sends a transaction calling method from key's account with value (nil for none) and
// returns its receipt, whatever its status.
func (c swapContract) send(t *testing.T, key *ecdsa.PrivateKey, value *big.Int, method string, args ...any) *ethtypes.Receipt {
	t.Helper()
	return sendEthTx(t, c.eth, key, &c.addr, value, c.pack(t, method, args...), swapGas)
}

// mustSend sends a transaction calling method that must succeed, with eth_estimateGas's figure
// as its gas limit, and returns its receipt.
func (c swapContract) mustSend(t *testing.T, key *ecdsa.PrivateKey, value *big.Int, method string, args ...any) *ethtypes.Receipt {
	t.Helper()
	from, data := crypto.PubkeyToAddress(key.PublicKey), c.pack(t, method, args...)
	gas, err := c.eth.EstimateGas(context.Background(), ethereum.CallMsg{From: from, To: &c.addr, Value: value, Data: data})
	if err != nil {
		reason, _ := revertReason(err)
		t.Fatalf("eth_estimateGas %s%v: %v (reason %q)", method, args, err, reason)
	}
	receipt := sendEthTx(t, c.eth, key, &c.addr, value, data, gas)
	if receipt.Status != ethtypes.ReceiptStatusSuccessful {
		t.Fatalf("%s%v with the estimated gas %d reverted", method, args, gas)
	}
	t.Logf("%s: eth_estimateGas %d, gas used %d", method, gas, receipt.GasUsed)
	return receipt
}

// revertAt runs method from from with value as eth_call on the state after block (nil: the
// latest), which must revert with a reason; it returns the reason.
func (c swapContract) revertAt(t *testing.T, from common.Address, value *big.Int, block *big.Int, method string, args ...any) string {
	t.Helper()
	_, err := c.eth.CallContract(context.Background(), ethereum.CallMsg{From: from, To: &c.addr, Value: value, Data: c.pack(t, method, args...)}, block)
	if err == nil {
		t.Fatalf("eth_call %s%v succeeded, want a revert", method, args)
	}
	reason, ok := revertReason(err)
	if !ok {
		t.Fatalf("eth_call %s%v failed without a revert reason: %v", method, args, err)
	}
	return reason
}

// mustRefuse checks that an eth_call of method from from reverts with reason want.
func (c swapContract) mustRefuse(t *testing.T, from common.Address, value *big.Int, want, method string, args ...any) {
	t.Helper()
	if got := c.revertAt(t, from, value, nil, method, args...); got != want {
		t.Fatalf("%s refused with %q, want %q", method, got, want)
	}
}

func (c swapContract) offer(t *testing.T, id uint64) swapOffer {
	t.Helper()
	var o swapOffer
	c.mustCall(t, nil, &o, "offer", id)
	return o
}

func (c swapContract) balanceOf(t *testing.T, who common.Address) *big.Int {
	t.Helper()
	var b *big.Int
	c.mustCall(t, nil, &b, "balanceOf", who)
	return b
}

// swapLog returns the only log of receipt that is event name of the contract, decoded.
func (c swapContract) swapLog(t *testing.T, receipt *ethtypes.Receipt, name string) *ethtypes.Log {
	t.Helper()
	var found *ethtypes.Log
	for _, l := range receipt.Logs {
		if l.Address == c.addr && len(l.Topics) > 0 && l.Topics[0] == c.abi.Events[name].ID {
			if found != nil {
				t.Fatalf("transaction %s logged %s twice", receipt.TxHash, name)
			}
			found = l
		}
	}
	if found == nil {
		t.Fatalf("transaction %s logged no %s", receipt.TxHash, name)
	}
	return found
}

// mustPaid checks that receipt logs that the escrow of offer went to buyer: one EscrowPaid of
// amount, and no EscrowOwed.
func (c swapContract) mustPaid(t *testing.T, receipt *ethtypes.Receipt, offer uint64, buyer common.Address, amount *big.Int) {
	t.Helper()
	l := c.swapLog(t, receipt, "EscrowPaid")
	if l.Topics[1] != common.BigToHash(new(big.Int).SetUint64(offer)) || l.Topics[2] != common.BytesToHash(buyer.Bytes()) ||
		new(big.Int).SetBytes(l.Data).Cmp(amount) != 0 {
		t.Fatalf("EscrowPaid topics %v data %x, want offer %d, buyer %s, amount %s", l.Topics, l.Data, offer, buyer, amount)
	}
	c.mustNotLog(t, receipt, "EscrowOwed")
}

// mustNotLog checks that receipt logs no event name of the contract.
func (c swapContract) mustNotLog(t *testing.T, receipt *ethtypes.Receipt, name string) {
	t.Helper()
	for _, l := range receipt.Logs {
		if l.Address == c.addr && len(l.Topics) > 0 && l.Topics[0] == c.abi.Events[name].ID {
			t.Fatalf("transaction %s logged %s", receipt.TxHash, name)
		}
	}
}

func nativeBalance(t *testing.T, eth *ethclient.Client, who common.Address) *big.Int {
	t.Helper()
	b, err := eth.BalanceAt(context.Background(), who, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustEqualBig(t *testing.T, what string, got, want *big.Int) {
	t.Helper()
	if got.Cmp(want) != 0 {
		t.Fatalf("%s = %s, want %s", what, got, want)
	}
}

// hemiFraction is oneHemi × num / den.
func hemiFraction(num, den int64) *big.Int {
	return new(big.Int).Div(new(big.Int).Mul(oneHemi, big.NewInt(num)), big.NewInt(den))
}

// TestBtcSwap runs contracts/BtcSwap.sol on hemid against btcd regtest, with the relayer keeping
// x/btclc at btcd's tip. A seller escrows tokens and native hemi; a buyer reserves an offer, pays
// in bitcoin with the project's wallet, and anyone submits the SPV proof: the escrow goes to the
// buyer the payment commits to once it has the offer's confirmations. Payments to another script,
// too small or split, coinbases, replays, copied proofs, the seller racing the buyer and tampered
// proofs are refused with their reasons; a reservation that lapses forfeits its bond to the seller,
// who gets an unfilled offer back only after its deadline. A fill settles the offer even when the
// token refuses the transfer or the buyer refuses hemi: the buyer claims the escrow once the
// payment goes through, and the seller can never cancel it.
func TestBtcSwap(t *testing.T) {
	ctx := context.Background()
	buyerBtcKey := datagen.KeyFromSeed(buyerBitcoinSeed)
	btcNode := btcdtest.Start(t, &btcdtest.Options{MiningKey: buyerBtcKey}) // coinbases fund the buyer
	btcNode.Generate(110)                                                   // 10 mature coinbases
	buyerWallet, err := wallet.New(buyerBtcKey, &chaincfg.RegressionNetParams, wallet.P2PKH, btcNode.Client())
	if err != nil {
		t.Fatal(err)
	}

	// dev0 signs the relayer's transactions, dev1 is the seller, dev2 reserves and submits proofs
	// for the buyer (anyone may); the buyer's hemi account is new and sends one transaction at
	// the end, to withdraw its bonds.
	net := newNetwork(t, 1, 3, btcEnv(btcNode)...)
	net.start(0)
	net.waitHeight(0, 2, 3*time.Minute)
	lc := btclctypes.NewQueryClient(grpcConn(t, net))
	relayer := startRelayer(t, net, btcNode, "", 200)
	t.Cleanup(relayer.stop)
	btc := swapBitcoin{t: t, node: btcNode, wallet: buyerWallet, lc: lc}
	height, tip := btcNode.BestBlock()
	waitLightClientTip(t, lc, height, tip, 2*time.Minute)

	eth := ethClient(t, net)
	sellerKey, submitterKey := devKey(t, net.devs[1]), devKey(t, net.devs[2])
	seller, submitter := crypto.PubkeyToAddress(sellerKey.PublicKey), crypto.PubkeyToAddress(submitterKey.PublicKey)
	buyerKey, err := crypto.ToECDSA(datagen.KeyFromSeed(buyerHemiSeed).Serialize())
	if err != nil {
		t.Fatal(err)
	}
	buyer := crypto.PubkeyToAddress(buyerKey.PublicKey)
	sellerScript := regtestScript(t, sellerBitcoinSeed)

	deploy := func(key *ecdsa.PrivateKey, code []byte) common.Address {
		t.Helper()
		receipt := sendEthTx(t, eth, key, nil, nil, code, 3_000_000)
		if receipt.Status != ethtypes.ReceiptStatusSuccessful {
			t.Fatalf("deploy: status %d", receipt.Status)
		}
		return receipt.ContractAddress
	}
	tokenABI := mustABI(t, contracts.TestTokenABI)
	supply := new(big.Int).Mul(big.NewInt(1_000_000), oneHemi)
	tokenArgs, err := tokenABI.Pack("", "Swap Test Token", "SWT", supply)
	if err != nil {
		t.Fatal(err)
	}
	token := swapContract{abiClient{eth: eth, abi: tokenABI, addr: deploy(sellerKey, append(contracts.TestTokenBytecode(), tokenArgs...))}}
	swap := swapContract{abiClient{eth: eth, abi: mustABI(t, contracts.BtcSwapABI), addr: deploy(submitterKey, contracts.BtcSwapBytecode())}}

	// The commitment is the documented 62-byte OP_RETURN script, standard for Bitcoin nodes.
	commitment := func(offer uint64, to common.Address) []byte {
		t.Helper()
		want := swapCommitment(testEVMChainID, swap.addr, offer, to)
		var got []byte
		swap.mustCall(t, nil, &got, "commitment", offer, to)
		if !bytes.Equal(got, want) {
			t.Fatalf("commitment(%d, %s) = %x, want the documented %x", offer, to, got, want)
		}
		if class := txscript.GetScriptClass(got); class != txscript.NullDataTy || len(got) != 62 {
			t.Fatalf("commitment %x is a %d-byte %s script, want a 62-byte OP_RETURN (nulldata)", got, len(got), class)
		}
		return got
	}
	fillArgs := func(offer uint64, to common.Address, p verifyTxArgs) []any {
		return append([]any{offer, to}, p.list()...)
	}

	// Three offers: 1000 tokens for 0.01 BTC, 3 confirmations deep; 2 hemi for 0.005 BTC, 1
	// confirmation; 1 hemi with a deadline 45 s away and 15 s reservations, never paid.
	head, err := eth.HeaderByNumber(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	later := head.Time + 3600
	const (
		tokenOffer, tokenPrice, tokenDepth    = uint64(1), uint64(1_000_000), uint64(3)
		nativeOffer, nativePrice, nativeDepth = uint64(2), uint64(500_000), uint64(1)
		expiringOffer, expiringWindow         = uint64(3), uint64(15)
		window                                = uint64(1800)
	)
	tokenAmount := new(big.Int).Mul(big.NewInt(1000), oneHemi)
	twoHemi, oneHemiAmount := hemiFraction(2, 1), hemiFraction(1, 1)
	tokenBond, nativeBond, expiringBond := hemiFraction(1, 2), hemiFraction(1, 4), hemiFraction(1, 10)
	token.mustSend(t, sellerKey, nil, "approve", swap.addr, tokenAmount)
	r := swap.mustSend(t, sellerKey, nil, "createOffer", token.addr, tokenAmount, sellerScript, tokenPrice, tokenDepth, later, window, tokenBond)
	if id := swap.swapLog(t, r, "OfferCreated").Topics[1]; id != common.BigToHash(new(big.Int).SetUint64(tokenOffer)) {
		t.Fatalf("first offer has id %s, want %d", id, tokenOffer)
	}
	swap.mustSend(t, sellerKey, twoHemi, "createOffer", common.Address{}, twoHemi, sellerScript, nativePrice, nativeDepth, later, window, nativeBond)
	head, err = eth.HeaderByNumber(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	deadline := head.Time + 45
	swap.mustSend(t, sellerKey, oneHemiAmount, "createOffer", common.Address{}, oneHemiAmount, sellerScript, nativePrice, nativeDepth, deadline, expiringWindow, expiringBond)
	// The submitter reserves the expiring offer for itself and lets the reservation lapse.
	swap.mustSend(t, submitterKey, expiringBond, "reserve", expiringOffer, submitter)
	mustEqualBig(t, "the swap's token balance", token.balanceOf(t, swap.addr), tokenAmount)
	mustEqualBig(t, "the swap's native balance", nativeBalance(t, eth, swap.addr), new(big.Int).Add(new(big.Int).Add(twoHemi, oneHemiAmount), expiringBond))
	if o := swap.offer(t, tokenOffer); o.Seller != seller || o.Token != token.addr || o.Amount.Cmp(tokenAmount) != 0 ||
		o.PriceSats != tokenPrice || o.Confirmations != tokenDepth || o.Deadline != later || o.ReservationSeconds != window ||
		o.Bond.Cmp(tokenBond) != 0 || o.Status != offerOpen || o.Buyer != (common.Address{}) || !bytes.Equal(o.ScriptPubKey, sellerScript) {
		t.Fatalf("offer %d = %+v", tokenOffer, o)
	}

	t.Run("CreateRefusals", func(t *testing.T) {
		opReturn := append([]byte{txscript.OP_RETURN}, sellerScript...)
		for _, c := range []struct {
			value                  *big.Int
			token                  common.Address
			amount                 *big.Int
			script                 []byte
			price, depth, deadline uint64
			window                 uint64
			want                   string
		}{
			{nil, token.addr, big.NewInt(0), sellerScript, 1, 1, later, window, "BtcSwap: nothing to escrow"},
			{nil, token.addr, tokenAmount, nil, 1, 1, later, window, "BtcSwap: scriptPubKey must be 1 to 10000 bytes"},
			{nil, token.addr, tokenAmount, opReturn, 1, 1, later, window, "BtcSwap: scriptPubKey is an OP_RETURN script, which nobody can spend"},
			{nil, token.addr, tokenAmount, sellerScript, 0, 1, later, window, "BtcSwap: price must be 1 sat to 21 million BTC"},
			{nil, token.addr, tokenAmount, sellerScript, 1, 0, later, window, "BtcSwap: confirmations must be at least 1"},
			{nil, token.addr, tokenAmount, sellerScript, 1, 1, head.Time - 1, window, "BtcSwap: deadline must be in the future"},
			{nil, token.addr, tokenAmount, sellerScript, 1, 1, later, 0, "BtcSwap: the reservation must last at least 1 second and fit before the deadline"},
			{nil, token.addr, tokenAmount, sellerScript, 1, 1, later, 3600, "BtcSwap: the reservation must last at least 1 second and fit before the deadline"},
			{oneHemiAmount, common.Address{}, twoHemi, sellerScript, 1, 1, later, window, "BtcSwap: a native offer's msg.value must equal its amount"},
			{oneHemiAmount, token.addr, tokenAmount, sellerScript, 1, 1, later, window, "BtcSwap: a token offer takes no msg.value"},
			{nil, buyer, tokenAmount, sellerScript, 1, 1, later, window, "BtcSwap: token is not a contract"},
			// The seller approved the swap for the first offer's tokens only, and they are spent.
			{nil, token.addr, tokenAmount, sellerScript, 1, 1, later, window, "BtcSwap: token transfer failed"},
		} {
			swap.mustRefuse(t, seller, c.value, c.want, "createOffer", c.token, c.amount, c.script, c.price, c.depth, c.deadline, c.window, big.NewInt(0))
		}
	})

	t.Run("ReserveFirst", func(t *testing.T) {
		swap.mustRefuse(t, submitter, nil, "BtcSwap: offer not reserved for this buyer", "fill", fillArgs(tokenOffer, buyer, verifyTxArgs{})...)
		swap.mustRefuse(t, submitter, nil, "BtcSwap: msg.value must equal the offer's bond", "reserve", tokenOffer, buyer)
		swap.mustRefuse(t, submitter, tokenBond, "BtcSwap: buyer is the zero address", "reserve", tokenOffer, common.Address{})
		swap.mustRefuse(t, submitter, expiringBond, "BtcSwap: offer already reserved", "reserve", expiringOffer, buyer)
		swap.mustRefuse(t, submitter, nil, "BtcSwap: no such offer", "reserve", uint64(99), buyer)

		r := swap.mustSend(t, submitterKey, tokenBond, "reserve", tokenOffer, buyer)
		if got := swap.swapLog(t, r, "OfferReserved").Topics[2]; got != common.BytesToHash(buyer.Bytes()) {
			t.Fatalf("OfferReserved names %s, want the buyer %s", got, buyer)
		}
		if o := swap.offer(t, tokenOffer); o.Buyer != buyer || o.ReservedUntil <= head.Time || o.ReservedUntil > later {
			t.Fatalf("after the reservation, offer %d = %+v", tokenOffer, o)
		}
		// While the buyer holds it, nobody (the seller included) can take the offer over.
		swap.mustRefuse(t, seller, tokenBond, "BtcSwap: offer already reserved", "reserve", tokenOffer, seller)
	})

	t.Run("CancelBeforeDeadlineRefused", func(t *testing.T) {
		swap.mustRefuse(t, seller, nil, "BtcSwap: deadline not reached", "cancel", expiringOffer)
		swap.mustRefuse(t, submitter, nil, "BtcSwap: not the seller", "cancel", expiringOffer)
		swap.mustRefuse(t, seller, nil, "BtcSwap: no such offer", "cancel", uint64(99))
	})

	// The buyer pays offer 1 in one Bitcoin transaction, with its commitment. In the same block
	// the seller pays its own script (which costs it only the fee), committing to itself: the
	// race a reservation defeats.
	payment := btc.pay(wire.NewTxOut(int64(tokenPrice), sellerScript), wire.NewTxOut(0, commitment(tokenOffer, buyer)))
	sellerRace := btc.pay(wire.NewTxOut(int64(tokenPrice), sellerScript), wire.NewTxOut(0, commitment(tokenOffer, seller)))
	paymentBlock := btc.mine(1)
	proof, raceProof := btc.proof(paymentBlock, payment), btc.proof(paymentBlock, sellerRace)

	t.Run("PaysOutOnlyWhenDeepEnough", func(t *testing.T) {
		// One confirmation, three needed: the fill is mined and reverts, and nothing moves.
		r := swap.send(t, submitterKey, nil, "fill", fillArgs(tokenOffer, buyer, proof)...)
		if r.Status != ethtypes.ReceiptStatusFailed {
			t.Fatalf("a fill with 1 of 3 confirmations: status %d, want a revert", r.Status)
		}
		parent := new(big.Int).Sub(r.BlockNumber, big.NewInt(1))
		if got := swap.revertAt(t, submitter, nil, parent, "fill", fillArgs(tokenOffer, buyer, proof)...); got != "BtcSwap: not enough confirmations" {
			t.Fatalf("the reverted fill, replayed with eth_call: %q", got)
		}
		mustEqualBig(t, "the buyer's tokens after a fill too shallow", token.balanceOf(t, buyer), new(big.Int))

		// Two more blocks and the relayer brings x/btclc to them: three confirmations.
		btc.mine(2)
		// The seller's own payment fills nothing: it holds no reservation, and the buyer's
		// reservation wants a payment committed to the buyer.
		swap.mustRefuse(t, seller, nil, "BtcSwap: offer not reserved for this buyer", "fill", fillArgs(tokenOffer, seller, raceProof)...)
		swap.mustRefuse(t, seller, nil, "BtcSwap: no commitment to this offer and buyer", "fill", fillArgs(tokenOffer, buyer, raceProof)...)
		// A front-runner who copies the buyer's proof cannot name itself.
		swap.mustRefuse(t, submitter, nil, "BtcSwap: offer not reserved for this buyer", "fill", fillArgs(tokenOffer, submitter, proof)...)

		r = swap.mustSend(t, submitterKey, nil, "fill", fillArgs(tokenOffer, buyer, proof)...)
		swap.mustPaid(t, r, tokenOffer, buyer, tokenAmount)
		filled := swap.swapLog(t, r, "OfferFilled")
		if filled.Topics[2] != common.BytesToHash(buyer.Bytes()) || filled.Topics[3] != common.Hash(displayHash(payment.TxHash())) {
			t.Fatalf("OfferFilled topics %v, want buyer %s and txid %s", filled.Topics, buyer, payment.TxHash())
		}
		mustEqualBig(t, "the buyer's tokens", token.balanceOf(t, buyer), tokenAmount)
		mustEqualBig(t, "the swap's tokens", token.balanceOf(t, swap.addr), new(big.Int))
		mustEqualBig(t, "the seller's tokens", token.balanceOf(t, seller), new(big.Int).Sub(supply, tokenAmount))
		var credit *big.Int
		swap.mustCall(t, nil, &credit, "credit", buyer)
		mustEqualBig(t, "the buyer's credit (its bond back)", credit, tokenBond)
		if o := swap.offer(t, tokenOffer); o.Status != offerFilled {
			t.Fatalf("offer %d has status %d after the fill, want %d", tokenOffer, o.Status, offerFilled)
		}
		var by uint64
		swap.mustCall(t, nil, &by, "filledBy", displayHash(payment.TxHash()))
		if by != tokenOffer {
			t.Fatalf("filledBy(%s) = %d, want %d", payment.TxHash(), by, tokenOffer)
		}
		t.Logf("offer %d filled by %s (%d bytes, %d siblings) at 3 confirmations", tokenOffer, payment.TxHash(), len(proof.Tx), len(proof.Siblings))
	})

	swap.mustSend(t, submitterKey, nativeBond, "reserve", nativeOffer, buyer)

	t.Run("ReplayRefused", func(t *testing.T) {
		swap.mustRefuse(t, submitter, nil, "BtcSwap: offer already filled", "fill", fillArgs(tokenOffer, buyer, proof)...)
		swap.mustRefuse(t, submitter, nil, "BtcSwap: transaction already filled an offer", "fill", fillArgs(nativeOffer, buyer, proof)...)
	})

	// Four payments for offer 2, mined in one block: to another script, one sat short, the price
	// split over two outputs, and the right one.
	nativeCommitment := wire.NewTxOut(0, commitment(nativeOffer, buyer))
	otherScript := btc.pay(wire.NewTxOut(int64(nativePrice), regtestScript(t, strangerBitcoinSeed)), nativeCommitment)
	tooSmall := btc.pay(wire.NewTxOut(int64(nativePrice)-1, sellerScript), nativeCommitment)
	half := int64(nativePrice) / 2
	split := btc.pay(wire.NewTxOut(half, sellerScript), wire.NewTxOut(int64(nativePrice)-half, sellerScript), nativeCommitment)
	good := btc.pay(wire.NewTxOut(int64(nativePrice), sellerScript), nativeCommitment)
	block := btc.mine(1)
	goodProof := btc.proof(block, good)

	t.Run("BadPaymentsRefused", func(t *testing.T) {
		for _, c := range []struct {
			name string
			tx   *wire.MsgTx
			want string
		}{
			{"another script", otherScript, "BtcSwap: no output pays the offer's scriptPubKey"},
			{"one sat short", tooSmall, "BtcSwap: payment below the price"},
			{"split over two outputs", split, "BtcSwap: payment below the price"},
		} {
			swap.mustRefuse(t, submitter, nil, c.want, "fill", fillArgs(nativeOffer, buyer, btc.proof(block, c.tx))...)
		}
		// A coinbase is refused before its proof is even checked, though the proof is valid.
		ibtc := abiClient{eth: eth, abi: mustABI(t, contracts.IBitcoinABI), addr: ibitcoin.Address}
		mined, err := btcNode.Client().GetBlock(ctx, block)
		if err != nil {
			t.Fatal(err)
		}
		coinbaseProof := btc.proof(block, mined.Transactions[0])
		if coinbaseProof.Index != 0 {
			t.Fatalf("the coinbase is at index %d", coinbaseProof.Index)
		}
		if _, err := ibtc.call(t, nil, "verifyTx", coinbaseProof.list()...); err != nil {
			t.Fatalf("IBitcoin.verifyTx refused the coinbase's proof: %v", err)
		}
		swap.mustRefuse(t, submitter, nil, "BtcSwap: a coinbase transaction cannot pay: a reorg would erase it for good", "fill", fillArgs(nativeOffer, buyer, coinbaseProof)...)
		tampered := goodProof
		tampered.Siblings = append([][32]byte(nil), goodProof.Siblings...)
		tampered.Siblings[0][0] ^= 1
		reason := swap.revertAt(t, submitter, nil, nil, "fill", fillArgs(nativeOffer, buyer, tampered)...)
		if rest, ok := strings.CutPrefix(reason, "BtcSwap: proof rejected: IBitcoin.verifyTx: "); !ok || rest == "" {
			t.Fatalf("a tampered proof was refused with %q, want the precompile's reason after \"BtcSwap: proof rejected: \"", reason)
		}
		t.Logf("tampered proof: %q", reason)
	})

	t.Run("NativeEscrowPaysOut", func(t *testing.T) {
		r := swap.mustSend(t, submitterKey, nil, "fill", fillArgs(nativeOffer, buyer, goodProof)...)
		swap.swapLog(t, r, "OfferFilled")
		swap.mustPaid(t, r, nativeOffer, buyer, twoHemi)
		mustEqualBig(t, "the buyer's native balance", nativeBalance(t, eth, buyer), twoHemi)
		// Held: the expiring offer's escrow and bond, and the buyer's two bonds to withdraw.
		held := new(big.Int).Add(new(big.Int).Add(oneHemiAmount, expiringBond), new(big.Int).Add(tokenBond, nativeBond))
		mustEqualBig(t, "the swap's native balance", nativeBalance(t, eth, swap.addr), held)
		swap.mustRefuse(t, submitter, nil, "BtcSwap: offer already filled", "fill", fillArgs(nativeOffer, buyer, goodProof)...)
	})

	t.Run("LapsedReservationAndCancelAfterDeadline", func(t *testing.T) {
		o := swap.offer(t, expiringOffer)
		// On the way to the deadline: the reservation lapses, and then a new one would outlast
		// the deadline. Each is checked a few seconds before the deadline at the latest, so the
		// block an eth_call runs on is still before it.
		var lapsedChecked, lateChecked bool
		for wait := time.Now().Add(2 * time.Minute); ; time.Sleep(300 * time.Millisecond) {
			head, err := eth.HeaderByNumber(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if head.Time >= o.Deadline {
				break
			}
			if time.Now().After(wait) {
				t.Fatalf("the chain's time is %d after 2 minutes, short of the deadline %d", head.Time, o.Deadline)
			}
			if head.Time+3 >= o.Deadline {
				continue
			}
			if !lapsedChecked && head.Time >= o.ReservedUntil {
				swap.mustRefuse(t, submitter, nil, "BtcSwap: reservation lapsed", "fill", fillArgs(expiringOffer, submitter, goodProof)...)
				lapsedChecked = true
			}
			if !lateChecked && head.Time+o.ReservationSeconds > o.Deadline {
				swap.mustRefuse(t, buyer, expiringBond, "BtcSwap: too late to reserve: the reservation would outlast the deadline", "reserve", expiringOffer, buyer)
				lateChecked = true
			}
		}
		if !lapsedChecked || !lateChecked {
			t.Fatalf("the test reached the deadline before it could check the lapsed reservation (%v) and a late one (%v)", lapsedChecked, lateChecked)
		}
		swap.mustRefuse(t, submitter, nil, "BtcSwap: offer expired", "fill", fillArgs(expiringOffer, submitter, goodProof)...)
		swap.mustRefuse(t, submitter, expiringBond, "BtcSwap: offer expired", "reserve", expiringOffer, submitter)
		swap.mustRefuse(t, submitter, nil, "BtcSwap: not the seller", "cancel", expiringOffer)
		swap.mustRefuse(t, seller, nil, "BtcSwap: offer already filled", "cancel", nativeOffer)

		fee := func(r *ethtypes.Receipt) *big.Int {
			return new(big.Int).Mul(new(big.Int).SetUint64(r.GasUsed), r.EffectiveGasPrice)
		}
		before := nativeBalance(t, eth, seller)
		r := swap.mustSend(t, sellerKey, nil, "cancel", expiringOffer)
		swap.swapLog(t, r, "OfferCancelled")
		before.Add(before, oneHemiAmount).Sub(before, fee(r))
		mustEqualBig(t, "the seller's native balance after the cancel", nativeBalance(t, eth, seller), before)
		if o := swap.offer(t, expiringOffer); o.Status != offerCancelled {
			t.Fatalf("offer %d has status %d after the cancel, want %d", expiringOffer, o.Status, offerCancelled)
		}
		swap.mustRefuse(t, seller, nil, "BtcSwap: offer cancelled", "cancel", expiringOffer)

		// The lapsed reservation's bond went to the seller, the filled ones' back to the buyer.
		r = swap.mustSend(t, sellerKey, nil, "withdraw")
		before.Add(before, expiringBond).Sub(before, fee(r))
		mustEqualBig(t, "the seller's native balance after withdraw", nativeBalance(t, eth, seller), before)
		swap.mustRefuse(t, seller, nil, "BtcSwap: nothing to withdraw", "withdraw")
		r = swap.mustSend(t, buyerKey, nil, "withdraw")
		want := new(big.Int).Add(twoHemi, new(big.Int).Add(tokenBond, nativeBond))
		mustEqualBig(t, "the buyer's native balance after withdraw", nativeBalance(t, eth, buyer), want.Sub(want, fee(r)))
		mustEqualBig(t, "the swap's native balance at the end", nativeBalance(t, eth, swap.addr), new(big.Int))
	})

	t.Run("RefusedTransferStillSettles", func(t *testing.T) {
		// The seller escrows a token it can pause, and pauses it once the buyer has reserved.
		pausableABI := mustABI(t, contracts.PausableTestTokenABI)
		pausableArgs, err := pausableABI.Pack("", "Pausable Swap Test Token", "PST", supply)
		if err != nil {
			t.Fatal(err)
		}
		paused := swapContract{abiClient{eth: eth, abi: pausableABI, addr: deploy(sellerKey, append(contracts.PausableTestTokenBytecode(), pausableArgs...))}}
		head, err := eth.HeaderByNumber(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		const pausedOffer, pausedWindow = uint64(4), uint64(50)
		pausedDeadline := head.Time + 60
		paused.mustSend(t, sellerKey, nil, "approve", swap.addr, tokenAmount)
		swap.mustSend(t, sellerKey, nil, "createOffer", paused.addr, tokenAmount, sellerScript, nativePrice, nativeDepth, pausedDeadline, pausedWindow, big.NewInt(0))
		swap.mustSend(t, submitterKey, nil, "reserve", pausedOffer, buyer)
		paused.mustSend(t, sellerKey, nil, "pause")

		payment := btc.pay(wire.NewTxOut(int64(nativePrice), sellerScript), wire.NewTxOut(0, commitment(pausedOffer, buyer)))
		p := btc.proof(btc.mine(1), payment)
		args := fillArgs(pausedOffer, buyer, p)

		// A fill sent with too little gas for the payment's PAY_GAS is refused: no submitter can
		// starve the transfer into failing and leave the buyer to claim.
		data := swap.pack(t, "fill", args...)
		gas, err := eth.EstimateGas(ctx, ethereum.CallMsg{From: submitter, To: &swap.addr, Data: data})
		if err != nil {
			t.Fatal(err)
		}
		_, err = eth.CallContract(ctx, ethereum.CallMsg{From: submitter, To: &swap.addr, Data: data, Gas: gas - 20_000}, nil)
		if reason, _ := revertReason(err); reason != "BtcSwap: too little gas left to pay the escrow: raise the gas limit" {
			t.Fatalf("a fill with %d gas, 20,000 below the estimate: %v (reason %q)", gas-20_000, err, reason)
		}

		// The token refuses the transfer, and the fill stands: the offer is filled, the escrow
		// stays in the swap, owed to the buyer.
		r := swap.mustSend(t, submitterKey, nil, "fill", args...)
		swap.swapLog(t, r, "OfferFilled")
		owed := swap.swapLog(t, r, "EscrowOwed")
		if owed.Topics[1] != common.BigToHash(new(big.Int).SetUint64(pausedOffer)) || owed.Topics[2] != common.BytesToHash(buyer.Bytes()) ||
			new(big.Int).SetBytes(owed.Data).Cmp(tokenAmount) != 0 {
			t.Fatalf("EscrowOwed topics %v data %x, want offer %d, buyer %s, amount %s", owed.Topics, owed.Data, pausedOffer, buyer, tokenAmount)
		}
		swap.mustNotLog(t, r, "EscrowPaid")
		if o := swap.offer(t, pausedOffer); o.Status != offerFilled || o.Buyer != buyer {
			t.Fatalf("after a fill the token refused to pay, offer %d = %+v, want filled for %s", pausedOffer, o, buyer)
		}
		var by uint64
		swap.mustCall(t, nil, &by, "filledBy", displayHash(payment.TxHash()))
		if by != pausedOffer {
			t.Fatalf("filledBy(%s) = %d, want %d", payment.TxHash(), by, pausedOffer)
		}
		unclaimed := func() *big.Int {
			t.Helper()
			var u *big.Int
			swap.mustCall(t, nil, &u, "unclaimed", pausedOffer)
			return u
		}
		mustEqualBig(t, "the offer's unclaimed escrow", unclaimed(), tokenAmount)
		mustEqualBig(t, "the buyer's paused tokens", paused.balanceOf(t, buyer), new(big.Int))
		mustEqualBig(t, "the swap's paused tokens", paused.balanceOf(t, swap.addr), tokenAmount)
		swap.mustRefuse(t, submitter, nil, "BtcSwap: offer already filled", "fill", args...)
		swap.mustRefuse(t, submitter, nil, "BtcSwap: token transfer failed", "claim", pausedOffer)
		swap.mustRefuse(t, submitter, nil, "BtcSwap: nothing to claim", "claim", tokenOffer)

		// Past the deadline the seller still cannot take the escrow back.
		for wait := time.Now().Add(2 * time.Minute); ; time.Sleep(300 * time.Millisecond) {
			head, err := eth.HeaderByNumber(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if head.Time >= pausedDeadline {
				break
			}
			if time.Now().After(wait) {
				t.Fatalf("the chain's time is %d after 2 minutes, short of the deadline %d", head.Time, pausedDeadline)
			}
		}
		swap.mustRefuse(t, seller, nil, "BtcSwap: offer already filled", "cancel", pausedOffer)

		// Once the token pays again, anyone may claim the escrow for the buyer, once.
		paused.mustSend(t, sellerKey, nil, "unpause")
		r = swap.mustSend(t, submitterKey, nil, "claim", pausedOffer)
		swap.mustPaid(t, r, pausedOffer, buyer, tokenAmount)
		mustEqualBig(t, "the buyer's paused tokens after the claim", paused.balanceOf(t, buyer), tokenAmount)
		mustEqualBig(t, "the swap's paused tokens after the claim", paused.balanceOf(t, swap.addr), new(big.Int))
		mustEqualBig(t, "the seller's paused tokens", paused.balanceOf(t, seller), new(big.Int).Sub(supply, tokenAmount))
		mustEqualBig(t, "the offer's unclaimed escrow after the claim", unclaimed(), new(big.Int))
		swap.mustRefuse(t, submitter, nil, "BtcSwap: nothing to claim", "claim", pausedOffer)
		swap.mustRefuse(t, seller, nil, "BtcSwap: offer already filled", "cancel", pausedOffer)
	})

	t.Run("RefusingBuyerStillSettles", func(t *testing.T) {
		// The buyer is a contract that refuses hemi: its code is PUSH1 0 PUSH1 0 REVERT.
		refuser := deploy(submitterKey, common.FromHex("0x6460006000fd6000526005601bf3"))
		if code, err := eth.CodeAt(ctx, refuser, nil); err != nil || !bytes.Equal(code, common.FromHex("0x60006000fd")) {
			t.Fatalf("the refusing buyer's code is %x (%v)", code, err)
		}
		const refusedOffer = uint64(5)
		held := nativeBalance(t, eth, swap.addr)
		swap.mustSend(t, sellerKey, oneHemiAmount, "createOffer", common.Address{}, oneHemiAmount, sellerScript, nativePrice, nativeDepth, later, window, big.NewInt(0))
		swap.mustSend(t, submitterKey, nil, "reserve", refusedOffer, refuser)
		payment := btc.pay(wire.NewTxOut(int64(nativePrice), sellerScript), wire.NewTxOut(0, commitment(refusedOffer, refuser)))
		args := fillArgs(refusedOffer, refuser, btc.proof(btc.mine(1), payment))

		r := swap.mustSend(t, submitterKey, nil, "fill", args...)
		swap.swapLog(t, r, "OfferFilled")
		swap.swapLog(t, r, "EscrowOwed")
		swap.mustNotLog(t, r, "EscrowPaid")
		if o := swap.offer(t, refusedOffer); o.Status != offerFilled {
			t.Fatalf("after a fill the buyer refused, offer %d has status %d, want %d", refusedOffer, o.Status, offerFilled)
		}
		var unclaimed *big.Int
		swap.mustCall(t, nil, &unclaimed, "unclaimed", refusedOffer)
		mustEqualBig(t, "the offer's unclaimed escrow", unclaimed, oneHemiAmount)
		mustEqualBig(t, "the refusing buyer's balance", nativeBalance(t, eth, refuser), new(big.Int))
		mustEqualBig(t, "the swap's native balance", nativeBalance(t, eth, swap.addr), held.Add(held, oneHemiAmount))
		swap.mustRefuse(t, submitter, nil, "BtcSwap: native transfer failed", "claim", refusedOffer)
		swap.mustRefuse(t, seller, nil, "BtcSwap: offer already filled", "cancel", refusedOffer)
	})

	if relayer.exited() {
		t.Fatal("the relayer exited")
	}
	assertNoPanic(t, net)
}
