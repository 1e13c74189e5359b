package app

import "github.com/magistere/bridge/internal/domains"

// KindDomainsBootstrap is kept for the callers of the previous version:
// the kind now lives in package domains.
const KindDomainsBootstrap = domains.KindBootstrap

// The domains.bootstrap job kind is registered by its service: see
// domains.Service.Register.
func init() {
	handlerSets = append(handlerSets, func(a *App) { a.Domains.Register(a.Registry) })
}
