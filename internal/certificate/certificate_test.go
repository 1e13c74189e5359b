package certificate

import (
	"archive/zip"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// pdfText extracts a PDF's text with pdftotext (poppler-utils).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext (poppler-utils) is required in CI")
		}
		t.Skip("pdftotext missing: apt-get install poppler-utils")
	}
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

var course = Course{Title: "Différencier en mathématiques au cycle 3", Reference: "M3-DIFF-2026",
	Start: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 4, 10, 0, 0, 0, 0, time.UTC),
	RemoteMinutes: 180, Formateurs: []string{"Noël Daudé"}, Domain: "Académie A"}

func TestCollectiveReportText(t *testing.T) {
	r := Report{Course: course, Comment: "Séance finale reportée.", IssuedAt: time.Date(2026, 4, 12, 0, 0, 0, 0, time.UTC),
		Participants: []Person{
			{UserID: 3, FirstName: "Lætitia", LastName: "Émerencienne", Etablissement: "École Jean-Jaurès", Present: true},
			{UserID: 4, FirstName: "Zoé", LastName: "Çelik", Etablissement: "Collège Hélène-Boucher"},
		}}
	doc, err := Collective(r)
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, doc.PDF)
	for _, want := range []string{"Relevé de présence", "Différencier en mathématiques", "M3-DIFF-2026", "3 h", "Noël Daudé",
		"Inscrits : 2", "Présents : 1", "Émerencienne", "Lætitia", "École Jean-Jaurès", "Présent·e", "Absent·e", "Çelik",
		"Séance finale reportée.", "12/04/2026", "02/03/2026"} {
		if !strings.Contains(text, want) {
			t.Errorf("collective report lacks %q:\n%s", want, text)
		}
	}
	assertNoTimeSpent(t, text)
	if len(doc.SHA256) != 64 {
		t.Fatalf("sha256 = %q", doc.SHA256)
	}
}

func TestIndividualCertificateText(t *testing.T) {
	who := Person{UserID: 3, FirstName: "Lætitia", LastName: "Émerencienne", Etablissement: "École Jean-Jaurès", Present: true}
	doc, err := Individual(course, who, time.Date(2026, 4, 12, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, doc.PDF)
	for _, want := range []string{"Lætitia Émerencienne", "Formation terminée", "Différencier en mathématiques au cycle 3",
		"3 h", "Académie A", "10/04/2026"} {
		if !strings.Contains(text, want) {
			t.Errorf("certificate lacks %q:\n%s", want, text)
		}
	}
	assertNoTimeSpent(t, text)
	if doc.FileName != "attestation-m3-diff-2026-3.pdf" {
		t.Errorf("file name %q must not carry the name", doc.FileName)
	}
	z, err := Zip([]Document{doc})
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	if err != nil || len(zr.File) != 1 || zr.File[0].Name != doc.FileName {
		t.Fatalf("zip: %v", err)
	}
}

func assertNoTimeSpent(t *testing.T, text string) {
	t.Helper()
	low := strings.ToLower(text)
	for _, banned := range []string{"temps passé", "time spent", "activité"} {
		if strings.Contains(low, banned) {
			t.Errorf("certificate mentions %q", banned)
		}
	}
}

func TestDuration(t *testing.T) {
	for in, want := range map[int]string{45: "45 min", 60: "1 h", 90: "1 h 30", 125: "2 h 05"} {
		if got := Duration(in); got != want {
			t.Errorf("Duration(%d) = %q, want %q", in, got, want)
		}
	}
}

// The modalities: both durations when both are known, no "0 min" line for
// a missing one, and no duration clause at all without either.
func TestIndividualCertificateModalities(t *testing.T) {
	who := Person{UserID: 3, FirstName: "Zoé", LastName: "Çelik", Present: true}
	issued := time.Date(2026, 4, 12, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		remote, inperson int
		want             string
		banned           []string
	}{
		{210, 360, "Durée annoncée : 3 h 30 à distance et 6 h en présentiel.", nil},
		{0, 360, "Durée annoncée : 6 h en présentiel.", []string{"0 min", "à distance"}},
		{90, 0, "Durée annoncée : 1 h 30 à distance.", []string{"0 min", "présentiel"}},
		{0, 0, "du 02/03/2026 au 10/04/2026.", []string{"0 min", "Durée"}},
	} {
		co := course
		co.RemoteMinutes, co.InPersonMinutes = c.remote, c.inperson
		doc, err := Individual(co, who, issued)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(strings.Fields(pdfText(t, doc.PDF)), " ")
		if !strings.Contains(text, c.want) {
			t.Errorf("remote %d, in person %d: lacks %q:\n%s", c.remote, c.inperson, c.want, text)
		}
		for _, b := range c.banned {
			if strings.Contains(text, b) {
				t.Errorf("remote %d, in person %d: shows %q:\n%s", c.remote, c.inperson, b, text)
			}
		}
	}
}

// The issuer's display name, service and signatory: in the header, the
// body's first words and the signature block ("Fait à …, le …").
// CERTIFICATE_SAMPLE=path writes the PDF there, to look at it.
func TestIndividualCertificateIssuer(t *testing.T) {
	co := course
	co.InPersonMinutes = 360
	co.Issuer = Issuer{Name: "Académie de Rennes", Service: "Délégation académique à la formation (DAFPEN)",
		Signatory: "Marie DUPONT", SignatoryTitle: "Déléguée académique à la formation", City: "Rennes"}
	who := Person{UserID: 3, FirstName: "Lætitia", LastName: "Émerencienne", Etablissement: "École Jean-Jaurès", Present: true}
	doc, err := Individual(co, who, time.Date(2026, 4, 12, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if path := os.Getenv("CERTIFICATE_SAMPLE"); path != "" {
		os.WriteFile(path, doc.PDF, 0o644)
	}
	text := strings.Join(strings.Fields(pdfText(t, doc.PDF)), " ")
	for _, want := range []string{"Académie de Rennes Délégation académique à la formation (DAFPEN) Attestation de formation",
		"Je soussigné(e), Marie DUPONT, déléguée académique à la formation, atteste que Lætitia Émerencienne",
		"du 02/03/2026 au 10/04/2026", "Durée annoncée : 3 h à distance et 6 h en présentiel.",
		"Fait à Rennes, le 12/04/2026 Déléguée académique à la formation Marie DUPONT"} {
		if !strings.Contains(text, want) {
			t.Errorf("certificate lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "ac-") || strings.Contains(text, "0 min") {
		t.Errorf("certificate shows a domain name or a zero duration:\n%s", text)
	}
}
