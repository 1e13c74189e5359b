package api

import (
	"net/http"
	"strconv"
)

// The weekly digest of new offers: the signed caller opts themself in or
// out from the offer block; nobody can subscribe someone else.
func (s *Server) routesDigest(mux router) {
	mux.HandleFunc("GET "+Prefix+"offer/digest", s.digestShow)
	mux.HandleFunc("POST "+Prefix+"offer/digest", s.digestSet(true))
	mux.HandleFunc("DELETE "+Prefix+"offer/digest", s.digestSet(false))
}

// digestCaller is the signed person; a call signed for no user (a
// site-level call) has nobody to subscribe.
func digestCaller(w http.ResponseWriter, r *http.Request) (Caller, bool) {
	c, _ := CallerFrom(r.Context())
	if c.UserID <= 0 {
		writeError(w, http.StatusForbidden, "forbidden", nil)
		return c, false
	}
	return c, true
}

func (s *Server) digestShow(w http.ResponseWriter, r *http.Request) {
	c, ok := digestCaller(w, r)
	if !ok {
		return
	}
	on, err := s.deps.Store.DigestSubscribed(r.Context(), c.Domain, c.UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"subscribed": on})
}

func (s *Server) digestSet(subscribe bool) http.HandlerFunc {
	action := map[bool]string{true: "api.offer.digest.subscribe", false: "api.offer.digest.unsubscribe"}[subscribe]
	return func(w http.ResponseWriter, r *http.Request) {
		c, _ := CallerFrom(r.Context())
		setAudit(r, action, "user:"+strconv.FormatInt(c.UserID, 10))
		if _, ok := digestCaller(w, r); !ok {
			return
		}
		var (
			changed bool
			err     error
		)
		if subscribe {
			changed, err = s.deps.Store.SubscribeDigest(r.Context(), c.Domain, c.UserID)
		} else {
			changed, err = s.deps.Store.UnsubscribeDigest(r.Context(), c.Domain, c.UserID)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"subscribed": subscribe, "changed": changed})
	}
}
