package app

// The national offer's jobs: offer.share (backup, download, catalogue),
// offer.deploy (upload, restore, record, notify) and offer.check_modified
// (schedule it, e.g. cron "*/15 * * * *", kind offer.check_modified, a
// domain or none for every domain). Backups live under data_dir/offers.
func init() {
	handlerSets = append(handlerSets, func(a *App) {
		a.Offer.Register(a.Registry)
	})
}
