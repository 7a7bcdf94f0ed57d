package migration

import (
	"slices"
	"testing"
	"testing/fstest"
)

func TestRead(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		fsys := fstest.MapFS{
			"m/0010_later.sql": {Data: []byte("later")},
			"m/0002_users.sql": {Data: []byte("users")},
			"m/0001_init.sql":  {Data: []byte("init")},
			"m/README":         {Data: []byte("not a migration")},
		}
		files, err := Read(fsys, "m")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range files {
			got = append(got, f.Name+"="+f.SQL)
		}
		if want := []string{"0001_init.sql=init", "0002_users.sql=users", "0010_later.sql=later"}; !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
		if files[2].Version != 10 {
			t.Errorf("version = %d, want 10", files[2].Version)
		}
	})
	for _, tt := range []struct {
		name string
		fsys fstest.MapFS
	}{
		{"ErrNoVersion", fstest.MapFS{"m/init.sql": {}}},
		{"ErrZeroVersion", fstest.MapFS{"m/0000_init.sql": {}}},
		{"ErrSharedVersion", fstest.MapFS{"m/0001_a.sql": {}, "m/01_b.sql": {}}},
		{"ErrNone", fstest.MapFS{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if files, err := Read(tt.fsys, "m"); err == nil {
				t.Errorf("got %v, want an error", files)
			}
		})
	}
}

func TestPending(t *testing.T) {
	files := []File{{Version: 1}, {Version: 2}, {Version: 8}}
	t.Run("OK", func(t *testing.T) {
		for _, tt := range []struct {
			applied []int
			want    []int
		}{
			{nil, []int{1, 2, 8}},
			{[]int{1, 2}, []int{8}},
			{[]int{2, 1, 8}, nil},
			{[]int{1, 8}, []int{2}}, // a branch's migration merged after a later one ran
		} {
			pending, err := Pending(files, tt.applied)
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, f := range pending {
				got = append(got, f.Version)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Pending(%v) = %v, want %v", tt.applied, got, tt.want)
			}
		}
	})
	t.Run("ErrNewer", func(t *testing.T) {
		if _, err := Pending(files, []int{1, 2, 8, 9}); err == nil {
			t.Error("a database at a newer version: got no error")
		}
	})
}
