package moodlesim

import (
	"fmt"
	"strconv"
	"strings"
)

func init() {
	register("core_cohort_create_cohorts", true, single(k("cohorts", multi(single(
		k("categorytype", single(k("type", vText()), k("value", vRaw()))), k("name", vRaw()), k("idnumber", vRaw()),
		k("description", vRaw().opt()), k("descriptionformat", vInt().dflt(1)), k("visible", vBool().opt()),
		k("theme", vText().opt()), k("customfields", multi(single(k("shortname", val("alphanumext")), k("value", vRaw()))).opt()),
	)))), createCohorts)
	register("core_cohort_add_cohort_members", true, single(k("members", multi(single(
		k("cohorttype", single(k("type", vText()), k("value", vRaw()))),
		k("usertype", single(k("type", vText()), k("value", vRaw()))),
	)))), addCohortMembers)
	register("core_calendar_create_calendar_events", true, single(k("events", multi(single(
		k("name", vText()), k("description", vRaw().dflt(nil)), k("format", val("format").dflt("1")),
		k("courseid", vInt().dflt(0)), k("groupid", vInt().dflt(0)), k("repeats", vInt().dflt(0)),
		k("eventtype", val("alpha").dflt("user")), k("timestart", vInt().dflt(0)), k("timeduration", vInt().dflt(0)),
		k("visible", vInt().dflt(1)), k("sequence", vInt().dflt(1)),
	)))), createCalendarEvents)
	register("core_message_send_instant_messages", true, single(k("messages", multi(single(
		k("touserid", vInt()), k("text", vRaw()), k("textformat", val("format").dflt("1")), k("clientmsgid", vRaw().opt()),
	)))), sendInstantMessages)
	register("core_backup_get_copy_progress", false, single(k("copies", multi(single(
		k("backupid", val("alphanum")), k("restoreid", val("alphanum")), k("operation", val("alpha")),
	)))), getCopyProgress)
}

func createCohorts(c *call, p P) (any, error) {
	s := c.s
	var made []*cohort
	out := []obj{}
	for _, in := range p.List("cohorts") {
		ch, err := s.newCohort(in)
		if err != nil {
			for _, m := range made {
				delete(s.cohorts, m.id)
			}
			return nil, err
		}
		made = append(made, ch)
		out = append(out, o("id", ch.id, "name", ch.name, "idnumber", ch.idnumber, "description", ch.desc,
			"descriptionformat", ch.descFormat, "visible", ch.visible, "theme", ""))
	}
	return out, nil
}

func (s *Site) newCohort(in P) (*cohort, error) {
	ct, _ := in["categorytype"].(P)
	ctxID := 1
	switch ct.Str("type") {
	case "system":
	case "id", "idnumber":
		var cat *category
		for _, cand := range s.categories {
			if (ct.Str("type") == "id" && strconv.Itoa(cand.id) == ct.Str("value")) || (ct.Str("type") == "idnumber" && deref(cand.idnumber) == ct.Str("value")) {
				cat = cand
			}
		}
		if cat == nil {
			return nil, errMoodle("catnotfound", "Category not found")
		}
		ctxID = cat.contextID
	default:
		return nil, errInvalidParam("category type must be id, idnumber or system")
	}
	for _, other := range s.cohorts {
		if in.Str("idnumber") != "" && other.idnumber == in.Str("idnumber") {
			return nil, errInvalidParam("Cohort ID number is already used")
		}
	}
	ch := &cohort{id: s.nextID("cohort"), contextID: ctxID, name: in.Str("name"), idnumber: in.Str("idnumber"),
		desc: in.Str("description"), descFormat: in.Int("descriptionformat"), visible: true, members: map[int]bool{}}
	if in.Has("visible") {
		ch.visible = in.Bool("visible")
	}
	s.cohorts[ch.id] = ch
	return ch, nil
}

func addCohortMembers(c *call, p P) (any, error) {
	s := c.s
	warnings := []obj{}
	for _, in := range p.List("members") {
		ct, _ := in["cohorttype"].(P)
		ut, _ := in["usertype"].(P)
		ch := s.findCohort(ct.Str("type"), ct.Str("value"))
		if ch == nil {
			warnings = append(warnings, o("warningcode", "1", "message", fmt.Sprintf("cohort %s=%s not exists", ct.Str("type"), ct.Str("value"))))
			continue
		}
		u := s.findUser(ut.Str("type"), ut.Str("value"))
		if u == nil {
			warnings = append(warnings, o("warningcode", "2", "message", fmt.Sprintf("user %s=%s not exists", ut.Str("type"), ut.Str("value"))))
			continue
		}
		ch.members[u.id] = true
	}
	return o("warnings", warnings), nil
}

func (s *Site) findCohort(typ, value string) *cohort {
	for _, ch := range s.cohorts {
		if (typ == "id" && strconv.Itoa(ch.id) == value) || (typ == "idnumber" && ch.idnumber == value) {
			return ch
		}
	}
	return nil
}

func (s *Site) findUser(typ, value string) *user {
	for _, u := range s.sortedUsers() {
		if (typ == "id" || typ == "username" || typ == "idnumber" || typ == "email") && userField(u, typ) == value {
			return u
		}
	}
	return nil
}

func createCalendarEvents(c *call, p P) (any, error) {
	s := c.s
	out := []obj{}
	for _, in := range p.List("events") {
		if in.Int("courseid") != 0 {
			co := s.courses[in.Int("courseid")]
			if co == nil {
				return nil, errNoRecord("course", in.Int("courseid"))
			}
			if co.frozen {
				return nil, errNoPermission("Manage entries in course calendar")
			}
		}
		format, _ := strconv.Atoi(in.Str("format"))
		out = append(out, o("id", s.nextID("event"), "name", in.Str("name"), "description", in.Str("description"),
			"format", format, "courseid", in.Int("courseid"), "groupid", in.Int("groupid"), "userid", adminID,
			"modulename", "", "instance", 0, "eventtype", in.Str("eventtype"), "timestart", in.Int("timestart"),
			"timeduration", in.Int("timeduration"), "visible", in.Int("visible"), "uuid", "", "sequence", in.Int("sequence"),
			"timemodified", s.now(), "subscriptionid", nil))
	}
	return o("events", out, "warnings", []any{}), nil
}

func sendInstantMessages(c *call, p P) (any, error) {
	s := c.s
	out := []obj{}
	for _, in := range p.List("messages") {
		row := o("msgid", -1)
		if in.Has("clientmsgid") {
			row = append(row, kv{"clientmsgid", in.Str("clientmsgid")})
		}
		if s.liveUser(in.Int("touserid")) == nil {
			out = append(out, append(row, kv{"errormessage", "Invalid user"}))
			continue
		}
		pair := [2]int{min(adminID, in.Int("touserid")), max(adminID, in.Int("touserid"))}
		if s.convs[pair] == 0 {
			s.convs[pair] = s.nextID("message_conversations")
		}
		row[0].V = s.nextID("messages")
		s.messages++ // Snapshot's count: a notice sent twice shows
		text := in.Str("text")
		if !strings.HasPrefix(strings.TrimSpace(text), "<") {
			text = "<p>" + text + "</p>" // format_text wraps plain HTML-format text in a paragraph
		}
		out = append(out, append(row, o("text", text, "timecreated", s.now(), "conversationid", s.convs[pair],
			"useridfrom", adminID, "candeletemessagesforallusers", true)...))
	}
	return out, nil
}

func getCopyProgress(c *call, p P) (any, error) {
	for range p.List("copies") {
		// Only core_backup_submit_copy_form creates copies; the bridge uses
		// local_bridge instead, so every id is unknown here.
		return nil, &wsError{Exception: exMissingRec, ErrorCode: "invalidrecord",
			Message: "Can't find data record in database table backup_controllers."}
	}
	return []obj{}, nil
}
