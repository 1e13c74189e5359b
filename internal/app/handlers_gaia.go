package app

// The gaia.sync and gaia.scan job kinds are registered by their service:
// see gaia.Service.Register.
func init() {
	handlerSets = append(handlerSets, func(a *App) { a.Gaia.Register(a.Registry) })
}
