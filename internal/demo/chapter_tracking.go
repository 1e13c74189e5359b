package demo

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/magistere/bridge/internal/certificate"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/moodlesim"
	"github.com/magistere/bridge/internal/tracking"
)

func init() {
	Register(Chapter{Order: 70, Name: "follow-up and certificates", Run: chapterTracking})
}

// chapterTracking: a session with a formateur and five participants,
// progress synced as a job, aggregate statistics and chart, attendance
// marked then one mark undone, a refused nominative request, and the
// certificates written to the output directory.
func chapterTracking(e *Env) error {
	d, err := e.App.Fleet.Get(AcademyA)
	if err != nil {
		return err
	}
	one := 1
	course, err := d.Client.CreateCourseOnce(e.Ctx, moodle.CourseInput{FullName: "Enseigner l'oral au cycle 3 — session 1",
		ShortName: "DEMO-SUIVI-1", CategoryID: 1, EnableCompletion: &one})
	if err != nil {
		return fmt.Errorf("create course: %w", err)
	}
	courseID := int64(course.ID)
	site := e.Sim.Site(AcademyA)
	cms, err := demoActivities(site, int(courseID))
	if err != nil {
		return err
	}
	formateur, people, err := demoPeople(e, d.Client, courseID)
	if err != nil {
		return err
	}
	for i, id := range people {
		for k := 0; k < i && k < len(cms); k++ {
			if _, err := d.Client.OverrideActivityCompletion(e.Ctx, moodle.Int(id), moodle.Int(cms[k]), 1); err != nil {
				return fmt.Errorf("completion: %w", err)
			}
		}
	}
	e.Step("%s: session %d with 1 formateur, %d participants and %d monitored activities", AcademyA, courseID, len(people), len(cms))

	if _, err := e.RunJob(jobs.Spec{Kind: tracking.KindSync, Domain: AcademyA, Payload: tracking.SyncPayload{CourseIDs: []int64{courseID}}}); err != nil {
		return err
	}
	svc := e.App.Tracking
	res, err := svc.SetAttendance(e.Ctx, AcademyA, courseID, tracking.MoodleUser(AcademyA, formateur), people[2:], true, true)
	if err != nil {
		return err
	}
	if _, err := e.WaitJob(res[0].MirrorJob); err != nil {
		return err
	}
	e.Step("the formateur marks \"Formation terminée\" for %d participants (mirrored to Moodle's course completion by job %d)", len(res), res[0].MirrorJob)
	undo, err := svc.SetAttendance(e.Ctx, AcademyA, courseID, tracking.MoodleUser(AcademyA, formateur), people[4:], false, true)
	if err != nil {
		return err
	}
	if _, err := e.WaitJob(undo[0].MirrorJob); err != nil {
		return err
	}
	e.Step("one mark is undone; the trail keeps both changes")
	st, err := tracking.Statistics(e.Ctx, e.App.Store, AcademyA, courseID)
	if err != nil {
		return err
	}
	e.Step("statistics (aggregate only): enrolled %d, connected %d, attended %d, progress buckets %v",
		st.Enrolled, st.Connected, st.Attended, st.Buckets)
	chart := filepath.Join(e.OutDir, "progression-session.svg")
	if err := os.WriteFile(chart, []byte(st.SVG("Progression — session 1")), 0o644); err != nil {
		return err
	}
	e.Step("chart: %s", chart)
	if _, err := svc.Nominative(e.Ctx, AcademyA, courseID, tracking.MoodleUser(AcademyA, people[0]), "tracking.enrolment_list"); err != nil {
		e.Step("a participant asking for the enrolment list is refused (%v), and the refusal is audited", err)
	}
	return demoCertificates(e, svc, courseID, formateur)
}

func demoActivities(site *moodlesim.Site, courseID int) ([]int, error) {
	var cms []int
	for _, name := range []string{"Lecture : l'oral réflexif", "Quiz de positionnement", "Dépôt d'une séance"} {
		cm, err := site.AddActivity(courseID, name, "page", 1)
		if err != nil {
			return nil, fmt.Errorf("add activity: %w", err)
		}
		cms = append(cms, cm)
	}
	return cms, nil
}

func demoPeople(e *Env, c *moodle.Client, courseID int64) (int64, []int64, error) {
	users := []moodle.UserInput{{Username: "demo-suivi-form", Password: "Demo-Passw0rd!", FirstName: "Noël", LastName: "Daudé", Email: "noel.daude@ac-a.fr"}}
	for i, n := range [][2]string{{"Lætitia", "Émerencienne"}, {"Zoé", "Garçon"}, {"Anaïs", "Nguyen"}, {"François", "Müller"}, {"Hélène", "Lefèvre"}} {
		users = append(users, moodle.UserInput{Username: fmt.Sprintf("demo-suivi-%d", i), Password: "Demo-Passw0rd!", FirstName: n[0],
			LastName: n[1], Email: fmt.Sprintf("demo.suivi%d@ac-a.fr", i), Institution: "Collège Jean Moulin", Department: "Collège Jean Moulin"})
	}
	made, err := c.CreateUsers(e.Ctx, users)
	if err != nil {
		return 0, nil, fmt.Errorf("create users: %w", err)
	}
	rows := []moodle.Enrolment{{RoleID: 3, UserID: made[0].ID, CourseID: moodle.Int(courseID)}}
	var ids []int64
	for _, u := range made[1:] {
		ids = append(ids, int64(u.ID))
		rows = append(rows, moodle.Enrolment{RoleID: 5, UserID: u.ID, CourseID: moodle.Int(courseID)})
	}
	if err := c.EnrolUsers(e.Ctx, rows); err != nil {
		return 0, nil, fmt.Errorf("enrol: %w", err)
	}
	return int64(made[0].ID), ids, nil
}

func demoCertificates(e *Env, svc *tracking.Service, courseID, formateur int64) error {
	set, err := svc.Certificates(e.Ctx, AcademyA, courseID, tracking.MoodleUser(AcademyA, formateur), tracking.CertificateOptions{RemoteMinutes: 180,
		Comment: "Classe virtuelle finale le 12 mars.", Issuer: "Académie A"})
	if err != nil {
		return err
	}
	dir := filepath.Join(e.OutDir, "certificats")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for _, doc := range append([]certificate.Document{set.Collective}, set.Individuals...) {
		if err := os.WriteFile(filepath.Join(dir, doc.FileName), doc.PDF, 0o600); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "attestations.zip"), set.Zip, 0o600); err != nil {
		return err
	}
	e.Step("collective report and %d individual certificates (SHA-256 recorded) in %s", len(set.Individuals), dir)
	return nil
}
