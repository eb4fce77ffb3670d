package account

import (
	"errors"
	"sync"
	"testing"
)

func TestPasswordsRefuseWhenFull(t *testing.T) {
	p := NewPasswords(2)
	a, err := p.Slot()
	if err != nil {
		t.Fatalf("first slot: %v", err)
	}
	b, err := p.Slot()
	if err != nil {
		t.Fatalf("second slot: %v", err)
	}
	if _, err := p.Slot(); !errors.Is(err, ErrBusy) {
		t.Fatalf("third slot: got %v, want ErrBusy at once", err)
	}
	if _, err := p.Hash("correct horse battery"); !errors.Is(err, ErrBusy) {
		t.Fatalf("Hash while full: got %v, want ErrBusy", err)
	}
	a.Release()
	a.Release() // twice is harmless: it must not free someone else's slot
	c, err := p.Slot()
	if err != nil {
		t.Fatalf("slot after a release: %v", err)
	}
	if _, err := p.Slot(); !errors.Is(err, ErrBusy) {
		t.Fatal("a double release freed a second slot")
	}
	b.Release()
	c.Release()
}

func TestPasswordsBoundConcurrency(t *testing.T) {
	p := NewPasswords(2)
	hash, err := p.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	busy, ran := 0, 0
	start := make(chan struct{})
	for range 12 {
		wg.Go(func() {
			<-start
			s, err := p.Slot()
			mu.Lock()
			if err != nil {
				busy++
			} else {
				ran++
			}
			mu.Unlock()
			if err != nil {
				return
			}
			defer s.Release()
			if ok, err := s.Check(hash, "wrong horse battery"); ok || err != nil {
				t.Errorf("Check(wrong): %v, %v", ok, err)
			}
		})
	}
	close(start)
	wg.Wait()
	st := p.Stats()
	if st.Peak > 2 {
		t.Errorf("peak concurrent hashes %d, want at most 2", st.Peak)
	}
	if st.Checks != int64(ran) || busy+ran != 12 {
		t.Errorf("checks %d, ran %d, busy %d", st.Checks, ran, busy)
	}
	if st.Hashes != 1 {
		t.Errorf("hashes %d, want 1", st.Hashes)
	}
	s, _ := p.Slot()
	s.CheckNoAccount("anything")
	s.Release()
	if got := p.Stats().Checks; got != st.Checks+1 {
		t.Errorf("CheckNoAccount is not counted as a check: %d", got)
	}
}
