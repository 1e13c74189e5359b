package main

import (
	"context"
	"fmt"
	"io"
	"os"
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
	return jobs.Wait(ctx, a.Store, job.ID, settled, func(j store.Job) {
		switch {
		case pr != nil && pr.tty && j.ProgressTotal > 0:
			pr.show(fmt.Sprintf("job %d %s %s %s", j.ID, j.State, jobs.ProgressBar(j.ProgressDone, j.ProgressTotal, 24), progressText(j)))
		case pr != nil:
			pr.show(fmt.Sprintf("job %d %s %s", j.ID, j.State, progressText(j)))
		}
	})
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
