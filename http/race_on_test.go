//go:build race

package http_test

// raceDetector is whether the tests run with -race, under which sync.Pool
// drops what it holds and allocation counts mean little.
const raceDetector = true
