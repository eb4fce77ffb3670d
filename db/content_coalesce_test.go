package db_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenadmin/tokenadmin/content"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

// The reads of 60 parallel clients, each wanting its own entries and
// pages, get exactly what they asked for, however their reads were
// shared (on PostgreSQL they are, under this load).
func TestParallelReadsGetTheirOwnEntries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		const n = 20
		ct, docs := ctArticles(t, d, n)
		var wg sync.WaitGroup
		for c := range 60 {
			wg.Go(func() {
				for i := range 30 {
					k := (c*7 + i) % (n + 2)
					if k >= n {
						// An id nobody has, coalesced beside ids that exist.
						_, err := d.FindEntry(t.Context(), ct, fmt.Sprintf("missing%022d", k))
						if !errors.Is(err, db.ErrNotFound) {
							t.Errorf("unknown document id: %v, want ErrNotFound", err)
						}
						continue
					}
					e, err := d.FindEntry(t.Context(), ct, docs[k].DocumentID)
					if err != nil || e.DocumentID != docs[k].DocumentID || e.Data["title"] != docs[k].Data["title"] {
						t.Errorf("FindEntry(%s) = %s %v, %v", docs[k].DocumentID, e.DocumentID, e.Data["title"], err)
					}
					// Finds that differ only by a bound value must not share.
					f := content.Filter{Field: "views", Op: content.OpGte, Value: int64(k)}
					got, total, err := d.FindEntries(t.Context(), ct, content.Query{Filter: &f, Page: 1, PageSize: 5})
					if err != nil || total != n-k || len(got) != min(5, n-k) || got[0].DocumentID != docs[k].DocumentID {
						t.Errorf("find views >= %d: %d entries of %d, %v", k, len(got), total, err)
					}
				}
			})
		}
		wg.Wait()
	})
}

// A client that has written an entry and then reads it sees its write,
// while other clients read the same entries and their reads are shared.
func TestReadsAfterAWriteSeeIt(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		const writers = 20
		ct, docs := ctArticles(t, d, writers)
		stop := make(chan struct{})
		var readers sync.WaitGroup
		for r := range 40 {
			readers.Go(func() {
				for i := r; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					d.FindEntry(t.Context(), ct, docs[i%writers].DocumentID)
					d.FindEntries(t.Context(), ct, content.Query{Page: 1, PageSize: 10})
				}
			})
		}
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				doc := docs[w].DocumentID
				for i := range 15 {
					title := fmt.Sprintf("w%d-%d", w, i)
					if _, err := d.UpdateEntry(t.Context(), ct, doc, map[string]any{"title": title}); err != nil {
						t.Errorf("update: %v", err)
						return
					}
					if e, err := d.FindEntry(t.Context(), ct, doc); err != nil || e.Data["title"] != title {
						t.Errorf("findOne after writing %q read %v, %v", title, e.Data["title"], err)
					}
					f := content.Filter{Field: "title", Op: content.OpEq, Value: title}
					if got, _, err := d.FindEntries(t.Context(), ct, content.Query{Filter: &f, Page: 1, PageSize: 10}); err != nil || len(got) != 1 || got[0].DocumentID != doc {
						t.Errorf("find after writing %q: %d entries, %v", title, len(got), err)
					}
				}
			})
		}
		wg.Wait()
		close(stop)
		readers.Wait()
	})
}

// Reads that wait for a connection share statements: here the pool's
// only connection is held while 20 findOnes of 12 document ids (two
// unknown) and 10 identical finds pile up, and three ids PostgreSQL
// cannot compare wait on their own. The finds take one statement on
// both databases; on PostgreSQL the findOnes take one more.
func TestReadsWaitingForAConnectionShareStatements(t *testing.T) {
	dbtest.Each(t, testReadsWaitingForAConnection)
}

func testReadsWaitingForAConnection(t *testing.T, d *db.DB) {
	pg := d.Dialect == db.Postgres
	ct, docs := ctArticles(t, d, 10)
	d.ConfigurePool(db.Pool{MaxConns: 1})
	conn, err := d.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// The first read of each kind takes the one run in flight and waits
	// for the connection; the rest wait for the run after it.
	firsts := make(chan error, 2)
	go func() { _, err := d.FindEntry(t.Context(), ct, docs[0].DocumentID); firsts <- err }()
	go func() {
		_, _, err := d.FindEntries(t.Context(), ct, content.Query{Page: 1, PageSize: 3})
		firsts <- err
	}()
	waitFor(t, 10*time.Second, "the first reads waiting for the connection", func() bool { return d.Stats().WaitCount >= 2 })

	var wg sync.WaitGroup
	// Ids PostgreSQL would refuse never join a shared statement, where
	// they would fail everyone's read: they run alone, after the others.
	for _, bad := range []string{"bad\xffutf8", "nul\x00byte", strings.Repeat("x", 65)} {
		wg.Go(func() {
			if _, err := d.FindEntry(t.Context(), ct, bad); err == nil {
				t.Errorf("FindEntry(%q) found something", bad)
			}
		})
	}
	for i := range 20 {
		wg.Go(func() {
			k := i % 12
			if k >= 10 {
				_, err := d.FindEntry(t.Context(), ct, fmt.Sprintf("unknown%017d", k))
				if !errors.Is(err, db.ErrNotFound) {
					t.Errorf("unknown id: %v", err)
				}
				return
			}
			e, err := d.FindEntry(t.Context(), ct, docs[k].DocumentID)
			if err != nil || e.Data["title"] != docs[k].Data["title"] {
				t.Errorf("FindEntry(doc %d) = %v, %v", k, e.Data["title"], err)
			}
		})
	}
	for range 10 {
		wg.Go(func() {
			got, total, err := d.FindEntries(t.Context(), ct, content.Query{Page: 1, PageSize: 3})
			if err != nil || total != 10 || len(got) != 3 || got[0].DocumentID != docs[0].DocumentID {
				t.Errorf("find: %d entries of %d, %v", len(got), total, err)
			}
		})
	}
	waitFor(t, 10*time.Second, "every read waiting", func() bool {
		o, f := db.ReadsWaiting(d, ct.CollectionName)
		if pg {
			// The findOnes wait for their shared run, the bad ids for
			// the connection.
			return o == 20 && f == 10 && d.Stats().WaitCount >= 2+3
		}
		return f == 10 && d.Stats().WaitCount >= 2+3+20
	})
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for range 2 {
		if err := <-firsts; err != nil {
			t.Fatal(err)
		}
	}
	want := int64(1)
	if pg {
		want = 2
	}
	if got := db.SharedReads(d); got != want {
		t.Fatalf("%d shared statements served the waiting reads, want %d", got, want)
	}
}

// SQLite has no round trip to save: its findOnes never wait for others.
func TestSQLiteFindOnesAreNotShared(t *testing.T) {
	d := dbtest.SQLite(t)
	ct := ctArticle()
	ctSync(t, d, ct)
	e := ctCreate(t, d, ct, map[string]any{"title": "Only"})
	var wg sync.WaitGroup
	for range 30 {
		wg.Go(func() {
			if _, err := d.FindEntry(t.Context(), ct, e.DocumentID); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := db.SharedReads(d); got != 0 {
		t.Fatalf("%d shared findOnes on SQLite", got)
	}
	if _, err := d.FindEntry(t.Context(), ct, "nope"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
}

// ctArticles syncs the article type and creates n articles, titled
// "Article 00"… with views 0…, in order.
func ctArticles(t *testing.T, d *db.DB, n int) (content.ContentType, []content.Entry) {
	t.Helper()
	ct := ctArticle()
	ctSync(t, d, ct)
	docs := make([]content.Entry, n)
	for i := range docs {
		docs[i] = ctCreate(t, d, ct, map[string]any{"title": fmt.Sprintf("Article %02d", i), "views": int64(i)})
	}
	return ct, docs
}

// window is one find's window in either pagination mode.
type window struct {
	offsetMode                   bool
	page, pageSize, start, limit int
}

func (w window) query(f *content.Filter, sort []content.SortField) content.Query {
	q := content.Query{Filter: f, Sort: sort}
	if w.offsetMode {
		q.Offset, q.Start, q.Limit = true, w.start, w.limit
	} else {
		q.Page, q.PageSize = w.page, w.pageSize
	}
	return q
}

// found is what a find answered, in a comparable form.
func found(entries []content.Entry, total int) string {
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = e.DocumentID
	}
	return fmt.Sprintf("%d %v", total, ids)
}

// On PostgreSQL, finds that differ only in their window share one
// statement when they wait together; on SQLite only identical ones do.
// Each must still get exactly its own rows and the total, including a
// page past the end, in both pagination modes.
func TestFindsOfNearbyWindowsShareStatements(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ct, _ := ctArticles(t, d, 57)
		sort := []content.SortField{{Field: "views", Desc: true}}
		near := []window{
			{page: 1, pageSize: 10}, {page: 2, pageSize: 10}, {page: 5, pageSize: 10}, {page: 2, pageSize: 25},
			{page: 9, pageSize: 10}, // past the end, in the same block
			{offsetMode: true, start: 3, limit: 7}, {offsetMode: true, start: 50, limit: 100},
		}
		far := window{page: 12, pageSize: 10} // another block: its own statement
		want := map[window]string{}
		for _, w := range append(near, far) {
			got, total, err := d.FindEntries(t.Context(), ct, w.query(nil, sort))
			if err != nil {
				t.Fatal(err)
			}
			want[w] = found(got, total)
		}
		before := db.SharedReads(d)

		d.ConfigurePool(db.Pool{MaxConns: 1})
		conn, err := d.Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		check := func(w window) {
			got, total, err := d.FindEntries(t.Context(), ct, w.query(nil, sort))
			if err != nil || found(got, total) != want[w] {
				t.Errorf("%+v: %s, %v; want %s", w, found(got, total), err, want[w])
			}
		}
		// The first takes the block's run and waits for the connection.
		wg.Go(func() { check(near[0]) })
		waitFor(t, 10*time.Second, "the first find waiting", func() bool { return d.Stats().WaitCount >= 1 })
		for _, w := range near {
			for range 2 {
				wg.Go(func() { check(w) })
			}
		}
		wg.Go(func() { check(far) })
		// PostgreSQL: every near find waits for the block's next run, far
		// for the connection. SQLite: each other window's first find runs
		// alone (waiting for the connection) and its copy waits for it.
		wantWaiting, wantPool, wantShared := 2*len(near), int64(2), int64(1)
		if d.Dialect == db.SQLite {
			wantWaiting, wantPool, wantShared = 2+len(near)-1, int64(1+len(near)-1+1), int64(len(near))
		}
		waitFor(t, 10*time.Second, "the finds waiting", func() bool {
			_, f := db.ReadsWaiting(d, ct.CollectionName)
			return f == wantWaiting && d.Stats().WaitCount >= wantPool
		})
		if err := conn.Close(); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		if got := db.SharedReads(d) - before; got != wantShared {
			t.Fatalf("%d shared statements for %d finds of %d windows, want %d", got, 2*len(near)+1, len(near), wantShared)
		}
	})
}

// 60 clients asking for random windows of a few finds, all at once, get
// what each asked for alone, however their windows were shared.
func TestParallelFindsGetTheirOwnWindows(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ct, _ := ctArticles(t, d, 57)
		f := content.Filter{Field: "views", Op: content.OpGte, Value: int64(5)}
		filters := []*content.Filter{nil, &f}
		sorts := [][]content.SortField{{{Field: "views", Desc: true}}, {{Field: "title"}}}
		var windows []window
		for _, size := range []int{1, 5, 10, 25} {
			for page := 1; page <= 8; page++ {
				windows = append(windows, window{page: page, pageSize: size})
			}
		}
		for start := 0; start <= 60; start += 3 {
			for _, limit := range []int{1, 3, 10, 100} {
				windows = append(windows, window{offsetMode: true, start: start, limit: limit})
			}
		}
		type ask struct {
			w      window
			fi, si int
		}
		want := map[ask]string{}
		for fi, fl := range filters {
			for si, so := range sorts {
				for _, w := range windows {
					got, total, err := d.FindEntries(t.Context(), ct, w.query(fl, so))
					if err != nil {
						t.Fatal(err)
					}
					want[ask{w, fi, si}] = found(got, total)
				}
			}
		}
		var wg sync.WaitGroup
		for c := range 60 {
			wg.Go(func() {
				for i := range 40 {
					a := ask{windows[(c*31+i*7)%len(windows)], (c + i) % 2, (c / 2) % 2}
					got, total, err := d.FindEntries(t.Context(), ct, a.w.query(filters[a.fi], sorts[a.si]))
					if err != nil || found(got, total) != want[a] {
						t.Errorf("%+v: %s, %v; want %s", a, found(got, total), err, want[a])
						return
					}
				}
			})
		}
		wg.Wait()
		t.Logf("%d shared statements", db.SharedReads(d))
	})
}
