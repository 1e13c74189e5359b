package offer

import (
	"context"
	"fmt"
	"slices"

	"github.com/magistere/bridge/internal/store"
)

// What the offer block reads (package api writes these as they are). The
// fields of each view are in the order of their JSON names, so that the
// bytes on the wire are those of the maps they replace (pinned by the
// api's wire-shape test).

// Listing is one page of a search, with the values its filters offer.
type Listing struct {
	Facets  map[string][]string `json:"facets"`
	Offers  []store.Offer       `json:"offers"`
	Page    int                 `json:"page"`
	PerPage int                 `json:"per_page"`
	Total   int                 `json:"total"`
}

// Entry is one listed entry, with the reader's own live request for it.
type Entry struct {
	Offer   store.Offer         `json:"offer"`
	Request *store.OfferRequest `json:"request,omitempty"`
}

// RequestList is a list of requests ("requests" on the wire).
type RequestList struct {
	Requests []store.OfferRequest `json:"requests"`
}

// Approval is an approved request and the job deploying it.
type Approval struct {
	JobID   int64              `json:"job_id"`
	Request store.OfferRequest `json:"request"`
}

// Listing searches the offer and strips what belongs to the daemon.
func (s *Service) Listing(ctx context.Context, f store.OfferFilter) (Listing, error) {
	page, err := s.Search(ctx, f)
	if err != nil {
		return Listing{}, err
	}
	hide(page.Offers)
	facets, err := s.facets(ctx, f.Domain, f.Kind)
	if err != nil {
		return Listing{}, err
	}
	return Listing{Total: page.Total, Page: page.Page, PerPage: page.PerPage, Offers: page.Offers, Facets: facets}, nil
}

// hide removes the backup's path and checksum: the daemon's business, not the block's.
func hide(offers []store.Offer) {
	for i := range offers {
		offers[i].FilePath, offers[i].Checksum = "", ""
	}
}

// facetScan bounds the entries read to list the filters' values: the
// national catalogue holds hundreds of entries, not thousands.
const facetScan = 200

// facets are the values the search filters offer (origins, collections,
// publics), as the catalogue spells them, sorted.
func (s *Service) facets(ctx context.Context, domain, kind string) (map[string][]string, error) {
	all, err := s.Search(ctx, store.OfferFilter{Kind: kind, Domain: domain, PerPage: facetScan, Page: 1})
	if err != nil {
		return nil, err
	}
	sets := map[string]map[string]bool{"origins": {}, "collections": {}, "publics": {}}
	for _, e := range all.Offers {
		sets["origins"][e.Origin] = true
		sets["collections"][e.Collection] = true
		for _, p := range e.Publics {
			sets["publics"][p] = true
		}
	}
	out := map[string][]string{}
	for name, set := range sets {
		out[name] = []string{}
		for v := range set {
			if v != "" {
				out[name] = append(out[name], v)
			}
		}
		slices.Sort(out[name])
	}
	return out, nil
}

// Entry is one listed entry as domain's userID sees it; a local entry of
// another domain, or a parcours no longer shared, is "not found".
func (s *Service) Entry(ctx context.Context, domain string, userID, id int64) (Entry, error) {
	e, err := s.st.GetOffer(ctx, id)
	if err != nil {
		return Entry{}, err
	}
	if (e.Kind == store.OfferParcours && e.Version == 0) || (e.Scope == store.ScopeLocal && e.Domain != domain) {
		return Entry{}, fmt.Errorf("offer %d: %w", id, store.ErrNotFound)
	}
	one := []store.Offer{e}
	hide(one)
	out := Entry{Offer: one[0]}
	if userID != 0 {
		r, found, err := s.LiveRequest(ctx, domain, userID, id)
		if err != nil {
			return Entry{}, err
		}
		if found {
			out.Request = &r
		}
	}
	return out, nil
}

// myRequestsShown bounds the list of a person's requests.
const myRequestsShown = 10

// MyRequests are userID's latest requests in domain, newest first.
func (s *Service) MyRequests(ctx context.Context, domain string, userID int64) (RequestList, error) {
	list, err := s.st.ListOfferRequests(ctx, domain, "")
	if err != nil {
		return RequestList{}, err
	}
	mine := []store.OfferRequest{}
	for _, r := range list {
		if r.RequesterUserID == userID && len(mine) < myRequestsShown {
			mine = append(mine, r)
		}
	}
	return RequestList{Requests: mine}, nil
}

// Pending are domain's requests waiting for a decision.
func (s *Service) Pending(ctx context.Context, domain string) (RequestList, error) {
	list, err := s.st.ListOfferRequests(ctx, domain, store.RequestRequested)
	if err != nil {
		return RequestList{}, err
	}
	return RequestList{Requests: list}, nil
}

// inDomain reads request id, "not found" when it belongs to another domain.
func (s *Service) inDomain(ctx context.Context, domain string, id int64) error {
	req, err := s.st.GetOfferRequest(ctx, id)
	if err != nil {
		return err
	}
	if req.TargetDomain != domain {
		return fmt.Errorf("offer request %d of another domain: %w", id, store.ErrNotFound)
	}
	return nil
}

// ApproveIn approves domain's request id and submits its deployment.
func (s *Service) ApproveIn(ctx context.Context, domain string, id int64, actor string) (Approval, error) {
	if err := s.inDomain(ctx, domain, id); err != nil {
		return Approval{}, err
	}
	req, job, err := s.Approve(ctx, id, actor)
	if err != nil {
		return Approval{}, err
	}
	return Approval{Request: req, JobID: job.ID}, nil
}

// RejectIn rejects domain's request id with reason.
func (s *Service) RejectIn(ctx context.Context, domain string, id int64, actor, reason string) (store.OfferRequest, error) {
	if err := s.inDomain(ctx, domain, id); err != nil {
		return store.OfferRequest{}, err
	}
	return s.Reject(ctx, id, actor, reason)
}
