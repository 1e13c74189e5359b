package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/magistere/bridge/internal/privacy"
)

// CNIL lifecycle: what names people (uploads, enrolment reports, finished
// jobs' checkpoints and files) goes after privacy.retention_days. The
// daemon runs it daily (privacy.purge_cron); this runs it now.
func init() {
	register(&command{name: "privacy purge", summary: "delete uploads, reports, checkpoints and job files older than privacy.retention_days (--dry-run counts)", run: runPrivacyPurge})
}

func runPrivacyPurge(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "privacy purge", "[--dry-run]")
	dry := fs.Bool("dry-run", false, "count what would be deleted, delete nothing")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := env.loadConfig()
	if err != nil {
		return err
	}
	if cfg.Privacy.RetentionDays <= 0 {
		return usagef("privacy.retention_days is 0: nothing is ever purged (set a number of days)")
	}
	st, err := env.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := privacy.Purge(ctx, st, time.Now(), cfg.Privacy.RetentionDays, *dry, cliActor())
	if err != nil {
		return err
	}
	if env.format == "json" {
		return json.NewEncoder(env.stdout).Encode(res)
	}
	verb := map[bool]string{true: "would delete", false: "deleted"}[*dry]
	c := res.Counts
	fmt.Fprintf(env.stdout, "before %s (%d days): %s %d upload(s), %d report(s), %d checkpoint(s) and %d file(s) of %d finished job(s), %d inline file(s) in payloads\n",
		res.Before.Local().Format(time.DateOnly), cfg.Privacy.RetentionDays, verb, c.Uploads, c.Reports, c.Checkpoints, c.JobFiles, c.JobsAffected, c.JobPayloads)
	return nil
}
