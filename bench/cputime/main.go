// Command cputime times two commands against each other, run after run in
// turn (A, B, A, B …) so that the load of a busy machine falls on both
// alike, and prints the median CPU time (user + system, from the kernel's
// accounting of each child) and the median wall time of each, in
// milliseconds, and the ratio A/B of the CPU medians:
//
//	cputime [-cold FILE]... RUNS CMD_A... :: CMD_B...
//	-> A_CPU_MS A_WALL_MS B_CPU_MS B_WALL_MS RATIO_CPU
//
// Each command's output goes to /dev/null; a run that fails stops the
// timing with its output shown, so nothing is timed that did not work.
// "{n}" in an argument becomes the run's number (1, 2, …; 0 for the
// untimed first run of each), for commands that must not repeat
// themselves, such as issuing a certificate under a new name each run.
// Before timing, each command's program file is dropped from the page
// cache and run once untimed, so that neither side is timed as a file
// just written (see dropCached); -cold names more files to treat so, such
// as the programs a shell command runs. bench/startup.sh uses it.
package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	args := os.Args[1:]
	var cold []string // program files to read back from disk first (-cold)
	for len(args) > 1 && args[0] == "-cold" {
		cold, args = append(cold, args[1]), args[2:]
	}
	if len(args) < 4 {
		usage()
	}
	runs, err := strconv.Atoi(args[0])
	if err != nil || runs < 1 {
		usage()
	}
	rest := args[1:]
	sep := slices.Index(rest, "::")
	if sep < 1 || sep == len(rest)-1 {
		usage()
	}
	a, b := rest[:sep], rest[sep+1:]
	// Both programs start from the same state: read back from disk, then
	// one untimed run each.
	for _, argv := range [][]string{a, b} {
		if path, err := exec.LookPath(argv[0]); err == nil {
			cold = append(cold, path)
		}
	}
	for _, path := range cold {
		if err := dropCached(path); err != nil {
			fmt.Fprintf(os.Stderr, "cputime: %s: %v\n", path, err)
			os.Exit(1)
		}
	}
	timeOne(numbered(a, 0))
	timeOne(numbered(b, 0))
	var cpuA, wallA, cpuB, wallB []float64
	for i := 0; i < runs; i++ {
		c, w := timeOne(numbered(a, i+1))
		cpuA, wallA = append(cpuA, c), append(wallA, w)
		c, w = timeOne(numbered(b, i+1))
		cpuB, wallB = append(cpuB, c), append(wallB, w)
	}
	ca, cb := median(cpuA), median(cpuB)
	fmt.Printf("%.2f %.2f %.2f %.2f %.2f\n", ca, median(wallA), cb, median(wallB), ca/cb)
}

// numbered returns argv with every "{n}" replaced by run.
func numbered(argv []string, run int) []string {
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = strings.ReplaceAll(a, "{n}", strconv.Itoa(run))
	}
	return out
}

// timeOne runs argv once and returns its CPU and wall milliseconds.
func timeOne(argv []string) (cpu, wall float64) {
	cmd := exec.Command(argv[0], argv[1:]...)
	var out bytes.Buffer
	cmd.Stderr = &out
	start := time.Now()
	err := cmd.Run()
	wall = float64(time.Since(start)) / 1e6
	if err != nil {
		fmt.Fprintf(os.Stderr, "cputime: %q: %v\n%s", argv, err, out.Bytes())
		os.Exit(1)
	}
	st := cmd.ProcessState
	return float64(st.UserTime()+st.SystemTime()) / 1e6, wall
}

func median(v []float64) float64 {
	slices.Sort(v)
	if n := len(v); n%2 == 0 {
		return (v[n/2-1] + v[n/2]) / 2
	}
	return v[len(v)/2]
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: cputime [-cold FILE]... RUNS CMD_A... :: CMD_B...")
	os.Exit(2)
}
