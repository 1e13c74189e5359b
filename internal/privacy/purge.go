package privacy

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/magistere/bridge/internal/store"
)

// KindPurge is the job that purges personal data past the retention.
const KindPurge = "privacy.purge"

// DefaultRetentionDays is privacy.retention_days' default.
const DefaultRetentionDays = 90

// PurgeResult is a purge's outcome: counts only.
type PurgeResult struct {
	Before time.Time         `json:"before"`
	DryRun bool              `json:"dry_run"`
	Counts store.PurgeCounts `json:"counts"`
}

// Purge removes what names people and is older than retentionDays (see
// store.PurgePersonalData), and audits it as actor. retentionDays <= 0
// purges nothing.
func Purge(ctx context.Context, st *store.Store, now time.Time, retentionDays int, dryRun bool, actor string) (PurgeResult, error) {
	if retentionDays <= 0 {
		return PurgeResult{DryRun: dryRun}, nil
	}
	before := now.AddDate(0, 0, -retentionDays)
	c, err := st.PurgePersonalData(ctx, before, dryRun)
	res := PurgeResult{Before: before, DryRun: dryRun, Counts: c}
	if err != nil {
		return res, fmt.Errorf("privacy: purge before %s: %w", before.Format(time.DateOnly), err)
	}
	if !dryRun {
		params, _ := json.Marshal(res)
		if _, err := st.RecordAudit(ctx, store.AuditEntry{Actor: actor, Action: KindPurge, Target: "store",
			Params: params, Outcome: "ok"}); err != nil {
			return res, fmt.Errorf("privacy: audit the purge: %w", err)
		}
	}
	return res, nil
}
