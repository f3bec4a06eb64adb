package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// soldier serves GET and PUT /soldiers/{id}.
func (s *Server) soldier(w http.ResponseWriter, r *http.Request, rs *reqState) {
	raw := strings.TrimPrefix(r.URL.Path, "/soldiers/")
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < 1 || n > maxSoldierID || strconv.FormatInt(n, 10) != raw {
		s.writeError(w, rs, &apiError{status: http.StatusNotFound, code: codeNotFound, field: "id",
			msg: "no soldier " + strconv.Quote(raw) + ": soldier ids are whole numbers from 1 to " + strconv.Itoa(maxSoldierID)})
		return
	}
	id := engine.SoldierID(n)
	if r.Method == http.MethodPut {
		s.putSoldier(w, r, rs, id)
		return
	}
	s.getSoldier(w, r, rs, id)
}

// putSoldier stores a soldier's static covariates.
func (s *Server) putSoldier(w http.ResponseWriter, r *http.Request, rs *reqState, id engine.SoldierID) {
	if s.o.reserved != nil && s.o.reserved(id) {
		s.writeError(w, rs, newError(http.StatusConflict, codeSimulated, "id", "soldier %d %s", id, s.o.reservedWhy))
		return
	}
	if e := s.readBody(r, rs); e != nil {
		s.writeError(w, rs, e)
		return
	}
	p, e := decodeProfile(rs.body, id)
	if e != nil {
		s.writeError(w, rs, e)
		return
	}
	ctx, cancel := context.WithTimeout(ingestContext, s.o.storeTimeout)
	defer cancel()
	if err := s.m.SetProfile(ctx, p); err != nil {
		s.met.storeError(err)
		s.fail(w, rs, err)
		return
	}
	s.storeBack()
	b := append(rs.out[:0], `{"profile":`...)
	b = appendProfile(b, &p, true)
	if _, scored := s.m.Latest(id); scored {
		b = append(b, `,"note":`...)
		b = appendString(b, "soldier "+strconv.Itoa(int(id))+" already has verdicts: the scorer keeps the covariates it started the soldier's series with until that series restarts (a gap longer than the window, or a server restart)")
	}
	b = append(b, '}')
	rs.out = b
	writeJSON(w, http.StatusOK, b)
}

// getSoldier returns a soldier's profile, recent window and latest verdict.
func (s *Server) getSoldier(w http.ResponseWriter, r *http.Request, rs *reqState, id engine.SoldierID) {
	n := s.m.WindowRows()
	if q := r.URL.Query().Get("n"); q != "" {
		v, err := strconv.Atoi(q)
		if err != nil || v < 1 || v > featurestore.DefaultCapacity {
			s.writeError(w, rs, newError(http.StatusBadRequest, codeInvalidValue, "n",
				"n must be a whole number of rows from 1 to %d (got %s)", featurestore.DefaultCapacity, strconv.Quote(q)))
			return
		}
		n = v
	}
	ctx, cancel := context.WithTimeout(ingestContext, s.o.storeTimeout)
	defer cancel()
	p, known, err := s.m.Profile(ctx, id)
	if err != nil {
		s.met.storeError(err)
		s.fail(w, rs, err)
		return
	}
	rows, err := s.m.Store().Window(ctx, id, n, nil)
	if err != nil {
		s.met.storeError(err)
		s.fail(w, rs, err)
		return
	}
	s.storeBack()
	v, scored := s.m.Latest(id)
	if len(rows) == 0 && !known && !scored {
		s.writeError(w, rs, &apiError{status: http.StatusNotFound, code: codeNotFound, field: "id",
			msg: "soldier " + strconv.Itoa(int(id)) + " has no observations and no profile"})
		return
	}
	b := append(rs.out[:0], `{"soldier_id":`...)
	b = strconv.AppendInt(b, int64(id), 10)
	b = append(b, `,"profile":`...)
	b = appendProfile(b, &p, known)
	b = append(b, `,"window":[`...)
	for i := range rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendObservation(b, &rows[i])
	}
	b = append(b, `],"latest":`...)
	if scored {
		b = appendVerdict(b, &v, s.extras)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, '}')
	rs.out = b
	writeJSON(w, http.StatusOK, b)
}
