package enrol

import (
	"strconv"
	"strings"
	"sync"
	"unicode"
)

// Field names (Column.Field) a column can map to.
const (
	FieldEmail         = "email"
	FieldUsername      = "username"
	FieldIDNumber      = "idnumber"
	FieldFirstName     = "firstname"
	FieldLastName      = "lastname"
	FieldFullName      = "fullname"       // "NOM Prénom" (GAIA order)
	FieldFullNameFirst = "fullname_first" // "Prénom Nom"
	FieldRole          = "role"
	FieldGroup         = "group"
	FieldEstablishment = "establishment"
	FieldFunction      = "function"
	FieldGrade         = "grade"
	FieldEnrolPeriod   = "enrolperiod"
	FieldCourse        = "course"
	FieldAuth          = "auth"
	FieldSecret        = "secret" // passwords: blanked in Row.Raw, never reported
)

// Column describes one column of the file as understood by the reader.
type Column struct {
	Index  int    // 0-based position
	Header string // as written in the file ("" for headerless files)
	Field  string // Field* constant, "" when the column is ignored
}

// headerAliases maps a normalised header (see normalizeHeader) to a field:
// French and English spellings and Moodle's upload-user vocabulary
// (admin/tool/uploaduser: username, email, firstname, lastname, idnumber,
// auth, course1, role1, group1, enrolperiod1...).
// It is built on first use, not at every command's start.
var headerAliases = sync.OnceValue(func() map[string]string {
	aliases := map[string]string{}
	add := func(field string, names ...string) {
		for _, n := range names {
			aliases[normalizeHeader(n)] = field
		}
	}
	add(FieldEmail, "email", "e-mail", "mail", "mél", "courriel", "adresse mél", "adresse mail",
		"adresse e-mail", "adresse courriel", "adresse électronique", "adresse de messagerie",
		"messagerie", "email address", "mail address", "e-mail address")
	add(FieldUsername, "username", "identifiant", "nom d'utilisateur", "nom utilisateur", "login",
		"identifiant de connexion", "utilisateur", "user")
	add(FieldIDNumber, "idnumber", "id number", "numen", "matricule", "numéro d'identification",
		"numéro agent", "numéro d'agent")
	add(FieldFirstName, "firstname", "first name", "prénom", "prénoms", "given name")
	add(FieldLastName, "lastname", "last name", "nom", "nom de famille", "nom d'usage",
		"nom patronymique", "nom usuel", "surname", "family name")
	add(FieldFullName, "nom prénom", "nom et prénom", "nom prénoms", "nom - prénom", "identité")
	add(FieldFullNameFirst, "prénom nom", "prénom et nom", "fullname", "full name", "name")
	add(FieldRole, "role", "rôle", "roles", "rôles", "role shortname", "roleshortname", "profil")
	add(FieldGroup, "group", "groups", "groupe", "groupes")
	add(FieldEstablishment, "établissement", "etablissement", "étab", "etab", "rne", "uai", "rne/uai",
		"uai/rne", "code uai", "code rne", "établissement d'exercice", "nom établissement",
		"institution", "school", "école", "affectation")
	add(FieldFunction, "fonction", "function", "fonctions", "poste")
	add(FieldGrade, "grade", "corps", "corps grade")
	add(FieldEnrolPeriod, "enrolperiod", "enrol period", "durée d'inscription", "durée inscription")
	add(FieldCourse, "course", "cours")
	add(FieldAuth, "auth", "authentification", "méthode d'authentification")
	add(FieldSecret, "password", "mot de passe", "mdp", "newpassword", "new password")
	return aliases
})

var accentFold = strings.NewReplacer(
	"à", "a", "â", "a", "ä", "a", "á", "a", "ã", "a",
	"é", "e", "è", "e", "ê", "e", "ë", "e",
	"î", "i", "ï", "i", "í", "i", "ì", "i",
	"ô", "o", "ö", "o", "ó", "o", "ò", "o", "õ", "o",
	"ù", "u", "û", "u", "ü", "u", "ú", "u",
	"ç", "c", "ñ", "n", "ÿ", "y", "œ", "oe", "æ", "ae",
)

// normalizeHeader folds case and accents and drops everything but letters
// and digits: "Adresse mél" -> "adressemel", "E-mail" -> "email",
// "Nom d'utilisateur" -> "nomdutilisateur", "RNE/UAI" -> "rneuai".
func normalizeHeader(s string) string {
	s = accentFold.Replace(strings.ToLower(s))
	var b strings.Builder
	for _, r := range s {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// headerField maps one header cell. Moodle numbers some columns (course1,
// role1, group1, enrolperiod1); n is that number, 0 when absent.
func headerField(cell string) (field string, n int) {
	key := normalizeHeader(cell)
	if f, ok := headerAliases()[key]; ok {
		return f, 0
	}
	base := strings.TrimRight(key, "0123456789")
	if base != key && base != "" {
		n, _ = strconv.Atoi(key[len(base):])
		switch base {
		case "course", "role", "group", "groupe", "enrolperiod":
			return headerAliases()[base], n
		}
	}
	// Long-hand headers like "Courriel professionnel" or "Mail académique".
	if strings.Contains(key, "mail") || strings.Contains(key, "courriel") {
		return FieldEmail, 0
	}
	return "", 0
}
