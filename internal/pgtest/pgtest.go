// Package pgtest runs a throwaway PostgreSQL cluster for tests: initdb
// and pg_ctl from Debian's postgresql package, run as the postgres user
// when the tests run as root (initdb refuses root), on a free port of
// 127.0.0.1 with trust authentication and fsync off. Under CI=true a
// machine without PostgreSQL fails the test (internal/testenv).
package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/rtmprecd/rtmprecd/internal/testenv"
)

// Cluster is one running test cluster.
type Cluster struct {
	bin  string // directory of initdb, pg_ctl
	dir  string // data directory
	port int
	as   string // user to run as; "" for the current one
	dbs  atomic.Int64
}

// Start initialises and starts a cluster, stopped and removed at the end
// of the test.
func Start(t testing.TB) *Cluster {
	t.Helper()
	bin, err := binDir()
	testenv.Need(t, "PostgreSQL (initdb, pg_ctl: Debian package postgresql)", err)
	c := &Cluster{bin: bin}
	if os.Geteuid() == 0 {
		c.as = "postgres"
		_, err := user.Lookup(c.as)
		testenv.Need(t, "the postgres user (Debian package postgresql)", err)
	}
	root, err := c.tempDir()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	c.dir = filepath.Join(root, "data")
	if c.port, err = freePort(); err != nil {
		t.Fatal(err)
	}
	if out, err := c.run("initdb", "-D", c.dir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"); err != nil {
		testenv.Need(t, "initdb", fmt.Errorf("%w\n%s", err, out))
	}
	c.Start(t)
	t.Cleanup(func() { c.run("pg_ctl", "-D", c.dir, "-m", "immediate", "-w", "stop") })
	return c
}

// Start starts the (stopped) cluster and waits until it accepts
// connections.
func (c *Cluster) Start(t testing.TB) {
	t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200", c.port, filepath.Dir(c.dir))
	if out, err := c.run("pg_ctl", "-D", c.dir, "-o", opts, "-l", filepath.Join(filepath.Dir(c.dir), "log"), "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(filepath.Dir(c.dir), "log"))
		t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
}

// Stop stops the cluster (fast: open connections are cut), as an
// administrator or a crash of the server would.
func (c *Cluster) Stop(t testing.TB) {
	t.Helper()
	if out, err := c.run("pg_ctl", "-D", c.dir, "-m", "fast", "-w", "stop"); err != nil {
		t.Fatalf("pg_ctl stop: %v\n%s", err, out)
	}
}

// URL is the connection URL of database db.
func (c *Cluster) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

// NewDB creates an empty database and returns its URL.
func (c *Cluster) NewDB(t testing.TB) string {
	t.Helper()
	name := "t" + strconv.FormatInt(c.dbs.Add(1), 10)
	c.Exec(t, c.URL("postgres"), "CREATE DATABASE "+name)
	return c.URL(name)
}

// Exec runs sql in the database at url through psql and returns what it
// prints, unaligned.
func (c *Cluster) Exec(t testing.TB, url, sql string) string {
	t.Helper()
	out, err := c.run("psql", "-v", "ON_ERROR_STOP=1", "-qAtc", sql, url)
	if err != nil {
		t.Fatalf("psql %s: %v\n%s", sql, err, out)
	}
	return string(out)
}

func (c *Cluster) run(tool string, args ...string) ([]byte, error) {
	path := filepath.Join(c.bin, tool)
	if c.as != "" {
		args = append([]string{"-u", c.as, "--", path}, args...)
		path = "runuser"
	}
	cmd := exec.CommandContext(context.Background(), path, args...)
	cmd.Dir = os.TempDir() // the postgres user may not enter the test's directory
	return cmd.CombinedOutput()
}

// tempDir makes a directory the cluster's user owns: outside
// t.TempDir(), whose parents only root may enter.
func (c *Cluster) tempDir() (string, error) {
	dir, err := os.MkdirTemp("", "rtmprecd-pg-")
	if err != nil || c.as == "" {
		return dir, err
	}
	u, err := user.Lookup(c.as)
	if err != nil {
		return dir, err
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return dir, os.Chown(dir, uid, gid)
}

// binDir finds initdb: Debian keeps it under /usr/lib/postgresql/N/bin
// (the newest N), elsewhere it is on PATH.
func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	p, err := exec.LookPath("initdb")
	if err != nil {
		return "", err
	}
	return filepath.Dir(p), nil
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// freePort is a TCP port of 127.0.0.1 that nothing listens on now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
