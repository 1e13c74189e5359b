package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
)

// benchServe starts `bridge serve` for a benchmark (startBridge takes a
// *testing.T) and returns its process once it listens.
func benchServe(b *testing.B, cfg string) *exec.Cmd {
	b.Helper()
	addrFile := filepath.Join(b.TempDir(), "addr")
	cmd := exec.Command(binPath, "--config", cfg, "serve", "--listen", "127.0.0.1:0")
	cmd.Env = append(cleanEnv(), "BRIDGE_ADDR_FILE="+addrFile)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if data, err := os.ReadFile(addrFile); err == nil && len(data) > 0 {
			return cmd
		}
	}
	b.Fatal("bridge serve did not start")
	return nil
}

// BenchmarkQueueServeReplicas measures the job queue end to end: N real
// `bridge serve` processes (4 workers each) on one MariaDB store drain
// 2,000 diagnostic.record jobs (sleep_ms 0). The processes are stopped
// (SIGSTOP) while the jobs are queued, so the figure is the drain rate,
// including the pick-up of an idle poller (up to its 1 s period).
// Run with -benchtime=1x.
func BenchmarkQueueServeReplicas(b *testing.B) {
	const n = 2000
	for _, procs := range []int{1, 3} {
		b.Run(fmt.Sprintf("procs=%d", procs), func(b *testing.B) {
			var total time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				total += drainQueue(b, procs, n)
			}
			b.ReportMetric(float64(n*b.N)/total.Seconds(), "jobs/s")
			b.ReportMetric(float64(total.Microseconds())/float64(n*b.N)/1000, "ms/job")
		})
	}
}

func drainQueue(b *testing.B, procs, n int) time.Duration {
	ctx := context.Background()
	dsn := storetest.MySQLDSN(b)
	st, err := store.Open(ctx, dsn, "")
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	dir := b.TempDir()
	cfgPath := filepath.Join(dir, "bridge.yaml")
	cfg := fmt.Sprintf("data_dir: %s\nlog_level: warn\nstore:\n  dsn: \"%s\"\njobs:\n  workers: 4\n  lease_duration: 10s\n  shutdown_grace: 1s\n", dir, dsn)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		b.Fatal(err)
	}
	var cmds []*exec.Cmd
	for p := 0; p < procs; p++ {
		cmds = append(cmds, benchServe(b, cfgPath))
	}
	for _, c := range cmds {
		c.Process.Signal(syscall.SIGSTOP)
	}
	q := jobs.NewQueue(st)
	for i := 0; i < n; i++ {
		if _, _, err := q.Submit(ctx, jobs.Spec{Kind: "diagnostic.record", Key: fmt.Sprintf("bench-%d", i),
			Payload: map[string]int{"sleep_ms": 0}, RequestedBy: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
	start := time.Now()
	b.StartTimer()
	for _, c := range cmds {
		c.Process.Signal(syscall.SIGCONT)
	}
	for {
		counts, err := st.CountJobs(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if counts[store.JobSucceeded] == int64(n) {
			break
		}
		if counts[store.JobFailed] > 0 {
			b.Fatalf("%d jobs failed", counts[store.JobFailed])
		}
		time.Sleep(10 * time.Millisecond)
	}
	b.StopTimer()
	return time.Since(start)
}

// BenchmarkDeployOverhead deploys a shared parcours from the national hub
// into an académie through a real `bridge serve` and `bridge moodlesim`.
// The simulator's backup and restore take no time, so the job's wall time
// (leased to succeeded) is the bridge's own overhead per deploy: its calls,
// the backup's download and upload, its checkpoints and its status polls.
// Run with -benchtime=5x or so.
func BenchmarkDeployOverhead(b *testing.B) {
	d := newDeployEnv(b)
	d.startServe()
	var total time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		id := d.submitDeployAs("ac-a", fmt.Sprintf("DEP-%d", i))
		pollUntil(b, time.Minute, "the deployment to start", func() bool { return d.job(id).State != store.JobQueued })
		start := time.Now()
		b.StartTimer()
		d.waitJob(id, 2*time.Minute)
		total += time.Since(start)
		b.StopTimer()
		found, err := d.clients["ac-a"].GetCoursesByField(context.Background(), "shortname", fmt.Sprintf("DEP-%d", i))
		if err != nil || len(found) != 1 {
			b.Fatalf("deployment %d: %d courses (%v)", i, len(found), err)
		}
		if outline := d.outlineOf("ac-a", fmt.Sprintf("DEP-%d", i)); len(outline) == 0 {
			b.Fatalf("deployment %d: empty course", i)
		}
	}
	b.StopTimer()
	d.stopServe()
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/deploy")
}
