package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/magistere/bridge/internal/offer"
	"github.com/magistere/bridge/internal/store"
)

// OfferService is what the offer block needs from package offer; app
// adapts offer.Service to it.
type OfferService interface {
	// Search browses the national offer (no personal data).
	Search(ctx context.Context, domain string, q OfferQuery) (offer.Listing, error)
	// Get is one entry of the offer, with the caller's own live request
	// for it, if any.
	Get(ctx context.Context, domain string, userID, offerID int64) (offer.Entry, error)
	// MyRequests lists the caller's requests in their domain, newest first.
	MyRequests(ctx context.Context, domain string, userID int64) (offer.RequestList, error)
	// Request asks for a parcours to be deployed into domain.
	Request(ctx context.Context, domain string, userID, offerID int64, name, shortname, actor string) (store.OfferRequest, error)
	// Requests lists domain's pending requests for its gestionnaires.
	Requests(ctx context.Context, domain string) (offer.RequestList, error)
	// Approve approves a request of domain and deploys it, as a job.
	Approve(ctx context.Context, domain string, requestID int64, actor string) (offer.Approval, error)
	// Reject rejects a request of domain with a reason.
	Reject(ctx context.Context, domain string, requestID int64, reason, actor string) (store.OfferRequest, error)
}

// OfferQuery is a search of the offer: text, the indexing filters and
// the announced total duration in minutes (0: no bound).
type OfferQuery struct {
	Kind, Text, Origin, Collection, Public string
	MinMinutes, MaxMinutes, Page, PerPage  int
}

func (s *Server) routesOffer(mux router) {
	mux.HandleFunc("GET "+Prefix+"offer", s.offerSearch)
	mux.HandleFunc("GET "+Prefix+"offer/{id}", s.offerGet)
	mux.HandleFunc("GET "+Prefix+"offer/requests", s.offerMyRequests)
	mux.HandleFunc("POST "+Prefix+"offer/{id}/request", s.offerRequest)
	mux.HandleFunc("GET "+Prefix+"courses/{course}/offer/requests", s.offerRequests)
	mux.HandleFunc("POST "+Prefix+"courses/{course}/offer/requests/{id}/{decision}", s.offerDecide)
}

func (s *Server) offerReady(w http.ResponseWriter) bool {
	if s.deps.Offer == nil {
		writeError(w, http.StatusNotImplemented, "offer_unavailable", nil)
		return false
	}
	return true
}

func (s *Server) offerSearch(w http.ResponseWriter, r *http.Request) {
	if !s.offerReady(w) {
		return
	}
	c, _ := CallerFrom(r.Context())
	v := r.URL.Query()
	q := OfferQuery{Kind: v.Get("kind"), Text: v.Get("q"), Origin: v.Get("origin"), Collection: v.Get("collection"), Public: v.Get("public")}
	for _, f := range []struct {
		name string
		dst  *int
	}{{"min_minutes", &q.MinMinutes}, {"max_minutes", &q.MaxMinutes}, {"page", &q.Page}, {"limit", &q.PerPage}} {
		if raw := v.Get(f.name); raw != "" {
			n, err := strconv.Atoi(raw)
			if err != nil || n < 0 {
				badRequest(w, "bad_"+f.name, f.name+" must be a whole number of at least 0")
				return
			}
			*f.dst = n
		}
	}
	if q.PerPage <= 0 || q.PerPage > 100 {
		q.PerPage = 20
	}
	res, err := s.deps.Offer.Search(r.Context(), c.Domain, q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// offerRequest: any signed-in person of the domain may ask; the request
// waits for a gestionnaire.
func (s *Server) offerRequest(w http.ResponseWriter, r *http.Request) {
	id, ok := pathInt(r, "id")
	if !ok {
		badRequest(w, "bad_offer", "offer id must be a positive integer")
		return
	}
	setAudit(r, "api.offer.request", "offer:"+strconv.FormatInt(id, 10))
	if !s.offerReady(w) {
		return
	}
	c, _ := CallerFrom(r.Context())
	if c.UserID == 0 {
		writeError(w, http.StatusForbidden, "forbidden", nil)
		return
	}
	var body struct {
		Name      string `json:"name"`
		ShortName string `json:"shortname"`
	}
	if err := decodeJSON(r, &body); err != nil {
		badRequest(w, "bad_json", "the body must be {\"name\", \"shortname\"}")
		return
	}
	res, err := s.deps.Offer.Request(r.Context(), c.Domain, c.UserID, id, body.Name, body.ShortName, actor(c))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, res)
}

// The requests belong to the domain, not to the course holding the block:
// listing and deciding them takes a site-level manager (acting_as=site,
// vouched by local_bridge), never a manager of one course.
func (s *Server) offerRequests(w http.ResponseWriter, r *http.Request) {
	course, ok := pathInt(r, "course")
	if !ok {
		badRequest(w, "bad_course", "course id must be a positive integer")
		return
	}
	if !s.offerReady(w) {
		return
	}
	c, ok := s.authorizeSite(w, r, course)
	if !ok {
		return
	}
	res, err := s.deps.Offer.Requests(r.Context(), c.Domain)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) offerDecide(w http.ResponseWriter, r *http.Request) {
	course, ok1 := pathInt(r, "course")
	id, ok2 := pathInt(r, "id")
	decision := r.PathValue("decision")
	if !ok1 || !ok2 || (decision != "approve" && decision != "reject") {
		writeError(w, http.StatusNotFound, "not_found", nil)
		return
	}
	setAudit(r, "api.offer."+decision, "offer_request:"+strconv.FormatInt(id, 10))
	if !s.offerReady(w) {
		return
	}
	c, ok := s.authorizeSite(w, r, course)
	if !ok {
		return
	}
	var body struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(r, &body); err != nil {
		badRequest(w, "bad_json", "the body must be {\"reason\"}")
		return
	}
	if decision == "approve" {
		res, err := s.deps.Offer.Approve(r.Context(), c.Domain, id, actor(c))
		s.answer(w, r, res, err)
		return
	}
	res, err := s.deps.Offer.Reject(r.Context(), c.Domain, id, body.Reason, actor(c))
	s.answer(w, r, res, err)
}

// authorizeSite admits a person who manages the whole site (see
// Caller.SiteLevel); everyone else gets 403, audited with the reason.
func (s *Server) authorizeSite(w http.ResponseWriter, r *http.Request, course int64) (Caller, bool) {
	c, _ := CallerFrom(r.Context())
	if c.UserID == 0 || !c.SiteLevel {
		setAuditDetail(r, fmt.Sprintf("course:%d: offer requests belong to the site; needs a site-level manager", course))
		writeError(w, http.StatusForbidden, "forbidden", nil)
		return c, false
	}
	return c, true
}

// offerGet is one entry of the offer (a detail view).
func (s *Server) offerGet(w http.ResponseWriter, r *http.Request) {
	id, ok := pathInt(r, "id")
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", nil)
		return
	}
	if !s.offerReady(w) {
		return
	}
	c, _ := CallerFrom(r.Context())
	res, err := s.deps.Offer.Get(r.Context(), c.Domain, c.UserID, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// offerMyRequests: a person's own requests and what became of them
// (waiting, refused with the reason, deployed with the course).
func (s *Server) offerMyRequests(w http.ResponseWriter, r *http.Request) {
	if !s.offerReady(w) {
		return
	}
	c, _ := CallerFrom(r.Context())
	if c.UserID == 0 {
		writeError(w, http.StatusForbidden, "forbidden", nil)
		return
	}
	res, err := s.deps.Offer.MyRequests(r.Context(), c.Domain, c.UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// answer writes res (200), or the failure err.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, res any, err error) {
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
