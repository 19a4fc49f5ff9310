package scenarios

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/benbjohnson/clock"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/proto"

	"github.com/temporalsim/temporalsim/fakes"
	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// encryption: every payload (workflow input and result, activity
// arguments, results and heartbeat details) goes through a codec that
// encrypts it with AES-256-GCM under the key store's current key and
// names the key in the payload's metadata. Keys rotate every two minutes,
// so a payload must stay readable with the key that sealed it: histories
// are decoded again long after they were written (replay, the UI,
// `temporal workflow show`). Codec failures (codec-failure faults) make
// the codec refuse to work while one is planned. A card payment is
// tokenised, then settled in batches by a heartbeating activity.

// AESCodec is a converter.PayloadCodec that seals payloads with AES-GCM.
// Its nonce is derived from the key and the plaintext (as in SIV modes)
// so that runs repeat; production code would draw it from crypto/rand.
type AESCodec struct {
	Keys        *fakes.KeyStore
	Clock       clock.Clock
	RotateEvery time.Duration
	// Fault reports a codec failure planned now for "encode" or "decode".
	Fault func(direction string) (sim.Fault, bool)
	// Bug plants a mistake: "current-key" (the key id is not recorded and
	// decoding uses the current key) or "fixed-nonce".
	Bug string

	mu        sync.Mutex
	nextRotor time.Time
	sealed    []sealedPayload
}

type sealedPayload struct {
	keyID, nonce string
	plain, box   *commonpb.Payload
}

const codecKeyIDMeta = "encryption-key-id"

// Encode seals each payload, rotating the key first when it is due.
func (c *AESCodec) Encode(ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
	if err := c.unavailable("encode"); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.Clock.Now()
	if c.nextRotor.IsZero() {
		c.nextRotor = now.Add(c.RotateEvery)
	}
	for ; !now.Before(c.nextRotor); c.nextRotor = c.nextRotor.Add(c.RotateEvery) {
		c.Keys.Rotate()
	}
	out := make([]*commonpb.Payload, len(ps))
	keyID := c.Keys.Current()
	aead, err := c.aead(keyID)
	if err != nil {
		return nil, err
	}
	for i, p := range ps {
		plain, err := proto.MarshalOptions{Deterministic: true}.Marshal(p)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(append([]byte(keyID+"\x00"), plain...))
		nonce := sum[:aead.NonceSize()]
		if c.Bug == "fixed-nonce" {
			nonce = make([]byte, aead.NonceSize())
		}
		meta := map[string][]byte{converter.MetadataEncoding: []byte("binary/encrypted"), codecKeyIDMeta: []byte(keyID)}
		if c.Bug == "current-key" {
			delete(meta, codecKeyIDMeta)
		}
		out[i] = &commonpb.Payload{Metadata: meta, Data: aead.Seal(append([]byte(nil), nonce...), nonce, plain, nil)}
		c.sealed = append(c.sealed, sealedPayload{keyID, hex.EncodeToString(nonce), proto.Clone(p).(*commonpb.Payload), out[i]})
	}
	return out, nil
}

// Decode opens each sealed payload with the key its metadata names.
func (c *AESCodec) Decode(ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
	if err := c.unavailable("decode"); err != nil {
		return nil, err
	}
	out := make([]*commonpb.Payload, len(ps))
	var err error
	for i, p := range ps {
		if out[i], err = c.open(p); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (c *AESCodec) open(p *commonpb.Payload) (*commonpb.Payload, error) {
	if string(p.Metadata[converter.MetadataEncoding]) != "binary/encrypted" {
		return p, nil
	}
	keyID := string(p.Metadata[codecKeyIDMeta])
	if c.Bug == "current-key" {
		keyID = c.Keys.Current()
	}
	aead, err := c.aead(keyID)
	if err != nil {
		return nil, err
	}
	n := aead.NonceSize()
	if len(p.Data) < n {
		return nil, errors.New("sealed payload too short")
	}
	plain, err := aead.Open(nil, p.Data[:n], p.Data[n:], nil)
	if err != nil {
		return nil, fmt.Errorf("decrypting with %s: %w", keyID, err)
	}
	out := &commonpb.Payload{}
	return out, proto.Unmarshal(plain, out)
}

func (c *AESCodec) unavailable(direction string) error {
	if f, ok := c.Fault(direction); ok {
		return fmt.Errorf("codec unavailable to %s (fault f%d)", direction, f.ID)
	}
	return nil
}

func (c *AESCodec) sealedSoFar() []sealedPayload {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]sealedPayload(nil), c.sealed...)
}

func (c *AESCodec) aead(keyID string) (cipher.AEAD, error) {
	key, err := c.Keys.Get(keyID)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// CardPayment is the workflow's input; Card must never be stored in the clear.
type CardPayment struct {
	Card        string
	AmountCents int64
}

// CardReceipt is the workflow's result.
type CardReceipt struct {
	Token, Last4 string
	AmountCents  int64
	Batches      int
}

// CardActivities tokenises a card and settles a payment in batches.
type CardActivities struct {
	Clock clock.Clock
	// CountThisAttempt plants a bug: Settle resumes from its heartbeat but
	// reports only the batches this attempt settled.
	CountThisAttempt bool
}

// Tokenize replaces a card number by a token derived from it.
func (a *CardActivities) Tokenize(_ context.Context, card string) (string, error) {
	return cardToken(card), nil
}

func cardToken(card string) string {
	sum := sha256.Sum256([]byte(card))
	return "tok_" + hex.EncodeToString(sum[:6])
}

// Settle settles ten batches of 30s each, heartbeating the number done;
// a retry resumes after the last batch a heartbeat recorded.
func (a *CardActivities) Settle(ctx context.Context, token string, amountCents int64) (int, error) {
	done := 0
	if activity.HasHeartbeatDetails(ctx) {
		if err := activity.GetHeartbeatDetails(ctx, &done); err != nil {
			return 0, fmt.Errorf("reading settle progress: %w", err)
		}
	}
	resumed := done
	for ; done < 10; done++ {
		if err := waitVirtual(ctx, a.Clock, 30*time.Second); err != nil {
			return 0, err
		}
		activity.RecordHeartbeat(ctx, done+1)
	}
	if a.CountThisAttempt {
		return done - resumed, nil
	}
	return done, nil
}

// EncryptedPaymentWorkflow tokenises the card, settles the payment and
// returns the receipt.
func EncryptedPaymentWorkflow(ctx workflow.Context, p CardPayment) (CardReceipt, error) {
	return payEncrypted(ctx, p, 30*time.Minute)
}

// encryptedPaymentShortTimeout is EncryptedPaymentWorkflow with a planted
// bug: Settle's start-to-close timeout (20s) is shorter than one 30s
// batch, so no attempt records progress and none can finish.
func encryptedPaymentShortTimeout(ctx workflow.Context, p CardPayment) (CardReceipt, error) {
	return payEncrypted(ctx, p, 20*time.Second)
}

func payEncrypted(ctx workflow.Context, p CardPayment, startToClose time.Duration) (CardReceipt, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: startToClose,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 10 * time.Second, MaximumAttempts: 10},
	})
	r := CardReceipt{Last4: p.Card[len(p.Card)-4:], AmountCents: p.AmountCents}
	if err := workflow.ExecuteActivity(ctx, "Tokenize", p.Card).Get(ctx, &r.Token); err != nil {
		return CardReceipt{}, err
	}
	err := workflow.ExecuteActivity(ctx, "Settle", r.Token, p.AmountCents).Get(ctx, &r.Batches)
	return r, err
}

// sealedPayloadsSound holds when every payload the codec sealed during
// the run still opens now, after every rotation, to exactly what was
// sealed; none shows the card number; and no key sealed two different
// plaintexts under one nonce (which in GCM gives the key stream away).
func sealedPayloadsSound(c *AESCodec, card string) sim.Property {
	return harness.Property("sealed-payloads-sound", func(*sim.Result) error {
		nonces := map[string]*commonpb.Payload{}
		for i, s := range c.sealedSoFar() {
			if bytes.Contains(s.box.Data, []byte(card)) {
				return fmt.Errorf("sealed payload %d holds the card number in the clear", i)
			}
			if prev, ok := nonces[s.keyID+"/"+s.nonce]; ok && !proto.Equal(prev, s.plain) {
				return fmt.Errorf("key %s sealed two different payloads under nonce %s", s.keyID, s.nonce)
			}
			nonces[s.keyID+"/"+s.nonce] = s.plain
			got, err := c.open(s.box)
			if err != nil {
				return fmt.Errorf("sealed payload %d (key %s) no longer opens: %v", i, s.keyID, err)
			}
			if !proto.Equal(got, s.plain) {
				return fmt.Errorf("sealed payload %d (key %s) opens to something other than what was sealed", i, s.keyID)
			}
		}
		return nil
	})
}

// encryptionVariant says what a planted-bug variant of encryption changes.
type encryptionVariant struct {
	codecBug         string // AESCodec.Bug
	countThisAttempt bool   // CardActivities.CountThisAttempt
	workflow         any    // nil: EncryptedPaymentWorkflow
}

func encryptionScenario(name, bug string, v encryptionVariant) *sim.Scenario {
	window := 6 * time.Minute
	in := CardPayment{Card: "4111111111111111", AmountCents: 12900}
	return &sim.Scenario{
		Name:        name,
		Bug:         bug,
		Description: "an AES-GCM payload codec with key rotation; a card payment tokenised and settled in batches",
		Profile: sim.Profile{
			Kinds:      []sim.Kind{sim.CodecFailure, sim.HeartbeatLoss, sim.WorkerShutdown, sim.WorkerCrash},
			Activities: []string{"Tokenize", "Settle"},
			Window:     window,
			MaxCall:    1,
		},
		Properties: harness.Safety(),
		Setup: func(w *sim.World) sim.Case {
			codec := &AESCodec{Keys: fakes.NewKeyStore(w.Clock(), w.Rand("keys"), nil), Clock: w.Clock(),
				RotateEvery: 2 * time.Minute, Bug: v.codecBug,
				Fault: func(dir string) (sim.Fault, bool) { return w.ActiveFault(sim.CodecFailure, dir) }}
			w.SetDataConverter(converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), codec))
			wf := v.workflow
			if wf == nil {
				wf = EncryptedPaymentWorkflow
			}
			w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "EncryptedPaymentWorkflow"})
			w.RegisterActivity(&CardActivities{Clock: w.Clock(), CountThisAttempt: v.countThisAttempt})
			want := CardReceipt{Token: cardToken(in.Card), Last4: "1111", AmountCents: in.AmountCents, Batches: 10}
			return sim.Case{Workflow: "EncryptedPaymentWorkflow", Args: []any{in}, Properties: []sim.Property{
				harness.Outcomes(sim.Completed, sim.Failed),
				harness.Terminates(window, time.Hour),
				sealedPayloadsSound(codec, in.Card),
				harness.Property("receipt-decrypts-to-expected", func(r *sim.Result) error {
					var got CardReceipt
					if err := json.Unmarshal([]byte(r.Output), &got); r.Outcome == sim.Completed && (err != nil || got != want) {
						return fmt.Errorf("workflow returned %s, want %+v", r.Output, want)
					}
					return nil
				}),
				harness.Property("completes-without-faults", func(r *sim.Result) error {
					if len(r.Plan.Faults) == 0 && r.Outcome != sim.Completed {
						return fmt.Errorf("no fault was planned but the workflow ended %s (%s)", r.Outcome, r.ErrType)
					}
					return nil
				}),
			}}
		},
	}
}

func init() {
	register(encryptionScenario("encryption", "", encryptionVariant{}))
	register(planted(encryptionScenario("encryption/bug-current-key",
		"the codec does not record the key id and decrypts with the current key, so payloads sealed before a rotation no longer open", encryptionVariant{codecBug: "current-key"}),
		"sealed-payloads-sound", "keys rotate every two minutes of virtual time, so in every run payloads sealed before a rotation no longer open"))
	register(planted(encryptionScenario("encryption/bug-fixed-nonce",
		"the codec seals every payload under the same nonce", encryptionVariant{codecBug: "fixed-nonce"}),
		"sealed-payloads-sound", "every run seals several payloads, and any two under one nonce show the bug"))
	register(planted(encryptionScenario("encryption/bug-settle-counts-attempt",
		"a retried Settle resumes after the batches its heartbeat recorded but reports only the batches it settled itself, so the receipt is short", encryptionVariant{countThisAttempt: true}),
		"receipt-decrypts-to-expected", ""))
	register(planted(encryptionScenario("encryption/bug-settle-timeout-short",
		"Settle's start-to-close timeout (20s) is shorter than one 30s batch, so every attempt times out before recording progress", encryptionVariant{workflow: encryptedPaymentShortTimeout}),
		"completes-without-faults", "every attempt of Settle outlives its timeout, with or without faults"))
}
