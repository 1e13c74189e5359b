package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/magistere/bridge/internal/store"
)

// The audit trail: who did what, the operator on the CLI (cli:<OS user>,
// "on behalf of" the Moodle user given with --as) or a Moodle user through
// the API (moodle:<domain>:user:<id>).
func init() {
	register(&command{name: "audit list", summary: "the audit trail, newest first (--domain, --course, --actor, --since, --limit)", run: runAuditList})
}

type auditOut struct {
	ID      int64           `json:"id"`
	At      time.Time       `json:"at"`
	Actor   string          `json:"actor"`
	Domain  string          `json:"domain,omitempty"`
	Action  string          `json:"action"`
	Target  string          `json:"target,omitempty"`
	Outcome string          `json:"outcome,omitempty"`
	JobID   int64           `json:"job_id,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Detail  string          `json:"detail,omitempty"`
}

func runAuditList(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "audit list", "[--domain D] [--course ID] [--actor PREFIX] [--action A] [--since 2026-12-01|24h] [--limit N]")
	domain := fs.String("domain", "", "only this domain")
	course := fs.Int64("course", 0, "only entries about this course id")
	actor := fs.String("actor", "", "only actors starting with this (cli:alice, moodle:ac-a:user:3)")
	action := fs.String("action", "", "only this action (e.g. tracking.enrolment_list)")
	since := fs.String("since", "", "only entries from this date (YYYY-MM-DD) or this long ago (24h, 7d)")
	limit := fs.Int("limit", 100, "at most this many entries (1000 at most)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	f := store.AuditFilter{Domain: *domain, ActorPrefix: *actor, Action: *action, Limit: *limit}
	if *course < 0 {
		return usagef("--course takes a course id")
	}
	if *course > 0 {
		f.Target = "course:" + strconv.FormatInt(*course, 10)
	}
	if *since != "" {
		t, err := parseSince(*since, time.Now())
		if err != nil {
			return usagef("--since: %v", err)
		}
		f.Since = t
	}
	st, err := env.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := st.ListAudit(ctx, f)
	if err != nil {
		return err
	}
	out := make([]auditOut, len(list))
	for i, e := range list {
		out[i] = auditOut{ID: e.ID, At: e.At, Actor: e.Actor, Domain: e.Domain, Action: e.Action, Target: e.Target,
			Outcome: e.Outcome, JobID: e.JobID, Detail: e.Detail}
		if len(e.Params) > 0 && string(e.Params) != "null" {
			out[i].Params = e.Params
		}
	}
	if env.format == "json" {
		return json.NewEncoder(env.stdout).Encode(out)
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AT\tACTOR\tDOMAIN\tACTION\tTARGET\tOUTCOME\tJOB")
	for _, e := range out {
		job := "-"
		if e.JobID != 0 {
			job = strconv.FormatInt(e.JobID, 10)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.At.Local().Format(time.DateTime), e.Actor, dash(e.Domain),
			e.Action, dash(e.Target), dash(e.Outcome), job)
	}
	return tw.Flush()
}

// parseSince reads a date (YYYY-MM-DD, local midnight) or a duration back
// from now (Go's 36h, or days: 7d).
func parseSince(v string, now time.Time) (time.Time, error) {
	if t, err := time.ParseInLocation(time.DateOnly, v, time.Local); err == nil {
		return t, nil
	}
	if days, ok := strings.CutSuffix(v, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 {
			return now.AddDate(0, 0, -n), nil
		}
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is neither a date (2026-12-01) nor a duration (24h, 7d)", v)
}
