package ca

import (
	"errors"
	"testing"

	"filippo.io/age"
	"github.com/pkit/pkit/formats"
)

func TestSealOpenKey(t *testing.T) {
	key, err := GenerateKey(ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	other, _ := age.GenerateX25519Identity()
	pass := func(p string) func() ([]byte, error) { return func() ([]byte, error) { return []byte(p), nil } }
	tests := []struct {
		name    string
		prot    Protection
		unlock  Unlocker
		wantErr error
	}{
		{"passphrase", Protection{Passphrase: []byte("s3cret"), WorkFactor: 10}, Unlocker{Passphrase: pass("s3cret")}, nil},
		{"wrong passphrase", Protection{Passphrase: []byte("s3cret"), WorkFactor: 10}, Unlocker{Passphrase: pass("nope")}, ErrWrongPassphrase},
		{"no passphrase source", Protection{Passphrase: []byte("s3cret"), WorkFactor: 10}, Unlocker{}, ErrNeedPassphrase},
		{"recipient", Protection{Recipients: []age.Recipient{id.Recipient()}}, Unlocker{Identities: []age.Identity{id}}, nil},
		{"wrong identity", Protection{Recipients: []age.Recipient{id.Recipient()}}, Unlocker{Identities: []age.Identity{other}}, ErrWrongPassphrase},
		{"no identity", Protection{Recipients: []age.Recipient{id.Recipient()}}, Unlocker{Passphrase: pass("x")}, ErrNeedIdentity},
		{"plain", Protection{None: true}, Unlocker{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, suffix, err := SealKey(key, tt.prot)
			if err != nil {
				t.Fatal(err)
			}
			if (suffix == ".key") != tt.prot.None {
				t.Fatalf("suffix %q for protection %+v", suffix, tt.prot)
			}
			got, err := OpenKey(data, suffix == ".key.age", tt.unlock)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("OpenKey error = %v, want %v", err, tt.wantErr)
			}
			if err == nil && !formats.PublicKeysEqual(got.Public(), key.Public()) {
				t.Fatal("opened a different key")
			}
		})
	}
}

// BenchmarkUnlockScrypt measures what a passphrase costs each command that
// signs: one scrypt derivation at DefaultWorkFactor.
func BenchmarkUnlockScrypt(b *testing.B) {
	key, _ := GenerateKey(ECDSAP256)
	data, _, err := SealKey(key, Protection{Passphrase: []byte("s3cret")})
	if err != nil {
		b.Fatal(err)
	}
	u := Unlocker{Passphrase: func() ([]byte, error) { return []byte("s3cret"), nil }}
	b.ResetTimer()
	for b.Loop() {
		if _, err := OpenKey(data, true, u); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnlockAgeIdentity is the same unlock with an X25519 identity.
func BenchmarkUnlockAgeIdentity(b *testing.B) {
	key, _ := GenerateKey(ECDSAP256)
	id, _ := age.GenerateX25519Identity()
	data, _, err := SealKey(key, Protection{Recipients: []age.Recipient{id.Recipient()}})
	if err != nil {
		b.Fatal(err)
	}
	u := Unlocker{Identities: []age.Identity{id}}
	for b.Loop() {
		if _, err := OpenKey(data, true, u); err != nil {
			b.Fatal(err)
		}
	}
}
