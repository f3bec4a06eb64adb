// Package redistest starts a throwaway redis-server for one test or
// benchmark: the testing.TB side of featurestore/redisserver, kept apart so
// that only tests import package testing through it.
package redistest
