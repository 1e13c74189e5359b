package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/magistere/bridge/internal/app"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/store"
)

// runJobLocally runs workers in this process, for the job's kind only,
// until the job ends, printing its progress on stderr (text format). It
// lets operator commands work without a daemon; with a daemon running on
// the same store, whichever leases the job first runs it. It fails when
// the job ends failed or cancelled.
func runJobLocally(ctx context.Context, env *cliEnv, a *app.App, job store.Job) (store.Job, error) {
	if job.State == store.JobSucceeded {
		return job, nil
	}
	poolCtx, stop := context.WithCancel(ctx)
	settled := make(chan struct{}, 1)
	pool := jobs.NewPool(a.Store, a.Registry, jobs.PoolOptions{Kinds: []string{job.Kind}, Concurrency: 1,
		PollInterval: 100 * time.Millisecond, LeaseDuration: a.Cfg.Jobs.LeaseDuration, MaxBackoff: a.Cfg.Jobs.MaxBackoff,
		Logger: a.Log, Settled: func(id int64) {
			if id == job.ID {
				select {
				case settled <- struct{}{}:
				default:
				}
			}
		}})
	done := make(chan error, 1)
	go func() { done <- pool.Run(poolCtx) }()
	defer func() { stop(); <-done }()

	var pr *progressPrinter
	if env.format == "text" {
		pr = newProgressPrinter(env.stderr)
		defer pr.end()
	}
	// The job's state is read every 5 ms at first, doubling to 100 ms, and
	// at once when this process's pool has settled a run of it: a short
	// job (a tracking sync from the database takes tens of milliseconds)
	// must not wait a polling period. Another process (a serve on the same
	// store) may run it too: the reads still see that.
	wait := 5 * time.Millisecond
	for {
		j, err := a.Store.GetJob(ctx, job.ID)
		if err != nil {
			return j, err
		}
		if pr != nil && pr.tty && j.ProgressTotal > 0 {
			pr.show(fmt.Sprintf("job %d %s %s %s", j.ID, j.State, progressBar(j.ProgressDone, j.ProgressTotal, 24), progressText(j)))
		} else if pr != nil {
			pr.show(fmt.Sprintf("job %d %s %s", j.ID, j.State, progressText(j)))
		}
		switch j.State {
		case store.JobSucceeded:
			return j, nil
		case store.JobFailed, store.JobCancelled:
			return j, fmt.Errorf("job %d %s: %s", j.ID, j.State, j.LastError)
		}
		select {
		case <-ctx.Done():
			return j, ctx.Err()
		case <-time.After(wait):
		case <-settled: // this process ran it: read its outcome now
		}
		wait = min(2*wait, 100*time.Millisecond)
	}
}

// progressPrinter rewrites one line on a terminal and prints changed
// lines otherwise (logs, pipes).
type progressPrinter struct {
	w    io.Writer
	tty  bool
	last string
}

func newProgressPrinter(w io.Writer) *progressPrinter {
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil {
			tty = fi.Mode()&os.ModeCharDevice != 0
		}
	}
	return &progressPrinter{w: w, tty: tty}
}

func (p *progressPrinter) show(line string) {
	if line == p.last {
		return
	}
	p.last = line
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		return
	}
	fmt.Fprintln(p.w, line)
}

func (p *progressPrinter) end() {
	if p.tty && p.last != "" {
		fmt.Fprintln(p.w)
	}
}

// progressBar draws done/total as a bar of width cells: a terminal gets
// it, logs and pipes get the plain "done/total" lines.
func progressBar(done, total, width int) string {
	if total <= 0 {
		return ""
	}
	done = max(0, min(done, total))
	full := done * width / total
	return fmt.Sprintf("[%s%s] %3d%%", strings.Repeat("#", full), strings.Repeat("-", width-full), done*100/total)
}
