package inmem_test

import (
	"testing"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/inmem"
	"github.com/liveblog/liveblog/livetest"
)

func TestBroker(t *testing.T) {
	livetest.TestBroker(t, func(t *testing.T) func() liveblog.Broker {
		b := inmem.NewBroker()
		t.Cleanup(func() { b.Close() })
		return func() liveblog.Broker { return b }
	})
}
