// Package refusal is the one way every feature (workflow, archive, offer,
// enrol, attendance, GAIA…) says "not allowed now, and why": a stable
// code and the reason in French (the Moodle blocks) and English. The API
// answers a refusal with 409 and both reasons; the CLI exits 1 with the
// reason. A refusal is permanent: retrying the same request cannot change
// the verdict.
package refusal

import (
	"errors"
	"fmt"
)

// Refusal is a verdict with its reason in French and English.
type Refusal struct {
	Code string `json:"code"`
	FR   string `json:"fr"`
	EN   string `json:"en"`
}

func (r *Refusal) Error() string { return fmt.Sprintf("refused (%s): %s / %s", r.Code, r.EN, r.FR) }

// Retryable is false: package failure's verdict for a refusal.
func (r *Refusal) Retryable() bool { return false }

// New builds a refusal; fr and en are format strings sharing args.
func New(code, fr, en string, args ...any) *Refusal {
	return &Refusal{Code: code, FR: fmt.Sprintf(fr, args...), EN: fmt.Sprintf(en, args...)}
}

// As finds a refusal in err's chain.
func As(err error) (*Refusal, bool) {
	var r *Refusal
	if errors.As(err, &r) {
		return r, true
	}
	return nil, false
}

// Is reports whether err is a refusal with the given code.
func Is(err error, code string) bool {
	r, ok := As(err)
	return ok && r.Code == code
}
