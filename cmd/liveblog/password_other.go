//go:build !linux

package main

import "os"

// isTerminal reports whether f is a character device, which at a prompt is a
// terminal.
func isTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// hideInput cannot turn off echo on this platform without golang.org/x/term,
// which is not a dependency of this module: the password is read as a line
// and the prompt says that it shows.
func hideInput(*os.File) (restore func(), hidden bool) { return func() {}, false }
