package main

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/store"
)

// privateMariaDB is a mariadbd of this test alone (its own datadir, port
// and socket), so it can be killed without touching the shared server.
type privateMariaDB struct {
	t       *testing.T
	bin     string
	datadir string
	port    int
	cmd     *exec.Cmd
	done    chan struct{}
}

func findMariaDB(t *testing.T) (server, installer string) {
	t.Helper()
	server, err1 := exec.LookPath("mariadbd")
	if err1 != nil {
		if _, err := os.Stat("/usr/sbin/mariadbd"); err == nil {
			server, err1 = "/usr/sbin/mariadbd", nil
		}
	}
	installer, err2 := exec.LookPath("mariadb-install-db")
	if err1 != nil || err2 != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("mariadbd and mariadb-install-db are required in CI (scripts/mariadb.sh installs them)")
		}
		t.Skip("mariadbd or mariadb-install-db not installed: the database-restart test needs a private server")
	}
	return server, installer
}

func startPrivateMariaDB(t *testing.T) *privateMariaDB {
	t.Helper()
	server, installer := findMariaDB(t)
	dir, err := os.MkdirTemp("", "bridge-mariadb-") // short path: the socket's length is limited
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	datadir := filepath.Join(dir, "data")
	out, err := exec.Command(installer, "--no-defaults", "--datadir="+datadir, "--user="+currentUser(),
		"--auth-root-authentication-method=normal", "--skip-test-db").CombinedOutput()
	if err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, tail(string(out), 2000))
	}
	db := &privateMariaDB{t: t, bin: server, datadir: datadir, port: freePort(t)}
	db.start()
	t.Cleanup(db.kill)
	return db
}

func currentUser() string {
	if os.Getuid() == 0 {
		return "root"
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return strconv.Itoa(os.Getuid())
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func (db *privateMariaDB) start() {
	db.t.Helper()
	dir := filepath.Dir(db.datadir)
	db.cmd = exec.Command(db.bin, "--no-defaults", "--datadir="+db.datadir, "--port="+strconv.Itoa(db.port),
		"--bind-address=127.0.0.1", "--socket="+filepath.Join(dir, "sock"), "--pid-file="+filepath.Join(dir, "pid"),
		"--user="+currentUser(), "--skip-grant-tables", "--innodb-buffer-pool-size=32M", "--skip-log-bin",
		"--log-error="+filepath.Join(dir, "error.log"))
	if err := db.cmd.Start(); err != nil {
		db.t.Fatalf("start mariadbd: %v", err)
	}
	db.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { cmd.Wait(); close(done) }(db.cmd, db.done)
	waitUntil(db.t, 60*time.Second, "the private mariadbd to answer", func() bool {
		conn, err := sql.Open("mysql", db.dsn(""))
		if err != nil {
			return false
		}
		defer conn.Close()
		return conn.Ping() == nil
	})
}

func (db *privateMariaDB) dsn(name string) string {
	return fmt.Sprintf("root@tcp(127.0.0.1:%d)/%s?timeout=2s", db.port, name)
}

// kill stops mariadbd with SIGKILL, like a crash (no clean shutdown).
func (db *privateMariaDB) kill() {
	if db.cmd == nil {
		return
	}
	db.cmd.Process.Signal(syscall.SIGKILL)
	<-db.done
	db.cmd = nil
}

// TestStoreDatabaseRestartMidRun: a `bridge serve` on a private MariaDB
// runs 300 jobs; the database is killed with SIGKILL mid-run and started
// again 2 s later. Every job still succeeds and completes exactly once
// (one job.succeeded audit entry: a run whose lease was taken over while
// the database was away cannot record its completion), none is lost, and
// only jobs that were running at the crash may have run twice.
func TestStoreDatabaseRestartMidRun(t *testing.T) {
	db := startPrivateMariaDB(t)
	admin, err := sql.Open("mysql", db.dsn(""))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE DATABASE bridge CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatal(err)
	}
	admin.Close()
	dsn := db.dsn("bridge")
	ctx := context.Background()
	st, err := store.Open(ctx, dsn, "")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { st.Close() }()
	dir := t.TempDir()
	cfg := writeFile(t, dir, "bridge.yaml", fmt.Sprintf("data_dir: %s\nstore:\n  dsn: \"%s\"\njobs:\n  workers: 4\n  lease_duration: 2s\n  shutdown_grace: 1s\n", dir, dsn))
	serve := startBridge(t, nil, "--config", cfg, "serve", "--listen", "127.0.0.1:0")

	ids := submitDiagnostics(t, jobs.NewQueue(st), "db", 300, 30)
	waitUntil(t, time.Minute, "a third of the jobs to finish", func() bool {
		counts, err := st.CountJobs(ctx)
		return err == nil && counts[store.JobSucceeded] >= 100
	})
	db.kill()
	t.Log("mariadbd killed")
	time.Sleep(2 * time.Second)
	db.start()
	t.Log("mariadbd restarted")
	st.Close()
	if st, err = store.Open(ctx, dsn, ""); err != nil {
		t.Fatal(err)
	}
	waitAllSucceeded(t, st, ids, 2*time.Minute)
	execs := executionsByJob(t, st)
	done := completionsByJob(t, st)
	twice := 0
	for _, id := range ids {
		// Exactly one completion audit entry: a job's success and its
		// audit entry are one transaction, so a database killed between
		// them keeps both or neither.
		if done[id] != 1 {
			t.Errorf("job %d has %d completion audit entries, want exactly 1", id, done[id])
		}
		switch n := len(execs[id]); {
		case n == 0:
			t.Errorf("job %d succeeded without running", id)
		case n > 2:
			t.Errorf("job %d ran %d times", id, n)
		case n == 2:
			twice++
		}
	}
	if twice > 4 {
		t.Errorf("%d jobs ran twice; only the 4 running at the crash may", twice)
	}
	select {
	case <-serve.done:
		t.Fatalf("bridge serve exited during the database outage:\n%s", tail(serve.output(), 3000))
	default:
	}
	t.Logf("%d job(s) ran twice (their first run's completion was lost with the database)", twice)
}
