// Package jobs is the bridge's durable job system on top of package store:
// a submit side (Queue), handlers (Registry), workers (Pool) and cron
// enqueuers (Scheduler). Requests from the API, the CLI or cron become jobs;
// nothing long runs inside an HTTP request.
//
// # Wiring (bridge serve)
//
//	st, _ := store.Open(ctx, cfg.DSN, cfg.DataDir)
//	reg := jobs.NewRegistry()
//	reg.Register("enrol.apply", enrol.Apply) // func(ctx, *jobs.Run) (any, error)
//	q := jobs.NewQueue(st)
//	pool := jobs.NewPool(st, reg, jobs.PoolOptions{Concurrency: 8, Logger: log})
//	q.OnSubmit(pool.Notify) // local submits start without waiting a poll
//	sched := jobs.NewScheduler(q, log, jobs.WithLocation(paris), jobs.WithCatchUp())
//	_ = sched.Add("0 2 * * *", "stats.refresh", nil, "stats-nightly")
//	sched.Start(); defer sched.Stop()
//	err := pool.Run(ctx) // returns after a graceful shutdown when ctx ends
//
// # Guarantees
//
//   - Submit with a Key is idempotent: the same key returns the first job
//     (created=false), across processes. Every submit is audited.
//   - A job runs in one worker at a time (leases; SKIP LOCKED on MySQL). A
//     worker renews its lease every LeaseDuration/3; if it dies, the lease
//     expires and another worker takes the job over (attempts+1). A job
//     whose lease expired more than MaxAttempts times is failed.
//   - Outcome: success stores the handler's result as JSON. An error that
//     failure.IsRetryable judges retryable is retried after a capped,
//     fully jittered exponential backoff until MaxAttempts; any other error
//     (including unclassified ones and recovered panics) fails the job at
//     once, keeping the error text (handlers must keep secrets out of it).
//   - Run.Step checkpoints: a resumed job skips the steps already done and
//     gets their saved results. Steps must tolerate being re-run if the
//     worker crashes between the step's effect and its checkpoint (look the
//     object up by its natural key first).
//   - Fencing: every lease carries a token that grows each time the job is
//     leased (store.Lease). Checkpoints, progress, renewals and outcomes
//     are conditional writes on that token, so a worker whose job was
//     taken over (it was paused, slow or cut off past its lease) has every
//     write refused with ErrFenced (a *FencedError; errors.Is(err,
//     store.ErrLeaseLost) holds too): it stops at its next step without
//     running it, logs "fenced" once, and counts KindStats.Fenced. Before
//     each step, and before each Moodle request (the handler's context
//     carries Run.CheckLease through package fence), a worker whose lease
//     may have expired by its clock asks the store first. Only one
//     execution of a job completes; a step interrupted by a takeover is
//     run again by the new holder, so its Moodle writes must still look
//     the object up by natural key first.
//   - Cancel (Queue.Cancel or store.CancelJob) stops a running handler at
//     its next progress write or lease renewal: its context is cancelled
//     with cause store.ErrCancelled.
//   - Shutdown: cancel Run's context. The pool stops leasing, waits up to
//     ShutdownGrace, then cancels the handlers and releases their jobs
//     (queued again, attempt not counted) for another replica.
//   - Scheduler ticks only enqueue, with key "<prefix>:<tick UTC RFC3339>",
//     so N replicas running the same schedule create one job per period.
//     Keep finished jobs (store.DeleteFinishedJobs) longer than the longest
//     schedule period, or WithCatchUp would re-run the latest period.
//
// Pool.Stats gives per-kind counters for metrics; store.CountJobs gives
// the queue's depth by state.
package jobs
