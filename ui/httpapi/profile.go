package httpapi

import (
	"net/http"
	"strconv"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// The fields of PUT /soldiers/{id}: a soldier's static covariates, named as
// in the feature table.
const (
	pSoldier = iota
	pSquad
	pAge
	pFitness
	pRestingHR
	pHRMax
	pMass
	pAcclimatised
	pBaseCoreTemp
	numProfileFields
)

var profileFieldNames = [numProfileFields]string{"soldier_id", "squad", "age", "fitness", "resting_hr", "hr_max", "mass", "acclimatised", "base_core_temp"}

// profileFields is a decoded profile body before defaults.
type profileFields struct {
	soldier int64
	squad   int64
	fitness engine.FitnessClass
	num     [numProfileFields]float64 // the numeric covariates by field index
	seen    uint16
}

func (p *profileFields) has(idx int) bool { return p.seen&(1<<idx) != 0 }

func (p *profileFields) field(key []byte) int {
	for i, n := range profileFieldNames {
		if string(key) == n {
			return i
		}
	}
	return -1
}

func (p *profileFields) fieldName(idx int) string { return profileFieldNames[idx] }
func (p *profileFields) seenBits() *uint16        { return &p.seen }

func (p *profileFields) set(idx int, v *fieldValue) *apiError {
	name := profileFieldNames[idx]
	switch idx {
	case pSoldier:
		if v.kind != '0' {
			return wrongType(name, "a positive integer", v)
		}
		id, whole, ok := parseInt(v.num, 1, maxSoldierID)
		if !whole {
			return wrongType(name, "a positive integer", &fieldValue{kind: '0'})
		}
		if !ok {
			return newError(http.StatusUnprocessableEntity, codeOutOfRange, name, "soldier_id must be between 1 and %d (got %s)", maxSoldierID, v.num)
		}
		p.soldier = id
		return nil
	case pFitness:
		if v.kind != '"' {
			return wrongType(name, "one of low, average, high", v)
		}
		f, err := engine.ParseFitness(string(v.str))
		if err != nil {
			return newError(http.StatusUnprocessableEntity, codeInvalidValue, name, "fitness must be one of low, average, high (got %s)", strconv.Quote(string(v.str)))
		}
		p.fitness = f
		return nil
	}
	rg, _ := featurestore.FeatureByName(name)
	if v.kind != '0' {
		return wrongType(name, "a number in "+rg.Unit, v)
	}
	if idx == pSquad {
		sq, whole, ok := parseInt(v.num, int64(rg.Min), int64(rg.Max))
		if !whole {
			return newError(http.StatusBadRequest, codeWrongType, name, "squad must be a whole number (got %s)", v.num)
		}
		if !ok {
			return rangeError(name, &rg, v.num)
		}
		p.squad = sq
		return nil
	}
	x, ok := parseFloat(v.num)
	if !ok {
		return newError(http.StatusUnprocessableEntity, codeOutOfRange, name, "%s must be a finite number (got %s)", name, v.num)
	}
	if !rg.Contains(x) {
		return rangeError(name, &rg, v.num)
	}
	p.num[idx] = x
	return nil
}

// decodeProfile reads the body of PUT /soldiers/{id} and returns the
// profile: fields left out keep engine.DefaultProfile's values, except
// hr_max, which follows age (208 − 0.7·age) when only age is given.
func decodeProfile(b []byte, id engine.SoldierID) (engine.Profile, *apiError) {
	var l lexer
	l.reset(b)
	var f profileFields
	rule, fatal := decodeObject(&l, &f, "a profile object")
	if fatal != nil {
		return engine.Profile{}, fatal
	}
	if e := l.end(); e != nil {
		return engine.Profile{}, e
	}
	if rule != nil {
		return engine.Profile{}, rule
	}
	if f.has(pSoldier) && f.soldier != int64(id) {
		return engine.Profile{}, newError(http.StatusUnprocessableEntity, codeInvalidValue, "soldier_id",
			"soldier_id %d in the body differs from soldier %d in the path", f.soldier, id)
	}
	p := engine.DefaultProfile(id)
	if f.has(pSquad) {
		p.Squad = int(f.squad)
	}
	if f.has(pFitness) {
		p.Fitness = f.fitness
	}
	if f.has(pAge) {
		p.Age = f.num[pAge]
		p.HRMax = engine.HRMaxForAge(p.Age)
	}
	for idx, dst := range map[int]*float64{pRestingHR: &p.RestingHR, pHRMax: &p.HRMax, pMass: &p.Mass,
		pAcclimatised: &p.Acclimatised, pBaseCoreTemp: &p.BaseCoreTemp} {
		if f.has(idx) {
			*dst = f.num[idx]
		}
	}
	if p.RestingHR >= p.HRMax {
		field := "resting_hr"
		if f.has(pHRMax) && !f.has(pRestingHR) {
			field = "hr_max"
		}
		return engine.Profile{}, newError(http.StatusUnprocessableEntity, codeInvalidValue, field,
			"resting_hr (%g bpm) must be below hr_max (%g bpm)", p.RestingHR, p.HRMax)
	}
	return p, nil
}
