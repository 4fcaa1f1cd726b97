// Package ca is pkit's certificate authority: the CA directory on disk, the
// CA keys sealed at rest with age, the profiles that turn a request into a
// certificate template, issuance, and the SQLite store that records every
// certificate issued and revoked.
//
// A CA directory looks like this:
//
//	config              profiles and defaults (see [ParseConfig] for the format)
//	ca/NAME.crt         each CA certificate, PEM, mode 0644
//	ca/NAME.key.age     its private key, PKCS#8 sealed with age, mode 0600
//	ca/NAME.key         or the plain PKCS#8 PEM key (--no-encrypt), mode 0600
//	ca/crl-numbers      the highest CRL number given to each CA ([CRLNumbersFile])
//	store               the SQLite database (WAL mode) of issued certificates
//	                    and the files each was written to
//	crl/                published CRLs, as links into a generation folder
//	                    ([CRLFolderLayout]), and the CRL lock crl/.lock
//
// Only [Init] creates the store; [Open] fails with [ErrStoreMissing] when
// it is gone, because an empty store in its place would forget every
// revocation and restart the CRL numbers. A store whose file or folder is
// not writable is opened read-only ([ErrStoreReadOnly] on any change). The
// CRL numbers are also kept outside the store, in ca/crl-numbers and in
// the published CRLs themselves, so that a store restored from an older
// backup is noticed ([CRLNumberError]) instead of publishing CRLs whose
// numbers go backwards; [Store.RaiseCRLNumber] (pkit store check
// --repair) is the way out.
//
// The directory itself is mode 0700. Every file is written atomically with
// [formats.WriteFile]; the store is safe to use from many processes at once.
//
// Issuing with files ([Authority.IssueTo]) keeps the store and the output
// folders in step: every output of a run is planned and checked before
// anything is signed ([Plan]: no name leaves its folder, no two outputs
// are one file, names fit the file system, folders take files); then, per
// certificate, the files are staged (written and synced under no name),
// the certificate is recorded with its files (paths and hashes) and
// marked as being placed, in one transaction; the files are placed and
// the mark is cleared. If placing fails the record is deleted again. A
// process killed after the record is committed and before its files are
// all in place leaves the mark; the next writer of the store settles it
// ([Store.SettlePlacements], see journal.go): a set whose files are in
// place, or can be finished from the hidden links the process left
// ([formats.Recover]), keeps its record; a set none of whose files was
// placed loses it, as the certificate was never handed to anyone. So no
// record stays without its files and no file without its record. Files
// first would be worse: a certificate in use that the CA has no record of
// cannot be revoked by serial. "pkit store check" reports dead marks, and
// recorded files of valid certificates that are missing or hold something
// else ([Store.CheckFiles]).
//
// The store's schema is versioned (PRAGMA user_version): migrations in
// store.go holds one step per version, run once on a store's first write;
// a store written by a newer pkit is read but never changed
// ([ErrStoreNewer]).
//
// Threat model: the CA key files are the secret. Sealed with a passphrase
// (age scrypt) they resist offline guessing at the cost of one scrypt
// derivation per unlock ([DefaultWorkFactor]); sealed to age recipients they
// open with the matching identity file. The store and certificates are not
// secret but are integrity-relevant: the store is the record of what was
// issued, so it is only changed in transactions.
package ca
