package liveblog

// Progress is told how far a long operation (an import, an export, an
// archive) has got: done of total units of the stage it names, such as
// "posts"; total is 0 while it is not known. It is called from the goroutine
// doing the work, between units, and must return quickly. A nil Progress is
// told nothing.
type Progress func(stage string, done, total int)

// Report tells p, when there is one.
func (p Progress) Report(stage string, done, total int) {
	if p != nil {
		p(stage, done, total)
	}
}
