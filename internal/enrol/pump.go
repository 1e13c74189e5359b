package enrol

import (
	"context"
	"fmt"
	"time"
)

// chunkTask is one bulk call's rows: a chunk of accounts to create, or of
// people to enrol. Its name is its checkpoint, the same on every attempt
// (chunks are cut from the checkpointed plan, in order).
type chunkTask struct {
	name  string
	phase string // PhaseCreate or PhaseEnrol
	seq   int    // the chunk's number in its series
	rows  []int  // entry indexes
	users []int64
	// counted: a creation chunk's enrolment, already in the progress
	// total (its creation counted its rows as enrolments to come).
	counted bool
}

// Load kinds told apart by the window (their costs per row differ).
const (
	kindCreate = "core_user_create_users"
	kindEnrol  = "enrol"
	// kindBulk (bulk.go): local_bridge_create_enrol_users
)

// createTasks cuts the accounts to create into chunks of ChunkRows.
func (a *applier) createTasks(idx []int) []chunkTask {
	var out []chunkTask
	size := a.c.ChunkRows()
	for k, start := 0, 0; start < len(idx); k, start = k+1, start+size {
		out = append(out, chunkTask{name: createChunkName(k), phase: PhaseCreate, seq: k,
			rows: idx[start:min(start+size, len(idx))]})
	}
	return out
}

func createChunkName(k int) string { return fmt.Sprintf("%s/chunk-%04d", PhaseCreate, k) }

// existingEnrolTasks cuts the enrolments of people who already have an
// account into chunks: they need no creation first.
func (a *applier) existingEnrolTasks() []chunkTask {
	var idx []int
	for i := range a.p.Entries {
		if a.p.Entries[i].Status != StatusWillCreate && a.willEnrol(i) {
			idx = append(idx, i)
		}
	}
	var out []chunkTask
	size := a.c.ChunkRows()
	for k, start := 0, 0; start < len(idx); k, start = k+1, start+size {
		rows := idx[start:min(start+size, len(idx))]
		users := make([]int64, len(rows))
		for j, i := range rows {
			users[j] = a.p.Entries[i].UserID
		}
		out = append(out, chunkTask{name: fmt.Sprintf("%s/chunk-%04d", PhaseEnrol, k), phase: PhaseEnrol, seq: k,
			rows: rows, users: users})
	}
	return out
}

// newEnrolTask is the enrolment of the accounts creation chunk t made
// (ids by entry index); false when it made none.
func (a *applier) newEnrolTask(t chunkTask, ids map[int]int64) (chunkTask, bool) {
	next := chunkTask{name: fmt.Sprintf("%s/new-%04d", PhaseEnrol, t.seq), phase: PhaseEnrol, seq: t.seq, counted: true}
	for _, i := range t.rows {
		if id := ids[i]; id != 0 {
			next.rows = append(next.rows, i)
			next.users = append(next.users, id)
		}
	}
	return next, len(next.rows) > 0
}

// outcome is a finished task.
type outcome struct {
	task chunkTask
	res  phaseResult
	err  error
}

// pump runs tasks as a sliding window: as many calls in flight as the
// client's adaptive window allows, a new one starting as soon as any
// finishes (no round waits for its slowest call). Each task is a
// checkpoint of its own; then(t, result) is called for each finished task,
// in this goroutine, and returns follow-up tasks, run before the others
// (a creation chunk's enrolment). The first error stops new tasks from
// starting; those in flight finish and keep their checkpoints, so a retry
// redoes only what had not finished. Enrolments through a custom enroller
// go one at a time: local_bridge's named instance is created by the first
// call that finds it missing, and two first calls would make two.
func (a *applier) pump(ctx context.Context, queue []chunkTask, then func(chunkTask, phaseResult) []chunkTask) error {
	results := make(chan outcome)
	var (
		inflight, enrolling int
		firstErr            error
	)
	a.tally(queue)
	for {
		for firstErr == nil && len(queue) > 0 {
			t, ok := a.nextTask(&queue, inflight, enrolling)
			if !ok {
				break
			}
			if done, ok := a.chunks[t.name]; ok { // finished earlier in this process
				queue = append(a.follow(then(t, done)), queue...)
				continue
			}
			inflight++
			if t.phase == PhaseEnrol {
				enrolling++
			}
			go func(t chunkTask) {
				res, err := a.runTask(ctx, t)
				results <- outcome{task: t, res: res, err: err}
			}(t)
		}
		if inflight == 0 {
			return firstErr
		}
		o := <-results
		inflight--
		if o.task.phase == PhaseEnrol {
			enrolling--
		}
		if o.err != nil {
			if firstErr == nil {
				firstErr = o.err
			}
			continue
		}
		a.chunks[o.task.name] = o.res
		a.finished(o.task, o.res)
		queue = append(a.follow(then(o.task, o.res)), queue...)
	}
}

// nextTask takes the first task allowed to start now, if any.
func (a *applier) nextTask(queue *[]chunkTask, inflight, enrolling int) (chunkTask, bool) {
	if inflight >= a.c.BulkWindow().Limit() {
		return chunkTask{}, false
	}
	for k, t := range *queue {
		if t.phase == PhaseEnrol && a.enroller != nil && enrolling > 0 {
			continue
		}
		*queue = append((*queue)[:k:k], (*queue)[k+1:]...)
		return t, true
	}
	return chunkTask{}, false
}

// runTask runs one task under its checkpoint. The window learns from the
// calls made now (not from a checkpoint read back), unless bisection
// isolated refused rows (several calls: their time says nothing of the
// site's load).
func (a *applier) runTask(ctx context.Context, t chunkTask) (phaseResult, error) {
	var res phaseResult
	err := a.cp.Step(t.name, func(ctx context.Context) (any, error) {
		start := time.Now()
		var (
			r    phaseResult
			err  error
			kind = kindCreate
		)
		// A chunk is repeated in place after a transient failure (the job
		// context's retry policy): a creation looks its accounts up before
		// creating again, an enrolment is idempotent. A job attempt is
		// spent only when the site stays unreachable.
		err = a.c.RetryTransient(ctx, t.name, func(int) error {
			var err error
			switch {
			case t.phase == PhaseCreate && a.bulkPath(ctx):
				kind = kindBulk
				r, err = a.createEnrolPart(ctx, t.rows)
				if err != nil && bulkRefusedWhole(err) {
					// Core's functions isolate the bad row by bisection; an
					// earlier try of the chunk may have committed: look up first.
					kind = kindCreate
					a.sentBefore(t.name)
					r, err = a.createPart(ctx, t.rows, true)
				}
			case t.phase == PhaseCreate:
				r, err = a.createPart(ctx, t.rows, a.sentBefore(t.name))
			default:
				kind = kindEnrol
				r, err = a.enrolPart(ctx, t.rows, t.users)
			}
			return err
		})
		if err != nil || r.calls <= 1 {
			a.c.BulkWindow().Observe(kind, len(t.rows), time.Since(start), err)
		}
		if err != nil {
			return nil, err
		}
		return r, nil
	}, &res)
	return res, err
}

// sentBefore reports whether this process already sent the chunk (a
// retry in place, of the call or of its step), and notes that it is sent.
func (a *applier) sentBefore(name string) bool {
	a.sentMu.Lock()
	defer a.sentMu.Unlock()
	if a.sent == nil {
		a.sent = map[string]bool{}
	}
	before := a.sent[name]
	a.sent[name] = true
	return before
}

// follow counts follow-up tasks into the progress totals.
func (a *applier) follow(tasks []chunkTask) []chunkTask {
	a.tally(tasks)
	return tasks
}

// pumpProgress counts rows of tasks queued and finished, for Progress.
type pumpProgress struct {
	accounts, accountsDone, enrolments, enrolmentsDone int
	counted                                            map[string]bool
}

func (a *applier) tally(tasks []chunkTask) {
	for _, t := range tasks {
		if a.progress.counted[t.name] {
			continue
		}
		a.progress.counted[t.name] = true
		switch {
		case t.phase == PhaseCreate: // its accounts, then their enrolment: the total does not move
			a.progress.accounts += len(t.rows)
			a.progress.enrolments += len(t.rows)
		case !t.counted || !a.progress.counted[createChunkName(t.seq)]: // a resumed job: its creation was not run here
			a.progress.enrolments += len(t.rows)
		}
	}
}

// finished reports a finished task: "create-users: …" while accounts
// are being made, "enrol: …" once only enrolments are left.
func (a *applier) finished(t chunkTask, res phaseResult) {
	p := &a.progress
	if t.phase == PhaseCreate {
		p.accountsDone += len(t.rows)
		p.enrolmentsDone += len(res.Enrolled) // the bulk path enrolled them in the same call
	} else {
		p.enrolmentsDone += len(t.rows)
	}
	done, total := p.accountsDone+p.enrolmentsDone, p.accounts+p.enrolments
	if p.accountsDone < p.accounts {
		a.cp.Progress(done, total, fmt.Sprintf("%s: %d/%d accounts, %d/%d enrolments", PhaseCreate,
			p.accountsDone, p.accounts, p.enrolmentsDone, p.enrolments))
		return
	}
	a.cp.Progress(done, total, fmt.Sprintf("%s: %d/%d enrolments", PhaseEnrol, p.enrolmentsDone, p.enrolments))
}
