package gaia

import (
	"fmt"
	"sort"
	"strings"

	"github.com/magistere/bridge/internal/enrol"
	"github.com/magistere/bridge/internal/store"
)

// Problem codes of the ministry layout.
const (
	CodeTable          = "table"           // the line's table name is not the file's kind
	CodeUnknownSession = "unknown_session" // a Stagiaires line names a session no Formations line has
	CodeUnknownModule  = "unknown_module"  // an Intervenants line names a module without sessions
)

// PersonRef is a person of a ministry-layout file as the file names them:
// by GAIA session id (Stagiaires) or by module (Intervenants, who train
// every session of their module).
type PersonRef struct {
	By     string // "session" or "module"
	ID     string // normalised
	Person store.GaiaPerson
}

// The ministry layout's fields (magistere.md §3.3), as problems name them.
var ministryFields = map[string][]string{
	KindFormations: {"table", "identifiant du dispositif", "libellé du dispositif", "identifiant du module", "libellé du module",
		"identifiant de session", "numéro de groupe", "date de début", "heure de début", "date de fin", "heure de fin",
		"type de lieu", "lieu", "complément"},
	KindIntervenants: {"table", "identifiant du module", "nom", "prénom", "courriel", ""},
	KindStagiaires:   {"table", "identifiant de session", "nom", "prénom", "courriel", ""},
}

// ministryMin is the fewest fields a line of each kind needs.
var ministryMin = map[string]int{KindFormations: 13, KindIntervenants: 5, KindStagiaires: 5}

// tableKind is the kind a line's first field names ("" if none): the
// ministry's lines start with their table name.
func tableKind(field string) string {
	n := normalize(field)
	if n == "" || len(n) > 40 || columnOf(n) != "" {
		return ""
	}
	return kindFromText(n)
}

// ministryStart returns the index of the first ministry-layout line, or
// -1 when the file has the header layout. A ministry file may carry an
// added header line: then its second non-empty line starts with a table
// name.
func ministryStart(f *File, lines [][]byte, first int) int {
	if tableKind(splitFields(f.decode(lines[first]))[0]) != "" {
		return first
	}
	for i := first + 1; i < len(lines); i++ {
		text := f.decode(lines[i])
		if strings.TrimSpace(text) == "" {
			continue
		}
		if tableKind(splitFields(text)[0]) != "" {
			f.Header = true
			return i
		}
		return -1
	}
	return -1
}

func parseMinistry(f *File, lines [][]byte, start int, forced string) (*File, error) {
	first := splitFields(f.decode(lines[start]))
	kind := forced
	if kind == "" {
		kind = kindFromText(normalize(f.Name))
	}
	if kind == "" {
		kind = tableKind(first[0])
	}
	switch kind {
	case KindFormations, KindIntervenants, KindStagiaires:
	default:
		return nil, &FileError{File: f.Name, Problem: fmt.Sprintf("unknown kind %q (formations, intervenants or stagiaires)", forced)}
	}
	f.Kind = kind
	names := ministryFields[kind]
	cols := columns{idx: map[string]int{}, cells: names}
	switch kind {
	case KindFormations:
		cols.idx = map[string]int{colDispositif: 1, colModule: 3, colGroup: 6, colStart: 7, colEnd: 9, colPlace: 12}
	default:
		cols.idx = map[string]int{colEmail: 4, colLastName: 2, colFirstName: 3}
	}
	p := &parser{f: f, cols: cols, width: len(names), seen: map[string]int{}}
	for i := start; i < len(lines); i++ {
		text := f.decode(lines[i])
		if strings.TrimSpace(text) == "" {
			continue
		}
		f.Lines++
		p.ministryLine(i+1, splitFields(text))
	}
	return f, nil
}

func (p *parser) ministryLine(num int, cells []string) {
	kind := p.f.Kind
	if k := tableKind(cells[0]); k != kind {
		p.problem(num, "table", CodeTable, fmt.Sprintf("line of table %q in a %s file", cells[0], kind))
		return
	}
	// Extra empty fields are the trailing '|' GAIA writes.
	for len(cells) > p.width && cells[len(cells)-1] == "" {
		cells = cells[:len(cells)-1]
	}
	if len(cells) < ministryMin[kind] || len(cells) > p.width {
		p.problem(num, "", CodeFieldCount, fmt.Sprintf("%d fields, a %s line has %d", len(cells), kind, ministryMin[kind]))
		return
	}
	for len(cells) < p.width {
		cells = append(cells, "")
	}
	need := func(i int) bool {
		if cells[i] == "" {
			p.problem(num, p.cols.cells[i], CodeMissing, "empty "+p.cols.cells[i])
			return false
		}
		return true
	}
	if kind == KindFormations {
		if !need(1) || !need(3) || !need(5) || !need(6) {
			return
		}
		key := SessionKey(cells[1], cells[3], cells[6])
		gaiaID := NormID(cells[5])
		start, ok1 := p.date(num, colStart, cells[7])
		end, ok2 := p.date(num, colEnd, cells[9])
		if !ok1 || !ok2 || p.duplicate(num, "id "+gaiaID, "session id "+gaiaID) || p.duplicate(num, key, "session "+key) {
			return
		}
		label := cells[4]
		if label == "" {
			label = cells[2]
		}
		place := cells[12]
		p.f.Sessions = append(p.f.Sessions, store.GaiaSession{Key: key, Dispositif: NormID(cells[1]), Module: NormID(cells[3]),
			Group: NormGroup(cells[6]), Label: label, StartsOn: start, EndsOn: end, Place: place})
		p.f.IDs = append(p.f.IDs, store.GaiaSessionID{GaiaID: gaiaID, Module: NormID(cells[3]), SessionKey: key})
		return
	}
	if !need(1) {
		return
	}
	email := enrol.NormalizeEmail(cells[4])
	if email == "" {
		p.problem(num, p.cols.cells[4], CodeMissing, "empty e-mail")
		return
	}
	if why := enrol.EmailProblem(email); why != "" {
		p.problem(num, p.cols.cells[4], CodeInvalidEmail, fmt.Sprintf("%q: %s", email, why))
		return
	}
	by := "session"
	if kind == KindIntervenants {
		by = "module"
	}
	id := NormID(cells[1])
	if p.duplicate(num, by+" "+id+" "+email, fmt.Sprintf("%s in %s %s", email, by, id)) {
		return
	}
	p.f.Refs = append(p.f.Refs, PersonRef{By: by, ID: id, Person: store.GaiaPerson{Role: RoleOf(kind), Email: email,
		LastName: cells[2], FirstName: cells[3], Line: num, FileSHA256: p.f.SHA256}})
}

// Index finds sessions by GAIA session id and by module, for the people
// of ministry-layout files.
type Index struct {
	byID     map[string]string
	byModule map[string][]string
}

// NewIndex indexes session ids (later ones win for the same id).
func NewIndex(ids ...[]store.GaiaSessionID) *Index {
	ix := &Index{byID: map[string]string{}, byModule: map[string][]string{}}
	for _, list := range ids {
		for _, id := range list {
			ix.Add(id)
		}
	}
	return ix
}

// Add indexes one session id.
func (ix *Index) Add(id store.GaiaSessionID) {
	if old, ok := ix.byID[id.GaiaID]; ok && old == id.SessionKey {
		return
	}
	ix.byID[id.GaiaID] = id.SessionKey
	for _, k := range ix.byModule[id.Module] {
		if k == id.SessionKey {
			return
		}
	}
	ix.byModule[id.Module] = append(ix.byModule[id.Module], id.SessionKey)
	sort.Strings(ix.byModule[id.Module])
}

// Resolve turns a ministry-layout people file's Refs into People: a
// trainee into their session, a trainer into every session of their
// module. A ref no session matches becomes a Problem (the person is left
// out); Refs are emptied.
func (f *File) Resolve(ix *Index) {
	seen := map[string]bool{}
	for _, r := range f.Refs {
		var keys []string
		if r.By == "session" {
			if k, ok := ix.byID[r.ID]; ok {
				keys = []string{k}
			} else {
				f.Problems = append(f.Problems, Problem{File: f.Name, Line: r.Person.Line, Field: "identifiant de session",
					Code: CodeUnknownSession, Message: fmt.Sprintf("session %s is on no Formations line: %s left out", r.ID, r.Person.Email)})
			}
		} else {
			keys = ix.byModule[r.ID]
			if len(keys) == 0 {
				f.Problems = append(f.Problems, Problem{File: f.Name, Line: r.Person.Line, Field: "identifiant du module",
					Code: CodeUnknownModule, Message: fmt.Sprintf("module %s has no session on a Formations line: %s left out", r.ID, r.Person.Email)})
			}
		}
		for _, k := range keys {
			if seen[k+" "+r.Person.Email] {
				continue
			}
			seen[k+" "+r.Person.Email] = true
			p := r.Person
			p.SessionKey = k
			f.People = append(f.People, p)
		}
	}
	f.Refs = nil
	sort.SliceStable(f.Problems, func(a, b int) bool { return f.Problems[a].Line < f.Problems[b].Line })
}
