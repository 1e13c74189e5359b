package demo

import (
	"bytes"
	"fmt"
	"strings"

	"golang.org/x/text/encoding/charmap"

	"github.com/magistere/bridge/internal/enrol"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/moodle"
)

func init() {
	Register(Chapter{Order: 60, Name: "csv enrolment", Run: chapterEnrol})
}

// gaiaFile is a GAIA-like export in Latin-1, as académies send them: one
// bad e-mail and one duplicate differing by case and spaces.
func gaiaFile() ([]byte, error) {
	lines := []string{
		"Nom;Mail;Fonction;Établissement",
		"LEFÈVRE Hélène;Helene.Lefevre@ac-a.fr;ENS;Collège Jean Moulin",
		"MÜLLER François;francois.muller@ac-a.fr;ENS;Lycée Victor Hugo",
		"GARÇON Zoé;zoe.garcon@ac-a.fr;CPE;Collège Jean Moulin",
		"DUPONT Jérôme;jerome.dupont@ac-a;ENS;Lycée Victor Hugo",
		"LEFÈVRE Hélène; helene.LEFEVRE@ac-a.fr ;ENS;Collège Jean Moulin",
		"",
		"NGUYEN Anaïs;anais.nguyen@ac-a.fr;DOC;Lycée Victor Hugo",
	}
	return charmap.ISO8859_1.NewEncoder().Bytes([]byte(strings.Join(lines, "\r\n") + "\r\n"))
}

func chapterEnrol(e *Env) error {
	d, err := e.App.Fleet.Get(AcademyA)
	if err != nil {
		return err
	}
	course, err := d.Client.CreateCourseOnce(e.Ctx, moodle.CourseInput{FullName: "Session CSV — démonstration",
		ShortName: "DEMO-CSV-1", CategoryID: 1})
	if err != nil {
		return fmt.Errorf("create course: %w", err)
	}
	e.Step("%s: course %d ready for a CSV enrolment", AcademyA, course.ID)
	file, err := gaiaFile()
	if err != nil {
		return err
	}
	opts := enrol.PlanOptions{CourseIDs: []int64{int64(course.ID)}, Group: "Groupe CSV"}.WithDomainDefaults(d.Config)
	plan, err := enrol.PlanFile(e.Ctx, d.Client, bytes.NewReader(file), opts)
	if err != nil {
		return err
	}
	e.Step("dry run of a Latin-1 GAIA export (%d rows, unknown people: %s):", len(plan.Entries), opts.Unknown)
	printCounts(e, plan.Counts())
	for _, row := range plan.Entries {
		if row.Status == enrol.StatusInvalid || row.Status == enrol.StatusDuplicate {
			e.Step("line %d %s: %s (%s)", row.Line, row.Email, enrol.StatusMessage(row.Status, "fr"), row.Detail)
		}
	}
	payload, err := enrol.StoredPayload(e.Ctx, e.App.Store, file, opts)
	if err != nil {
		return err
	}
	job, err := e.RunJob(jobs.Spec{Kind: enrol.KindApply, Domain: AcademyA,
		Payload: payload, Key: enrol.JobKey(AcademyA, plan.FileSHA256, opts)})
	if err != nil {
		return err
	}
	rep, err := enrol.LoadReport(e.Ctx, e.App.Store, job.ID)
	if err != nil {
		return err
	}
	e.Step("applied by job %d, report kept in the store:", job.ID)
	printCounts(e, rep.Counts)
	again, err := enrol.PlanFile(e.Ctx, d.Client, bytes.NewReader(file), opts)
	if err != nil {
		return err
	}
	if again.PendingWork() {
		return fmt.Errorf("re-running the same file still has work: %v", again.Counts().ByStatus)
	}
	e.Step("re-run of the same file: nothing to do (%d already enrolled)", again.Counts().ByStatus[enrol.StatusAlreadyEnrolled])
	e.State["enrol.course"] = int64(course.ID)
	return nil
}

func printCounts(e *Env, c enrol.Counts) {
	for _, line := range strings.Split(strings.TrimRight(c.Table("fr"), "\n"), "\n") {
		fmt.Fprintf(e.Out, "      %s\n", line)
	}
}
