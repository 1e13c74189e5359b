// Package workflow is the course lifecycle (gabarit → parcours → session →
// archive / corbeille). A course's state is explicit, in the store, keyed
// by domain and Moodle course id; categories are known by the ids recorded
// at bootstrap (domains.Bootstrap), never by their names. Every transition
// is an idempotent job with checkpointed steps, guarded, refusing with a
// reason in French and English, and recorded in the course's trail and
// the audit log.
package workflow

import "github.com/magistere/bridge/internal/refusal"

// Lifecycle states.
const (
	StateGabarit               = "gabarit"
	StateParcoursConstruction  = "parcours_construction"
	StateParcoursDemonstration = "parcours_demonstration"
	StateSessionPreparation    = "session_preparation"
	StateSessionEnCours        = "session_en_cours"
	StateSessionArchivee       = "session_archivee"
	StateCorbeille             = "corbeille"
)

// Variants of an open session.
const (
	VariantSelfNational = "self_national"
	VariantSelfLocal    = "self_local"
)

// Transitions (the CLI's words; the job kind is "workflow." + transition).
const (
	CreateParcours    = "create-parcours"
	Duplicate         = "duplicate"
	CreateSessions    = "create-sessions"
	Open              = "open"
	OpenSelfEnrolment = "open-self-enrolment"
	Trash             = "trash"
	Restore           = "restore"
	SetMetadata       = "set-metadata"
	// Demonstrate puts a finished parcours in "Parcours en démonstration",
	// where it can be shared in the national offer.
	Demonstrate = "demonstrate"
)

// Transitions lists every transition, in display order.
var Transitions = []string{CreateParcours, Duplicate, Demonstrate, CreateSessions, Open, OpenSelfEnrolment, Trash, Restore, SetMetadata}

// KindReminders is the job kind sending the formateurs' reminders.
const KindReminders = "workflow.reminders"

// Kind is the job kind of a transition.
func Kind(transition string) string { return "workflow." + transition }

// Refusal is a guard's verdict: the transition is not allowed now, and
// why, in French (for the Moodle blocks) and English. It is the shared
// refusal type of every feature (package refusal).
type Refusal = refusal.Refusal

func refuse(code, fr, en string, args ...any) *Refusal { return refusal.New(code, fr, en, args...) }

// stateLabels are the French banner labels of the states.
var stateLabels = map[string]string{
	StateGabarit:               "Gabarit",
	StateParcoursConstruction:  "Parcours en construction",
	StateParcoursDemonstration: "Parcours en démonstration",
	StateSessionPreparation:    "Session en préparation",
	StateSessionEnCours:        "Session en cours",
	StateSessionArchivee:       "Session archivée",
	StateCorbeille:             "Corbeille",
	StateDeleted:               "Supprimé de Moodle",
}

// Label is a state's French label.
func Label(state string) string {
	if l, ok := stateLabels[state]; ok {
		return l
	}
	return state
}

func in(state string, states ...string) bool {
	for _, s := range states {
		if s == state {
			return true
		}
	}
	return false
}

// family is the state a copy of a course in state starts in.
func family(state string) string {
	switch state {
	case StateGabarit:
		return StateGabarit
	case StateParcoursConstruction, StateParcoursDemonstration:
		return StateParcoursConstruction
	default:
		return StateSessionPreparation
	}
}

// fromStates says, per transition, which states it starts from.
var fromStates = map[string][]string{
	CreateParcours:    {StateGabarit},
	Duplicate:         {StateGabarit, StateParcoursConstruction, StateParcoursDemonstration, StateSessionPreparation, StateSessionEnCours},
	CreateSessions:    {StateParcoursConstruction, StateParcoursDemonstration, StateSessionArchivee},
	Open:              {StateSessionPreparation},
	OpenSelfEnrolment: {StateSessionPreparation},
	Trash:             {StateGabarit, StateParcoursConstruction, StateParcoursDemonstration, StateSessionPreparation, StateSessionEnCours, StateSessionArchivee},
	Restore:           {StateCorbeille},
	Demonstrate:       {StateParcoursConstruction, StateParcoursDemonstration},
	SetMetadata:       {StateGabarit, StateParcoursConstruction, StateParcoursDemonstration, StateSessionPreparation, StateSessionEnCours, StateSessionArchivee},
}

func stateGuard(transition, state string) *Refusal {
	allowed, ok := fromStates[transition]
	if !ok {
		return refuse("unknown_transition", "transition inconnue « %s »", "unknown transition %q", transition)
	}
	if !in(state, allowed...) {
		// The sentence follows the transition's own label in the blocks and the CLI: no raw id in it.
		return refuse("wrong_state", "impossible depuis l'état « %s »", "not possible from state %s", Label(state))
	}
	return nil
}
