package search

import (
	"context"
	"errors"
	"sync/atomic"
)

// Service holds the current *Index so the HTTP layer can swap in a freshly
// built index (watch mode) without restarting.
type Service struct {
	cur atomic.Pointer[Index]
}

// NewService returns a Service serving ix (which may be nil until the first
// build; searches then fail with ErrClosed).
func NewService(ix *Index) *Service {
	s := &Service{}
	s.cur.Store(ix)
	return s
}

// Swap installs ix and returns the previous index, which the caller should
// Close; searches still running on it finish first.
func (s *Service) Swap(ix *Index) (old *Index) {
	return s.cur.Swap(ix)
}

// Index returns the current index.
func (s *Service) Index() *Index {
	return s.cur.Load()
}

// Search runs req on the current index, retrying when a concurrent Swap
// closed the index it started on.
func (s *Service) Search(ctx context.Context, req Request) (*Result, error) {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		ix := s.Index()
		if ix == nil {
			return nil, ErrClosed
		}
		var res *Result
		res, err = ix.Search(ctx, req)
		if !errors.Is(err, ErrClosed) || s.Index() == ix {
			return res, err
		}
	}
	return nil, err
}
