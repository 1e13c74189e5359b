package offer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/fr"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/store"
)

// KindDigest is the weekly digest of new offers: schedule it weekly per
// domain (e.g. cron "0 7 * * 1", kind offer.digest).
const KindDigest = "offer.digest"

// DigestWindow is how far back a digest looks: one week, the period.
const DigestWindow = 7 * 24 * time.Hour

// digestMaxEntries bounds one message; the rest is counted, not listed.
const digestMaxEntries = 30

// digestBatch bounds the messages of one core_message_send_instant_messages call.
const digestBatch = 100

// paris is where the weeks are counted (ISO weeks of French teachers).
var paris = fr.Paris()

// DigestPayload is the offer.digest job's payload.
type DigestPayload struct {
	Domain string `json:"domain"`
	DryRun bool   `json:"dry_run,omitempty"`
}

// DigestPeriod is the ledger key of the week holding t: its ISO
// year-week in Paris, e.g. "2026-W47".
func DigestPeriod(t time.Time) string {
	y, w := t.In(paris).ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// DigestEntry is one new offer in a digest: catalogue data only, never
// who published it.
type DigestEntry struct {
	OfferID         int64     `json:"offer_id"`
	Kind            string    `json:"kind"`
	Title           string    `json:"title"`
	Origin          string    `json:"origin,omitempty"`
	Domain          string    `json:"domain"`
	RemoteMinutes   int       `json:"remote_minutes"`
	InPersonMinutes int       `json:"inperson_minutes"`
	PublishedAt     time.Time `json:"published_at"`
}

// DigestDelivery is what happened (or, dry, would happen) for one subscriber.
type DigestDelivery struct {
	UserID int64  `json:"user_id"`
	Status string `json:"status"` // sent, already_sent, failed, would_send
	Error  string `json:"error,omitempty"`
}

// Delivery statuses.
const (
	DigestSent        = "sent"
	DigestAlreadySent = "already_sent"
	DigestFailed      = "failed"
	DigestWouldSend   = "would_send"
)

// DigestResult is a run's report.
type DigestResult struct {
	Domain     string           `json:"domain"`
	Period     string           `json:"period"`
	Since      time.Time        `json:"since"`
	DryRun     bool             `json:"dry_run,omitempty"`
	Offers     []DigestEntry    `json:"offers"`
	Deliveries []DigestDelivery `json:"deliveries"`
	Sent       int              `json:"sent"`
	Message    string           `json:"message"`
	Text       string           `json:"text,omitempty"` // the message, on dry runs
}

func (s *Service) digestJob(ctx context.Context, run *jobs.Run) (any, error) {
	var p DigestPayload
	if err := run.Decode(&p); err != nil {
		return nil, err
	}
	if p.Domain == "" {
		p.Domain = run.Domain()
	}
	return s.Digest(ctx, p.Domain, p.DryRun)
}

// Digest sends the week's digest of new offers to the domain's
// subscribers, each at most once per period: the ledger slot is claimed
// before sending (one winner across replicas and reruns) and given back
// if sending fails, so that a rerun tries again. Dry, it only reports who
// would get what.
func (s *Service) Digest(ctx context.Context, domain string, dryRun bool) (DigestResult, error) {
	now := s.st.Now()
	res := DigestResult{Domain: domain, Period: DigestPeriod(now), Since: now.Add(-DigestWindow), DryRun: dryRun,
		Offers: []DigestEntry{}, Deliveries: []DigestDelivery{}}
	d, err := s.domain(domain)
	if err != nil {
		return res, err
	}
	if res.Offers, err = s.newOffers(ctx, domain, res.Since); err != nil {
		return res, err
	}
	if len(res.Offers) == 0 {
		res.Message = "aucune nouvelle offre cette semaine : rien n'est envoyé / no new offers: nothing sent"
		return res, nil
	}
	subs, err := s.st.ListDigestSubscribers(ctx, domain)
	if err != nil {
		return res, err
	}
	text := DigestText(res.Period, res.Offers)
	if dryRun {
		res.Text = text
	}
	var todo []int64
	for _, sub := range subs {
		status, err := s.digestSlot(ctx, domain, sub.UserID, res.Period, dryRun)
		if err != nil {
			return res, err
		}
		if status == "" {
			todo = append(todo, sub.UserID)
			continue
		}
		res.Deliveries = append(res.Deliveries, DigestDelivery{UserID: sub.UserID, Status: status})
	}
	var errs []error
	for start := 0; start < len(todo); start += digestBatch {
		got, err := s.sendDigests(ctx, d.Client, domain, res.Period, text, todo[start:min(start+digestBatch, len(todo))])
		res.Deliveries = append(res.Deliveries, got...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	for _, dl := range res.Deliveries {
		if dl.Status == DigestSent {
			res.Sent++
		}
	}
	res.Message = fmt.Sprintf("%d nouvelle(s) offre(s), %d récapitulatif(s) envoyé(s) / %d new offer(s), %d digest(s) sent",
		len(res.Offers), res.Sent, len(res.Offers), res.Sent)
	if dryRun {
		res.Message = fmt.Sprintf("%d nouvelle(s) offre(s), simulation : rien n'est envoyé / %d new offer(s), dry run: nothing sent",
			len(res.Offers), len(res.Offers))
	}
	return res, errors.Join(errs...)
}

// digestSlot claims a subscriber's slot (or, dry, only looks at it); ""
// means the digest is to be sent, otherwise the status to report.
func (s *Service) digestSlot(ctx context.Context, domain string, user int64, period string, dryRun bool) (string, error) {
	if dryRun {
		sent, err := s.st.DigestSent(ctx, domain, user, period)
		if err != nil || sent {
			return DigestAlreadySent, err
		}
		return DigestWouldSend, nil
	}
	claimed, err := s.st.ClaimDigest(ctx, domain, user, period)
	if err != nil || claimed {
		return "", err
	}
	return DigestAlreadySent, nil
}

// newOffers lists the entries a user of domain sees (the national offer
// and the domain's local sessions) published or re-shared since since,
// newest first. Search pages come newest first, so paging stops at the
// first older entry.
func (s *Service) newOffers(ctx context.Context, domain string, since time.Time) ([]DigestEntry, error) {
	out := []DigestEntry{}
	for page := 1; ; page++ {
		p, err := s.st.SearchOffers(ctx, store.OfferFilter{Domain: domain, Page: page, PerPage: 200})
		if err != nil {
			return nil, fmt.Errorf("digest %s: list offers: %w", domain, err)
		}
		for _, o := range p.Offers {
			if !o.PublishedAt.After(since) {
				return out, nil
			}
			out = append(out, DigestEntry{OfferID: o.ID, Kind: o.Kind, Title: o.Title, Origin: o.Origin, Domain: o.Domain,
				RemoteMinutes: deref(o.RemoteMinutes), InPersonMinutes: deref(o.InPersonMinutes), PublishedAt: o.PublishedAt})
		}
		if len(p.Offers) < p.PerPage {
			return out, nil
		}
	}
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// sendDigests sends one batch whose slots are claimed; every slot not
// confirmed sent is released.
func (s *Service) sendDigests(ctx context.Context, c *moodle.Client, domain, period, text string, users []int64) ([]DigestDelivery, error) {
	msgs := make([]moodle.MessageInput, len(users))
	for i, u := range users {
		msgs[i] = moodle.MessageInput{ToUserID: moodle.Int(u), Text: text, TextFormat: 2, ClientMsgID: digestMsgID(period, u)}
	}
	out, err := c.SendInstantMessages(ctx, msgs)
	if err != nil {
		err = fmt.Errorf("digest %s %s: send to %d subscriber(s): %w", domain, period, len(users), err)
		return s.releaseAll(ctx, domain, period, users, err)
	}
	byID := map[string]moodle.SentMessage{}
	for _, m := range out {
		byID[m.ClientMsgID] = m
	}
	var (
		got    []DigestDelivery
		failed []string
		errs   []error
	)
	for _, u := range users {
		m, ok := byID[digestMsgID(period, u)]
		if ok && m.MsgID > 0 {
			got = append(got, DigestDelivery{UserID: u, Status: DigestSent})
			continue
		}
		why := "no answer for this message"
		if ok {
			why = m.ErrorMessage
		}
		got = append(got, DigestDelivery{UserID: u, Status: DigestFailed, Error: why})
		failed = append(failed, fmt.Sprintf("%d (%s)", u, why))
		if err := s.st.ReleaseDigest(ctx, domain, u, period); err != nil {
			errs = append(errs, err)
		}
	}
	if len(failed) > 0 {
		// Moodle refused some messages; their slots are free again and
		// a retry of the job sends to them only.
		errs = append(errs, failure.Retryable(fmt.Errorf("digest %s %s: not sent to user(s) %s", domain, period, strings.Join(failed, ", "))))
	}
	return got, errors.Join(errs...)
}

func (s *Service) releaseAll(ctx context.Context, domain, period string, users []int64, cause error) ([]DigestDelivery, error) {
	errs := []error{cause}
	got := make([]DigestDelivery, len(users))
	for i, u := range users {
		got[i] = DigestDelivery{UserID: u, Status: DigestFailed, Error: "send failed"}
		if err := s.st.ReleaseDigest(ctx, domain, u, period); err != nil {
			errs = append(errs, err)
		}
	}
	return got, errors.Join(errs...)
}

func digestMsgID(period string, user int64) string {
	return fmt.Sprintf("bridge-digest-%s-%d", period, user)
}

// DigestText is the message: French, then one English line. It holds
// catalogue data only (titles, origin, durations), the same for every
// subscriber of a domain.
func DigestText(period string, offers []DigestEntry) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Nouveautés de l'offre m@gistère (semaine %s) : %d nouvelle(s) offre(s).\n", period, len(offers))
	for i, o := range offers {
		if i == digestMaxEntries {
			fmt.Fprintf(&b, "… et %d autre(s) à découvrir dans le bloc Offre.\n", len(offers)-i)
			break
		}
		b.WriteString("- " + digestLine(o) + "\n")
	}
	b.WriteString("Pour ne plus recevoir ce récapitulatif, désabonnez-vous depuis le bloc Offre.\n")
	fmt.Fprintf(&b, "English: %d new offer(s) on m@gistère this week (%s); unsubscribe from the Offer block.", len(offers), period)
	return b.String()
}

func digestLine(o DigestEntry) string {
	kind := "parcours"
	if o.Kind == store.OfferFormation {
		kind = "session"
	}
	parts := []string{fmt.Sprintf("« %s » (%s)", o.Title, kind)}
	if o.Origin != "" {
		parts = append(parts, "origine : "+o.Origin)
	}
	if total := o.RemoteMinutes + o.InPersonMinutes; total > 0 {
		parts = append(parts, fmt.Sprintf("durée : %s (%s à distance, %s en présence)",
			hours(total), hours(o.RemoteMinutes), hours(o.InPersonMinutes)))
	}
	return strings.Join(parts, ", ")
}

// hours writes minutes as French durations: "3 h", "1 h 30", "45 min".
func hours(minutes int) string { return fr.Duration(minutes) }
