package ca

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// DefaultWorkFactor is the scrypt work factor (log2 N) used to seal CA keys
// with a passphrase. age itself uses 18 (256 MiB, about a second); pkit
// unlocks the CA key on every command that signs, so it uses 16: 64 MiB and
// a quarter of age's time per unlock (BenchmarkUnlockScrypt; the README
// has the figure), which still costs an attacker 2^16 scrypt rounds per
// guess. Where even that is too slow — CI issuing many certificates — seal
// to an age recipient (BenchmarkUnlockAgeIdentity: well under a
// millisecond) or use "pkit issue --batch", which unlocks once.
const DefaultWorkFactor = 16

// ErrWrongPassphrase is returned when a CA key does not open with the
// passphrase or identities given.
var ErrWrongPassphrase = errors.New("wrong passphrase or identity for the CA key")

// ErrNeedPassphrase is returned when a CA key is sealed with a passphrase
// and no way to get one was given.
var ErrNeedPassphrase = errors.New("the CA key is passphrase-protected and no passphrase was given")

// ErrNeedIdentity is returned when a CA key is sealed to age recipients
// and no identity was given to open it.
var ErrNeedIdentity = errors.New("the CA key is encrypted to age recipients and no identity was given")

// Protection says how a CA private key is kept at rest. Exactly one of
// Passphrase, Recipients or None is set.
type Protection struct {
	// Passphrase seals the key with age's scrypt recipient.
	Passphrase []byte
	// WorkFactor is the scrypt log2 N; zero means [DefaultWorkFactor].
	WorkFactor int
	// Recipients seals the key to these age recipients.
	Recipients []age.Recipient
	// None stores the key as plain PKCS#8 PEM (file mode 0600).
	None bool
}

// Unlocker supplies what is needed to open a sealed CA key. Passphrase is
// called at most once, and only when the key is passphrase-sealed.
type Unlocker struct {
	Passphrase func() ([]byte, error)
	Identities []age.Identity
}

// SealKey encodes key as PKCS#8 and seals it according to p. It returns
// the file contents and the file name suffix (".key.age" or ".key").
func SealKey(key crypto.Signer, p Protection) (data []byte, suffix string, err error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, "", err
	}
	plain := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if p.None {
		return plain, ".key", nil
	}
	recipients := p.Recipients
	if len(p.Passphrase) > 0 {
		r, err := age.NewScryptRecipient(string(p.Passphrase))
		if err != nil {
			return nil, "", err
		}
		wf := p.WorkFactor
		if wf == 0 {
			wf = DefaultWorkFactor
		}
		r.SetWorkFactor(wf)
		recipients = []age.Recipient{r}
	}
	if len(recipients) == 0 {
		return nil, "", errors.New("no passphrase or recipient to seal the CA key")
	}
	var buf bytes.Buffer
	aw := armor.NewWriter(&buf)
	w, err := age.Encrypt(aw, recipients...)
	if err != nil {
		return nil, "", err
	}
	if _, err := w.Write(plain); err != nil {
		return nil, "", err
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	if err := aw.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), ".key.age", nil
}

// OpenKey opens a key written by [SealKey]. sealed says whether data is
// age-encrypted (a ".key.age" file) or plain PEM.
func OpenKey(data []byte, sealed bool, u Unlocker) (crypto.Signer, error) {
	plain := data
	if sealed {
		ids := append([]age.Identity{}, u.Identities...)
		lazy := &lazyScrypt{passphrase: u.Passphrase}
		ids = append(ids, lazy)
		r, err := age.Decrypt(armor.NewReader(bytes.NewReader(data)), ids...)
		if err != nil {
			if lazy.err != nil {
				return nil, lazy.err
			}
			if !lazy.seen && len(u.Identities) == 0 {
				return nil, ErrNeedIdentity
			}
			var nm *age.NoIdentityMatchError
			if errors.As(err, &nm) || errors.Is(err, age.ErrIncorrectIdentity) {
				return nil, ErrWrongPassphrase
			}
			return nil, fmt.Errorf("opening CA key: %w", err)
		}
		if plain, err = io.ReadAll(io.LimitReader(r, 1<<20)); err != nil {
			return nil, fmt.Errorf("opening CA key: %w", err)
		}
	}
	block, _ := pem.Decode(plain)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("CA key file holds no PKCS#8 private key")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parsing CA key: %w", err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("CA key cannot sign")
	}
	return s, nil
}

// lazyScrypt is an age identity that asks for the passphrase only when the
// file really is passphrase-sealed, like age's own command does.
type lazyScrypt struct {
	passphrase func() ([]byte, error)
	seen       bool
	err        error
}

func (l *lazyScrypt) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	for _, s := range stanzas {
		if s.Type == "scrypt" {
			l.seen = true
		}
	}
	if !l.seen {
		return nil, age.ErrIncorrectIdentity
	}
	if l.passphrase == nil {
		l.err = ErrNeedPassphrase
		return nil, l.err
	}
	p, err := l.passphrase()
	if err != nil {
		l.err = err
		return nil, err
	}
	id, err := age.NewScryptIdentity(string(p))
	if err != nil {
		return nil, err
	}
	return id.Unwrap(stanzas)
}

// ParseRecipient reads an age X25519 recipient ("age1…") to seal CA keys
// to ([Protection].Recipients).
func ParseRecipient(s string) (age.Recipient, error) {
	return age.ParseX25519Recipient(s)
}

// ParseIdentities reads age identities (an age-keygen file, or the
// AGE-SECRET-KEY-1… itself) to open sealed CA keys with
// ([Unlocker].Identities). Keys that went through a store that lower-cased
// them are the same keys (Bech32 is case-insensitive): they are read
// upper-cased, as age writes them.
func ParseIdentities(data []byte) ([]age.Identity, error) {
	lines := bytes.Split(data, []byte("\n"))
	for i, l := range lines {
		if bytes.HasPrefix(bytes.TrimSpace(l), []byte("age-secret-key-")) {
			lines[i] = bytes.ToUpper(l)
		}
	}
	return age.ParseIdentities(bytes.NewReader(bytes.Join(lines, []byte("\n"))))
}
