// Package simtest holds the Moodle client's integration tests against the
// Moodle-compatible test server (moodlesim), through real HTTP. It is a
// separate package so that the client does not depend on the simulator.
package simtest
