package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

const (
	// searchTimeout bounds one request's work, including wildcard expansion.
	searchTimeout = 5 * time.Second
	// maxRawQuery bounds the URL query before it is parsed at all. A
	// 1000-character query of 4-byte runes, percent-encoded, is 12 KiB.
	maxRawQuery = 32 << 10
)

// requestFromURL reads q, the filter keys, page and size. Unlike Request,
// where zero means "default", an explicit page=0 or size=0 is an error.
func requestFromURL(u *url.URL) (Request, error) {
	var req Request
	if len(u.RawQuery) > maxRawQuery {
		return req, badQuery("query string too long")
	}
	vals, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return req, badQuery("malformed query string")
	}
	req.Query = vals.Get("q")
	for _, fk := range facetKeys {
		if vs := vals[fk.key]; len(vs) > 0 {
			if req.Filters == nil {
				req.Filters = map[string][]string{}
			}
			req.Filters[fk.key] = vs
		}
	}
	num := func(name string, lo, hi int) (int, error) {
		s := vals.Get(name)
		if s == "" {
			return 0, nil
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < lo || n > hi {
			return 0, badQuery(fmt.Sprintf("%s must be a whole number from %d to %d", name, lo, hi))
		}
		return n, nil
	}
	if req.Page, err = num("page", 1, 1<<30); err != nil {
		return req, err
	}
	if req.Size, err = num("size", 1, MaxSize); err != nil {
		return req, err
	}
	return req, nil
}

func isReadMethod(r *http.Request) bool {
	return r.Method == http.MethodGet || r.Method == http.MethodHead
}

// statusFor maps a search error to an HTTP status and a message that is
// safe to show (internal details stay out of responses).
func statusFor(err error) (int, string) {
	switch {
	case errors.Is(err, ErrBadQuery):
		return http.StatusBadRequest, err.Error()
	case errors.Is(err, ErrClosed):
		return http.StatusServiceUnavailable, "search index is not available right now"
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, "search took too long"
	case errors.Is(err, context.Canceled):
		return http.StatusServiceUnavailable, "search cancelled"
	}
	return http.StatusInternalServerError, "search failed"
}

// APIHandler answers GET/HEAD /api/search with a JSON Result, 400 with
// {"error": ...} for bad input and 405 for other methods.
func APIHandler(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Nothing is written before the body is fully prepared, so a
		// recovered panic can still send a clean 500.
		defer func() {
			if v := recover(); v != nil {
				writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error"})
			}
		}()
		if !isReadMethod(r) {
			w.Header().Set("Allow", "GET, HEAD")
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method not allowed"})
			return
		}
		req, err := requestFromURL(r.URL)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), searchTimeout)
		defer cancel()
		res, err := s.Search(ctx, req)
		if err != nil {
			code, msg := statusFor(err)
			writeJSON(w, code, map[string]string{"error": msg})
			return
		}
		writeJSON(w, http.StatusOK, res)
	})
}

func writeJSON(w http.ResponseWriter, code int, v interface{}) {
	b, err := json.Marshal(v)
	if err != nil {
		code, b = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}
