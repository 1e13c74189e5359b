package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/magistere/bridge/internal/enrol"
	"github.com/magistere/bridge/internal/store"
)

func init() {
	register(&command{name: "offer requests", summary: "list the requests for shared parcours (Demander la mise à disposition), newest first", run: runOfferRequests})
	register(&command{name: "enrol report", summary: "print the report an enrolment kept (by its job id): text summary, CSV or JSON", run: runEnrolReport, csv: true})
}

var requestStates = []string{store.RequestRequested, store.RequestApproved, store.RequestRejected, store.RequestDeployed, store.RequestFailed}

func runOfferRequests(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "offer requests", "[--state requested|approved|rejected|deployed|failed] [--domain D]")
	state := fs.String("state", "", "only requests in this state")
	domain := fs.String("domain", "", "only requests for this academy")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *state != "" && !slices.Contains(requestStates, *state) {
		return usagef("%s", env.pick(fmt.Sprintf("--state %q : une valeur parmi %v", *state, requestStates), fmt.Sprintf("--state %q: want one of %v", *state, requestStates)))
	}
	st, err := env.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := st.ListOfferRequests(ctx, *domain, *state)
	if err != nil {
		return err
	}
	if env.format == "json" {
		if list == nil {
			list = []store.OfferRequest{}
		}
		return json.NewEncoder(env.stdout).Encode(list)
	}
	fmt.Fprintf(env.stdout, "%d request(s)\n", len(list))
	for _, r := range list {
		if err := printRequest(env, r); err != nil {
			return err
		}
	}
	return nil
}

func runEnrolReport(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "enrol report", "JOB_ID [--format text|csv|json]")
	if err := parseOnly(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("%s", env.pick("il faut l'id du job d'inscription (bridge jobs list --kind "+enrol.KindApply+" les liste)",
			"expected the enrolment's job id (bridge jobs list --kind "+enrol.KindApply+" lists them)"))
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if err != nil || id <= 0 {
		return usagef("the job id must be a positive number, got %q", fs.Arg(0))
	}
	st, err := env.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := enrol.LoadReport(ctx, st, id)
	if errors.Is(err, store.ErrNotFound) {
		return errors.New(env.pick(fmt.Sprintf("pas de rapport d'inscription pour le job %d : il n'a pas inscrit de fichier ou n'est pas terminé (bridge jobs show %d)", id, id),
			fmt.Sprintf("no enrolment report for job %d: it ran no enrolment or is not finished (bridge jobs show %d)", id, id)))
	}
	if err != nil {
		return err
	}
	switch env.format {
	case "csv", "json":
		// The rows name people: the operator's read is audited like the API's download.
		course := int64(0)
		if len(rep.CourseIDs) > 0 {
			course = rep.CourseIDs[0]
		}
		if _, err := st.RecordAudit(ctx, store.AuditEntry{Actor: cliActor(), Domain: rep.Domain, Action: "enrol.report.read",
			Target: fmt.Sprintf("course:%d", course), JobID: id, Outcome: "ok", Detail: fmt.Sprintf("%d row(s) as %s", len(rep.Rows), env.format)}); err != nil {
			return fmt.Errorf("enrol report: audit the read: %w", err)
		}
		if env.format == "csv" {
			return rep.WriteCSV(env.stdout)
		}
		return rep.WriteJSON(env.stdout)
	}
	title := "applied"
	if rep.DryRun {
		title = "dry run"
	}
	fmt.Fprintf(env.stdout, "job %d on %s, courses %v, %s, file sha256 %s\n%s", id, rep.Domain, rep.CourseIDs, title, rep.FileSHA256,
		rep.Counts.Table(env.tableLang()))
	fmt.Fprintf(env.stdout, "%d row(s); --format csv or json prints each row.\n", len(rep.Rows))
	return nil
}
