package app

// The course lifecycle's transitions (workflow.<transition>) and the
// formateurs' reminders (workflow.reminders; schedule it daily in
// `schedules`, e.g. cron "15 2 * * *", kind workflow.reminders, a domain
// or none for every domain).
func init() {
	handlerSets = append(handlerSets, func(a *App) {
		a.Workflow.Register(a.Registry)
	})
}
