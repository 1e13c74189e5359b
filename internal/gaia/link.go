package gaia

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/refusal"
	"github.com/magistere/bridge/internal/store"
)

// Linker links a session course to a GAIA session: the one place that
// checks the link and audits it, for the CLI and the demo alike (the demo
// linked without an audit when each wrote its own).
type Linker struct {
	St *store.Store
	// Course answers whether a course exists on a domain.
	Course func(ctx context.Context, domain string, courseID int64) (bool, error)
	// State is the course's lifecycle state and label, when the lifecycle
	// can place it (ok false: linked as before, e.g. domain not bootstrapped).
	State func(ctx context.Context, domain string, courseID int64) (state, label string, ok bool)
	// SessionStates are the lifecycle states a linked course may be in.
	SessionStates []string
}

// LinkRequest is one link: the session's key as dispositif/module/groupe.
type LinkRequest struct {
	Domain   string
	CourseID int64
	Session  string
	Options  store.GaiaLinkOptions
	Actor    string
}

// Linked is a link made, with the GAIA session's label and dates.
type Linked struct {
	Domain   string                `json:"domain"`
	CourseID int64                 `json:"course_id"`
	Session  string                `json:"session"`
	Label    string                `json:"label,omitempty"`
	Options  store.GaiaLinkOptions `json:"options"`
}

// Link checks and records req, and audits it.
func (l *Linker) Link(ctx context.Context, req LinkRequest) (Linked, error) {
	parts := strings.Split(req.Session, "/")
	if len(parts) != 3 {
		return Linked{}, failure.Permanent(fmt.Errorf("--session wants dispositif/module/groupe, got %q", req.Session))
	}
	key := SessionKey(parts[0], parts[1], parts[2])
	// A numeric course id is not looked up when flags are parsed: check the
	// course exists, or every later sync of the domain fails on it.
	exists, err := l.Course(ctx, req.Domain, req.CourseID)
	if err != nil {
		return Linked{}, fmt.Errorf("checking course %d on %s: %w", req.CourseID, req.Domain, err)
	}
	if !exists {
		return Linked{}, refusal.New("no_course", "le cours %d n'existe pas sur %s : rien n'est lié", "course %d does not exist on %s: nothing linked",
			req.CourseID, req.Domain)
	}
	// A GAIA session is taught in a session course: refuse a gabarit, a
	// parcours, a course in the Corbeille.
	if state, label, ok := l.State(ctx, req.Domain, req.CourseID); ok && !contains(l.SessionStates, state) {
		return Linked{}, refusal.New("not_a_session", "le cours %[1]d n'est pas une session (%[3]s) : rien n'est lié",
			"course %[1]d is not a session (%[2]s): link a session course to a GAIA session", req.CourseID, state, label)
	}
	known, err := l.St.GaiaSessionKnown(ctx, req.Domain, key)
	if err != nil {
		return Linked{}, err
	}
	if !known {
		return Linked{}, refusal.New("unknown_gaia_session", "aucun fichier GAIA importé de %s ne nomme la session %s : importer les fichiers d'abord",
			"no imported GAIA file of %s names session %s: import the files first", req.Domain, key)
	}
	err = l.St.LinkGaiaSession(ctx, store.GaiaLink{Domain: req.Domain, CourseID: req.CourseID, SessionKey: key, LinkedBy: req.Actor})
	if errors.Is(err, store.ErrConflict) { // linked to another session: the operator unlinks first, on purpose
		return Linked{}, refusal.New("already_linked", "le cours %d est déjà lié à une autre session GAIA : lancer d'abord « bridge gaia unlink »",
			"course %d is already linked to another GAIA session: run `bridge gaia unlink` first", req.CourseID)
	}
	if err != nil {
		return Linked{}, err
	}
	if err := l.St.SetGaiaLinkOptions(ctx, req.Domain, req.CourseID, req.Options); err != nil {
		return Linked{}, err
	}
	out := Linked{Domain: req.Domain, CourseID: req.CourseID, Session: key, Options: req.Options}
	if s, err := l.St.GetGaiaSession(ctx, req.Domain, key); err == nil && s.Label != "" {
		out.Label = fmt.Sprintf("%s, %s → %s", s.Label, s.StartsOn, s.EndsOn)
	}
	return out, l.audit(ctx, req.Actor, req.Domain, "gaia.link", req.CourseID, key)
}

// Unlink removes a course's link, audited.
func (l *Linker) Unlink(ctx context.Context, domain string, courseID int64, actor string) error {
	if err := l.St.UnlinkGaiaSession(ctx, domain, courseID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return failure.Permanent(fmt.Errorf("course %d is not linked to a GAIA session", courseID))
		}
		return err
	}
	return l.audit(ctx, actor, domain, "gaia.unlink", courseID, "")
}

func (l *Linker) audit(ctx context.Context, actor, domain, action string, course int64, key string) error {
	params, _ := json.Marshal(map[string]string{"session": key})
	_, err := l.St.RecordAudit(ctx, store.AuditEntry{Actor: actor, Domain: domain, Action: action,
		Target: "course:" + strconv.FormatInt(course, 10), Params: params, Outcome: "ok"})
	return err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
