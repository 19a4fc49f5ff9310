package fakes

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/benbjohnson/clock"
)

// ErrUnknownKey is returned by KeyStore.Get for a key ID it never issued,
// the error a codec sees when a payload names a key that was never shared.
var ErrUnknownKey = errors.New("fakes: unknown key id")

// KeySize is the length of every key: AES-256, as an AES-GCM codec needs.
const KeySize = 32

// KeyStoreConfig configures a KeyStore. A nil *KeyStoreConfig means no faults.
type KeyStoreConfig struct {
	// Fail, if set, is asked on every Get; a non-nil error is returned in
	// place of the key. This is how a plan injects a payload codec failure.
	// attempt counts Gets of the same key ID from 1, in arrival order. It
	// runs with the store locked and must not call the store.
	Fail func(keyID string, attempt int) error
}

// KeyEvent is one Get or Rotate.
type KeyEvent struct {
	At    time.Time
	Op    string // "get" or "rotate"
	KeyID string
	Err   string
}

// KeyStore is a fake key management service for a payload encryption codec.
// Key material is drawn from the rand it is built with, so the same seed
// gives the same keys and therefore the same ciphertexts (given a
// deterministic nonce source in the codec).
type KeyStore struct {
	clk clock.Clock
	cfg KeyStoreConfig

	mu       sync.Mutex
	rng      *rand.Rand
	keys     map[string][]byte
	current  string
	n        int
	attempts map[string]int
	events   []KeyEvent
}

// NewKeyStore returns a KeyStore holding one key, "key-1". r must not be
// nil: keys come from it, and any other source would break repeatability.
func NewKeyStore(clk clock.Clock, r *rand.Rand, cfg *KeyStoreConfig) *KeyStore {
	mustClock("fakes.NewKeyStore", clk)
	if r == nil {
		panic("fakes.NewKeyStore: nil *rand.Rand; keys are drawn from it, pass rand.New(rand.NewPCG(seed, stream))")
	}
	s := &KeyStore{clk: clk, rng: r, keys: map[string][]byte{}, attempts: map[string]int{}}
	if cfg != nil {
		s.cfg = *cfg
	}
	s.mu.Lock()
	s.current = s.newKey()
	s.mu.Unlock()
	return s
}

// newKey numbers keys in creation order and draws the material under the
// same lock, so key-N always gets the Nth draw whoever asked for it.
func (s *KeyStore) newKey() string {
	s.n++
	id := "key-" + strconv.Itoa(s.n)
	k := make([]byte, 0, KeySize)
	for len(k) < KeySize {
		k = binary.LittleEndian.AppendUint64(k, s.rng.Uint64())
	}
	s.keys[id] = k
	return id
}

// Get returns a copy of the key named keyID, so a caller cannot corrupt the
// store by reusing the slice.
func (s *KeyStore) Get(keyID string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at := s.clk.Now()
	s.attempts[keyID]++
	if s.cfg.Fail != nil {
		if err := s.cfg.Fail(keyID, s.attempts[keyID]); err != nil {
			s.record(at, "get", keyID, err)
			return nil, err
		}
	}
	k, ok := s.keys[keyID]
	if !ok {
		err := fmt.Errorf("%w: %q", ErrUnknownKey, keyID)
		s.record(at, "get", keyID, err)
		return nil, err
	}
	s.record(at, "get", keyID, nil)
	return slices.Clone(k), nil
}

// Current returns the ID of the key new payloads should be encrypted with.
func (s *KeyStore) Current() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current
}

// Rotate makes a fresh key current and returns its ID. Old keys stay
// readable, so payloads written before the rotation still decode.
func (s *KeyStore) Rotate() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.current = s.newKey()
	s.record(s.clk.Now(), "rotate", s.current, nil)
	return s.current
}

// KeyIDs returns every issued key ID in issue order.
func (s *KeyStore) KeyIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, s.n)
	for i := 1; i <= s.n; i++ {
		ids = append(ids, "key-"+strconv.Itoa(i))
	}
	return ids
}

// Events returns every Get and Rotate sorted by time, key ID, operation and
// error text.
func (s *KeyStore) Events() []KeyEvent {
	s.mu.Lock()
	out := slices.Clone(s.events)
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b KeyEvent) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.KeyID, b.KeyID),
			cmp.Compare(a.Op, b.Op), cmp.Compare(a.Err, b.Err))
	})
	return out
}

func (s *KeyStore) record(at time.Time, op, keyID string, err error) {
	s.events = append(s.events, KeyEvent{At: at, Op: op, KeyID: keyID, Err: errString(err)})
}
