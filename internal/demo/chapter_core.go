package demo

import (
	"errors"
	"fmt"

	"github.com/magistere/bridge/internal/app"
	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/moodle"
)

func init() {
	Register(Chapter{Order: 10, Name: "sites", Run: chapterSites})
	Register(Chapter{Order: 20, Name: "jobs", Run: chapterJobs})
	Register(Chapter{Order: 30, Name: "bulk calls", Run: chapterBulk})
}

// chapterSites probes every domain as `bridge domains check` does.
func chapterSites(e *Env) error {
	for _, r := range e.App.Fleet.CheckAll(e.Ctx) {
		if !r.OK() {
			return fmt.Errorf("domain %s not usable: %s %v", r.Domain, r.Error, r.Missing)
		}
		e.Step("%s: Moodle %s, %d web-service functions, nothing missing", r.Domain, r.Release, r.Functions)
	}
	return nil
}

// chapterJobs shows a durable job and its idempotency key.
func chapterJobs(e *Env) error {
	spec := jobs.Spec{Kind: app.KindDiagnosticRecord, Key: "demo:diagnostic", Payload: map[string]int{"sleep_ms": 10}}
	j, err := e.RunJob(spec)
	if err != nil {
		return err
	}
	e.Step("job %d (%s) %s after %d attempt(s)", j.ID, j.Kind, j.State, j.Attempts)
	again, created, err := e.App.Queue.Submit(e.Ctx, spec)
	if err != nil {
		return err
	}
	if created || again.ID != j.ID {
		return fmt.Errorf("idempotency key ignored: got job %d created=%v", again.ID, created)
	}
	e.Step("submitting the same key again returns job %d: it does not run twice", again.ID)
	return nil
}

// chapterBulk creates accounts in chunks on an academy site, with one bad
// row isolated by bisection while the others go through.
func chapterBulk(e *Env) error {
	d, err := e.App.Fleet.Get(AcademyA)
	if err != nil {
		return err
	}
	users := make([]moodle.UserInput, 300)
	for i := range users {
		users[i] = moodle.UserInput{Username: fmt.Sprintf("demo.user%03d", i), FirstName: "Prénom", LastName: fmt.Sprintf("Nom%03d", i),
			Email: fmt.Sprintf("demo.user%03d@ac-a.example", i), Auth: "manual", CreatePassword: 1}
	}
	users[137].Username = "Demo.Invalid" // Moodle refuses upper-case usernames
	before := d.Client.Stats().Calls["core_user_create_users"]
	res, err := d.Client.CreateUsersBatch(e.Ctx, users)
	if err != nil {
		return err
	}
	calls := d.Client.Stats().Calls["core_user_create_users"] - before
	failed := res.Failed()
	if res.Succeeded() != 299 || len(failed) != 1 || failed[0] != 137 {
		return fmt.Errorf("bulk create: %d succeeded, failed rows %v", res.Succeeded(), failed)
	}
	e.Step("%s: 300 accounts sent in chunks, %d created, row %d isolated (%s), %d web-service calls",
		AcademyA, res.Succeeded(), failed[0]+1, errorCode(res.Rows[137].Err), calls)
	reports := domains.Check(e.Ctx, d)
	e.Step("%s still healthy after the batch: %v", AcademyA, reports.OK())
	return nil
}

func errorCode(err error) string {
	var me *moodle.Error
	if errors.As(err, &me) {
		return me.ErrorCode
	}
	return fmt.Sprint(err)
}
