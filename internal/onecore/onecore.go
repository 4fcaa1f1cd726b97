// Package onecore starts a pkit process on one core. cmd/pkit imports it
// for its initialiser alone, which sets GOMAXPROCS to 1 before the
// initialisers of most other packages run (Go initialises packages that
// import nothing uninitialised in the order of their import paths, and
// this one imports only the runtime): the goroutines that the runtime and
// those packages start then run on the one thread already there, where
// with two or more cores each first one would have its own thread
// started, with its stack, TLS and first-touch page faults. A one-shot
// command ("pkit inspect", "pkit --version") so takes about 0.8x the CPU
// (bench/startup.sh, interleaved) and touches about 150 fewer pages.
// cmd/pkit gives the process back every core (runtime.SetDefaultGOMAXPROCS)
// for the commands that use them before it runs them.
package onecore

import "runtime"

func init() { runtime.GOMAXPROCS(1) }
