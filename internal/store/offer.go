package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/magistere/bridge/internal/fr"
)

// The national offer (package offer): the catalogue of shared parcours
// ("offre de parcours") and published sessions ("offre de formation"), and
// the academies' requests to deploy a shared parcours.

// Offer kinds and scopes.
const (
	OfferParcours  = "parcours"  // shared parcours: a backup others can deploy
	OfferFormation = "formation" // published session: metadata only
	ScopeNational  = "national"
	ScopeLocal     = "local" // shown only to the publishing domain's users
)

// Offer is one catalogue entry. A parcours entry with Version 0 is being
// shared for the first time and is not listed yet.
type Offer struct {
	ID              int64     `json:"id"`
	Kind            string    `json:"kind"`
	Scope           string    `json:"scope"`
	Domain          string    `json:"domain"`
	CourseID        int64     `json:"course_id"`
	Title           string    `json:"title"`
	Summary         string    `json:"summary"`
	Origin          string    `json:"origin"`
	Collection      string    `json:"collection"`
	Publics         []string  `json:"publics"`
	Keywords        []string  `json:"keywords"`
	RemoteMinutes   *int      `json:"remote_minutes"`
	InPersonMinutes *int      `json:"inperson_minutes"`
	DemoURL         string    `json:"demo_url"`
	Version         int       `json:"version"`
	Checksum        string    `json:"checksum,omitempty"` // SHA-256 (hex) of the backup
	FilePath        string    `json:"file_path,omitempty"`
	FileSize        int64     `json:"file_size,omitempty"`
	CourseModified  int64     `json:"course_modified"` // the course's Moodle timemodified when shared
	Modified        bool      `json:"modified"`        // the course changed since publication
	PublishedBy     string    `json:"published_by"`
	PublishedAt     time.Time `json:"published_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// TotalMinutes is the announced remote plus in-person duration.
func (o Offer) TotalMinutes() int { return deref(o.RemoteMinutes) + deref(o.InPersonMinutes) }

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// Fold lowercases s and removes its accents ("Éducation" -> "education"),
// so that catalogue searches ignore case and accents on every backend.
func Fold(s string) string { return fr.Fold(strings.TrimSpace(s)) }

func foldedList(items []string) string {
	var b strings.Builder
	b.WriteString("|")
	for _, it := range items {
		if f := Fold(it); f != "" {
			b.WriteString(f + "|")
		}
	}
	return b.String()
}

func jsonList(items []string) string {
	if items == nil {
		items = []string{}
	}
	b, _ := json.Marshal(items)
	return string(b)
}

const offerColumns = `id, kind, scope, domain, course_id, title, summary, origin, collection, publics, keywords,
	remote_minutes, inperson_minutes, demo_url, version, checksum, file_path, file_size, course_modified, modified,
	published_by, published_at, updated_at`

func scanOffer(r rowScanner) (Offer, error) {
	var (
		o                  Offer
		publics, keywords  string
		remote, inperson   sql.NullInt64
		modified           int
		publishedAt, updAt int64
	)
	err := r.Scan(&o.ID, &o.Kind, &o.Scope, &o.Domain, &o.CourseID, &o.Title, &o.Summary, &o.Origin, &o.Collection,
		&publics, &keywords, &remote, &inperson, &o.DemoURL, &o.Version, &o.Checksum, &o.FilePath, &o.FileSize,
		&o.CourseModified, &modified, &o.PublishedBy, &publishedAt, &updAt)
	if err != nil {
		return o, err
	}
	_ = json.Unmarshal([]byte(publics), &o.Publics)
	_ = json.Unmarshal([]byte(keywords), &o.Keywords)
	o.RemoteMinutes, o.InPersonMinutes = intPtr(remote), intPtr(inperson)
	o.Modified = modified != 0
	o.PublishedAt, o.UpdatedAt = fromMillis(publishedAt), fromMillis(updAt)
	return o, nil
}

// PutOffer inserts or replaces the entry of (kind, domain, course) and
// returns it with its id. The id of an existing entry never changes.
func (s *Store) PutOffer(ctx context.Context, o Offer) (Offer, error) {
	if o.Kind == "" || o.Domain == "" || o.CourseID == 0 {
		return o, fmt.Errorf("store: put offer: %w", &Error{"kind, domain and course are required"})
	}
	if o.Scope == "" {
		o.Scope = ScopeNational
	}
	search := Fold(strings.Join([]string{o.Title, o.Summary, strings.Join(o.Keywords, " ")}, " "))
	err := s.upsert(ctx, "put offer",
		`INSERT INTO offers (kind, scope, domain, course_id, title, summary, origin, collection, publics, keywords,
			remote_minutes, inperson_minutes, total_minutes, demo_url, version, checksum, file_path, file_size, course_modified,
			modified, published_by, published_at, search_text, publics_key, origin_key, collection_key, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		[]string{"kind", "domain", "course_id"},
		[]string{"scope", "title", "summary", "origin", "collection", "publics", "keywords", "remote_minutes", "inperson_minutes",
			"total_minutes", "demo_url", "version", "checksum", "file_path", "file_size", "course_modified", "modified",
			"published_by", "published_at", "search_text", "publics_key", "origin_key", "collection_key", "updated_at"},
		o.Kind, o.Scope, o.Domain, o.CourseID, o.Title, o.Summary, o.Origin, o.Collection, jsonList(o.Publics), jsonList(o.Keywords),
		nullInt(o.RemoteMinutes), nullInt(o.InPersonMinutes), o.TotalMinutes(), o.DemoURL, o.Version, o.Checksum, o.FilePath,
		o.FileSize, o.CourseModified, boolInt(o.Modified), o.PublishedBy, millis(o.PublishedAt), search, foldedList(o.Publics),
		Fold(o.Origin), Fold(o.Collection), millis(s.Now()))
	if err != nil {
		return o, err
	}
	return s.OfferByCourse(ctx, o.Kind, o.Domain, o.CourseID)
}

// GetOffer reads one entry by id.
func (s *Store) GetOffer(ctx context.Context, id int64) (Offer, error) {
	o, err := scanOffer(s.db.QueryRowContext(ctx, `SELECT `+offerColumns+` FROM offers WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return o, fmt.Errorf("offer %d: %w", id, ErrNotFound)
	}
	return o, wrap("get offer", err)
}

// OfferByCourse reads the entry of one course.
func (s *Store) OfferByCourse(ctx context.Context, kind, domain string, courseID int64) (Offer, error) {
	o, err := scanOffer(s.db.QueryRowContext(ctx, `SELECT `+offerColumns+` FROM offers WHERE kind = ? AND domain = ? AND course_id = ?`,
		kind, domain, courseID))
	if errors.Is(err, sql.ErrNoRows) {
		return o, fmt.Errorf("%s offer of course %d on %s: %w", kind, courseID, domain, ErrNotFound)
	}
	return o, wrap("get offer by course", err)
}

// DeleteOffer removes an entry; it reports whether one was there.
func (s *Store) DeleteOffer(ctx context.Context, id int64) (bool, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM offers WHERE id = ?`, id)
	if err != nil {
		return false, wrap("delete offer", err)
	}
	n, err := res.RowsAffected()
	return n > 0, wrap("delete offer", err)
}

// SetOfferModified sets the "modified since publication" flag.
func (s *Store) SetOfferModified(ctx context.Context, id int64, modified bool) error {
	_, err := s.db.ExecContext(ctx, `UPDATE offers SET modified = ?, updated_at = ? WHERE id = ?`, boolInt(modified), millis(s.Now()), id)
	return wrap("set offer modified", err)
}

// OfferFilter selects catalogue entries. Zero fields do not filter. Text
// matches title, summary and keywords, ignoring case and accents; Origin,
// Collection and Public match whole values the same way. With Domain set,
// local entries of other domains are hidden (a user sees the national
// offer and their own academy's local sessions).
type OfferFilter struct {
	Kind       string
	Text       string
	Origin     string
	Collection string
	Public     string
	MinMinutes int // total announced duration, inclusive
	MaxMinutes int
	Domain     string
	Page       int // 1-based
	PerPage    int // default 20, at most 200
}

// OfferPage is one page of a search.
type OfferPage struct {
	Total   int     `json:"total"`
	Page    int     `json:"page"`
	PerPage int     `json:"per_page"`
	Offers  []Offer `json:"offers"`
}

func (f OfferFilter) where() (string, []any) {
	conds := []string{"NOT (kind = ? AND version = 0)"}
	args := []any{OfferParcours}
	add := func(cond string, a ...any) { conds = append(conds, cond); args = append(args, a...) }
	if f.Kind != "" {
		add("kind = ?", f.Kind)
	}
	for _, word := range strings.Fields(Fold(f.Text)) {
		add("search_text LIKE ? ESCAPE '!'", "%"+likeEscape(word)+"%")
	}
	if f.Origin != "" {
		add("origin_key = ?", Fold(f.Origin))
	}
	if f.Collection != "" {
		add("collection_key = ?", Fold(f.Collection))
	}
	if f.Public != "" {
		add("publics_key LIKE ? ESCAPE '!'", "%|"+likeEscape(Fold(f.Public))+"|%")
	}
	if f.MinMinutes > 0 {
		add("total_minutes >= ?", f.MinMinutes)
	}
	if f.MaxMinutes > 0 {
		add("total_minutes <= ?", f.MaxMinutes)
	}
	if f.Domain != "" {
		add("(scope <> ? OR domain = ?)", ScopeLocal, f.Domain)
	}
	return strings.Join(conds, " AND "), args
}

func likeEscape(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}

// SearchOffers lists the entries matching f, newest publication first.
func (s *Store) SearchOffers(ctx context.Context, f OfferFilter) (OfferPage, error) {
	if f.Page < 1 {
		f.Page = 1
	}
	if f.PerPage <= 0 {
		f.PerPage = 20
	}
	f.PerPage = min(f.PerPage, 200)
	page := OfferPage{Page: f.Page, PerPage: f.PerPage, Offers: []Offer{}}
	where, args := f.where()
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM offers WHERE `+where, args...).Scan(&page.Total); err != nil {
		return page, wrap("count offers", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+offerColumns+` FROM offers WHERE `+where+
		` ORDER BY published_at DESC, id DESC LIMIT ? OFFSET ?`, append(args, f.PerPage, (f.Page-1)*f.PerPage)...)
	if err != nil {
		return page, wrap("search offers", err)
	}
	defer rows.Close()
	for rows.Next() {
		o, err := scanOffer(rows)
		if err != nil {
			return page, wrap("search offers", err)
		}
		page.Offers = append(page.Offers, o)
	}
	return page, wrap("search offers", rows.Err())
}

// ListSharedOffers lists the listed parcours entries of a domain ("" =
// every domain), for the modification check.
func (s *Store) ListSharedOffers(ctx context.Context, domain string) ([]Offer, error) {
	q := `SELECT ` + offerColumns + ` FROM offers WHERE kind = ? AND version > 0`
	args := []any{OfferParcours}
	if domain != "" {
		q += ` AND domain = ?`
		args = append(args, domain)
	}
	return queryAll(ctx, s.db, "list shared offers", scanOffer, q+` ORDER BY id`, args...)
}

// Request states of "Demander la mise à disposition".
const (
	RequestRequested = "requested"
	RequestApproved  = "approved"
	RequestRejected  = "rejected"
	RequestDeployed  = "deployed"
	RequestFailed    = "failed"
)

// OfferRequest is an academy's request to deploy a shared parcours.
type OfferRequest struct {
	ID              int64     `json:"id"`
	OfferID         int64     `json:"offer_id"`
	TargetDomain    string    `json:"target_domain"`
	RequestedBy     string    `json:"requested_by"`
	RequesterUserID int64     `json:"requester_user_id"` // Moodle user id on the target domain, notified
	Name            string    `json:"name"`
	ShortName       string    `json:"shortname"`
	CategoryID      int64     `json:"category_id"` // 0 = the domain's "Parcours de formation"
	State           string    `json:"state"`
	Reason          string    `json:"reason,omitempty"`
	DecidedBy       string    `json:"decided_by,omitempty"`
	CourseID        int64     `json:"course_id,omitempty"` // the deployed course
	JobID           int64     `json:"job_id,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

const requestColumns = `id, offer_id, target_domain, requested_by, requester_user_id, name, shortname, category_id, state,
	reason, decided_by, course_id, job_id, created_at, updated_at`

func scanRequest(r rowScanner) (OfferRequest, error) {
	var (
		q        OfferRequest
		cat, upd int64
	)
	err := r.Scan(&q.ID, &q.OfferID, &q.TargetDomain, &q.RequestedBy, &q.RequesterUserID, &q.Name, &q.ShortName,
		&q.CategoryID, &q.State, &q.Reason, &q.DecidedBy, &q.CourseID, &q.JobID, &cat, &upd)
	q.CreatedAt, q.UpdatedAt = fromMillis(cat), fromMillis(upd)
	return q, err
}

// CreateOfferRequest records a new request in state "requested".
func (s *Store) CreateOfferRequest(ctx context.Context, q OfferRequest) (OfferRequest, error) {
	if q.OfferID == 0 || q.TargetDomain == "" || q.ShortName == "" || q.Name == "" {
		return q, fmt.Errorf("store: create offer request: %w", &Error{"offer, target domain, name and shortname are required"})
	}
	now := millis(s.Now())
	res, err := s.db.ExecContext(ctx, `INSERT INTO offer_requests (offer_id, target_domain, requested_by, requester_user_id,
		name, shortname, category_id, state, reason, decided_by, course_id, job_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', '', 0, 0, ?, ?)`,
		q.OfferID, q.TargetDomain, q.RequestedBy, q.RequesterUserID, q.Name, q.ShortName, q.CategoryID, RequestRequested, now, now)
	if err != nil {
		return q, wrap("create offer request", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return q, wrap("create offer request", err)
	}
	return s.GetOfferRequest(ctx, id)
}

// GetOfferRequest reads one request.
func (s *Store) GetOfferRequest(ctx context.Context, id int64) (OfferRequest, error) {
	q, err := scanRequest(s.db.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM offer_requests WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return q, fmt.Errorf("offer request %d: %w", id, ErrNotFound)
	}
	return q, wrap("get offer request", err)
}

// ListOfferRequests lists requests, newest first; zero arguments do not filter.
func (s *Store) ListOfferRequests(ctx context.Context, targetDomain, state string) ([]OfferRequest, error) {
	q := `SELECT ` + requestColumns + ` FROM offer_requests WHERE 1 = 1`
	var args []any
	if targetDomain != "" {
		q += ` AND target_domain = ?`
		args = append(args, targetDomain)
	}
	if state != "" {
		q += ` AND state = ?`
		args = append(args, state)
	}
	return queryAll(ctx, s.db, "list offer requests", scanRequest, q+` ORDER BY id DESC`, args...)
}

// RequestUpdate is a state change of a request; zero fields are kept.
type RequestUpdate struct {
	State     string
	Reason    string
	DecidedBy string
	CourseID  int64
	JobID     int64
}

// UpdateOfferRequest moves a request to u.State if its current state is
// one of from (none = any), atomically: two gestionnaires deciding at once
// cannot both win. ErrConflict when the state was not one of from.
func (s *Store) UpdateOfferRequest(ctx context.Context, id int64, u RequestUpdate, from ...string) (OfferRequest, error) {
	q := `UPDATE offer_requests SET state = ?, updated_at = ?`
	args := []any{u.State, millis(s.Now())}
	for col, v := range map[string]any{"reason": u.Reason, "decided_by": u.DecidedBy} {
		if v != "" {
			q += `, ` + col + ` = ?`
			args = append(args, v)
		}
	}
	for col, v := range map[string]int64{"course_id": u.CourseID, "job_id": u.JobID} {
		if v != 0 {
			q += `, ` + col + ` = ?`
			args = append(args, v)
		}
	}
	q += ` WHERE id = ?`
	args = append(args, id)
	if len(from) > 0 {
		q += ` AND state IN (?` + strings.Repeat(", ?", len(from)-1) + `)`
		for _, f := range from {
			args = append(args, f)
		}
	}
	res, err := s.db.ExecContext(ctx, q, args...)
	if err != nil {
		return OfferRequest{}, wrap("update offer request", err)
	}
	cur, err := s.GetOfferRequest(ctx, id)
	if err != nil {
		return cur, err
	}
	if n, _ := res.RowsAffected(); n == 0 && cur.State != u.State {
		return cur, fmt.Errorf("offer request %d is %s: %w", id, cur.State, ErrConflict)
	}
	return cur, nil
}
