// Package pgtest starts a throwaway PostgreSQL server for pkit's tests:
// initdb into a temporary folder, a free port on 127.0.0.1, trust
// authentication, stopped when the test binary ends (and killed with it,
// should it die). Tests ask for a fresh database with [DB]; they skip when
// PostgreSQL is not installed, and fail under CI=true, where .ci/run
// installs it.
//
// PostgreSQL refuses to run as root; when the tests run as root (as CI
// does), the server runs as the "postgres" user (or "nobody"), and its
// folder is handed to that user.
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // to create each test's database
)

// Server is a throwaway PostgreSQL server.
type Server struct {
	bin  string // the folder of initdb and postgres
	dir  string // the data folder
	Port int

	// settings are the server's settings ("name=value") beyond pgtest's.
	settings []string

	mu  sync.Mutex
	cmd *exec.Cmd
	log string
}

var (
	shared    *Server
	sharedErr error
	once      sync.Once
	dbs       atomic.Int64
)

// Shared returns the server of this test process, starting it on first
// use. It skips t when PostgreSQL is not installed (fails under CI=true).
func Shared(t testing.TB) *Server {
	t.Helper()
	once.Do(func() { shared, sharedErr = start(nil) })
	if errors.Is(sharedErr, errNotInstalled) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required under CI=true; install it in .ci/run: %v", sharedErr)
		}
		t.Skipf("PostgreSQL not installed: %v", sharedErr)
	}
	if sharedErr != nil {
		t.Fatalf("starting PostgreSQL: %v", sharedErr)
	}
	return shared
}

// DB creates a new, empty database on the shared server and returns its
// URL.
func DB(t testing.TB) string {
	t.Helper()
	return Shared(t).NewDB(t)
}

// NewDB creates a new, empty database on s and returns its URL.
func (s *Server) NewDB(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("t%d", dbs.Add(1))
	db, err := sql.Open("pgx", s.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("creating database %s: %v", name, err)
	}
	return s.URL(name)
}

// URL is the address of database name on s.
func (s *Server) URL(name string) string {
	return fmt.Sprintf("postgres://pkit@127.0.0.1:%d/%s?sslmode=disable", s.Port, name)
}

var errNotInstalled = errors.New("no initdb and postgres on PATH nor in /usr/lib/postgresql/*/bin")

// findBin returns the folder holding initdb and postgres.
func findBin() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("postgres"); err == nil {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			return d, nil
		}
	}
	return "", errNotInstalled
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func start(settings []string) (*Server, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pkit-pgtest-")
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin, dir: dir, log: filepath.Join(dir, "log"), settings: settings}
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		return nil, err
	}
	if err := handOver(dir, data); err != nil {
		return nil, err
	}
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "pkit", "--auth=trust",
		"--no-sync", "-E", "UTF8", "--locale=C")
	asServerUser(initdb)
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	if err := s.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// Start starts the server (again, after [Server.Kill]) on its port and
// waits until it accepts connections.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Port == 0 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		s.Port = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	logf, err := os.OpenFile(s.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	// fsync stays on: the crash tests kill the server and count on what
	// it acknowledged.
	args := []string{"-D", filepath.Join(s.dir, "data"),
		"-p", strconv.Itoa(s.Port), "-h", "127.0.0.1", "-k", "",
		"-c", "max_connections=200", "-c", "shared_buffers=32MB", "-c", "log_min_messages=warning"}
	for _, set := range s.settings {
		args = append(args, "-c", set)
	}
	cmd := exec.Command(filepath.Join(s.bin, "postgres"), args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	asServerUser(cmd)
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return err
	}
	s.cmd = cmd
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.Port), time.Second)
		if err == nil {
			c.Close()
			if s.ready() {
				return nil
			}
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(s.log)
			return fmt.Errorf("postgres exited: %s", log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			return errors.New("postgres did not start within 60 s")
		}
	}
}

// ready reports whether the server answers a query (it accepts TCP
// connections a little before it accepts sessions).
func (s *Server) ready() bool {
	db, err := sql.Open("pgx", s.URL("postgres")+"&connect_timeout=2")
	if err != nil {
		return false
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return db.PingContext(ctx) == nil
}

// LogTail returns the last n bytes of the server's log, for a failing
// test's report.
func (s *Server) LogTail(n int64) string {
	f, err := os.Open(s.log)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > n {
		f.Seek(fi.Size()-n, io.SeekStart)
	}
	data, _ := io.ReadAll(f)
	return string(data)
}

// Kill kills the server's postmaster with SIGKILL, as a crash of it
// would, and waits until a new server can start. Its sessions are
// orphaned: each runs on until it next waits (for its client, a lock),
// and may meanwhile commit and acknowledge what its client had sent, as
// PostgreSQL's own backends do when the postmaster dies. A new server
// refuses to start while one of them lives (it still holds the shared
// memory: "pre-existing shared memory block is still in use"), so Kill
// waits for them too, where the system tells (Linux). See [Server.Crash]
// for every process killed at once.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	s.gone()
}

// Crash kills every process of the server at once, as a power loss, a
// kill of the machine's container or of its cgroup would (the written
// data stays in the system's page cache, as after a crash of the server
// alone): the postmaster and its children are stopped (SIGSTOP) and then
// killed (SIGKILL), so that none of them runs after the first is hit.
// Where the system cannot list a process's children (outside Linux), it
// is [Server.Kill].
func (s *Server) Crash() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	pm := s.cmd.Process.Pid
	freeze(pm) // it forks no new child from here
	kids := children(pm)
	for _, k := range kids {
		freeze(k)
	}
	for _, k := range kids {
		killPID(k)
	}
	s.cmd.Process.Kill()
	s.gone()
}

// gone waits until the killed server's port is free and no process of it
// holds its shared memory, so that Start can start it again.
func (s *Server) gone() {
	data := filepath.Join(s.dir, "data")
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.Port), 100*time.Millisecond)
		if err == nil {
			c.Close()
		} else if !attached(data) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.cmd = nil
}

// Start starts a server of t's own (for tests that kill it), stopped
// when t ends, with the server settings ("name=value") given beyond
// pgtest's. It skips t as [Shared] does.
func Start(t testing.TB, settings ...string) *Server {
	t.Helper()
	Shared(t) // skips or fails the same way when PostgreSQL is missing
	s, err := start(settings)
	if err != nil {
		t.Fatalf("starting PostgreSQL: %v", err)
	}
	t.Cleanup(s.stop)
	return s
}

// Stop stops the shared server, if one was started, and removes its
// folder. TestMain calls it after the tests.
func Stop() {
	if shared != nil {
		shared.stop()
	}
}

func (s *Server) stop() {
	s.mu.Lock()
	if s.cmd != nil {
		s.cmd.Process.Signal(os.Interrupt) // fast shutdown
		exited := make(chan struct{})
		go func(p *os.Process) {
			for i := 0; i < 100; i++ {
				if err := p.Signal(syscall0); err != nil {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			close(exited)
		}(s.cmd.Process)
		select {
		case <-exited:
		case <-time.After(6 * time.Second):
			s.cmd.Process.Kill()
		}
		s.cmd = nil
	}
	s.mu.Unlock()
	os.RemoveAll(s.dir)
}
