package moodlesim

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"
)

func init() {
	register("core_files_upload", true, single(
		k("contextid", vInt().dflt(nil)), k("component", val("component")), k("filearea", val("area")),
		k("itemid", vInt()), k("filepath", val("path")), k("filename", val("file")), k("filecontent", vText()),
		k("contextlevel", val("alpha").dflt("")), k("instanceid", vInt().dflt(nil)),
	), filesUpload)
	register("core_files_get_files", false, single(
		k("contextid", vInt()), k("component", vText()), k("filearea", vText()), k("itemid", vInt()),
		k("filepath", vRaw()), k("filename", vText()), k("modified", vInt().dflt(nil)),
		k("contextlevel", val("alpha").dflt("")), k("instanceid", vInt().dflt(nil)),
	), filesGetFiles)
}

// newDraftItemID mirrors file_get_unused_draft_itemid: a random number.
func (s *Site) newDraftItemID() int {
	for {
		id := 1 + s.rng.Intn(999999999)
		used := false
		for _, f := range s.files {
			if f.filearea == "draft" && f.itemid == id {
				used = true
			}
		}
		if !used {
			return id
		}
	}
}

func (s *Site) storeFile(f *storedFile) {
	for i, old := range s.files {
		if old.contextID == f.contextID && old.component == f.component && old.filearea == f.filearea &&
			old.itemid == f.itemid && old.filepath == f.filepath && old.filename == f.filename {
			s.files[i] = f
			return
		}
	}
	s.files = append(s.files, f)
}

func (s *Site) findFile(contextID int, component, filearea string, itemid int, filepath, filename string) *storedFile {
	for _, f := range s.files {
		if f.contextID == contextID && f.component == component && f.filearea == filearea &&
			f.itemid == itemid && f.filepath == filepath && f.filename == filename {
			return f
		}
	}
	return nil
}

func (s *Site) draftFiles(itemid int) []*storedFile {
	var out []*storedFile
	for _, f := range s.files {
		if f.filearea == "draft" && f.component == "user" && f.itemid == itemid && f.contextID == s.users[adminID].contextID {
			out = append(out, f)
		}
	}
	return out
}

// phpSerializedSource is the "source" field upload.php stores.
func phpSerializedSource(filename string) string {
	return fmt.Sprintf(`O:8:"stdClass":1:{s:6:"source";s:%d:"%s";}`, len(filename), filename)
}

func filesUpload(c *call, p P) (any, error) {
	s := c.s
	ctxID := s.users[adminID].contextID
	if p.Has("contextid") {
		ctxID = p.Int("contextid")
	}
	if p.Str("contextlevel") == "user" && p.Has("instanceid") {
		u := s.liveUser(p.Int("instanceid"))
		if u == nil {
			return nil, errInvalidParam("Context does not exist")
		}
		ctxID = u.contextID
	}
	if s.contexts[ctxID] == nil {
		return nil, errInvalidParam("Context does not exist")
	}
	content, err := base64.StdEncoding.DecodeString(p.Str("filecontent"))
	if err != nil {
		return nil, errInvalidParam("Invalid base64 file content")
	}
	itemid := p.Int("itemid")
	if p.Str("filearea") == "draft" && itemid <= 0 {
		itemid = s.newDraftItemID()
	}
	now := s.now()
	s.storeFile(&storedFile{contextID: ctxID, itemid: itemid, userid: adminID, component: p.Str("component"),
		filearea: p.Str("filearea"), filepath: p.Str("filepath"), filename: p.Str("filename"), content: content,
		author: "Admin User", license: "unknown", timecreated: now, timemodified: now})
	script := "pluginfile.php"
	if p.Str("filearea") == "draft" {
		script = "draftfile.php"
	}
	return o("contextid", ctxID, "component", p.Str("component"), "filearea", p.Str("filearea"), "itemid", itemid,
		"filepath", p.Str("filepath"), "filename", p.Str("filename"),
		"url", fmt.Sprintf("%s/%s/%d/%s/%s/%d%s%s", c.base, script, ctxID, p.Str("component"), p.Str("filearea"), itemid, p.Str("filepath"), p.Str("filename"))), nil
}

func addUserPrivateFiles(c *call, p P) (any, error) {
	s := c.s
	drafts := s.draftFiles(p.Int("draftid"))
	if len(drafts) == 0 {
		return nil, errInvalidParam("Draft area is empty or does not exist")
	}
	for _, d := range drafts {
		cp := *d
		cp.filearea, cp.itemid = "private", 0
		s.storeFile(&cp)
	}
	return nil, nil
}

func filesGetFiles(c *call, p P) (any, error) {
	s := c.s
	ctxID := p.Int("contextid")
	if ctxID == -1 || p.Str("contextlevel") != "" {
		byLevel := P{"contextlevel": p.Str("contextlevel"), "instanceid": p.Int("instanceid")}
		id, err := s.contextFromParams(byLevel)
		if err != nil {
			return nil, err
		}
		ctxID = id
	}
	cx := s.contexts[ctxID]
	if cx == nil {
		return nil, errInvalidParam("Context does not exist")
	}
	parents := []obj{o("contextid", 1, "component", nil, "filearea", nil, "itemid", nil, "filepath", nil, "filename", "System")}
	if cx.level == ctxUser {
		u := s.users[cx.instance]
		parents = append(parents, o("contextid", ctxID, "component", nil, "filearea", nil, "itemid", nil, "filepath", nil, "filename", u.firstname+" "+u.lastname))
	}
	var list []*storedFile
	for _, f := range s.files {
		if f.contextID == ctxID && f.component == p.Str("component") && f.filearea == p.Str("filearea") &&
			f.itemid == p.Int("itemid") && f.filepath == p.Str("filepath") && (p.Str("filename") == "" || f.filename == p.Str("filename")) {
			list = append(list, f)
		}
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].filename < list[j].filename })
	files := []obj{}
	for _, f := range list {
		files = append(files, o("contextid", f.contextID, "component", f.component, "filearea", f.filearea, "itemid", f.itemid,
			"filepath", f.filepath, "filename", f.filename, "isdir", false, "url", c.fileURL(f, false),
			"timemodified", f.timemodified, "timecreated", f.timecreated, "filesize", len(f.content),
			"author", f.author, "license", f.license))
	}
	return o("parents", parents, "files", files), nil
}

// fileURL is the pluginfile URL of a stored file; areas whose files carry
// itemid 0 leave it out of the path, as Moodle's callbacks do.
func (c *call) fileURL(f *storedFile, webservice bool) string {
	script := "/pluginfile.php"
	if webservice {
		script = "/webservice/pluginfile.php"
	}
	item := ""
	if f.itemid != 0 {
		item = "/" + strconv.Itoa(f.itemid)
	}
	return fmt.Sprintf("%s%s/%d/%s/%s%s%s%s", c.base, script, f.contextID, f.component, f.filearea, item, f.filepath, f.filename)
}

func contentHash(b []byte) string {
	h := sha1.Sum(b)
	return hex.EncodeToString(h[:])
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(phpJSON(v))
}

// serveUpload answers /webservice/upload.php: every file part goes into the
// token owner's draft area. It reports whether something was stored.
func (srv *Server) serveUpload(w http.ResponseWriter, r *http.Request, site *Site, base string) bool {
	if err := r.ParseMultipartForm(32 << 20); err != nil && err != http.ErrNotMultipart {
		writeJSON(w, http.StatusOK, fileError("Invalid upload request", "invalidparameter"))
		return false
	}
	if r.FormValue("token") != srv.opts.Token || srv.opts.Token == "" {
		writeJSON(w, http.StatusOK, fileError("Invalid token - token not found", "invalidtoken"))
		return false
	}
	site.countCall("upload.php")
	type part struct {
		name string
		data []byte
	}
	var parts []part
	if r.MultipartForm != nil {
		keys := make([]string, 0, len(r.MultipartForm.File))
		for key := range r.MultipartForm.File {
			keys = append(keys, key)
		}
		sort.Strings(keys)
		for _, key := range keys {
			for _, fh := range r.MultipartForm.File[key] {
				f, err := fh.Open()
				if err != nil {
					continue
				}
				data, err := io.ReadAll(f)
				_ = f.Close()
				if err == nil {
					parts = append(parts, part{fh.Filename, data})
				}
			}
		}
	}
	filepath := r.FormValue("filepath")
	if filepath == "" {
		filepath = "/"
	}
	site.mu.Lock()
	defer site.mu.Unlock()
	itemid, _ := strconv.Atoi(r.FormValue("itemid"))
	if itemid <= 0 && len(parts) > 0 {
		itemid = site.newDraftItemID()
	}
	admin := site.users[adminID]
	out := []obj{}
	for _, p := range parts {
		name := path.Base(p.name)
		now := site.now()
		site.storeFile(&storedFile{contextID: admin.contextID, itemid: itemid, userid: adminID, component: "user",
			filearea: "draft", filepath: filepath, filename: name, content: p.data, author: "Admin User",
			license: "unknown", source: phpSerializedSource(name), timecreated: now, timemodified: now})
		out = append(out, o("component", "user", "contextid", admin.contextID, "userid", strconv.Itoa(adminID),
			"filearea", "draft", "filename", name, "filepath", filepath, "itemid", itemid, "license", "unknown",
			"author", "Admin User", "source", phpSerializedSource(name), "filesize", len(p.data)))
	}
	writeJSON(w, http.StatusOK, out)
	return len(out) > 0
}

// servePluginfile answers /webservice/pluginfile.php/<ctx>/<component>/<area>/[<itemid>/]<path>.
func (srv *Server) servePluginfile(w http.ResponseWriter, r *http.Request, site *Site, rest string) {
	if r.URL.Query().Get("token") != srv.opts.Token || srv.opts.Token == "" {
		writeJSON(w, http.StatusOK, fileError("Invalid token - token not found", "invalidtoken"))
		return
	}
	site.mu.Lock()
	f := site.lookupPluginfile(strings.TrimPrefix(rest, "/"))
	var data []byte
	if f != nil {
		data = append([]byte(nil), f.content...)
	}
	site.mu.Unlock()
	if f == nil {
		writeJSON(w, http.StatusNotFound, fileError("Sorry, the requested file could not be found", "filenotfound"))
		return
	}
	ctype := mime.TypeByExtension(path.Ext(f.filename))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	if r.URL.Query().Get("forcedownload") == "1" {
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.filename}))
	}
	_, _ = w.Write(data)
}

func (s *Site) lookupPluginfile(rest string) *storedFile {
	segs := strings.Split(rest, "/")
	if len(segs) < 4 {
		return nil
	}
	ctxID, err := strconv.Atoi(segs[0])
	if err != nil {
		return nil
	}
	component, area, tail := segs[1], segs[2], segs[3:]
	if component == "mod_page" && area == "content" {
		if m := s.pageByContext(ctxID); m != nil {
			return &storedFile{contextID: ctxID, component: component, filearea: area, filepath: "/", filename: "index.html", content: []byte(m.content)}
		}
	}
	split := func(parts []string) (string, string) {
		dir := "/"
		if len(parts) > 1 {
			dir = "/" + strings.Join(parts[:len(parts)-1], "/") + "/"
		}
		return dir, parts[len(parts)-1]
	}
	dir, name := split(tail)
	if f := s.findFile(ctxID, component, area, 0, dir, name); f != nil {
		return f
	}
	if item, err := strconv.Atoi(tail[0]); err == nil && len(tail) > 1 {
		dir, name = split(tail[1:])
		return s.findFile(ctxID, component, area, item, dir, name)
	}
	return nil
}

func (s *Site) pageByContext(ctxID int) *module {
	for _, m := range s.modules {
		if m.contextID == ctxID && m.modname == "page" {
			return m
		}
	}
	return nil
}
