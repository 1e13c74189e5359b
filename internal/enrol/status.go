package enrol

// Status is the outcome of one row of a plan or of an applied plan. A plan
// uses the "will_*" statuses for work still to do; Apply turns each into
// its done form (or StatusFailed).
type Status string

const (
	StatusWillEnrol       Status = "will_enrol"
	StatusWillAddRole     Status = "will_add_role"
	StatusWillCreate      Status = "will_create"
	StatusEnrolled        Status = "enrolled"
	StatusRoleAdded       Status = "role_added"
	StatusCreated         Status = "created" // account created and enrolled
	StatusAlreadyEnrolled Status = "already_enrolled"
	StatusUnknown         Status = "unknown"   // no account, policy "reject"
	StatusAmbiguous       Status = "ambiguous" // several accounts share the e-mail
	StatusSuspended       Status = "suspended" // the account is suspended: not enrolled
	StatusInvalid         Status = "invalid"
	StatusDuplicate       Status = "duplicate" // same person as an earlier line
	StatusFailed          Status = "failed"    // Moodle refused the row during Apply
	StatusWillUnenrol     Status = "will_unenrol"
	StatusUnenrolled      Status = "unenrolled"
	// StatusRemovalHeld: absent from the file, but --remove-absent was
	// refused (bad rows, or too large a share of the course): kept.
	StatusRemovalHeld Status = "removal_held"
)

// AllStatuses lists every status in report order.
var AllStatuses = []Status{StatusWillEnrol, StatusWillAddRole, StatusWillCreate, StatusEnrolled, StatusRoleAdded,
	StatusCreated, StatusAlreadyEnrolled, StatusUnknown, StatusAmbiguous, StatusSuspended, StatusInvalid,
	StatusDuplicate, StatusFailed, StatusWillUnenrol, StatusUnenrolled, StatusRemovalHeld}

// Pending reports whether the status is work a plan still has to do.
func (s Status) Pending() bool {
	return s == StatusWillEnrol || s == StatusWillAddRole || s == StatusWillCreate || s == StatusWillUnenrol
}

// Problematic reports whether the row is one the operator must look at: the
// CLI exits 1 when any row is.
func (s Status) Problematic() bool {
	switch s {
	case StatusUnknown, StatusAmbiguous, StatusSuspended, StatusInvalid, StatusFailed, StatusRemovalHeld:
		return true
	}
	return false
}

// done is the status a pending row takes once applied.
func (s Status) done() Status {
	switch s {
	case StatusWillEnrol:
		return StatusEnrolled
	case StatusWillAddRole:
		return StatusRoleAdded
	case StatusWillCreate:
		return StatusCreated
	case StatusWillUnenrol:
		return StatusUnenrolled
	}
	return s
}

// Reason codes detail a status. Problem codes of the Reader
// (CodeInvalidEmail...) are reasons too.
const (
	ReasonUnknownRole      = "unknown_role"
	ReasonNoNames          = "no_names"
	ReasonMoodleRefused    = "moodle_refused"
	ReasonNotAttempted     = "not_attempted"
	ReasonGroupAdded       = "group_added"
	ReasonOtherRolesKept   = "other_roles_kept"
	ReasonNameFromEmail    = "name_from_email"
	ReasonAbsentFromFile   = "absent_from_file"
	ReasonConflictingRoles = "conflicting_roles"
	ReasonTooManySessions  = "too_many_sessions"
	ReasonMatchedBy        = "matched_by_username"
	ReasonMatchedByIDNum   = "matched_by_idnumber"
	ReasonAccountsSameMail = "accounts_same_email"
)

type message struct{ fr, en string }

var statusMessages = map[Status]message{
	StatusWillEnrol:       {"sera inscrit", "will be enrolled"},
	StatusWillAddRole:     {"déjà inscrit, le rôle sera ajouté", "already enrolled, the role will be added"},
	StatusWillCreate:      {"compte à créer puis inscrire", "account will be created and enrolled"},
	StatusEnrolled:        {"inscrit", "enrolled"},
	StatusRoleAdded:       {"rôle ajouté", "role added"},
	StatusCreated:         {"compte créé et inscrit", "account created and enrolled"},
	StatusAlreadyEnrolled: {"déjà inscrit", "already enrolled"},
	StatusUnknown:         {"aucun compte ne correspond", "no matching account"},
	StatusAmbiguous:       {"plusieurs comptes correspondent", "several accounts match"},
	StatusSuspended:       {"compte suspendu, non inscrit", "account suspended, not enrolled"},
	StatusInvalid:         {"ligne invalide", "invalid row"},
	StatusDuplicate:       {"doublon dans le fichier", "duplicate in the file"},
	StatusFailed:          {"échec de l'inscription", "enrolment failed"},
	StatusWillUnenrol:     {"absent du fichier, sera désinscrit", "absent from the file, will be unenrolled"},
	StatusUnenrolled:      {"absent du fichier, désinscrit", "absent from the file, unenrolled"},
	StatusRemovalHeld:     {"absent du fichier, conservé (désinscription refusée)", "absent from the file, kept (removal refused)"},
}

var reasonMessages = map[string]message{
	ReasonUnknownRole:      {"rôle inconnu", "unknown role"},
	ReasonNoNames:          {"nom et prénom absents du fichier", "first and last name missing from the file"},
	ReasonMoodleRefused:    {"refusé par Moodle", "refused by Moodle"},
	ReasonNotAttempted:     {"non tenté (lot interrompu)", "not attempted (batch stopped)"},
	ReasonGroupAdded:       {"ajouté au groupe", "added to the group"},
	ReasonOtherRolesKept:   {"a d'autres rôles : conservé", "has other roles: kept"},
	ReasonNameFromEmail:    {"nom déduit de l'adresse électronique", "name derived from the e-mail address"},
	ReasonAbsentFromFile:   {"absent du fichier", "absent from the file"},
	ReasonConflictingRoles: {"même personne avec un autre rôle sur une autre ligne", "same person with another role on another line"},
	ReasonTooManySessions:  {"pas assez de sessions", "not enough sessions"},
	ReasonMatchedBy:        {"trouvé par identifiant", "matched by username"},
	ReasonMatchedByIDNum:   {"trouvé par numéro d'identification", "matched by idnumber"},
	ReasonAccountsSameMail: {"plusieurs comptes ont cette adresse", "several accounts have this e-mail"},
	CodeInvalidEmail:       {"adresse électronique invalide", "invalid e-mail address"},
	CodeMissingIdentity:    {"ni adresse, ni identifiant, ni numéro", "no e-mail, username or idnumber"},
	CodeDuplicateInFile:    {"même personne qu'une ligne précédente", "same person as an earlier line"},
	CodeMissingColumns:     {"colonnes manquantes", "missing columns"},
	CodeExtraCells:         {"cellules en trop ignorées", "extra cells ignored"},
	CodeFormulaCell:        {"cellule ressemblant à une formule", "cell looks like a formula"},
	CodeUnterminatedQuote:  {"guillemet non fermé", "unterminated quote"},
	CodeNameSplitGuess:     {"découpage nom/prénom deviné", "name split guessed"},
	CodeInvalidEnrolPeriod: {"durée d'inscription invalide", "invalid enrolment period"},
}

// StatusMessage returns the status's label in French ("fr") or English.
func StatusMessage(s Status, lang string) string {
	return pickLang(statusMessages[s], lang, string(s))
}

// ReasonMessage returns a reason code's label in French ("fr") or English.
func ReasonMessage(code, lang string) string {
	return pickLang(reasonMessages[code], lang, code)
}

func pickLang(m message, lang, fallback string) string {
	switch {
	case lang == "fr" && m.fr != "":
		return m.fr
	case m.en != "":
		return m.en
	}
	return fallback
}
