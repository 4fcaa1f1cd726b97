package formats

import (
	"errors"
	"fmt"
)

// ParseError is the error every parser in this package returns. Kind says
// what was being read (KindUnknown when the content was not recognised),
// Block the 1-based position of the PEM block or bundle item it concerns
// (0 when not about one item), and Err the cause, which may wrap one of
// the sentinel errors below.
type ParseError struct {
	Kind  Kind
	Block int
	Err   error
}

// Error says what was read and what went wrong: "PKCS#12: wrong password",
// "item 3 (certificate): corrupt file: …".
func (e *ParseError) Error() string {
	var what string
	switch {
	case e.Kind == KindUnknown && e.Block == 0:
		return e.Err.Error()
	case e.Block > 0 && e.Kind != KindUnknown:
		what = fmt.Sprintf("item %d (%s)", e.Block, e.Kind)
	case e.Block > 0:
		what = fmt.Sprintf("item %d", e.Block)
	default:
		what = e.Kind.String()
	}
	return what + ": " + e.Err.Error()
}

// Unwrap returns the cause, for [errors.Is] and [errors.As].
func (e *ParseError) Unwrap() error { return e.Err }

// Sentinel causes wrapped by [ParseError]; test for them with [errors.Is].
var (
	// ErrEmpty: the input holds nothing (or only whitespace).
	ErrEmpty = errors.New("the file is empty")
	// ErrUnknownFormat: the input is not any format this package reads.
	ErrUnknownFormat = errors.New("not a certificate, key, CSR, CRL, PKCS#7 or PKCS#12 file")
	// ErrTrailingData: bytes follow a complete DER structure.
	ErrTrailingData = errors.New("unexpected data after the end of the DER structure")
	// ErrTooLarge: the input is larger than [MaxInputSize].
	ErrTooLarge = fmt.Errorf("larger than %d MiB, the most pkit reads", MaxInputSize>>20)
	// ErrWrongPassword: the password does not open the file or key.
	ErrWrongPassword = errors.New("wrong password")
	// ErrPasswordRequired: the content is encrypted and no password was
	// available. A [ParseOptions.Password] function may return it (or an
	// error wrapping it) to say "no password", and encrypted keys are then
	// left encrypted instead of failing the parse.
	ErrPasswordRequired = errors.New("the content is password-protected and no password was given")
	// ErrCorrupt: the structure is damaged (truncated, bad checksum,
	// undecodable after a verified password).
	ErrCorrupt = errors.New("corrupt file")
	// ErrUnsupported: well-formed, but uses an algorithm or feature this
	// package does not implement.
	ErrUnsupported = errors.New("unsupported")
	// ErrUnsafeIntegrity: the file's integrity protection is weaker than
	// it claims (a PBMAC1 key shorter than its HMAC needs), so anyone
	// could have forged it; pkit refuses to read it.
	ErrUnsafeIntegrity = errors.New("the file's integrity parameters are unsafe")
	// ErrTooMuchWork: the file asks for more key-derivation work than
	// pkit does for one file (see [MaxPKCS12KDFIterations]).
	ErrTooMuchWork = errors.New("too much key-derivation work")
)

// MaxInputSize is the largest input [Parse] and [Detect] accept: 64 MiB,
// room for the largest public CRLs while refusing to slurp arbitrary data.
const MaxInputSize = 64 << 20

func parseErr(k Kind, block int, err error) *ParseError {
	return &ParseError{Kind: k, Block: block, Err: err}
}

// corrupt wraps a low-level decoding error as ErrCorrupt, keeping its text.
func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// emptyError is a more specific "nothing in it" that still matches
// [ErrEmpty] with [errors.Is].
type emptyError string

func (e emptyError) Error() string        { return string(e) }
func (e emptyError) Is(target error) bool { return target == ErrEmpty }

// knownCause reports whether err already wraps one of the sentinel
// causes, so it need not be labelled ErrCorrupt.
func knownCause(err error) bool {
	for _, s := range []error{ErrEmpty, ErrUnknownFormat, ErrTrailingData, ErrTooLarge, ErrWrongPassword,
		ErrPasswordRequired, ErrCorrupt, ErrUnsupported, ErrUnsafeIntegrity, ErrTooMuchWork} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}
