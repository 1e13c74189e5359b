package app

// The enrol.apply job kind is registered by its service: see
// enrol.Service.Register.
func init() {
	handlerSets = append(handlerSets, func(a *App) { a.Enrol.Register(a.Registry) })
}
