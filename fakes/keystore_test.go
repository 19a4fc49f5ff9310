package fakes_test

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/temporalsim/temporalsim/fakes"
)

// keysOf rotates n times and returns every key, in issue order.
func keysOf(t *testing.T, s *fakes.KeyStore, rotations int) [][]byte {
	t.Helper()
	for range rotations {
		s.Rotate()
	}
	var keys [][]byte
	for _, id := range s.KeyIDs() {
		k, err := s.Get(id)
		require.NoError(t, err)
		keys = append(keys, k)
	}
	return keys
}

func TestKeyStoreSameSeedSameKeys(t *testing.T) {
	a := keysOf(t, fakes.NewKeyStore(clock.NewMock(), seeded(42), nil), 3)
	b := keysOf(t, fakes.NewKeyStore(clock.NewMock(), seeded(42), nil), 3)
	c := keysOf(t, fakes.NewKeyStore(clock.NewMock(), seeded(43), nil), 3)
	require.Len(t, a, 4)
	assert.Equal(t, a, b, "the same seed must give the same keys")
	assert.NotEqual(t, a, c, "another seed must give other keys")
	for _, k := range a {
		assert.Len(t, k, fakes.KeySize)
	}
	assert.NotEqual(t, a[0], a[1], "rotation must produce a fresh key")
}

func TestKeyStoreRotate(t *testing.T) {
	mock := clock.NewMock()
	s := fakes.NewKeyStore(mock, seeded(1), nil)
	assert.Equal(t, "key-1", s.Current())
	mock.Add(time.Hour)
	assert.Equal(t, "key-2", s.Rotate())
	assert.Equal(t, "key-2", s.Current())
	assert.Equal(t, []string{"key-1", "key-2"}, s.KeyIDs())
	_, err := s.Get("key-1")
	require.NoError(t, err, "old keys stay readable after rotation")
	assert.Equal(t, []fakes.KeyEvent{
		{At: epoch.Add(time.Hour), Op: "get", KeyID: "key-1"},
		{At: epoch.Add(time.Hour), Op: "rotate", KeyID: "key-2"},
	}, s.Events(), "at one instant events are ordered by key id, not by call order")
}

func TestKeyStoreGet(t *testing.T) {
	codecDown := errors.New("kms unavailable")
	tests := []struct {
		name    string
		keyID   string
		fail    func(string, int) error
		wantErr error
	}{
		{"known key", "key-1", nil, nil},
		{"unknown key", "key-9", nil, fakes.ErrUnknownKey},
		{"injected codec failure", "key-1", func(string, int) error { return codecDown }, codecDown},
		{"failure on a later attempt only", "key-1", func(_ string, attempt int) error {
			if attempt > 1 {
				return codecDown
			}
			return nil
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fakes.NewKeyStore(clock.NewMock(), seeded(1), &fakes.KeyStoreConfig{Fail: tt.fail})
			k, err := s.Get(tt.keyID)
			require.ErrorIs(t, err, tt.wantErr)
			if tt.wantErr == nil {
				assert.Len(t, k, fakes.KeySize)
			}
		})
	}
}

func TestKeyStoreGetReturnsCopy(t *testing.T) {
	s := fakes.NewKeyStore(clock.NewMock(), seeded(1), nil)
	k, err := s.Get(s.Current())
	require.NoError(t, err)
	want := append([]byte(nil), k...)
	clear(k)
	again, err := s.Get(s.Current())
	require.NoError(t, err)
	assert.Equal(t, want, again)
}

// TestKeyStoreAESGCM uses a key the way the payload codec scenario does.
func TestKeyStoreAESGCM(t *testing.T) {
	s := fakes.NewKeyStore(clock.NewMock(), seeded(7), nil)
	k, err := s.Get(s.Current())
	require.NoError(t, err)
	block, err := aes.NewCipher(k)
	require.NoError(t, err)
	gcm, err := cipher.NewGCM(block)
	require.NoError(t, err)
	nonce := make([]byte, gcm.NonceSize())
	sealed := gcm.Seal(nil, nonce, []byte("payload"), nil)
	opened, err := gcm.Open(nil, nonce, sealed, nil)
	require.NoError(t, err)
	assert.Equal(t, "payload", string(opened))
}

func TestKeyStoreConcurrentRotate(t *testing.T) {
	keys := requireOrderFree(t, func(reverse bool) [][]byte {
		s := fakes.NewKeyStore(clock.NewMock(), seeded(9), nil)
		concurrently(8, reverse, func(int) { s.Rotate() })
		return keysOf(t, s, 0)
	})
	assert.Len(t, keys, 9)
}

func TestKeyStoreNilRandPanics(t *testing.T) {
	assert.PanicsWithValue(t,
		"fakes.NewKeyStore: nil *rand.Rand; keys are drawn from it, pass rand.New(rand.NewPCG(seed, stream))",
		func() { fakes.NewKeyStore(clock.NewMock(), nil, nil) })
}

func TestKeyStoreRealClock(t *testing.T) {
	s := fakes.NewKeyStore(clock.New(), seeded(1), nil)
	before := time.Now()
	id := s.Rotate()
	events := s.Events()
	require.Len(t, events, 1)
	assert.Equal(t, id, events[0].KeyID)
	assert.False(t, events[0].At.Before(before))
}
