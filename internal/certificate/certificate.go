// Package certificate renders attendance certificates as PDF (gopdf with
// the embedded Go fonts, which carry French accents): the collective
// attendance report of a session and one individual certificate per
// attending participant. Following the rules, a certificate states the
// course's name and its announced duration, never time spent nor
// activities.
package certificate

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	_ "time/tzdata"
	"unicode" // Europe/Paris on hosts without a zoneinfo database

	"github.com/signintech/gopdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/magistere/bridge/internal/fr"
)

// Course describes the session being certified.
type Course struct {
	Title           string
	Reference       string // shortname or idnumber
	Start, End      time.Time
	RemoteMinutes   int // announced remote duration
	InPersonMinutes int // announced in-person duration
	Formateurs      []string
	Domain          string // issuing domain's name, when Issuer.Name is empty
	Issuer          Issuer
}

// Issuer is who delivers the certificates: the académie's display name,
// its service and the signatory (domains[].display_name and certificate).
// Empty fields leave their line out.
type Issuer struct {
	Name           string // "Académie de Rennes"
	Service        string // "Délégation académique à la formation (DAFPEN)"
	Signatory      string // the signatory's name
	SignatoryTitle string // "Délégué académique à la formation"
	City           string // "Fait à Rennes, le …"
}

// issuerName is the académie's display name, else the domain's name.
func (c Course) issuerName() string {
	if c.Issuer.Name != "" {
		return c.Issuer.Name
	}
	return c.Domain
}

// Person is one participant as the certificates show them.
type Person struct {
	UserID        int64
	FirstName     string
	LastName      string
	Etablissement string
	Present       bool
}

// Report is the collective attendance report of a session.
type Report struct {
	Course       Course
	Participants []Person
	Comment      string
	IssuedAt     time.Time
	// Gaia, when the course is linked to GAIA sessions, prints one block
	// per session (its cartouche, then its people) and a last block
	// "Autres participants non-inscrits à une session GAIA".
	Gaia []GaiaBlock
}

// GaiaBlock is one GAIA session of a collective report.
type GaiaBlock struct {
	Title   string // "26A0050123 : Français cycle 2 / Module 45001 : … / Session du … au …"
	UserIDs map[int64]bool
}

// Document is a rendered PDF with its digest.
type Document struct {
	FileName string
	UserID   int64 // 0 for the collective report
	PDF      []byte
	SHA256   string
}

func newDocument(name string, userID int64, pdf []byte) Document {
	sum := sha256.Sum256(pdf)
	return Document{FileName: name, UserID: userID, PDF: pdf, SHA256: hex.EncodeToString(sum[:])}
}

// Duration formats minutes the French way: "3 h", "1 h 30", "45 min".
func Duration(minutes int) string { return fr.Duration(minutes) }

// paris is the time zone of every date printed: Moodle stores a session's
// start as midnight in Paris, which is the day before in UTC (printing
// the UTC day made certificates start one day early).
var paris = fr.Paris()

func date(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(paris).Format("02/01/2006")
}

// page wraps gopdf with the few layout helpers the documents need.
type page struct {
	pdf *gopdf.GoPdf
	y   float64
}

const (
	margin    = 50.0
	pageWidth = 595.28
)

func newPage(title string, issued time.Time) (*page, error) {
	pdf := &gopdf.GoPdf{}
	pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4})
	pdf.SetInfo(gopdf.PdfInfo{Title: title, Creator: "bridge m@gistère", CreationDate: issued})
	if err := pdf.AddTTFFontData("regular", goregular.TTF); err != nil {
		return nil, fmt.Errorf("certificate: load regular font: %w", err)
	}
	if err := pdf.AddTTFFontData("bold", gobold.TTF); err != nil {
		return nil, fmt.Errorf("certificate: load bold font: %w", err)
	}
	pdf.AddPage()
	return &page{pdf: pdf, y: margin}, nil
}

// line writes one line of text at x and moves down; long text wraps.
func (p *page) line(font string, size float64, x float64, text string) error {
	if err := p.pdf.SetFont(font, "", size); err != nil {
		return err
	}
	parts := wrap(p.pdf, text, pageWidth-margin-x)
	for _, part := range parts {
		p.newPageIfFull(size)
		p.pdf.SetXY(x, p.y)
		if err := p.pdf.Cell(nil, part); err != nil {
			return err
		}
		p.y += size * 1.5
	}
	return nil
}

// wrap cuts text into lines no wider than width, between words (gopdf's
// SplitText cuts inside a word: "du 0" / "2/03/2026"). A word longer than
// the width stays whole on its line.
func wrap(pdf *gopdf.GoPdf, text string, width float64) []string {
	words := strings.Fields(text)
	if len(words) == 0 {
		return []string{text}
	}
	var lines []string
	cur := words[0]
	for _, w := range words[1:] {
		if tw, err := pdf.MeasureTextWidth(cur + " " + w); err == nil && tw <= width {
			cur += " " + w
			continue
		}
		lines = append(lines, cur)
		cur = w
	}
	return append(lines, cur)
}

func (p *page) newPageIfFull(size float64) {
	if p.y+size*1.5 > 842-margin {
		p.pdf.AddPage()
		p.y = margin
	}
}

// row writes cells at fixed x positions on one line.
func (p *page) row(font string, size float64, xs []float64, cells []string) error {
	if err := p.pdf.SetFont(font, "", size); err != nil {
		return err
	}
	p.newPageIfFull(size)
	for i, c := range cells {
		p.pdf.SetXY(xs[i], p.y)
		if err := p.pdf.Cell(nil, fit(p.pdf, c, xs, i)); err != nil {
			return err
		}
	}
	p.y += size * 1.6
	return nil
}

// fit shortens a cell that would overlap the next column.
func fit(pdf *gopdf.GoPdf, s string, xs []float64, i int) string {
	limit := pageWidth - margin - xs[i]
	if i+1 < len(xs) {
		limit = xs[i+1] - xs[i] - 6
	}
	r := []rune(s)
	for len(r) > 1 {
		if w, err := pdf.MeasureTextWidth(string(r)); err != nil || w <= limit {
			break
		}
		r = r[:len(r)-1]
	}
	return string(r)
}

func (p *page) gap(h float64) { p.y += h }

func (p *page) rule() {
	p.pdf.SetLineWidth(0.5)
	p.pdf.Line(margin, p.y, pageWidth-margin, p.y)
	p.y += 8
}

// Collective renders the session's attendance report.
func Collective(r Report) (Document, error) {
	c := r.Course
	p, err := newPage("Relevé de présence — "+c.Title, r.IssuedAt)
	if err != nil {
		return Document{}, err
	}
	present := 0
	for _, x := range r.Participants {
		if x.Present {
			present++
		}
	}
	steps := []func() error{
		func() error { return p.header(c) },
		func() error { p.gap(6); return p.line("bold", 18, margin, "Relevé de présence") },
		func() error { return p.line("bold", 13, margin, c.Title) },
		func() error { return p.line("regular", 11, margin, "Référence : "+c.Reference) },
		func() error { return p.line("regular", 11, margin, "Dates : "+period(c.Start, c.End)) },
		func() error {
			if m := modalities(c); m != "" {
				return p.line("regular", 11, margin, "Durée annoncée : "+m)
			}
			return nil
		},
		func() error { return p.line("regular", 11, margin, "Formateurs : "+strings.Join(c.Formateurs, ", ")) },
		func() error {
			return p.line("regular", 11, margin, fmt.Sprintf("Inscrits : %d — Présents : %d", len(r.Participants), present))
		},
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return Document{}, fmt.Errorf("certificate: collective report: %w", err)
		}
	}
	if len(r.Gaia) == 0 {
		if err := p.table(r.Participants); err != nil {
			return Document{}, err
		}
	} else {
		placed := map[int64]bool{}
		for _, b := range append(r.Gaia, GaiaBlock{Title: "Autres participants non-inscrits à une session GAIA"}) {
			var people []Person
			for _, x := range r.Participants {
				if b.UserIDs == nil && !placed[x.UserID] || b.UserIDs[x.UserID] {
					people = append(people, x)
					placed[x.UserID] = true
				}
			}
			if b.UserIDs == nil && len(people) == 0 {
				continue
			}
			p.gap(6)
			if err := p.line("bold", 11, margin, b.Title); err != nil {
				return Document{}, fmt.Errorf("certificate: collective report: %w", err)
			}
			if err := p.table(people); err != nil {
				return Document{}, err
			}
		}
	}
	p.gap(10)
	if r.Comment != "" {
		if err := p.line("regular", 10, margin, "Commentaire : "+r.Comment); err != nil {
			return Document{}, fmt.Errorf("certificate: collective report: %w", err)
		}
	}
	if err := p.line("regular", 10, margin, "Délivré le "+date(r.IssuedAt)+" par "+c.issuerName()); err != nil {
		return Document{}, fmt.Errorf("certificate: collective report: %w", err)
	}
	return newDocument(fileName("releve-presence", c.Reference, ""), 0, p.pdf.GetBytesPdf()), nil
}

// table writes the participants' attendance table.
func (p *page) table(people []Person) error {
	p.gap(8)
	xs := []float64{margin, 170, 290, 470}
	if err := p.row("bold", 10, xs, []string{"Nom", "Prénom", "Établissement", "Présence"}); err != nil {
		return fmt.Errorf("certificate: collective report: %w", err)
	}
	p.rule()
	for _, x := range people {
		status := "Absent·e"
		if x.Present {
			status = "Présent·e"
		}
		if err := p.row("regular", 10, xs, []string{x.LastName, x.FirstName, x.Etablissement, status}); err != nil {
			return fmt.Errorf("certificate: collective report: %w", err)
		}
	}
	return nil
}

// Individual renders one participant's attendance certificate on one A4
// page: a header (the académie and its service), the title, the body (who,
// which training, when, its announced duration by modality), and the
// signature block (place, date, the signatory's function and name).
func Individual(c Course, who Person, issued time.Time) (Document, error) {
	name := strings.TrimSpace(who.FirstName + " " + who.LastName)
	p, err := newPage("Attestation de formation — "+name, issued)
	if err != nil {
		return Document{}, err
	}
	steps := []func() error{
		func() error { return p.header(c) },
		func() error { p.y = 170; return p.centered("bold", 24, "Attestation de formation") },
		func() error { p.gap(24); return p.body(bodyX, 12, attests(c.Issuer, c.issuerName())) },
		func() error { p.gap(10); return p.centered("bold", 17, name) },
		func() error { return p.centered("regular", 12, establishmentLine(who.Etablissement)) },
		func() error {
			p.gap(10)
			return p.body(bodyX, 12, "a suivi la formation « "+c.Title+" » ("+c.Reference+"),")
		},
		func() error { return p.body(bodyX, 12, period(c.Start, c.End)+".") },
		func() error { return p.body(bodyX, 12, durationLine(c)) },
		func() error { p.gap(4); return p.body(bodyX, 12, "Statut : Formation terminée.") },
		func() error { return p.signature(c.Issuer, issued) },
		func() error {
			return p.footer("Attestation délivrée par " + c.issuerName() + " pour la formation " + c.Reference + ".")
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return Document{}, fmt.Errorf("certificate: individual: %w", err)
		}
	}
	return newDocument(fileName("attestation", c.Reference, fmt.Sprint(who.UserID)), who.UserID, p.pdf.GetBytesPdf()), nil
}

// bodyX is where the certificate's body text starts (wider than the
// header's margin, as a letter's body).
const bodyX = margin + 20

// attests opens the body: "Je soussigné(e), <name>, <function>, atteste
// que" when the signatory is known, else "<académie> atteste que".
func attests(is Issuer, issuer string) string {
	if is.Signatory == "" {
		return issuer + " atteste que"
	}
	who := "Je soussigné(e), " + is.Signatory
	if is.SignatoryTitle != "" {
		who += ", " + lowerFirst(is.SignatoryTitle)
	}
	return who + ", atteste que"
}

func lowerFirst(s string) string {
	r := []rune(s)
	if len(r) > 1 && unicode.IsUpper(r[0]) && !unicode.IsUpper(r[1]) {
		r[0] = unicode.ToLower(r[0])
	}
	return string(r)
}

// header writes the académie's name and its service at the top left, and
// a rule under them.
func (p *page) header(c Course) error {
	if err := p.line("bold", 14, margin, c.issuerName()); err != nil {
		return err
	}
	if c.Issuer.Service != "" {
		if err := p.line("regular", 10, margin, c.Issuer.Service); err != nil {
			return err
		}
	}
	p.gap(4)
	p.rule()
	return nil
}

// centered writes one line centred on the page (wrapped like line when
// it is too long); an empty text only moves down.
func (p *page) centered(font string, size float64, text string) error {
	if text == "" {
		p.y += size * 1.5
		return nil
	}
	if err := p.pdf.SetFont(font, "", size); err != nil {
		return err
	}
	w, err := p.pdf.MeasureTextWidth(text)
	if err != nil || w > pageWidth-2*margin {
		return p.line(font, size, margin, text)
	}
	p.newPageIfFull(size)
	p.pdf.SetXY((pageWidth-w)/2, p.y)
	if err := p.pdf.Cell(nil, text); err != nil {
		return err
	}
	p.y += size * 1.5
	return nil
}

// body writes a paragraph from x, wrapped at the right margin; an empty
// paragraph writes nothing (a missing duration leaves no blank line).
func (p *page) body(x, size float64, text string) error {
	if text == "" {
		return nil
	}
	return p.line("regular", size, x, text)
}

// signature writes the signature block in the right half of the page:
// "Fait à <city>, le <date>", then the signatory's function and name,
// with room for the signature between them.
func (p *page) signature(is Issuer, issued time.Time) error {
	const x = pageWidth / 2
	p.y = max(p.y+40, 560)
	made := "Fait le " + date(issued)
	if is.City != "" {
		made = "Fait à " + is.City + ", le " + date(issued)
	}
	if err := p.line("regular", 12, x, made); err != nil {
		return err
	}
	if is.SignatoryTitle != "" {
		if err := p.line("bold", 12, x, is.SignatoryTitle); err != nil {
			return err
		}
	}
	p.gap(50) // the signature
	if is.Signatory != "" {
		return p.line("regular", 12, x, is.Signatory)
	}
	return nil
}

// footer writes a small line at the bottom of the page.
func (p *page) footer(text string) error {
	p.y = 842 - margin - 12
	p.pdf.SetLineWidth(0.3)
	p.pdf.Line(margin, p.y-6, pageWidth-margin, p.y-6)
	return p.line("regular", 8, margin, text)
}

// modalities is the announced duration by modality, leaving out a zero
// one: "3 h 30 à distance et 6 h en présentiel", "6 h en présentiel", or
// "" when neither is known.
func modalities(c Course) string {
	var parts []string
	if c.RemoteMinutes > 0 {
		parts = append(parts, Duration(c.RemoteMinutes)+" à distance")
	}
	if c.InPersonMinutes > 0 {
		parts = append(parts, Duration(c.InPersonMinutes)+" en présentiel")
	}
	return strings.Join(parts, " et ")
}

// durationLine follows the dates on a certificate: "Durée annoncée : …",
// or an empty line when no duration is known.
func durationLine(c Course) string {
	if m := modalities(c); m != "" {
		return "Durée annoncée : " + m + "."
	}
	return ""
}

func establishmentLine(e string) string {
	if e == "" {
		return ""
	}
	return "(" + e + ")"
}

// fileName builds an ASCII file name from the course reference; the user
// id, not the name, tells individual files apart.
func fileName(kind, reference, userID string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(reference) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	name := kind + "-" + b.String()
	if userID != "" {
		name += "-" + userID
	}
	return name + ".pdf"
}

// Zip packs documents into one archive.
func Zip(docs []Document) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, d := range docs {
		w, err := zw.Create(d.FileName)
		if err != nil {
			return nil, fmt.Errorf("certificate: zip %s: %w", d.FileName, err)
		}
		if _, err := w.Write(d.PDF); err != nil {
			return nil, fmt.Errorf("certificate: zip %s: %w", d.FileName, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("certificate: zip: %w", err)
	}
	return buf.Bytes(), nil
}

// period words a session's dates: "du 2/3/2026 au 30/3/2026", or "à partir
// du 2/3/2026" when the session has no end date yet.
func period(start, end time.Time) string {
	switch {
	case start.IsZero() && end.IsZero():
		return "dates non précisées"
	case end.IsZero():
		return "à partir du " + date(start)
	case start.IsZero():
		return "jusqu'au " + date(end)
	}
	return "du " + date(start) + " au " + date(end)
}
