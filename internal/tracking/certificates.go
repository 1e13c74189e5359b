package tracking

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/magistere/bridge/internal/certificate"
	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/store"
)

// CertificateOptions tune a certificate run.
type CertificateOptions struct {
	RemoteMinutes int    // announced remote duration; 0 = the course's recorded metadata
	Comment       string // printed on the collective report
	Issuer        string // issuing domain's label; "" = the domain's name
}

// CertificateSet is a session's collective report, the individual
// certificates of its attending participants, and their ZIP.
type CertificateSet struct {
	Collective  certificate.Document
	Individuals []certificate.Document
	Zip         []byte
}

// Certificates renders and records a session's certificates for a
// formateur or manager of the course (ForbiddenError otherwise). Every
// document is recorded with its SHA-256 and the issue is audited.
func (s *Service) Certificates(ctx context.Context, domain string, courseID int64, who Who, opts CertificateOptions) (*CertificateSet, error) {
	sess, err := s.Nominative(ctx, domain, courseID, who, "certificates.issue")
	if err != nil {
		return nil, err
	}
	course, err := s.courseInfo(ctx, domain, courseID, opts)
	if err != nil {
		return nil, err
	}
	present, err := s.st.Attendance(ctx, domain, courseID)
	if err != nil {
		return nil, fmt.Errorf("tracking: certificates: %w", err)
	}
	issued := s.st.Now()
	report := certificate.Report{Course: course, Comment: opts.Comment, IssuedAt: issued}
	set := &CertificateSet{}
	for _, p := range sess.Participants {
		person := certificate.Person{UserID: p.UserID, FirstName: p.FirstName, LastName: p.LastName,
			Etablissement: p.Etablissement, Present: present[p.UserID]}
		report.Participants = append(report.Participants, person)
		if person.Present {
			doc, err := certificate.Individual(course, person, issued)
			if err != nil {
				return nil, err
			}
			set.Individuals = append(set.Individuals, doc)
		}
	}
	if report.Gaia, err = s.gaiaBlocks(ctx, domain, courseID); err != nil {
		return nil, err
	}
	if set.Collective, err = certificate.Collective(report); err != nil {
		return nil, err
	}
	if set.Zip, err = certificate.Zip(set.Individuals); err != nil {
		return nil, err
	}
	return set, s.recordCertificates(ctx, domain, courseID, who, set)
}

func (s *Service) recordCertificates(ctx context.Context, domain string, courseID int64, who Who, set *CertificateSet) error {
	docs := append([]certificate.Document{set.Collective}, set.Individuals...)
	for _, d := range docs {
		kind := "individual"
		if d.UserID == 0 {
			kind = "collective"
		}
		if _, err := s.st.RecordCertificate(ctx, store.Certificate{Domain: domain, CourseID: courseID, UserID: d.UserID,
			Kind: kind, FileName: d.FileName, SHA256: d.SHA256, IssuedBy: who.actor(domain)}); err != nil {
			return fmt.Errorf("tracking: record certificate %s: %w", d.FileName, err)
		}
	}
	s.audit(ctx, domain, courseID, who, "certificates.issued", "ok", map[string]int{"individual": len(set.Individuals)})
	return nil
}

// courseInfo gathers what the certificates state: title, reference,
// dates, announced duration, formateurs' names, issuer.
func (s *Service) courseInfo(ctx context.Context, domain string, courseID int64, opts CertificateOptions) (certificate.Course, error) {
	d, err := s.domain(domain)
	if err != nil {
		return certificate.Course{}, err
	}
	courses, err := d.Client.GetCoursesByField(ctx, "id", strconv.FormatInt(courseID, 10))
	if err != nil {
		return certificate.Course{}, fmt.Errorf("tracking: course %d: %w", courseID, err)
	}
	if len(courses) == 0 {
		return certificate.Course{}, failure.Permanent(fmt.Errorf("tracking: course %d not found on %s", courseID, domain))
	}
	co := courses[0]
	out := certificate.Course{Title: co.FullName, Reference: co.ShortName, Start: unix(int64(co.StartDate)),
		End: unix(int64(co.EndDate)), RemoteMinutes: opts.RemoteMinutes, Domain: opts.Issuer}
	if out.Domain == "" {
		out.Domain = domain
	}
	// The académie's display name, its service and signatory (domains[].display_name and certificate); an
	// issuer given for this run (the demo's, the CLI's) names it instead.
	is := d.Config.Certificate
	out.Issuer = certificate.Issuer{Name: d.Config.DisplayName, Service: is.Service, Signatory: is.Signatory,
		SignatoryTitle: is.SignatoryTitle, City: is.City}
	if opts.Issuer != "" {
		out.Issuer.Name = opts.Issuer
	}
	meta, err := s.st.GetCourseMetadata(ctx, domain, courseID)
	if err != nil {
		return out, fmt.Errorf("tracking: course %d metadata: %w", courseID, err)
	}
	if out.RemoteMinutes == 0 && meta.RemoteMinutes != nil {
		out.RemoteMinutes = *meta.RemoteMinutes
	}
	if meta.InPersonMinutes != nil {
		out.InPersonMinutes = *meta.InPersonMinutes
	}
	out.Formateurs, err = formateurNames(ctx, d.Client, RolesFor(d.Config), courseID)
	return out, err
}

func formateurNames(ctx context.Context, c *moodle.Client, roles Roles, courseID int64) ([]string, error) {
	users, err := c.GetEnrolledUsers(ctx, moodle.Int(courseID), moodle.EnrolledUsersOptions{UserFields: []string{"id", "fullname", "roles"}})
	if err != nil {
		return nil, fmt.Errorf("tracking: formateurs of course %d: %w", courseID, err)
	}
	var out []string
	for _, u := range users {
		names := roleNames(u.Roles)
		if roles.isStaff(names) && !containsString(names, roles.Participant) {
			out = append(out, u.FullName)
		}
	}
	return out, nil
}

func unix(sec int64) time.Time {
	if sec <= 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}

// gaiaBlocks is the course's GAIA session, when it is linked, for the
// collective report: its cartouche and the people its GAIA enrolment
// instance enrols (local_bridge_named_enrolment, "GAIA <session>"). A
// course without a link, or a site without local_bridge, has none.
func (s *Service) gaiaBlocks(ctx context.Context, domain string, courseID int64) ([]certificate.GaiaBlock, error) {
	link, err := s.st.GaiaLinkOf(ctx, domain, courseID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("tracking: certificates: %w", err)
	}
	d, err := s.domain(domain)
	if err != nil {
		return nil, err
	}
	if d.Client.Strategy() == nil {
		if _, err := d.Client.Probe(ctx); err != nil {
			return nil, fmt.Errorf("tracking: certificates: %w", err)
		}
	}
	if st := d.Client.Strategy(); st == nil || !st.HasFunction("local_bridge_named_enrolment") {
		return nil, nil
	}
	var in struct {
		Members []struct {
			UserID int64 `json:"userid"`
		} `json:"members"`
	}
	if err := d.Client.Call(ctx, "local_bridge_named_enrolment", moodle.Params{"courseid": courseID,
		"name": "GAIA " + link.SessionKey, "create": 0}, &in); err != nil {
		return nil, fmt.Errorf("tracking: certificates: GAIA session %s: %w", link.SessionKey, err)
	}
	b := certificate.GaiaBlock{Title: "Session GAIA " + link.SessionKey, UserIDs: map[int64]bool{}}
	if gs, err := s.st.GetGaiaSession(ctx, domain, link.SessionKey); err == nil {
		b.Title = fmt.Sprintf("%s / Module %s : %s / Groupe %s", gs.Dispositif, gs.Module, gs.Label, gs.Group)
		if gs.StartsOn != "" {
			b.Title += " / Session du " + frenchDay(gs.StartsOn) + " au " + frenchDay(gs.EndsOn)
		}
	}
	for _, m := range in.Members {
		b.UserIDs[m.UserID] = true
	}
	return []certificate.GaiaBlock{b}, nil
}

// GaiaMembers returns the GAIA session a course is linked to and the
// Moodle user ids its GAIA enrolment instance enrols (the follow-up's
// filter by GAIA session, "others" being the rest); "" when the course is
// not linked or the site lacks local_bridge.
func (s *Service) GaiaMembers(ctx context.Context, domain string, courseID int64) (string, map[int64]bool, error) {
	blocks, err := s.gaiaBlocks(ctx, domain, courseID)
	if err != nil || len(blocks) == 0 {
		return "", nil, err
	}
	link, err := s.st.GaiaLinkOf(ctx, domain, courseID)
	if err != nil {
		return "", nil, fmt.Errorf("tracking: %w", err)
	}
	return link.SessionKey, blocks[0].UserIDs, nil
}

// frenchDay turns YYYY-MM-DD into DD/MM/YYYY.
func frenchDay(d string) string {
	if t, err := time.Parse("2006-01-02", d); err == nil {
		return t.Format("02/01/2006")
	}
	return d
}
