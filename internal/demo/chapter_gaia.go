package demo

import (
	"encoding/json"
	"fmt"
	"strings"

	"golang.org/x/text/encoding/charmap"

	"github.com/magistere/bridge/internal/gaia"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/moodle"
)

func init() {
	Register(Chapter{Order: 65, Name: "GAIA files", Run: chapterGaia})
}

const demoGaiaSession = "26A0010123/45001/1"

// demoGaiaFiles are the three GAIA exports of ac-a, Windows-1252 and CRLF
// like the real ones; the Stagiaires file has a bad e-mail and a duplicate.
var demoGaiaFiles = []struct {
	name  string
	lines []string
}{
	{"Formations_ac-a_2026.csv", []string{
		"Identifiant du dispositif|Libellé du dispositif|Identifiant du module|Libellé du module|N° de groupe|Date de début|Date de fin|Lieu",
		"26A0010123|Français cycle 2|45001|Lire et écrire au cycle 2|1|12/01/2026|13/01/2026|Collège Jean Moulin, Évry",
		"26A0010123|Français cycle 2|45001|Lire et écrire au cycle 2|2|19/01/2026|20/01/2026|Lycée Victor Hugo",
	}},
	{"Intervenants_ac-a_2026.csv", []string{
		"Id dispositif|Id module|Groupe|NUMEN|Nom|Prénom|Courriel",
		"26A0010123|45001|1|12E3456789ABC|ROUSSEL|Agnès|agnes.roussel@ac-a.fr",
		"26A0010123|45001|1|98Z7654321XYZ|FERRAND|Bérénice|berenice.ferrand@ac-a.fr",
	}},
	{"Stagiaires_ac-a_2026.csv", []string{
		"Dispositif|Module|Groupe|Nom|Prénom|Courriel|RNE",
		"26A0010123|45001|1|LEFÈVRE|Hélène|helene.lefevre@ac-a.fr|0911234A",
		"26A0010123|45001|1|MÜLLER|François|francois.muller@ac-a.fr|0915678B",
		"26A0010123|45001|1|GARÇON|Zoé|zoe.garcon@ac-a.fr|0911234A",
		"26A0010123|45001|1|DUPONT|Jérôme|jerome.dupont@ac-a|0915678B",
		"26A0010123|45001|1|LEFÈVRE|Hélène| Helene.Lefevre@ac-a.fr |0911234A",
	}},
}

func cp1252Lines(lines []string) ([]byte, error) {
	return charmap.Windows1252.NewEncoder().Bytes([]byte(strings.Join(lines, "\r\n") + "\r\n"))
}

// chapterGaia imports ac-a's GAIA files, links a session course to a GAIA
// session and syncs it twice (the second changes nothing), then shows a
// participant dropped by a newer file reported but left enrolled.
func chapterGaia(e *Env) error {
	d, err := e.App.Fleet.Get(AcademyA)
	if err != nil {
		return err
	}
	for _, f := range demoGaiaFiles {
		if err := demoGaiaImport(e, f.name, f.lines); err != nil {
			return err
		}
	}
	if err := demoGaiaImport(e, "Stagiaires_ac-a_2026 (copie).csv", demoGaiaFiles[2].lines); err != nil {
		return err
	}
	course, err := d.Client.CreateCourseOnce(e.Ctx, moodle.CourseInput{FullName: "Lire et écrire au cycle 2 — groupe 1",
		ShortName: "DEMO-GAIA-1", CategoryID: 1})
	if err != nil {
		return fmt.Errorf("create course: %w", err)
	}
	// The same checked, audited link as `bridge gaia link`.
	if _, err := e.App.Gaia.Link(e.Ctx, gaia.LinkRequest{Domain: AcademyA, CourseID: int64(course.ID),
		Session: demoGaiaSession, Actor: "demo"}); err != nil {
		return err
	}
	e.Step("course %d linked to GAIA session %s", course.ID, demoGaiaSession)
	first, err := demoGaiaSync(e)
	if err != nil {
		return err
	}
	if again, err := demoGaiaSync(e); err != nil {
		return err
	} else if again.Changed != 0 {
		return fmt.Errorf("a second sync changed %d enrolment(s)", again.Changed)
	}
	lines := demoGaiaFiles[2].lines[:3] // Zoé leaves the session
	if err := demoGaiaImport(e, "Stagiaires_ac-a_2026_maj.csv", lines); err != nil {
		return err
	}
	last, err := demoGaiaSync(e)
	if err != nil {
		return err
	}
	if len(last.Absent) != 1 {
		return fmt.Errorf("the participant dropped by the newer file was not reported: %+v", last)
	}
	e.State["gaia.course"] = first.CourseID
	return nil
}

func demoGaiaImport(e *Env, name string, lines []string) error {
	data, err := cp1252Lines(lines)
	if err != nil {
		return err
	}
	f, err := gaia.Parse(name, data, "")
	if err != nil {
		return err
	}
	out, err := gaia.Import(e.Ctx, e.App.Store, AcademyA, f)
	if err != nil {
		return err
	}
	if out.Skipped {
		e.Step("%s: skipped, same SHA-256 as %s already imported", name, out.Previous.Name)
		return nil
	}
	e.Step("%s: %s, %d row(s) imported (%s), %d bad line(s) skipped", name, f.Kind, f.Rows(), f.Encoding, len(f.Problems))
	for _, p := range f.Problems {
		fmt.Fprintf(e.Out, "      %s\n", p)
	}
	return nil
}

func demoGaiaSync(e *Env) (gaia.CourseResult, error) {
	job, err := e.RunJob(jobs.Spec{Kind: gaia.KindSync, Domain: AcademyA, Payload: gaia.SyncPayload{Domain: AcademyA}})
	if err != nil {
		return gaia.CourseResult{}, err
	}
	var res gaia.SyncResult
	if err := json.Unmarshal(job.Result, &res); err != nil {
		return gaia.CourseResult{}, fmt.Errorf("gaia.sync result: %w", err)
	}
	var mine gaia.CourseResult
	for _, c := range res.Courses {
		if c.Session == demoGaiaSession {
			mine = c
		}
	}
	e.Step("gaia.sync job %d: course %d, %d participant(s), %d formateur(s), %d change(s), %d no longer in GAIA (left enrolled)",
		job.ID, mine.CourseID, mine.Participants, mine.Formateurs, mine.Changed, len(mine.Absent))
	printCounts(e, mine.Counts)
	return mine, nil
}
