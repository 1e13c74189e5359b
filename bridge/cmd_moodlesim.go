package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/magistere/bridge/internal/moodlesim"
)

func init() {
	register(&command{name: "moodlesim", summary: "serve Moodle-compatible test sites (tests, demos, load runs)", run: runMoodlesim})
}

func runMoodlesim(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "moodlesim", "--listen ADDR --token TOKEN [--sites national,ac-guyane,...] [--plain-sites S,...] [--release 4.5|3.5|2.9] [--faults SPEC] [--cost real-4.5|SPEC] [--debug]\n       moodlesim --proxy URL|NAME=URL,... --listen ADDR --faults SPEC   (a fault-injecting proxy in front of real sites)")
	listen := fs.String("listen", "127.0.0.1:8480", "listen address")
	token := fs.String("token", "", "the web-service token the sites accept (required; or $BRIDGE_MOODLESIM_TOKEN)")
	sites := fs.String("sites", "", "comma-separated site names, each served under /<site>/; empty: one site at the root")
	release := fs.String("release", "4.5", "Moodle release to imitate: 4.5, 3.5 or 2.9 (restricts the function list)")
	faults := fs.String("faults", "", "injected failures, e.g. latency=20ms,5xx=0.2,timeout=0.1,reset=0.05,reset_after=0.05,after_commit=0.1,seed=42 (reset closes the connection before the call runs, reset_after once it ran)")
	plain := fs.String("plain-sites", "", "comma-separated sites without local_bridge (its functions are unknown there)")
	cost := fs.String("cost", "", `take as long as a real Moodle: "real-4.5", or call=8ms,user=1ms,password=6ms,enrol=2.7ms,cores=2`)
	debug := fs.Bool("debug", false, "add debuginfo to errors, like a site with debugging on")
	proxy := fs.String("proxy", "", "instead of simulating, forward to real Moodle sites with --faults injected: URL (served at the root) or name=URL,... (each under /name/)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *proxy != "" {
		return runFaultProxy(ctx, env, *proxy, *listen, *faults)
	}
	if *token == "" {
		*token = os.Getenv("BRIDGE_MOODLESIM_TOKEN")
	}
	if *token == "" {
		return usagef("--token is required")
	}
	switch *release {
	case "4.5", "3.5", "2.9":
	default:
		return usagef("--release must be 4.5, 3.5 or 2.9, got %q", *release)
	}
	spec, err := moodlesim.ParseFaults(*faults)
	if err != nil {
		return usagef("--faults: %v", err)
	}
	costModel, err := moodlesim.ParseCost(*cost)
	if err != nil {
		return usagef("--cost: %v", err)
	}
	opts := moodlesim.Options{Token: *token, Release: *release, Debug: *debug, Faults: spec, Cost: costModel}
	if *sites != "" {
		opts.Sites = strings.Split(*sites, ",")
	}
	if *plain != "" {
		opts.PlainSites = strings.Split(*plain, ",")
	}
	sim := moodlesim.New(opts)
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *listen, err)
	}
	if path := os.Getenv("BRIDGE_ADDR_FILE"); path != "" {
		os.WriteFile(path, []byte(ln.Addr().String()), 0o644)
	}
	names := opts.Sites
	if len(names) == 0 {
		names = []string{"(root)"}
	}
	fmt.Fprintf(env.stdout, "moodlesim: Moodle %s test sites %s on http://%s\n", *release, strings.Join(names, ", "), ln.Addr())
	srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// runFaultProxy serves moodlesim --proxy: the simulator's fault injection
// in front of real Moodle sites ("after_commit" lets Moodle commit, then
// answers 500).
func runFaultProxy(ctx context.Context, env *cliEnv, targets, listen, faults string) error {
	spec, err := moodlesim.ParseFaults(faults)
	if err != nil {
		return usagef("--faults: %v", err)
	}
	parsed, err := moodlesim.ParseProxyTargets(targets)
	if err != nil {
		return usagef("--proxy: %v", err)
	}
	proxy, err := moodlesim.NewFaultProxy(parsed, spec)
	if err != nil {
		return usagef("--proxy: %v", err)
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", listen, err)
	}
	if path := os.Getenv("BRIDGE_ADDR_FILE"); path != "" {
		os.WriteFile(path, []byte(ln.Addr().String()), 0o644)
	}
	var routes []string
	for _, name := range proxy.Names() {
		routes = append(routes, fmt.Sprintf("http://%s/%s -> %s", ln.Addr(), name, parsed[name]))
	}
	fmt.Fprintf(env.stdout, "moodlesim: fault proxy (%s): %s\n", spec, strings.Join(routes, ", "))
	srv := &http.Server{Handler: proxy, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	err = srv.Serve(ln)
	fmt.Fprintf(env.stderr, "moodlesim: fault proxy stopped; faults drawn (per call, reads included): %v\n", proxy.FaultCounts())
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
