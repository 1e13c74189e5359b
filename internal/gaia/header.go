package gaia

import (
	"strings"
	"sync"
	"unicode"

	"github.com/magistere/bridge/internal/fr"
)

// Column names (internal).
const (
	colDispositif    = "dispositif"
	colModule        = "module"
	colGroup         = "groupe"
	colLabel         = "libelle"
	colLabelModule   = "libelle_module"
	colStart         = "debut"
	colEnd           = "fin"
	colPlace         = "lieu"
	colEmail         = "courriel"
	colLastName      = "nom"
	colFirstName     = "prenom"
	colIDNumber      = "identifiant"
	colEstablishment = "etablissement"
)

// colNames are the columns as problems name them when the header cell is
// unknown.
var colNames = map[string]string{
	colDispositif: "identifiant du dispositif", colModule: "identifiant du module", colGroup: "numéro de groupe",
	colStart: "date de début", colEnd: "date de fin", colEmail: "courriel", colLastName: "nom", colFirstName: "prénom",
}

// aliases maps a normalised header to a column: the spellings seen in
// GAIA exports and the académies' re-exports. Built on first use, not at
// start-up: every bridge command links this package, few read GAIA files.
var aliases = sync.OnceValue(func() map[string]string {
	aliases := map[string]string{}
	add := func(col string, names ...string) {
		for _, n := range names {
			aliases[normalize(n)] = col
		}
	}
	add(colDispositif, "identifiant du dispositif", "id dispositif", "dispositif", "code dispositif",
		"numéro du dispositif", "numéro dispositif", "n° dispositif", "id_disp", "identifiant dispositif")
	add(colModule, "identifiant du module", "id module", "module", "code module", "numéro du module",
		"numéro module", "n° module", "id_mod", "identifiant module")
	add(colGroup, "numéro de groupe", "numéro groupe", "n° groupe", "n° de groupe", "groupe", "num groupe",
		"numéro de session", "n° session", "session", "groupe/session", "id groupe", "no groupe")
	add(colLabel, "libellé", "libellé du dispositif", "libellé dispositif", "intitulé", "intitulé du dispositif", "titre")
	add(colLabelModule, "libellé du module", "libellé module", "intitulé du module", "intitulé module")
	add(colStart, "date de début", "date début", "début", "date debut session", "date de début de session", "du")
	add(colEnd, "date de fin", "date fin", "fin", "date fin session", "date de fin de session", "au")
	add(colPlace, "lieu", "lieu de formation", "lieu de la formation", "site", "adresse du lieu")
	add(colEmail, "courriel", "email", "e-mail", "mail", "mél", "adresse mél", "adresse électronique", "courriel académique")
	add(colLastName, "nom", "nom d'usage", "nom usuel", "nom de famille", "nom patronymique")
	add(colFirstName, "prénom", "prénoms")
	add(colIDNumber, "numen", "identifiant", "identifiant intervenant", "id intervenant", "matricule",
		"identifiant gaia", "identifiant agent", "numen ou identifiant")
	add(colEstablishment, "établissement", "etab", "rne", "uai", "rne/uai", "uai/rne", "code rne", "code uai",
		"établissement d'exercice", "rne d'exercice", "uai d'exercice", "affectation", "établissement (rne)")
	return aliases
})

var ligatures = strings.NewReplacer("œ", "oe", "æ", "ae")

// normalize folds case and accents and keeps letters and digits only:
// "N° de groupe" -> "ndegroupe", "Adresse mél" -> "adressemel".
func normalize(s string) string {
	s = ligatures.Replace(fr.Fold(s))
	var b strings.Builder
	for _, r := range s {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// columns maps a column name to its index in the file's header cells.
type columns struct {
	idx   map[string]int
	cells []string
}

// mapColumns finds the known columns; the first cell for a column wins.
func mapColumns(header []string) columns {
	cols := columns{idx: map[string]int{}, cells: header}
	for i, cell := range header {
		col := columnOf(normalize(cell))
		if col == "" {
			continue
		}
		if _, dup := cols.idx[col]; !dup {
			cols.idx[col] = i
		}
	}
	return cols
}

func (c columns) has(col string) bool { _, ok := c.idx[col]; return ok }

// header is the file's own name for a column, for problems.
func (c columns) header(col string) string {
	if i, ok := c.idx[col]; ok && c.cells[i] != "" {
		return c.cells[i]
	}
	return colNames[col]
}

// columnOf maps one normalised header, by alias then by the words it holds
// ("Courriel professionnel", "Date de début du module").
func columnOf(key string) string {
	if col, ok := aliases()[key]; ok {
		return col
	}
	has := func(w string) bool { return strings.Contains(key, w) }
	switch {
	case has("mail") || has("courriel"):
		return colEmail
	case has("debut"):
		return colStart
	case has("date") && has("fin"):
		return colEnd
	case has("libelle") || has("intitule"):
		if has("module") {
			return colLabelModule
		}
		return colLabel
	case has("dispositif"):
		return colDispositif
	case has("module"):
		return colModule
	case has("groupe"):
		return colGroup
	case has("numen"):
		return colIDNumber
	case has("rne") || has("uai") || has("etablissement"):
		return colEstablishment
	case has("prenom"):
		return colFirstName
	case has("lieu"):
		return colPlace
	}
	return ""
}

// required columns by kind.
func (c columns) missing(kind string) []string {
	need := []string{colDispositif, colModule, colGroup}
	if kind != KindFormations {
		need = append(need, colEmail)
	}
	var out []string
	for _, col := range need {
		if !c.has(col) {
			out = append(out, colNames[col])
		}
	}
	return out
}
