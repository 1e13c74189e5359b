package enrol

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/failure"
)

func readAll(t testing.TB, data []byte, opts Options) (*Reader, []Row) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data), opts)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var rows []Row
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return r, rows
		}
		if err != nil {
			t.Fatalf("Next after %d rows: %v", len(rows), err)
		}
		rows = append(rows, row)
	}
}

func readFile(t testing.TB, name string) (*Reader, []Row) {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return readAll(t, data, Options{})
}

func problemCodes(row Row) []string {
	var out []string
	for _, p := range row.Problems {
		out = append(out, p.Code)
	}
	return out
}

func noticeCodes(r *Reader) []string {
	var out []string
	for _, p := range r.Notices() {
		out = append(out, p.Code)
	}
	return out
}

func TestEncodings(t *testing.T) {
	cases := map[string]string{
		"enc_utf8.csv":        EncodingUTF8,
		"enc_utf8_bom.csv":    EncodingUTF8BOM,
		"enc_utf16le_bom.csv": EncodingUTF16LE,
		"enc_utf16be_bom.csv": EncodingUTF16BE,
		"enc_cp1252.csv":      EncodingCP1252,
		"enc_cp1252_cr.csv":   EncodingCP1252,
	}
	for name, wantEnc := range cases {
		t.Run(name, func(t *testing.T) {
			r, rows := readFile(t, name)
			if r.Encoding() != wantEnc {
				t.Errorf("Encoding = %q, want %q", r.Encoding(), wantEnc)
			}
			if !r.HasHeader() || r.Delimiter() != ';' {
				t.Errorf("header %v delimiter %q", r.HasHeader(), r.Delimiter())
			}
			if len(rows) != 2 {
				t.Fatalf("%d rows, want 2", len(rows))
			}
			want := []Row{
				{Line: 2, Email: "emerencienne.dupont@ac-paris.fr", FirstName: "Émerencienne", LastName: "DUPONT", Role: "participant", Groups: []string{"G1"}},
				{Line: 3, Email: "laetitia.martin@ac-paris.fr", FirstName: "Lætitia", LastName: "MARTIN", Role: "formateur", Groups: []string{"G2"}},
			}
			for i, w := range want {
				g := rows[i]
				if g.Line != w.Line || g.Email != w.Email || g.FirstName != w.FirstName || g.LastName != w.LastName ||
					g.Role != w.Role || !slices.Equal(g.Groups, w.Groups) || len(g.Problems) != 0 {
					t.Errorf("row %d = %+v\nwant %+v", i, g, w)
				}
			}
			if len(r.Notices()) != 0 {
				t.Errorf("unexpected notices %+v", r.Notices())
			}
		})
	}
}

func TestUTF16WithoutBOM(t *testing.T) {
	var b bytes.Buffer
	for _, c := range "Mail;Nom\r\nana@ac-nice.fr;LÉA ANA\r\n" {
		b.WriteByte(byte(c))
		b.WriteByte(byte(c >> 8))
	}
	r, rows := readAll(t, b.Bytes(), Options{})
	if r.Encoding() != EncodingUTF16LE || len(rows) != 1 || rows[0].LastName != "LÉA" || rows[0].FirstName != "ANA" {
		t.Fatalf("encoding %s rows %+v", r.Encoding(), rows)
	}
}

func TestCP1252AfterLongASCIIPrefix(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("Mail;Prénom;Nom\n")
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&b, "user%d@ac-dijon.fr;Ann;LEE\n", i)
	}
	b.WriteString("zoe@ac-dijon.fr;Zo\xe9;\xc6LIS\n") // cp1252 "Zoé", "ÆLIS"
	r, rows := readAll(t, b.Bytes(), Options{})
	last := rows[len(rows)-1]
	if last.FirstName != "Zoé" || last.LastName != "ÆLIS" || r.Encoding() != EncodingCP1252 {
		t.Fatalf("last row %+v, encoding %s", last, r.Encoding())
	}
	// The header line was valid non-ASCII UTF-8, the last line is cp1252.
	if !slices.Contains(noticeCodes(r), CodeMixedEncoding) {
		t.Errorf("notices %v, want mixed_encoding", noticeCodes(r))
	}
}

func TestDelimiters(t *testing.T) {
	cases := []struct {
		file  string
		delim rune
		check func(t *testing.T, rows []Row)
	}{
		{"delim_comma.csv", ',', func(t *testing.T, rows []Row) {
			if rows[0].Email != "jeanne.roux@ac-lyon.fr" || rows[0].Groups[0] != "Groupe A, matin" || rows[1].LastName != "Blanc" {
				t.Errorf("rows %+v", rows)
			}
		}},
		{"delim_tab.tsv", '\t', func(t *testing.T, rows []Row) {
			if rows[0].Email != "alice.noir@ac-nantes.fr" || rows[0].LastName != "Noir" || rows[0].FirstName != "Alice" || rows[1].Establishment != "0440002B" {
				t.Errorf("rows %+v", rows)
			}
		}},
		{"delim_pipe.csv", '|', func(t *testing.T, rows []Row) {
			if rows[1].Email != "luc.brun@ac-lille.fr" || rows[1].LastName != "BRUN" || rows[1].FirstName != "Luc" || rows[1].Function != "DIR" {
				t.Errorf("rows %+v", rows)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			r, rows := readFile(t, tc.file)
			if r.Delimiter() != tc.delim || len(rows) != 2 {
				t.Fatalf("delimiter %q, %d rows", r.Delimiter(), len(rows))
			}
			tc.check(t, rows)
		})
	}
}

func TestSniffPrefersConsistentDelimiter(t *testing.T) {
	// Every line has one ';' and one ',': tie goes to ';'. A comma inside
	// quotes never counts.
	if d := sniffDelimiter([]string{"Nom, Prénom;Mail", "Dupont, Jean;j@x.fr"}); d != ';' {
		t.Errorf("tie: got %q", d)
	}
	if d := sniffDelimiter([]string{`a,b,c`, `"x;y;z",b,c`, `d,e,f`}); d != ',' {
		t.Errorf("quoted semicolons: got %q", d)
	}
	if d := sniffDelimiter([]string{"a@x.fr", "b@x.fr", "c@x.fr,"}); d != ';' {
		t.Errorf("one column: got %q", d)
	}
}

func TestForcedDelimiter(t *testing.T) {
	r, rows := readAll(t, []byte("mail|nom\na@ac-nice.fr|A B\n"), Options{Delimiter: '|'})
	if r.Delimiter() != '|' || rows[0].Email != "a@ac-nice.fr" {
		t.Fatalf("rows %+v", rows)
	}
}

func TestGAIAMailexport(t *testing.T) {
	r, rows := readFile(t, "gaia_mailexport.csv")
	if r.Encoding() != EncodingCP1252 {
		t.Errorf("encoding %s", r.Encoding())
	}
	cols := r.Columns()
	if cols[0].Field != FieldFullName || cols[1].Field != FieldEmail || cols[2].Field != FieldFunction || cols[3].Field != FieldGrade {
		t.Errorf("columns %+v", cols)
	}
	want := map[int][3]string{ // line -> last, first, email
		2: {"BRET", "LAURENCE", "laurence.bret@ac-guyane.fr"},
		4: {"CURRON", "LAETITIA E", "laetitia-e.curron@ac-guyane.fr"},
		6: {"ÉMERENCIENNE", "YOLAINE", "yolaine.emerencienne@ac-guyane.fr"},
		7: {"GRANDISSON HIPON", "FRANCOISE", "francoise.grandisson@ac-guyane.fr"},
		8: {"JEAN-MARIE", "MAGALIE", "magalie.jean-marie@ac-guyane.fr"},
		9: {"LÉON", "LÆTITIA", "laetitia.leon@ac-guyane.fr"},
	}
	if len(rows) != 8 {
		t.Fatalf("%d rows, want 8", len(rows))
	}
	for _, row := range rows {
		if len(row.Problems) != 0 || row.Function != "ENS" && row.Function != "" || row.Grade == "" {
			t.Errorf("line %d: %+v", row.Line, row)
		}
		if w, ok := want[row.Line]; ok && (row.LastName != w[0] || row.FirstName != w[1] || row.Email != w[2]) {
			t.Errorf("line %d: got %q / %q / %q, want %v", row.Line, row.LastName, row.FirstName, row.Email, w)
		}
		if row.FullName != row.LastName+" "+row.FirstName {
			t.Errorf("line %d: raw full name %q lost", row.Line, row.FullName)
		}
	}
}

func TestSplitFullName(t *testing.T) {
	cases := []struct {
		full, email, last, first string
		guessed                  bool
	}{
		{"JEAN-MARIE MAGALIE", "", "JEAN-MARIE", "MAGALIE", false},
		{"DE LA FONTAINE Jean-Pierre", "", "DE LA FONTAINE", "Jean-Pierre", false},
		{"Jean-Pierre DE LA FONTAINE", "", "DE LA FONTAINE", "Jean-Pierre", false},
		{"DUPONT Jean M", "", "DUPONT", "Jean M", false},
		{"GRANDISSON HIPON FRANCOISE", "francoise.grandisson@ac-guyane.fr", "GRANDISSON HIPON", "FRANCOISE", false},
		{"GRANDISSON HIPON FRANCOISE", "fg@ac-guyane.fr", "GRANDISSON", "HIPON FRANCOISE", true},
		{"CURRON LAETITIA E", "laetitia-e.curron@ac-guyane.fr", "CURRON", "LAETITIA E", false},
		{"LE GOFF ANNE MARIE", "anne-marie.le-goff2@ac-rennes.fr", "LE GOFF", "ANNE MARIE", false},
		{"MADI", "", "MADI", "", false},
		{"  ", "", "", "", false},
	}
	for _, tc := range cases {
		last, first, guessed := SplitFullName(tc.full, tc.email)
		if last != tc.last || first != tc.first || guessed != tc.guessed {
			t.Errorf("SplitFullName(%q, %q) = %q, %q, %v; want %q, %q, %v", tc.full, tc.email, last, first, guessed, tc.last, tc.first, tc.guessed)
		}
	}
}

func TestNameSplitGuessIsFlagged(t *testing.T) {
	_, rows := readAll(t, []byte("Nom;Mail\nLE GOFF ANNE;ag@ac-rennes.fr\n"), Options{})
	if !rows[0].HasProblem(CodeNameSplitGuess) || !rows[0].Usable() || rows[0].FullName != "LE GOFF ANNE" {
		t.Fatalf("row %+v", rows[0])
	}
}

func TestDirtyFile(t *testing.T) {
	r, rows := readFile(t, "dirty.csv")
	byLine := map[int]Row{}
	var lines []int
	for _, row := range rows {
		byLine[row.Line] = row
		lines = append(lines, row.Line)
	}
	wantLines := []int{4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 17, 18, 19, 20, 21}
	if !slices.Equal(lines, wantLines) {
		t.Fatalf("lines %v, want %v", lines, wantLines)
	}
	expect := map[int][]string{
		4:  nil,
		6:  {CodeDuplicateInFile},
		7:  {CodeInvalidEmail},
		8:  {CodeInvalidEmail},
		9:  {CodeInvalidEmail},
		10: {CodeMissingColumns},
		11: {CodeExtraCells},
		13: {CodeFormulaCell, CodeFormulaCell},
		14: nil,
		17: nil,
		18: nil,
		19: {CodeMissingIdentity},
		20: {CodeUnterminatedQuote},
		21: nil,
	}
	for line, want := range expect {
		if got := problemCodes(byLine[line]); !slices.Equal(got, want) {
			t.Errorf("line %d: problems %v, want %v (%+v)", line, got, want, byLine[line].Problems)
		}
	}
	if p := byLine[6].Problems[0]; p.Line != 6 || !strings.Contains(p.Message, "line 4") || p.Field != "E-mail" {
		t.Errorf("duplicate problem %+v", p)
	}
	if byLine[6].Email != "jean.dupont@ac-lyon.fr" {
		t.Errorf("normalised e-mail %q", byLine[6].Email)
	}
	if p := byLine[7].Problems[0]; p.Severity != SeverityError || p.Field != "E-mail" || byLine[7].Usable() {
		t.Errorf("invalid e-mail problem %+v", p)
	}
	if got := problemCodes(byLine[12]); !slices.Contains(got, CodeFormulaCell) || !slices.Contains(got, CodeInvalidEmail) {
		t.Errorf("line 12 problems %v", got)
	}
	cite := byLine[14]
	if cite.FirstName != "Anne; Sophie" || cite.LastName != `MARTIN "dite" MARTINE` || cite.Groups[0] != "Groupe; A" ||
		cite.Raw[5] != "Note\nsur deux lignes" || cite.Raw[6] != "Lyon" {
		t.Errorf("quoted row %+v", cite)
	}
	if byLine[13].FirstName != "@SUM(1+1)" || byLine[13].Groups[0] != "-" {
		t.Errorf("formula cells must be kept as data: %+v", byLine[13])
	}
	if byLine[21].Email != "suivant@ac-lyon.fr" || byLine[20].Email != "ouvert@ac-lyon.fr" {
		t.Errorf("unterminated quote swallowed rows: %+v / %+v", byLine[20], byLine[21])
	}
	notices := noticeCodes(r)
	if !slices.Equal(notices, []string{CodePreambleSkipped, CodeExtraColumns}) {
		t.Errorf("notices %v", notices)
	}
	if n := r.Notices()[1]; n.Field != "Commentaire, Ville" {
		t.Errorf("extra columns notice %+v", n)
	}
}

func TestEmailsOnly(t *testing.T) {
	r, rows := readFile(t, "emails_only.txt")
	if r.HasHeader() {
		t.Error("header detected in a list of e-mails")
	}
	var emails []string
	for _, row := range rows {
		emails = append(emails, row.Email)
	}
	want := []string{"alice@ac-rennes.fr", "bob.martin@ac-rennes.fr", "bob.martin@ac-rennes.fr", "not-an-email", "zoe@ac-rennes.fr"}
	if !slices.Equal(emails, want) {
		t.Fatalf("emails %v", emails)
	}
	if rows[1].Line != 3 || !rows[2].HasProblem(CodeDuplicateInFile) || !rows[3].HasProblem(CodeInvalidEmail) || rows[4].Line != 6 {
		t.Errorf("rows %+v", rows)
	}
}

func TestComplexHeaderlessFormat(t *testing.T) {
	_, rows := readFile(t, "complex_headerless.csv")
	if len(rows) != 3 || rows[0].Role != "participant" || !slices.Equal(rows[0].Groups, []string{"Groupe 1", "Groupe 2"}) ||
		rows[1].Role != "formateur" || len(rows[1].Groups) != 0 || !slices.Equal(rows[2].Groups, []string{"Groupe 3"}) {
		t.Fatalf("rows %+v", rows)
	}
}

func TestMoodleUploadUserVocabulary(t *testing.T) {
	r, rows := readFile(t, "moodle_upload.csv")
	a, b := rows[0], rows[1]
	if a.Username != "jdupont" || a.Email != "jean.dupont@ac-lyon.fr" || a.IDNumber != "ID42" || a.Auth != "shibboleth" ||
		a.Course != "PARCOURS-1" || a.Role != "student" || !slices.Equal(a.Groups, []string{"G1"}) || a.EnrolPeriod != 30*24*time.Hour {
		t.Errorf("row a %+v", a)
	}
	if !b.HasProblem(CodeInvalidEnrolPeriod) || b.EnrolPeriod != 0 {
		t.Errorf("row b %+v", b)
	}
	for _, row := range rows {
		for _, cell := range row.Raw {
			if cell == "S3cret!" || cell == "hunter2" {
				t.Fatalf("password kept in Raw: %q", row.Raw)
			}
		}
		for _, p := range row.Problems {
			if strings.Contains(p.Message, "hunter2") {
				t.Fatalf("password in a problem: %+v", p)
			}
		}
	}
	notices := noticeCodes(r)
	if !slices.Equal(notices, []string{CodeSecretColumnIgnored, CodeExtraColumns}) {
		t.Fatalf("notices %v", notices)
	}
	if n := r.Notices()[1]; n.Field != "course2, role2, city" {
		t.Errorf("extra columns %+v", n)
	}
}

func TestHeaderAliases(t *testing.T) {
	cases := map[string]string{
		"Adresse mél": FieldEmail, "ADRESSE MAIL": FieldEmail, "Courriel": FieldEmail, " E-mail ": FieldEmail,
		"Courriel professionnel": FieldEmail, "Nom d'utilisateur": FieldUsername, "Identifiant": FieldUsername,
		"Prénom": FieldFirstName, "PRENOM": FieldFirstName, "Nom": FieldLastName, "Rôle": FieldRole,
		"Groupe": FieldGroup, "Établissement": FieldEstablishment, "RNE/UAI": FieldEstablishment,
		"Fonction": FieldFunction, "Grade": FieldGrade, "NUMEN": FieldIDNumber, "idnumber": FieldIDNumber,
		"role1": FieldRole, "group3": FieldGroup, "enrolperiod1": FieldEnrolPeriod, "Ville": "",
	}
	for header, want := range cases {
		if got, _ := headerField(header); got != want {
			t.Errorf("headerField(%q) = %q, want %q", header, got, want)
		}
	}
}

func TestDuplicateColumnAndPreamble(t *testing.T) {
	data := "Liste des enseignants convoqués\nMail;Courriel;Nom\na@ac-nice.fr;b@ac-nice.fr;ALPHA ANNE\n"
	r, rows := readAll(t, []byte(data), Options{})
	if rows[0].Email != "a@ac-nice.fr" || rows[0].Line != 3 {
		t.Errorf("row %+v", rows[0])
	}
	if got := noticeCodes(r); !slices.Equal(got, []string{CodePreambleSkipped, CodeDuplicateColumn}) {
		t.Errorf("notices %v", got)
	}
}

func TestHeaderlessEmailNotFirst(t *testing.T) {
	r, rows := readAll(t, []byte("DUPONT Jean;jean@ac-nice.fr;x\n"), Options{})
	if rows[0].Email != "jean@ac-nice.fr" || rows[0].Role != "" || !slices.Equal(noticeCodes(r), []string{CodeHeaderlessColumns}) {
		t.Fatalf("row %+v notices %v", rows[0], noticeCodes(r))
	}
}

func TestFileErrors(t *testing.T) {
	cases := []struct {
		name string
		data string
		want error
	}{
		{"empty", "", ErrEmptyFile},
		{"bom only", "\xef\xbb\xbf", ErrEmptyFile},
		{"blank lines", "\r\n  \n\t\n", ErrEmptyFile},
		{"empty cells", ";;;\n;;\n", ErrEmptyFile},
		{"no identity column", "Nom;Prénom\nDUPONT;Jean\n", ErrNoUsableColumn},
		{"nothing recognisable", "a;b\nc;d\n", ErrNoUsableColumn},
		{"xlsx", "PK\x03\x04\x14\x00\x06\x00", ErrUndecodable},
		{"binary", "abc\x00\x01\x02\x03\x00\x00\x00def\x00", ErrUndecodable},
	}
	for _, tc := range cases {
		_, err := NewReader(strings.NewReader(tc.data), Options{})
		var fe *FileError
		if !errors.Is(err, tc.want) || !errors.As(err, &fe) || failure.IsRetryable(err) {
			t.Errorf("%s: err = %v, want %v (permanent)", tc.name, err, tc.want)
		}
	}
}

func TestLineTooLong(t *testing.T) {
	data := "Mail\na@ac-nice.fr\n" + strings.Repeat("x", 5000) + "\nb@ac-nice.fr\n"
	r, err := NewReader(strings.NewReader(data), Options{MaxLineBytes: 1024})
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	if row, err := r.Next(); err != nil || row.Email != "a@ac-nice.fr" {
		t.Fatalf("first row %+v, %v", row, err)
	}
	_, err = r.Next()
	if !errors.Is(err, ErrLineTooLong) || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("err = %v", err)
	}
	if _, again := r.Next(); !errors.Is(again, ErrLineTooLong) {
		t.Fatalf("error not sticky: %v", again)
	}
}

type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestReadErrorKeepsVerdict(t *testing.T) {
	src := &failingReader{data: []byte("Mail\na@ac-nice.fr\n"), err: failure.Retryable(errors.New("connection reset"))}
	_, err := NewReader(src, Options{})
	if !errors.Is(err, ErrRead) || !failure.IsRetryable(err) {
		t.Fatalf("err = %v, retryable %v", err, failure.IsRetryable(err))
	}
	src = &failingReader{data: []byte("Mail\na@ac-nice.fr\n"), err: errors.New("disk on fire")}
	if _, err := NewReader(src, Options{}); !errors.Is(err, ErrRead) || failure.IsRetryable(err) {
		t.Fatalf("unclassified read error should be permanent: %v", err)
	}
}

func TestEmailProblem(t *testing.T) {
	valid := []string{"a@b.fr", "jean-marie.o'neil+tag@ac-paris.fr", "x_y@sub.domain.education.gouv.fr", "z@xn--bcher-kva.xn--p1ai"}
	invalid := []string{"", "a", "@b.fr", "a@", "a@b", "a@@b.fr", "a..b@c.fr", ".a@b.fr", "a.@b.fr", "a b@c.fr",
		"élodie@ac-lyon.fr", "a@-b.fr", "a@b-.fr", "a@b..fr", "a@b.f", "a@b.123", "a@b_c.fr", "\"quoted\"@b.fr",
		strings.Repeat("a", 65) + "@b.fr"}
	for _, e := range valid {
		if p := EmailProblem(e); p != "" {
			t.Errorf("EmailProblem(%q) = %q, want valid", e, p)
		}
	}
	for _, e := range invalid {
		if EmailProblem(e) == "" {
			t.Errorf("EmailProblem(%q) accepted", e)
		}
	}
	if got := NormalizeEmail("\u00a0 mailto:<Jean.Dupont@AC-Lyon.FR>\u200b "); got != "jean.dupont@ac-lyon.fr" {
		t.Errorf("NormalizeEmail = %q", got)
	}
}

func TestEscapeCell(t *testing.T) {
	cases := map[string]string{
		"=1+1": "'=1+1", "+33 6": "'+33 6", "-2": "'-2", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx",
		"Jean": "Jean", "": "", "'=x": "'=x", "a=b": "a=b",
	}
	for in, want := range cases {
		if got := EscapeCell(in); got != want {
			t.Errorf("EscapeCell(%q) = %q, want %q", in, got, want)
		}
		if EscapeCell(EscapeCell(in)) != EscapeCell(in) {
			t.Errorf("EscapeCell not idempotent on %q", in)
		}
	}
}

func TestLineEndings(t *testing.T) {
	for name, sep := range map[string]string{"LF": "\n", "CRLF": "\r\n", "CR": "\r"} {
		data := strings.Join([]string{"Mail;Nom", "a@ac-nice.fr;A A", "", "b@ac-nice.fr;\"B" + sep + "B\"", "c@ac-nice.fr;C C"}, sep)
		_, rows := readAll(t, []byte(data), Options{})
		if len(rows) != 3 || rows[1].Line != 4 || rows[1].FullName != "B\nB" || rows[2].Line != 6 {
			t.Errorf("%s: rows %+v", name, rows)
		}
	}
}
