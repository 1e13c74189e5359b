package domains

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/store"
)

// Category role keys of the lifecycle skeleton (the keys of the
// domain_categories table).
const (
	CatGabarit               = "gabarit"
	CatParcours              = "parcours"
	CatDemonstration         = "demonstration"
	CatSession               = "session"
	CatAutoInscription       = "autoinscription"
	CatAutoInscriptionLocale = "autoinscription_locale"
	CatArchive               = "archive"
	CatCorbeille             = "corbeille"
)

// SkeletonCategory is one category the lifecycle needs on every domain.
// It is found by its idnumber, never by its name: after bootstrap its id
// is in the store, and renaming it in Moodle breaks nothing.
type SkeletonCategory struct {
	Key      string
	Name     string
	IDNumber string
	Parent   string // key of the parent; "" = top level
}

// Skeleton lists the categories in creation order (parents first).
var Skeleton = []SkeletonCategory{
	{CatGabarit, "Gabarit", "BRIDGE-GAB", ""},
	{CatParcours, "Parcours de formation", "BRIDGE-PDF", ""},
	{CatDemonstration, "Parcours en démonstration", "BRIDGE-PED", CatParcours},
	{CatSession, "Session de formation", "BRIDGE-SDF", ""},
	{CatAutoInscription, "Session en auto-inscription", "BRIDGE-SAF", CatSession},
	{CatAutoInscriptionLocale, "Session locale en auto-inscription", "BRIDGE-SLAF", CatSession},
	{CatArchive, "Archive", "BRIDGE-ARC", ""},
	{CatCorbeille, "Corbeille", "BRIDGE-TRASH", ""},
}

// StandardRoleIDs are the role ids of a stock Moodle install (mdl_role),
// identical from 2.0 to 4.5. Core web services have no "list roles"
// function, so a configured shortname is resolved through this table; a
// site with custom roles configures the id itself (roles.formateur: "9").
var StandardRoleIDs = map[string]int64{
	"manager": 1, "coursecreator": 2, "editingteacher": 3, "teacher": 4, "student": 5, "guest": 6, "user": 7, "frontpage": 8,
}

// BootstrapItem is the outcome for one category or role.
type BootstrapItem struct {
	Key     string `json:"key"`
	ID      int64  `json:"id"`
	Name    string `json:"name,omitempty"`
	Created bool   `json:"created"`
	Changed bool   `json:"changed"` // the store's record was missing or different
}

// BootstrapReport says what a bootstrap found, created and recorded.
type BootstrapReport struct {
	Domain     string          `json:"domain"`
	Categories []BootstrapItem `json:"categories"`
	Roles      []BootstrapItem `json:"roles"`
}

// Created counts the categories created on the site by this run.
func (r *BootstrapReport) Created() int {
	n := 0
	for _, c := range r.Categories {
		if c.Created {
			n++
		}
	}
	return n
}

// Changed counts the store records written or changed by this run.
func (r *BootstrapReport) Changed() int {
	n := 0
	for _, items := range [][]BootstrapItem{r.Categories, r.Roles} {
		for _, it := range items {
			if it.Changed {
				n++
			}
		}
	}
	return n
}

// Bootstrap makes sure the domain has the category skeleton (creating what
// is missing, found by idnumber) and records every category and role id in
// the store. Running it again changes nothing.
func Bootstrap(ctx context.Context, d *Domain, st *store.Store) (*BootstrapReport, error) {
	rep := &BootstrapReport{Domain: d.Name()}
	known, err := st.DomainCategories(ctx, d.Name())
	if err != nil {
		return nil, fmt.Errorf("bootstrap %s: %w", d.Name(), err)
	}
	ids := map[string]int64{}
	for _, sc := range Skeleton {
		item, err := ensureCategory(ctx, d, sc, ids[sc.Parent])
		if err != nil {
			return rep, fmt.Errorf("bootstrap %s: category %s: %w", d.Name(), sc.Key, err)
		}
		ids[sc.Key] = item.ID
		if prev, ok := known[sc.Key]; !ok || prev.CategoryID != item.ID || prev.IDNumber != sc.IDNumber {
			item.Changed = true
			if err := st.SaveDomainCategory(ctx, d.Name(), store.DomainCategory{Key: sc.Key, CategoryID: item.ID, IDNumber: sc.IDNumber}); err != nil {
				return rep, fmt.Errorf("bootstrap %s: %w", d.Name(), err)
			}
		}
		rep.Categories = append(rep.Categories, item)
	}
	for _, sub := range subCategories(d) {
		item, err := ensureCategory(ctx, d, sub, ids[sub.Parent])
		if err != nil {
			return rep, fmt.Errorf("bootstrap %s: sub-category %q: %w", d.Name(), sub.Name, err)
		}
		if prev, ok := known[sub.Key]; !ok || prev.CategoryID != item.ID {
			item.Changed = true
			if err := st.SaveDomainCategory(ctx, d.Name(), store.DomainCategory{Key: sub.Key, CategoryID: item.ID, IDNumber: sub.IDNumber}); err != nil {
				return rep, fmt.Errorf("bootstrap %s: %w", d.Name(), err)
			}
		}
		rep.Categories = append(rep.Categories, item)
	}
	roles, err := bootstrapRoles(ctx, d, st)
	rep.Roles = roles
	if err != nil {
		return rep, fmt.Errorf("bootstrap %s: %w", d.Name(), err)
	}
	return rep, nil
}

// SubCategoryKey is the domain_categories key of a configured sub-category.
func SubCategoryKey(idnumber string) string { return "sub:" + idnumber }

// subCategories turns the configured sub-categories into skeleton-like
// entries with a stable idnumber (derived from parent and name when the
// configuration gives none).
func subCategories(d *Domain) []SkeletonCategory {
	var out []SkeletonCategory
	for _, sc := range d.Config.SubCategories {
		idn := sc.IDNumber
		if idn == "" {
			idn = "BRIDGE-" + strings.ToUpper(sc.Parent) + "-" + slug(sc.Name)
		}
		out = append(out, SkeletonCategory{Key: SubCategoryKey(idn), Name: sc.Name, IDNumber: idn, Parent: sc.Parent})
	}
	return out
}

// slug keeps letters and digits (accents folded), upper-cased, with '-'
// between words: "Circonscription Kourou" -> "CIRCONSCRIPTION-KOUROU".
func slug(s string) string {
	fold := strings.NewReplacer("é", "e", "è", "e", "ê", "e", "ë", "e", "à", "a", "â", "a", "î", "i", "ï", "i",
		"ô", "o", "ù", "u", "û", "u", "ü", "u", "ç", "c", "œ", "oe", "æ", "ae")
	words := strings.FieldsFunc(fold.Replace(strings.ToLower(s)), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	return strings.ToUpper(strings.Join(words, "-"))
}

// ensureCategory finds a skeleton category by idnumber or creates it.
func ensureCategory(ctx context.Context, d *Domain, sc SkeletonCategory, parent int64) (BootstrapItem, error) {
	found, err := d.Client.FindCategoryByIDNumber(ctx, sc.IDNumber)
	if err != nil {
		return BootstrapItem{}, err
	}
	if found != nil {
		return BootstrapItem{Key: sc.Key, ID: int64(found.ID), Name: found.Name}, nil
	}
	res, err := d.Client.CreateCategoryOnce(ctx, moodle.CategoryInput{Name: sc.Name, Parent: moodle.Int(parent), IDNumber: sc.IDNumber})
	if err != nil {
		return BootstrapItem{}, err
	}
	return BootstrapItem{Key: sc.Key, ID: int64(res.ID), Name: res.Name, Created: !res.Existing}, nil
}

// ResolveRoleID turns a configured role (a shortname of a stock role, or
// a numeric id) into a Moodle role id.
func ResolveRoleID(configured string) (int64, error) {
	v := strings.TrimSpace(configured)
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
		return n, nil
	}
	if id, ok := StandardRoleIDs[strings.ToLower(v)]; ok {
		return id, nil
	}
	return 0, failure.Permanent(fmt.Errorf("role %q is not a stock Moodle role: configure its numeric id instead", v))
}

func bootstrapRoles(ctx context.Context, d *Domain, st *store.Store) ([]BootstrapItem, error) {
	known, err := st.DomainRoles(ctx, d.Name())
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(d.Config.Roles))
	for k := range d.Config.Roles {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []BootstrapItem
	for _, k := range keys {
		shortname := d.Config.Roles[k]
		id, err := ResolveRoleID(shortname)
		if err != nil {
			return out, fmt.Errorf("role %s: %w", k, err)
		}
		item := BootstrapItem{Key: k, ID: id, Name: shortname}
		if prev, ok := known[k]; !ok || prev.RoleID != id || prev.ShortName != shortname {
			item.Changed = true
			if err := st.SaveDomainRole(ctx, d.Name(), store.DomainRole{Key: k, ShortName: shortname, RoleID: id}); err != nil {
				return out, err
			}
		}
		out = append(out, item)
	}
	return out, nil
}

// BootstrapRetry runs Bootstrap again after a retryable failure (a
// timeout, a 5xx), up to attempts runs with a capped exponential pause:
// every run is idempotent, so a partial run is simply completed by the
// next. The report marks as created what any run created.
func BootstrapRetry(ctx context.Context, d *Domain, st *store.Store, attempts int, pause time.Duration) (*BootstrapReport, error) {
	created := map[string]bool{}
	var rep *BootstrapReport
	var err error
	for i := 1; i <= attempts; i++ {
		rep, err = Bootstrap(ctx, d, st)
		if rep != nil {
			for _, c := range rep.Categories {
				if c.Created {
					created[c.Key] = true
				}
			}
		}
		if err == nil || !failure.IsRetryable(err) || i == attempts {
			break
		}
		select {
		case <-ctx.Done():
			return rep, ctx.Err()
		case <-time.After(min(pause<<(i-1), 30*time.Second)):
		}
	}
	if rep != nil {
		for i := range rep.Categories {
			rep.Categories[i].Created = created[rep.Categories[i].Key]
		}
	}
	return rep, err
}
