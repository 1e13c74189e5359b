package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/store"
)

// Package workflow is the only writer of a course's recorded state. Its
// own transitions record through job.record; the other features that
// move a course through the lifecycle (archive, unarchive, offer deploy)
// ask for a Change, checked against recordedBy, and every change is
// written as one store transaction: the state, the trail entry and the
// audit entry, with the job's checkpoint of the step when there is one.

// Transitions other features ask the workflow to record.
const (
	Archive     = "archive"
	Unarchive   = "unarchive"
	OfferDeploy = "offer-deploy"
	Adopt       = "adopt"
	Reconcile   = "reconcile"
	Purge       = "purge"
)

// anyState marks a rule that accepts every state.
const anyState = "*"

// recordedBy is the transition table of the changes other features make:
// the states each starts from ("" is a course without a record) and the
// states it may lead to. It sits beside fromStates, the table of the
// workflow's own transitions and their guards.
var recordedBy = map[string]struct{ from, to []string }{
	Archive:     {from: []string{StateSessionPreparation, StateSessionEnCours}, to: []string{StateSessionArchivee}},
	Unarchive:   {from: []string{StateSessionArchivee}, to: []string{StateSessionPreparation, StateSessionEnCours}},
	OfferDeploy: {from: []string{"", StateParcoursConstruction}, to: []string{StateParcoursConstruction}},
	Adopt:       {from: []string{""}, to: []string{anyState}},
	Reconcile:   {from: []string{anyState}, to: []string{anyState}},
	Purge:       {from: []string{StateCorbeille}, to: []string{StateDeleted}},
}

// Change is one change of a course's recorded state.
type Change struct {
	Domain     string
	CourseID   int64
	Transition string
	// From is the state the caller saw; the change is refused when the
	// record moved meanwhile ("" : the course had no record).
	From  string
	Next  store.CourseState // Domain and CourseID default to the change's
	Actor string
	JobID int64
	// Params go into the trail and audit entries; Action names the audit
	// entry (default "workflow."+Transition), Detail describes it.
	Params any
	Action string
	Detail string
}

func (c *Change) normalise() {
	if c.Next.Domain == "" {
		c.Next.Domain = c.Domain
	}
	if c.Next.CourseID == 0 {
		c.Next.CourseID = c.CourseID
	}
	c.Domain, c.CourseID = c.Next.Domain, c.Next.CourseID
	if c.Actor == "" {
		c.Actor = "system"
	}
	if c.Action == "" {
		c.Action = "workflow." + c.Transition
	}
	if c.Detail == "" {
		c.Detail = fmt.Sprintf("%s -> %s", c.From, c.Next.State)
	}
}

// allowed checks a feature's change against recordedBy; the workflow's
// own transitions were checked by their guard.
func (c *Change) allowed() error {
	if _, own := fromStates[c.Transition]; own {
		return nil
	}
	rule, ok := recordedBy[c.Transition]
	if !ok {
		return refuse("unknown_transition", "transition inconnue « %s »", "unknown transition %q", c.Transition)
	}
	if !in(anyState, rule.from...) && !in(c.From, rule.from...) {
		return refuse("wrong_state", "« %s » n'est pas possible depuis l'état « %s »", "%s is not possible from state %s",
			c.Transition, Label(c.From))
	}
	if !in(anyState, rule.to...) && !in(c.Next.State, rule.to...) {
		return refuse("wrong_state", "« %s » ne mène pas à l'état « %s »", "%s does not lead to state %s",
			c.Transition, Label(c.Next.State))
	}
	return nil
}

// Record writes a change in one store transaction of its own.
func (s *Service) Record(ctx context.Context, c Change) error {
	c.normalise()
	if err := c.allowed(); err != nil {
		return err
	}
	return s.st.InTx(ctx, "record "+c.Transition, func(tx *store.Tx) error { return writeChange(ctx, tx, c) })
}

// RecordStep writes a change as a job's checkpointed step: the change and
// the checkpoint are one transaction, so a crash never records it twice
// nor loses it once the step is done. The step's result is the new state.
func (s *Service) RecordStep(run *jobs.Run, step string, c Change) error {
	return s.RecordStepWith(run, step, c, nil, nil)
}

// RecordStepWith is RecordStep with the feature's own record of the
// change written first in the same transaction (the archive record, the
// unarchive mark): with, when not nil, returns the step's result, decoded
// into out (also on a resumed job, from the checkpoint). c.Params may
// point to what with fills in: they are encoded after it.
func (s *Service) RecordStepWith(run *jobs.Run, step string, c Change, with func(ctx context.Context, tx *store.Tx) (any, error), out any) error {
	c.normalise()
	if c.JobID == 0 {
		c.JobID = run.ID()
	}
	if err := c.allowed(); err != nil {
		return err
	}
	return run.StepTx(step, func(ctx context.Context, tx *store.Tx) (any, error) {
		var result any = c.Next.State
		if with != nil {
			v, err := with(ctx, tx)
			if err != nil {
				return nil, err
			}
			result = v
		}
		return result, writeChange(ctx, tx, c)
	}, out)
}

// writeChange reads the record in the transaction and writes the change
// when the record is still the one the caller saw: no record yet (a
// course adopted on the way), its From state, or already the new state
// (a caller resuming its own change).
func writeChange(ctx context.Context, tx *store.Tx, c Change) error {
	cur, err := tx.CourseState(ctx, c.Domain, c.CourseID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err == nil && c.Transition != Reconcile && cur.State != c.From && cur.State != c.Next.State {
		return refuse("state_changed", "l'état enregistré du cours %d a changé pendant l'opération (« %s », attendu « %s ») : relancer la commande",
			"the recorded state of course %d changed meanwhile (%s, expected %s): run the command again",
			c.CourseID, Label(cur.State), Label(c.From))
	}
	params, _ := json.Marshal(c.Params)
	if c.Params == nil {
		params = nil
	}
	if raw, ok := c.Params.(json.RawMessage); ok {
		params = raw
	}
	return tx.ChangeCourse(ctx, store.CourseChange{State: c.Next,
		Trail: store.CourseTransition{Actor: c.Actor, Transition: c.Transition, From: c.From, Params: params, JobID: c.JobID},
		Audit: &store.AuditEntry{Actor: c.Actor, Domain: c.Domain, Action: c.Action, Target: fmt.Sprintf("course:%d", c.CourseID),
			Params: params, Outcome: c.Next.State, JobID: c.JobID, Detail: c.Detail}})
}

// PurgeStep records a course deleted from the Corbeille (archive
// retention) as a job's step: the purge record, the trail entry, the
// audit entry and the checkpoint in one transaction, and the course's
// state forgotten (it no longer exists in Moodle).
func (s *Service) PurgeStep(run *jobs.Run, step string, c Change, p store.CoursePurge) error {
	c.Next.State = StateDeleted
	c.normalise()
	if c.JobID == 0 {
		c.JobID = run.ID()
	}
	if err := c.allowed(); err != nil {
		return err
	}
	return run.StepTx(step, func(ctx context.Context, tx *store.Tx) (any, error) {
		cur, err := tx.CourseState(ctx, c.Domain, c.CourseID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if err == nil && cur.State != c.From {
			return nil, refuse("state_changed", "le cours %d n'est plus dans la corbeille (« %s ») : il n'est pas supprimé",
				"course %d is no longer in the Corbeille (%s): it is not deleted", c.CourseID, Label(cur.State))
		}
		params, _ := json.Marshal(c.Params)
		if _, err := tx.RecordTransition(ctx, store.CourseTransition{Domain: c.Domain, CourseID: c.CourseID, Actor: c.Actor,
			Transition: c.Transition, From: c.From, To: c.Next.State, Params: params, JobID: c.JobID}); err != nil {
			return nil, err
		}
		if err := tx.RecordPurge(ctx, p); err != nil {
			return nil, err
		}
		_, err = tx.RecordAudit(ctx, store.AuditEntry{Actor: c.Actor, Domain: c.Domain, Action: c.Action,
			Target: fmt.Sprintf("course:%d", c.CourseID), Params: params, Outcome: c.Next.State, JobID: c.JobID, Detail: c.Detail})
		return nil, err
	}, nil)
}
