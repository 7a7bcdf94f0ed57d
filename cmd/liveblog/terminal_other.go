//go:build !linux

package main

import "os"

// terminalWidth is the width of the terminal f in columns: unknown on this
// platform without golang.org/x/term, so the progress line keeps to 80.
func terminalWidth(*os.File) int { return 0 }
