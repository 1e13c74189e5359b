package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
)

// OfferService is what the offer block needs from package offer; app
// adapts offer.Service to it.
type OfferService interface {
	// Search browses the national offer (no personal data).
	Search(ctx context.Context, domain, query string, limit int) (any, error)
	// Request asks for a parcours to be deployed into domain.
	Request(ctx context.Context, domain string, userID, offerID int64, name, shortname, actor string) (any, error)
	// Requests lists domain's pending requests for its gestionnaires.
	Requests(ctx context.Context, domain string) (any, error)
	// Decide approves (deploys, as a job) or rejects a request.
	Decide(ctx context.Context, domain string, requestID int64, approve bool, reason, actor string) (any, error)
}

func (s *Server) routesOffer(mux *http.ServeMux) {
	mux.HandleFunc("GET "+Prefix+"offer", s.offerSearch)
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
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	res, err := s.deps.Offer.Search(r.Context(), c.Domain, r.URL.Query().Get("q"), limit)
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
	res, err := s.deps.Offer.Decide(r.Context(), c.Domain, id, decision == "approve", body.Reason, actor(c))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
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
