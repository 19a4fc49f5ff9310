package fakes

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/benbjohnson/clock"
)

// Payment operations, as they appear in Apply.Op and the fault hooks.
const (
	OpCharge = "charge"
	OpRefund = "refund"
)

var (
	// ErrUnknownCharge is returned by Refund for a charge ID the service never issued.
	ErrUnknownCharge = errors.New("fakes: unknown charge id")
	// ErrIdempotencyKeyReused is returned when a key comes back with a different
	// operation or different parameters, as real payment APIs do: it means the
	// caller derives keys wrongly, which a test should hear about loudly.
	ErrIdempotencyKeyReused = errors.New("fakes: idempotency key reused with different parameters")
)

// PaymentConfig configures a PaymentService. A nil *PaymentConfig means no
// latency, no faults and the default Identity.
type PaymentConfig struct {
	// Latency is slept on the clock before the call takes effect, so a
	// cancelled context during it means nothing was applied.
	Latency Latency
	// Fail, if set, is asked before a call takes effect, even one whose key
	// would replay; a non-nil error is returned and nothing is applied, as
	// when the request never arrives.
	// attempt counts calls with the same op and key, starting at 1, in
	// arrival order. Hooks run with the service locked and must not call it.
	Fail func(op string, attempt int) error
	// LoseResponse, if set, is asked after a call took effect; a non-nil
	// error is returned to the caller although the charge or refund stands.
	// This is the fault that turns a retry without an idempotency key into a
	// double charge.
	LoseResponse func(op string, attempt int) error
	// Identity names the logical operation an Apply belongs to, for
	// DuplicateApplies. The default is DefaultIdentity.
	Identity func(Apply) string
}

// DefaultIdentity treats charges of the same amount to the same account as
// one logical charge, and refunds of the same charge as one logical refund.
// Scenarios that legitimately charge an account the same amount twice should
// set PaymentConfig.Identity to something finer, such as an order id.
func DefaultIdentity(a Apply) string {
	if a.Op == OpRefund {
		return OpRefund + "/" + a.ChargeID
	}
	return a.Op + "/" + a.Account + "/" + strconv.FormatInt(a.AmountCents, 10)
}

// Apply is one charge or refund that took effect.
type Apply struct {
	At          time.Time
	Op          string
	Key         string
	Account     string
	AmountCents int64
	ChargeID    string
}

// PaymentCall is one call to the service, whatever its outcome. Its Apply
// holds the request, completed with the charge it resolved to when known.
type PaymentCall struct {
	Apply
	// Outcome is "applied", "replayed" (a known key returned its original
	// result), "lost" (applied, but LoseResponse made the caller see Err),
	// or "failed" (nothing applied).
	Outcome string
	Err     string
}

// Duplicate is one logical operation that took effect more than once.
type Duplicate struct {
	Identity string
	Applies  []Apply
}

// PaymentService is a fake payment provider with idempotency keys. A
// non-empty key seen before returns the original result without applying
// again; an empty key always applies, which is how planted bugs double-charge.
type PaymentService struct {
	clk clock.Clock
	cfg PaymentConfig

	mu       sync.Mutex
	rng      *rand.Rand
	applies  []Apply
	calls    []PaymentCall
	keys     map[string]Apply // non-empty idempotency key -> what it applied
	charges  map[string]Apply // charge id -> the charge
	balances map[string]int64
	attempts map[string]int // op+"\x00"+key -> calls so far
}

// NewPaymentService returns an empty PaymentService on clk. r feeds the
// Latency and may be nil when the latency does not draw.
func NewPaymentService(clk clock.Clock, r *rand.Rand, cfg *PaymentConfig) *PaymentService {
	mustClock("fakes.NewPaymentService", clk)
	s := &PaymentService{
		clk: clk, rng: r,
		keys: map[string]Apply{}, charges: map[string]Apply{},
		balances: map[string]int64{}, attempts: map[string]int{},
	}
	if cfg != nil {
		s.cfg = *cfg
	}
	if s.cfg.Identity == nil {
		s.cfg.Identity = DefaultIdentity
	}
	return s
}

// Charge charges amountCents to account and returns the charge ID.
func (s *PaymentService) Charge(ctx context.Context, key, account string, amountCents int64) (string, error) {
	a, err := s.do(ctx, Apply{Op: OpCharge, Key: key, Account: account, AmountCents: amountCents})
	return a.ChargeID, err
}

// Refund returns the full amount of chargeID to its account.
func (s *PaymentService) Refund(ctx context.Context, key, chargeID string) error {
	_, err := s.do(ctx, Apply{Op: OpRefund, Key: key, ChargeID: chargeID})
	return err
}

func (s *PaymentService) do(ctx context.Context, req Apply) (Apply, error) {
	s.mu.Lock()
	d := s.cfg.Latency.draw(s.rng)
	s.mu.Unlock()
	at, err := sleep(ctx, s.clk, d)

	s.mu.Lock()
	defer s.mu.Unlock()
	req.At = at
	if err != nil {
		s.record(req, "failed", err)
		return Apply{}, err
	}
	attemptKey := req.Op + "\x00" + req.Key
	s.attempts[attemptKey]++
	attempt := s.attempts[attemptKey]
	if s.cfg.Fail != nil {
		if err := s.cfg.Fail(req.Op, attempt); err != nil {
			s.record(req, "failed", err)
			return Apply{}, err
		}
	}

	if prev, ok := s.keys[req.Key]; ok && req.Key != "" {
		if !sameRequest(prev, req) {
			s.record(req, "failed", ErrIdempotencyKeyReused)
			return Apply{}, fmt.Errorf("%w: key %q first used for %s", ErrIdempotencyKeyReused, req.Key, describe(prev))
		}
		req.ChargeID = prev.ChargeID
		req.Account, req.AmountCents = prev.Account, prev.AmountCents
		s.record(req, "replayed", nil)
		return prev, nil
	}
	if req.Op == OpRefund {
		c, ok := s.charges[req.ChargeID]
		if !ok {
			s.record(req, "failed", ErrUnknownCharge)
			return Apply{}, fmt.Errorf("%w: %q", ErrUnknownCharge, req.ChargeID)
		}
		req.Account, req.AmountCents = c.Account, c.AmountCents
		s.balances[c.Account] -= c.AmountCents
	} else {
		req.ChargeID = s.chargeID(req)
		s.charges[req.ChargeID] = req
		s.balances[req.Account] += req.AmountCents
	}
	s.applies = append(s.applies, req)
	if req.Key != "" {
		s.keys[req.Key] = req
	}
	if s.cfg.LoseResponse != nil {
		if err := s.cfg.LoseResponse(req.Op, attempt); err != nil {
			s.record(req, "lost", err)
			return Apply{}, err
		}
	}
	s.record(req, "applied", nil)
	return req, nil
}

// chargeID derives the ID from the charge itself rather than from a counter
// or the rand, so concurrent charges at one virtual instant get the same IDs
// whichever goroutine arrives first. Identical charges are told apart by how
// many identical ones came before; being identical, it does not matter which
// of them gets which number.
func (s *PaymentService) chargeID(a Apply) string {
	n := 0
	for _, prev := range s.applies {
		if prev.Op == OpCharge && prev.Key == a.Key && prev.Account == a.Account &&
			prev.AmountCents == a.AmountCents && prev.At.Equal(a.At) {
			n++
		}
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%q %q %d %d %d", a.Key, a.Account, a.AmountCents, a.At.UnixNano(), n)
	return fmt.Sprintf("ch_%016x", h.Sum64())
}

func sameRequest(prev, req Apply) bool {
	if prev.Op != req.Op {
		return false
	}
	if req.Op == OpRefund {
		return prev.ChargeID == req.ChargeID
	}
	return prev.Account == req.Account && prev.AmountCents == req.AmountCents
}

func describe(a Apply) string {
	if a.Op == OpRefund {
		return "refund of " + a.ChargeID
	}
	return fmt.Sprintf("charge of %d to %q", a.AmountCents, a.Account)
}

func (s *PaymentService) record(a Apply, outcome string, err error) {
	s.calls = append(s.calls, PaymentCall{Apply: a, Outcome: outcome, Err: errString(err)})
}

// Applied returns every charge and refund that took effect, sorted by time,
// then key, then the remaining fields, so the order never depends on which
// goroutine reached the service first.
func (s *PaymentService) Applied() []Apply {
	s.mu.Lock()
	out := slices.Clone(s.applies)
	s.mu.Unlock()
	slices.SortFunc(out, compareApply)
	return out
}

// Calls returns every call, including replays and failures, in the same
// canonical order as Applied.
func (s *PaymentService) Calls() []PaymentCall {
	s.mu.Lock()
	out := slices.Clone(s.calls)
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b PaymentCall) int {
		return cmp.Or(compareApply(a.Apply, b.Apply), cmp.Compare(a.Outcome, b.Outcome), cmp.Compare(a.Err, b.Err))
	})
	return out
}

func compareApply(a, b Apply) int {
	return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Key, b.Key), cmp.Compare(a.Op, b.Op),
		cmp.Compare(a.Account, b.Account), cmp.Compare(a.AmountCents, b.AmountCents),
		cmp.Compare(a.ChargeID, b.ChargeID))
}

// AppliedCount returns how many applies used key. For a non-empty key it is
// at most 1 by construction; for "" it counts every keyless apply.
func (s *PaymentService) AppliedCount(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, a := range s.applies {
		if a.Key == key {
			n++
		}
	}
	return n
}

// DuplicateApplies reports every logical operation, as named by
// PaymentConfig.Identity, that took effect more than once: the same charge
// made twice with an empty key or with a fresh key per retry, or the same
// charge refunded twice. The service itself never applies one non-empty key
// twice, so an empty result is the "each idempotency key applied at most
// once" property. Duplicates are sorted by Identity, their applies as in
// Applied.
func (s *PaymentService) DuplicateApplies() []Duplicate {
	groups := map[string][]Apply{}
	for _, a := range s.Applied() {
		id := s.cfg.Identity(a)
		groups[id] = append(groups[id], a)
	}
	var out []Duplicate
	for id, as := range groups {
		if len(as) > 1 {
			out = append(out, Duplicate{Identity: id, Applies: as})
		}
	}
	slices.SortFunc(out, func(a, b Duplicate) int { return cmp.Compare(a.Identity, b.Identity) })
	return out
}

// Balance returns the net amount taken from account: charges minus refunds.
func (s *PaymentService) Balance(account string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.balances[account]
}
