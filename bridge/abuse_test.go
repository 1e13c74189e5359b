package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/api"
)

// TestAbusiveConnectionsStayBounded runs a real `bridge serve` and opens
// abusive connections of every kind the security review used: unsigned
// uploads announcing and sending big bodies then stalling (with and
// without a Content-Length), requests signed the old way (no announced
// hash) with a wrong signature and a big body, bodies trickled a byte at a
// time, headers trickled, and idle keep-alives. The daemon's peak RSS must
// stay under a bound and every connection must be closed by the server
// within its timeouts (read_timeout 4s, idle_timeout 2s here).
func TestAbusiveConnectionsStayBounded(t *testing.T) {
	const token = "abuse-token-abcdef0123456789"
	const secret = "abuse-shared-secret-0123456789abcdef-xyz"
	sim := startBridge(t, nil, "moodlesim", "--listen", "127.0.0.1:0", "--token", token, "--sites", "ac-a")
	dir := t.TempDir()
	cfg := writeFile(t, dir, "bridge.yaml", `
data_dir: `+dir+`
api:
  read_header_timeout: 2s
  read_timeout: 4s
  write_timeout: 5s
  idle_timeout: 2s
domains:
  - name: ac-a
    wwwroot: http://`+sim.addr+`
    token: `+token+`
    secret: `+secret+`
    zone: A
`)
	srv := startBridge(t, []string{"TMPDIR=" + dir}, "--config", cfg, "serve", "--listen", "127.0.0.1:0")
	pid := srv.cmd.Process.Pid
	time.Sleep(300 * time.Millisecond) // let start-up allocations settle before the baseline
	base := procStatusKB(t, pid, "VmRSS")

	const perKind = 6
	const bodySize = 19 << 20 // under the 20 MB upload limit
	const closeWithin = 4*time.Second + 3*time.Second
	path := "/api/v1/courses/2/enrol/apply"
	unsignedHead := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: %d\r\n\r\n", path, bodySize)
	forgedHead := func() string {
		nonce, _ := api.NewNonce()
		return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n%s: ac-a\r\n%s: 2\r\n%s: %d\r\n%s: %s\r\n%s: %s\r\n\r\n",
			path, bodySize, api.HeaderDomain, api.HeaderUser, api.HeaderTimestamp, time.Now().Unix(),
			api.HeaderNonce, nonce, api.HeaderSignature, strings.Repeat("ab", 32))
	}
	kinds := []struct {
		name string
		run  func(c net.Conn)
	}{
		{"unsigned huge body then stall", func(c net.Conn) { sendStall(c, unsignedHead, bodySize-1) }},
		{"unsigned chunked body then stall", func(c net.Conn) {
			io.WriteString(c, "POST "+path+" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
			chunk := strings.Repeat("x", 1<<20)
			for i := 0; i < 19; i++ {
				if _, err := fmt.Fprintf(c, "%x\r\n%s\r\n", len(chunk), chunk); err != nil {
					return
				}
			}
		}},
		{"old-style signature, wrong, huge body then stall", func(c net.Conn) { sendStall(c, forgedHead(), bodySize-1) }},
		{"trickled body", func(c net.Conn) { trickle(c, unsignedHead, closeWithin) }},
		{"old-style signature, trickled body", func(c net.Conn) { trickle(c, forgedHead(), closeWithin) }},
		{"trickled headers", func(c net.Conn) { trickle(c, "", closeWithin) }},
		{"idle keep-alive", func(c net.Conn) { io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") }},
	}
	type outcome struct {
		kind   string
		closed bool
		after  time.Duration
	}
	var wg sync.WaitGroup
	results := make(chan outcome, len(kinds)*perKind)
	var peak int
	stopPeak := make(chan struct{})
	peakDone := make(chan struct{})
	go func() { // VmHWM is the process's peak; also sample VmRSS for the report
		defer close(peakDone)
		for {
			select {
			case <-stopPeak:
				return
			case <-time.After(50 * time.Millisecond):
				if v := procStatusKBQuiet(pid, "VmRSS"); v > peak {
					peak = v
				}
			}
		}
	}()
	start := time.Now()
	for _, k := range kinds {
		for i := 0; i < perKind; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := net.Dial("tcp", srv.addr)
				if err != nil {
					t.Errorf("%s: dial: %v", k.name, err)
					return
				}
				defer c.Close()
				opened := time.Now()
				go k.run(c)
				c.SetReadDeadline(opened.Add(closeWithin))
				_, err = io.Copy(io.Discard, c) // nil at EOF, or a reset: closed by the server
				ne, timeout := err.(net.Error)
				results <- outcome{k.name, !(timeout && ne.Timeout()), time.Since(opened)}
			}()
		}
	}
	wg.Wait()
	close(stopPeak)
	<-peakDone
	close(results)
	worst := map[string]time.Duration{}
	for r := range results {
		if !r.closed {
			t.Errorf("%s: connection still open after %s", r.kind, r.after.Round(time.Millisecond))
		}
		worst[r.kind] = max(worst[r.kind], r.after)
	}
	hwm := procStatusKB(t, pid, "VmHWM")
	for _, k := range kinds {
		t.Logf("%-50s closed by the server within %s", k.name, worst[k.name].Round(10*time.Millisecond))
	}
	t.Logf("%d abusive connections over %s; RSS before %d kB, sampled peak %d kB, VmHWM %d kB",
		len(kinds)*perKind, time.Since(start).Round(10*time.Millisecond), base, peak, hwm)
	// Before the fix six unsigned 99 MiB uploads took the daemon to 888 MB.
	// Now a refused request costs its headers, an old-style one at most
	// 1 MiB of memory (the rest waits on disk): 42 connections fit in 120 MB.
	if hwm > 120<<10 {
		t.Fatalf("peak RSS %d kB, want under 120 MB", hwm)
	}
	if left, _ := os.ReadDir(dir); len(left) > 3 { // bridge.yaml, bridge.db and its journal at most
		var names []string
		for _, e := range left {
			names = append(names, e.Name())
		}
		if strings.Contains(strings.Join(names, " "), "bridge-body-") {
			t.Fatalf("spooled bodies left behind: %v", names)
		}
	}
}

// sendStall writes head and n bytes of body, then stops sending.
func sendStall(c net.Conn, head string, n int) {
	if _, err := io.WriteString(c, head); err != nil {
		return
	}
	buf := make([]byte, 64<<10)
	for n > 0 {
		m, err := c.Write(buf[:min(n, len(buf))])
		if err != nil {
			return
		}
		n -= m
	}
}

// trickle sends head (or, when empty, a request line and headers) one byte
// every 200 ms for up to d.
func trickle(c net.Conn, head string, d time.Duration) {
	data := head
	if data == "" {
		data = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("s", 200) + "\r\n\r\n"
	} else {
		io.WriteString(c, head)
		data = strings.Repeat("z", 1000)
	}
	deadline := time.Now().Add(d)
	for i := 0; i < len(data) && time.Now().Before(deadline); i++ {
		if _, err := c.Write([]byte{data[i]}); err != nil {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func procStatusKB(t *testing.T, pid int, field string) int {
	t.Helper()
	v := procStatusKBQuiet(pid, field)
	if v == 0 {
		t.Fatalf("no %s in /proc/%d/status", field, pid)
	}
	return v
}

func procStatusKBQuiet(pid int, field string) int {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return n
		}
	}
	return 0
}
