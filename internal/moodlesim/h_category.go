package moodlesim

import (
	"sort"
	"strconv"
	"strings"
)

func init() {
	register("core_webservice_get_site_info", false, single(
		k("serviceshortnames", multi(vText()).dflt([]any{})),
	), siteInfo)
	register("core_course_get_categories", false, single(
		k("criteria", multi(single(k("key", vText()), k("value", vRaw()))).dflt([]any{})),
		k("addsubcategories", vBool().dflt(true)),
	), getCategories)
	register("core_course_create_categories", true, single(
		k("categories", multi(single(
			k("name", vText()), k("parent", vInt().dflt(0)), k("idnumber", vRaw().opt()),
			k("description", vRaw().opt()), k("descriptionformat", vInt().dflt(1)), k("theme", val("theme").opt()),
		))),
	), createCategories)
	register("core_course_update_categories", true, single(
		k("categories", multi(single(
			k("id", vInt()), k("name", vText().opt()), k("idnumber", vRaw().opt()), k("parent", vInt().opt()),
			k("description", vRaw().opt()), k("descriptionformat", vInt().dflt(1)), k("theme", val("theme").opt()),
		))),
	), updateCategories)
}

var advancedFeatures = []obj{
	o("name", "usecomments", "value", 1), o("name", "usetags", "value", 1), o("name", "enablenotes", "value", 1),
	o("name", "messaging", "value", 1), o("name", "enableblogs", "value", 1), o("name", "enablecompletion", "value", 1),
	o("name", "enablebadges", "value", 1), o("name", "messagingallusers", "value", 0),
	o("name", "enablecustomreports", "value", 1), o("name", "enableglobalsearch", "value", 0),
	o("name", "mnet_dispatcher_mode", "value", 0), o("name", "enablecompetencies", "value", 1),
}

func siteInfo(c *call, p P) (any, error) {
	rel := c.srv.release
	fns := []obj{}
	for _, name := range rel.callable() {
		if !c.s.hasFunction(name) {
			continue
		}
		fns = append(fns, o("name", name, "version", rel.functionVersion(name)))
	}
	admin := c.s.users[adminID]
	return o(
		"sitename", c.s.courses[1].fullname, "username", admin.username, "firstname", admin.firstname,
		"lastname", admin.lastname, "fullname", admin.firstname+" "+admin.lastname, "lang", admin.lang,
		"userid", admin.id, "siteurl", c.base, "userpictureurl", c.imageURL("core", "u/f1"),
		"functions", fns, "downloadfiles", 1, "uploadfiles", 1, "release", rel.release, "version", rel.version,
		"mobilecssurl", "", "advancedfeatures", advancedFeatures, "usercanmanageownfiles", true,
		"userquota", 0, "usermaxuploadfilesize", -1, "userhomepage", 1, "userhomepageurl", xmlNull{},
		"userprivateaccesskey", c.s.privKey, "siteid", 1, "sitecalendartype", "gregorian",
		"usercalendartype", "gregorian", "userissiteadmin", true, "theme", "boost",
		"limitconcurrentlogins", 0, "usersessionscount", xmlNull{}, "policyagreed", 0,
	), nil
}

func (s *Site) categoryOut(cat *category) obj {
	count := 0
	for _, c := range s.courses {
		if c.category == cat.id {
			count++
		}
	}
	return o("id", cat.id, "name", cat.name, "idnumber", nullable(cat.idnumber), "description", deref(cat.description),
		"descriptionformat", 1, "parent", cat.parent, "sortorder", cat.sortorder, "coursecount", count,
		"visible", cat.visible, "visibleold", cat.visible, "timemodified", cat.timemodified, "depth", cat.depth,
		"path", cat.path, "theme", deref(cat.theme))
}

func getCategories(c *call, p P) (any, error) {
	s := c.s
	found := map[int]bool{}
	all := true
	for _, cr := range p.List("criteria") {
		all = false
		key, value := cr.Str("key"), cr.Str("value")
		ids, err := s.matchCategories(key, value)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			found[id] = true
		}
	}
	if all {
		for id := range s.categories {
			found[id] = true
		}
	}
	if p.Bool("addsubcategories") {
		for id := range found {
			for _, d := range s.descendants(id) {
				found[d] = true
			}
		}
	}
	list := make([]*category, 0, len(found))
	for id := range found {
		list = append(list, s.categories[id])
	}
	sort.Slice(list, func(i, j int) bool { return list[i].sortorder < list[j].sortorder })
	out := []obj{}
	for _, cat := range list {
		out = append(out, s.categoryOut(cat))
	}
	return out, nil
}

func (s *Site) matchCategories(key, value string) ([]int, error) {
	var out []int
	for _, cat := range s.categories {
		var hit bool
		switch key {
		case "id":
			hit = strconv.Itoa(cat.id) == value
		case "ids":
			for _, v := range strings.Split(value, ",") {
				hit = hit || strings.TrimSpace(v) == strconv.Itoa(cat.id)
			}
		case "name":
			hit = foldEq(cat.name, value)
		case "idnumber":
			hit = cat.idnumber != nil && *cat.idnumber == value
		case "parent":
			hit = strconv.Itoa(cat.parent) == value
		case "visible":
			hit = strconv.Itoa(cat.visible) == value
		case "theme":
			hit = deref(cat.theme) == value
		default:
			return nil, badParam("The search key '%s' is not supported, look at the web service documentation", key)
		}
		if hit {
			out = append(out, cat.id)
		}
	}
	return out, nil
}

func (s *Site) descendants(id int) []int {
	var out []int
	prefix := s.categories[id].path + "/"
	for _, cat := range s.categories {
		if strings.HasPrefix(cat.path, prefix) {
			out = append(out, cat.id)
		}
	}
	return out
}

func createCategories(c *call, p P) (any, error) {
	s := c.s
	var created []int
	out := []obj{}
	for _, in := range p.List("categories") {
		cat, err := s.newCategory(in)
		if err != nil {
			s.rollbackCategories(created)
			return nil, err
		}
		created = append(created, cat.id)
		out = append(out, o("id", cat.id, "name", cat.name))
	}
	return out, nil
}

func (s *Site) rollbackCategories(ids []int) {
	for _, id := range ids {
		delete(s.categories, id)
	}
}

func (s *Site) categoryIDNumberTaken(idnumber string, except int) bool {
	for _, cat := range s.categories {
		if cat.id != except && cat.idnumber != nil && *cat.idnumber == idnumber {
			return true
		}
	}
	return false
}

func (s *Site) newCategory(in P) (*category, error) {
	parentID := in.Int("parent")
	depth, path := 1, ""
	if parentID != 0 {
		parent := s.categories[parentID]
		if parent == nil {
			return nil, errMoodle("unknowcategory", "Category not known!")
		}
		depth, path = parent.depth+1, parent.path
	}
	if in.Has("idnumber") && in.Str("idnumber") != "" && s.categoryIDNumberTaken(in.Str("idnumber"), 0) {
		return nil, errMoodle("categoryidnumbertaken", "ID number is already used for another category")
	}
	// MariaDB does not give back auto-increment ids of a rolled back insert.
	id := s.nextID("course_categories")
	cat := &category{id: id, parent: parentID, depth: depth, path: path + "/" + strconv.Itoa(id), visible: 1,
		descFormat: in.Int("descriptionformat"), name: in.Str("name"), timemodified: s.now(),
		sortorder: (len(s.categories) + 1) * 10000}
	if in.Has("idnumber") {
		cat.idnumber = strPtr(in.Str("idnumber"))
	}
	cat.description = strPtr(in.Str("description"))
	cat.theme = strPtr(in.Str("theme"))
	cat.contextID = s.newContext(ctxCategory, id)
	s.categories[id] = cat
	return cat, nil
}

func updateCategories(c *call, p P) (any, error) {
	s := c.s
	for _, in := range p.List("categories") {
		cat := s.categories[in.Int("id")]
		if cat == nil {
			return nil, errNoRecord("course_categories", in.Int("id"))
		}
		if in.Has("idnumber") && in.Str("idnumber") != "" && s.categoryIDNumberTaken(in.Str("idnumber"), cat.id) {
			return nil, errMoodle("categoryidnumbertaken", "ID number is already used for another category")
		}
		if err := s.applyCategoryUpdate(cat, in); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

func (s *Site) applyCategoryUpdate(cat *category, in P) error {
	if in.Has("name") {
		cat.name = in.Str("name")
	}
	if in.Has("idnumber") {
		cat.idnumber = strPtr(in.Str("idnumber"))
	}
	if in.Has("description") {
		cat.description = strPtr(in.Str("description"))
	}
	if in.Has("theme") {
		cat.theme = strPtr(in.Str("theme"))
	}
	if in.Has("parent") && in.Int("parent") != cat.parent {
		if err := s.moveCategory(cat, in.Int("parent")); err != nil {
			return err
		}
	}
	cat.timemodified = s.now()
	return nil
}

func (s *Site) moveCategory(cat *category, parentID int) error {
	depth, path := 1, ""
	if parentID != 0 {
		parent := s.categories[parentID]
		if parent == nil {
			return errMoodle("unknowcategory", "Category not known!")
		}
		if parent.id == cat.id || strings.HasPrefix(parent.path+"/", cat.path+"/") {
			return errMoodle("cannotmovecategory", "Cannot move a category into itself or its descendants")
		}
		depth, path = parent.depth+1, parent.path
	}
	oldPath := cat.path
	cat.parent, cat.depth, cat.path = parentID, depth, path+"/"+strconv.Itoa(cat.id)
	for _, d := range s.categories {
		if strings.HasPrefix(d.path, oldPath+"/") {
			d.path = cat.path + strings.TrimPrefix(d.path, oldPath)
			d.depth = strings.Count(d.path, "/")
		}
	}
	return nil
}
