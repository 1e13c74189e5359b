package workflow

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/store"
)

// guard decides whether a transition may run on a course in state cs.
// p may be nil (Show): checks of parameters are then skipped.
func (s *Service) guard(ctx context.Context, e *env, cs store.CourseState, transition string, p *Params) error {
	if r := stateGuard(transition, cs.State); r != nil {
		return r
	}
	if p != nil {
		if r := paramsGuard(transition, p); r != nil {
			return r
		}
	}
	switch transition {
	case Open:
		return s.readyToOpen(ctx, e, cs.CourseID, true)
	case OpenSelfEnrolment:
		return s.readyToOpen(ctx, e, cs.CourseID, false)
	case Demonstrate:
		// What the offer shows (durations, objectives) must be there.
		md, err := s.st.GetCourseMetadata(ctx, e.d.Name(), cs.CourseID)
		if err != nil {
			return err
		}
		if r := metadataGuard(md); r != nil {
			return r
		}
	}
	return nil
}

func paramsGuard(transition string, p *Params) *Refusal {
	switch transition {
	case CreateParcours, Duplicate:
		if p.ShortName == "" {
			return refuse("shortname_required", "le nom abrégé du nouveau cours est obligatoire", "the new course's shortname is required")
		}
	case CreateSessions:
		return sessionsGuard(p)
	case OpenSelfEnrolment:
		if p.Offer != "" && p.Offer != "national" && p.Offer != "local" {
			return refuse("bad_offer", "offre « %s » inconnue (national ou local)", "unknown offer %q (national or local)", p.Offer)
		}
	case SetMetadata:
		if p.RemoteMinutes == nil && p.InPersonMinutes == nil && p.Objectives == "" {
			return refuse("nothing_to_set", "aucune métadonnée à enregistrer", "no metadata to set")
		}
		for _, m := range []*int{p.RemoteMinutes, p.InPersonMinutes} {
			if m != nil && *m < 0 {
				return refuse("bad_duration", "une durée ne peut pas être négative", "a duration cannot be negative")
			}
		}
	}
	return nil
}

func sessionsGuard(p *Params) *Refusal {
	if p.Name == "" {
		return refuse("name_required", "le nom de la session est obligatoire", "the session's name is required")
	}
	start, err1 := parseDay(p.Start)
	end, err2 := parseDay(p.End)
	if err1 != nil || err2 != nil {
		return refuse("bad_dates", "dates de début et de fin attendues au format AAAA-MM-JJ", "start and end dates must be YYYY-MM-DD")
	}
	if end.Before(start) {
		return refuse("end_before_start", "la fin (%s) précède le début (%s)", "the end (%s) is before the start (%s)", p.End, p.Start)
	}
	if p.Participants < 0 || p.Max < 0 || (p.Participants > 0) != (p.Max > 0) {
		return refuse("bad_counts", "--participants et --max vont ensemble et sont positifs", "--participants and --max go together and are positive")
	}
	if _, _, err := sessionNames(p, "x", 1); err != nil {
		return refuse("bad_pattern", "modèle de nom abrégé invalide : %v", "invalid shortname pattern: %v", err)
	}
	return nil
}

func parseDay(s string) (time.Time, error) { return time.Parse(time.DateOnly, s) }

// SessionCount is the number of sessions for participants at max per
// session: ceil(participants / max), at least one.
func SessionCount(participants, max int) int {
	if participants <= 0 || max <= 0 {
		return 1
	}
	return (participants + max - 1) / max
}

// readyToOpen checks the opening gates: at least one formateur, one
// participant (unless self-enrolment) and the announced metadata.
func (s *Service) readyToOpen(ctx context.Context, e *env, courseID int64, needParticipant bool) error {
	md, err := s.st.GetCourseMetadata(ctx, e.d.Name(), courseID)
	if err != nil {
		return err
	}
	if r := metadataGuard(md); r != nil {
		return r
	}
	users, err := e.d.Client.GetEnrolledUsers(ctx, moodle.Int(courseID), moodle.EnrolledUsersOptions{})
	if err != nil {
		return fmt.Errorf("read enrolled users of course %d: %w", courseID, err)
	}
	if countRole(users, e.roles["formateur"]) == 0 {
		return refuse("no_formateur", "la session n'a aucun formateur inscrit", "the session has no formateur enrolled")
	}
	if needParticipant && countRole(users, e.roles["participant"]) == 0 {
		return refuse("no_participant", "la session n'a aucun participant inscrit (ou ouvrez-la en auto-inscription)",
			"the session has no participant enrolled (or open it with self-enrolment)")
	}
	return nil
}

func metadataGuard(md store.CourseMetadata) *Refusal {
	var fr, en []string
	if md.RemoteMinutes == nil {
		fr, en = append(fr, "la durée à distance"), append(en, "the remote duration")
	}
	if md.InPersonMinutes == nil {
		fr, en = append(fr, "la durée en présentiel"), append(en, "the in-person duration")
	}
	if md.Objectives == "" {
		fr, en = append(fr, "les objectifs"), append(en, "the objectives")
	}
	if len(fr) == 0 {
		return nil
	}
	return &Refusal{Code: "metadata_missing", FR: "la fiche du parcours est incomplète : indiquer " + strings.Join(fr, ", "),
		EN: "the parcours' description is incomplete: give " + strings.Join(en, ", ")}
}

func countRole(users []moodle.User, roleID int64) int {
	n := 0
	for _, u := range users {
		for _, r := range u.Roles {
			if int64(r.RoleID) == roleID {
				n++
				break
			}
		}
	}
	return n
}

// Option is one transition and whether it is allowed now.
type Option struct {
	Transition string   `json:"transition"`
	Allowed    bool     `json:"allowed"`
	Refusal    *Refusal `json:"refusal,omitempty"`
}

// View is what Show returns about a course.
type View struct {
	Domain   string                   `json:"domain"`
	CourseID int64                    `json:"course_id"`
	State    string                   `json:"state"`
	Label    string                   `json:"label"`
	Variant  string                   `json:"variant,omitempty"`
	Recorded bool                     `json:"recorded"` // false: adopted from its category, not yet written
	Options  []Option                 `json:"options"`
	Metadata store.CourseMetadata     `json:"metadata"`
	Trail    []store.CourseTransition `json:"trail"`
}

// Show returns a course's state, the transitions allowed now and why the
// others are not. It writes nothing.
func (s *Service) Show(ctx context.Context, domain string, courseID int64) (*View, error) {
	e, err := s.env(ctx, domain)
	if err != nil {
		return nil, err
	}
	_, gerr := s.st.GetCourseState(ctx, domain, courseID)
	cs, err := s.currentState(ctx, e, courseID, false)
	if err != nil {
		return nil, err
	}
	v := &View{Domain: domain, CourseID: courseID, State: cs.State, Label: Label(cs.State), Variant: cs.Variant, Recorded: gerr == nil}
	for _, tr := range Transitions {
		o := Option{Transition: tr, Allowed: true}
		if err := s.guard(ctx, e, cs, tr, nil); err != nil {
			r, ok := err.(*Refusal)
			if !ok {
				return nil, err
			}
			o.Allowed, o.Refusal = false, r
		}
		v.Options = append(v.Options, o)
	}
	if v.Metadata, err = s.st.GetCourseMetadata(ctx, domain, courseID); err != nil {
		return nil, err
	}
	if v.Trail, err = s.st.ListTransitions(ctx, domain, courseID); err != nil {
		return nil, err
	}
	return v, nil
}
