package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/store"
)

// Spec describes a job to submit.
type Spec struct {
	Kind        string
	Domain      string    // "" when the job is not tied to one Moodle site
	Payload     any       // marshalled to JSON; json.RawMessage passes through
	Key         string    // idempotency key: a second Submit with it returns the first job
	RequestedBy string    // who asked (user, "cron", "api"); "" records "system"
	MaxAttempts int       // 0: store.DefaultMaxAttempts
	RunAt       time.Time // zero: now
}

// Queue is the submit side of the job system.
type Queue struct {
	st       *store.Store
	mu       sync.Mutex
	onSubmit []func()
	// maxAttempts applies to specs that leave MaxAttempts at 0 (the
	// configuration's jobs.max_attempts); 0 means store.DefaultMaxAttempts.
	maxAttempts int
}

// SetDefaultMaxAttempts sets the attempts of jobs submitted without their
// own MaxAttempts.
func (q *Queue) SetDefaultMaxAttempts(n int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.maxAttempts = n
}

// NewQueue returns a queue over st.
func NewQueue(st *store.Store) *Queue { return &Queue{st: st} }

// Store returns the underlying store (to read jobs, list, count).
func (q *Queue) Store() *store.Store { return q.st }

// OnSubmit registers fn, called after each newly created job; typically
// pool.Notify, so a local worker picks the job up without waiting a poll.
func (q *Queue) OnSubmit(fn func()) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.onSubmit = append(q.onSubmit, fn)
}

func actorOf(requestedBy string) string {
	if requestedBy == "" {
		return "system"
	}
	return requestedBy
}

// Submit enqueues a job and audits the request ("who asked for what").
// created is false when Key matched an existing job, which is returned.
// If the job was stored but the audit entry could not be written, the job
// is returned with a retryable error: submitting again with the same Key
// is safe.
func (q *Queue) Submit(ctx context.Context, spec Spec) (store.Job, bool, error) {
	payload, err := marshalPayload(spec.Payload)
	if err != nil {
		return store.Job{}, false, failure.Permanent(fmt.Errorf("jobs: submit %s: encode payload: %w", spec.Kind, err))
	}
	if spec.MaxAttempts == 0 {
		q.mu.Lock()
		spec.MaxAttempts = q.maxAttempts
		q.mu.Unlock()
	}
	job, created, err := q.st.EnqueueJob(ctx, store.NewJob{
		Kind: spec.Kind, Domain: spec.Domain, Payload: payload, IdempotencyKey: spec.Key,
		MaxAttempts: spec.MaxAttempts, RunAt: spec.RunAt, RequestedBy: spec.RequestedBy,
	})
	if err != nil {
		return store.Job{}, false, fmt.Errorf("jobs: submit %s: %w", spec.Kind, err)
	}
	outcome := "created"
	if !created {
		outcome = "duplicate"
	}
	_, aerr := q.st.RecordAudit(ctx, store.AuditEntry{
		Actor: actorOf(spec.RequestedBy), Domain: spec.Domain, Action: "job.submit", Target: spec.Kind,
		Params: payload, Outcome: outcome, JobID: job.ID,
	})
	if created {
		q.notify()
	}
	if aerr != nil {
		return job, created, fmt.Errorf("jobs: submit %s: job %d stored, audit failed: %w", spec.Kind, job.ID, aerr)
	}
	return job, created, nil
}

func (q *Queue) notify() {
	q.mu.Lock()
	fns := append([]func(){}, q.onSubmit...)
	q.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

func marshalPayload(v any) (json.RawMessage, error) {
	switch p := v.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		if !json.Valid(p) {
			return nil, fmt.Errorf("invalid JSON")
		}
		return p, nil
	}
	return json.Marshal(v)
}

// Cancel cancels a queued or running job on behalf of actor, audited.
func (q *Queue) Cancel(ctx context.Context, id int64, actor string) (store.Job, error) {
	job, err := q.st.CancelJob(ctx, id)
	q.auditOperator(ctx, "job.cancel", job, id, actor, err)
	if err != nil {
		return job, fmt.Errorf("jobs: cancel: %w", err)
	}
	return job, nil
}

// Retry re-queues a failed or cancelled job on behalf of actor, audited.
func (q *Queue) Retry(ctx context.Context, id int64, actor string) (store.Job, error) {
	job, err := q.st.RetryJob(ctx, id)
	q.auditOperator(ctx, "job.retry", job, id, actor, err)
	if err != nil {
		return job, fmt.Errorf("jobs: retry: %w", err)
	}
	q.notify()
	return job, nil
}

func (q *Queue) auditOperator(ctx context.Context, action string, job store.Job, id int64, actor string, err error) {
	outcome, detail := "ok", ""
	if err != nil {
		outcome, detail = "refused", err.Error()
	}
	if job.ID == 0 {
		return // nothing to point the entry at (unknown id)
	}
	// Best effort: the operator's action already happened.
	_, _ = q.st.RecordAudit(ctx, store.AuditEntry{
		Actor: actorOf(actor), Domain: job.Domain, Action: action, Target: job.Kind,
		Outcome: outcome, JobID: id, Detail: detail,
	})
}
