// Command gostart is the smallest Go program: it writes one line and
// exits. bench/startup.sh builds it twice, as pkit is built (cgo, glibc
// linked statically) and without cgo, and times both against "openssl
// version": the floor from which any Go program, pkit included, starts on
// the machine, before any package of its own is linked or initialised.
package main

import "os"

func main() {
	os.Stdout.WriteString(greeting() + "\n")
}
